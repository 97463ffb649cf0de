"""Where training data comes from, as a model card states it: its name, its Hub id, and whether it is synthetic.

Synthetic data is recognised by what the data says of itself, never by a file or repository name (a synthetic
file copied to ``summe/`` or pushed as ``someone/summe`` is still synthetic):

- an ``.h5`` feature file: its root attribute ``synthetic`` (``pglsum make-synthetic`` sets it);
- a converted dataset folder or Hub dataset: the ``synthetic`` tag in its card's metadata (``pglsum convert``
  writes it for a synthetic file).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFormatError

logger = logging.getLogger(__name__)

SYNTHETIC_TAG = "synthetic"
BENCHMARKS = ("summe", "tvsum")


@dataclass(frozen=True)
class DataOrigin:
    """The training data as a model card names it."""

    name: str  # the Hub id, or the file or folder name (never a full local path)
    hub_id: str | None  # the Hub dataset repository, when the data came from one
    synthetic: bool  # the data marks itself synthetic
    benchmark: str | None = None  # "summe" / "tvsum" when the data's card says so


def data_origin(dataset: str | os.PathLike, revision: str | None = None) -> DataOrigin:
    """Describe ``dataset`` (an ``.h5`` file, a converted folder or a Hub dataset id) from its own marks.

    A Hub dataset whose card cannot be read is described as not marked synthetic, with one warning line.
    """
    path = Path(dataset)
    if path.is_file():
        return _h5_origin(path)
    if path.is_dir():
        return _card_origin(path.resolve().name, None, _folder_card_tags(path))
    return _card_origin(str(dataset), str(dataset), _hub_card_tags(str(dataset), revision))


def _h5_origin(path: Path) -> DataOrigin:
    from .h5 import open_h5

    with open_h5(path) as handle:
        synthetic = bool(handle.attrs.get("synthetic", False))
        profile = str(handle.attrs.get("profile", ""))
    return DataOrigin(path.name, None, synthetic, profile if profile in BENCHMARKS else None)


def _card_origin(name: str, hub_id: str | None, tags: list[str]) -> DataOrigin:
    benchmark = next((tag for tag in BENCHMARKS if tag in tags), None)
    return DataOrigin(name, hub_id, SYNTHETIC_TAG in tags, benchmark)


def _card_tags(text: str, source: str) -> list[str]:
    from huggingface_hub import DatasetCard

    try:
        tags = DatasetCard(text, ignore_metadata_errors=True).data.tags or []
    except ValueError as error:
        raise DataFormatError(source, None, "card metadata", "a YAML header", f"unreadable ({error})") from None
    return [str(tag).lower() for tag in tags]


def _folder_card_tags(folder: Path) -> list[str]:
    card = folder / "README.md"
    if not card.is_file():
        return []
    return _card_tags(card.read_text(encoding="utf-8"), str(card))


def _hub_card_tags(repo_id: str, revision: str | None) -> list[str]:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError

    try:
        card = hf_hub_download(repo_id, "README.md", repo_type="dataset", revision=revision)
    except EntryNotFoundError:
        return []
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as error:
        logger.warning(
            "cannot read the card of the dataset %s (%s): the model card cannot say whether the data are synthetic",
            repo_id,
            type(error).__name__,
        )
        return []
    return _card_tags(Path(card).read_text(encoding="utf-8"), f"{repo_id}/README.md")
