"""Check a converted dataset folder before ``datasets`` reads it, so a damaged one is named by the file at fault.

``datasets.load_dataset`` meets a broken card YAML with a parser traceback, and a truncated, random or empty Parquet
shard with ``DatasetGenerationError`` halfway through generating a split. Here the card's header is parsed, every
shard it names must exist, and every shard's Parquet footer must read (cheap: the footer only, not the rows).
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from .errors import DataFormatError

CARD = "README.md"
YAML_FENCE = "---"


def card_header(card: Path) -> dict[str, Any]:
    """The YAML header of a dataset card as a dict (empty when the card has none); a broken one names the card."""
    import yaml

    try:
        text = card.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DataFormatError(card, None, None, "a readable UTF-8 dataset card", type(error).__name__) from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != YAML_FENCE:
        return {}
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == YAML_FENCE)
    except StopIteration:
        raise DataFormatError(card, None, None, "a YAML header closed by a '---' line", "no closing line") from None
    try:
        header = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise DataFormatError(card, None, None, "a YAML header that parses", f"{problem}{where}") from None
    if header is None:
        return {}
    if not isinstance(header, dict):
        raise DataFormatError(card, None, None, "a YAML mapping as the header", type(header).__name__)
    return header


def _named_files(config: Any) -> list[str]:
    """The file patterns a card's config names in ``data_files`` (a string, a list, or a list of split entries)."""
    files = config.get("data_files") if isinstance(config, dict) else None
    entries = files if isinstance(files, list) else [files] if files is not None else []
    patterns: list[str] = []
    for entry in entries:
        paths = entry.get("path") if isinstance(entry, dict) else entry
        patterns += [str(p) for p in (paths if isinstance(paths, list) else [paths]) if p is not None]
    return patterns


def check_dataset_folder(folder: str | Path) -> None:
    """Raise `DataFormatError` naming the card or shard of ``folder`` that ``datasets`` could not read.

    The card's header must parse and each of its configs' files must exist; every Parquet file (named or found
    under the folder) must have a readable footer.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    card = folder / CARD
    shards = set(folder.rglob("*.parquet"))
    if card.is_file():
        configs = card_header(card).get("configs") or []
        for config in configs if isinstance(configs, list) else []:
            for pattern in _named_files(config):
                matches = [Path(p) for p in glob.glob(str(folder / pattern))]
                if not matches:
                    name = config.get("config_name", "default") if isinstance(config, dict) else "?"
                    raise DataFormatError(card, None, f"configs.{name}", f"an existing file {pattern}", "none")
                shards.update(p for p in matches if p.suffix == ".parquet")
    for shard in sorted(shards):
        if shard.is_file() and shard.stat().st_size == 0:
            raise DataFormatError(shard, None, None, "a Parquet shard", "an empty file (0 bytes)")
        try:
            pq.ParquetFile(shard).close()
        except (pa.ArrowException, OSError) as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            raise DataFormatError(
                shard, None, None, "a readable Parquet shard", f"a damaged file ({reason[:160]})"
            ) from None
