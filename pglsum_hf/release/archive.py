"""The authors' release of trained PGL-SUM models (``pretrained_models.zip``, Zenodo record 5635735), read whole.

The release unzips to ``pretrained_models/table{3,4}_models/{SumMe,TVSum}/split{0..4}/<one .pt state dict>``: 20
state dicts of the paper's configuration (8 global heads, 4 segments, ``add`` fusion, ``absolute`` positions). It
is read from the unzipped folder or from the zip itself: zip members are read into memory and parsed with
``torch.load(weights_only=True)``, so nothing is executed and nothing is extracted. Every checkpoint is read and
checked before anything is written; files that are not checkpoints (a README, ``__MACOSX/`` entries, ``.DS_Store``)
are listed and ignored.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import CheckpointError
from ..evaluation.paper_tables import DATASET_NAMES, TABLES
from .original_checkpoint import model_from_original, read_original_state_dict

if TYPE_CHECKING:
    from ..modeling_pglsum import PGLSumModel

N_SPLITS = 5
# The paper's configuration, which every released checkpoint must have.
PAPER_HEADS, PAPER_SEGMENTS, PAPER_FUSION, PAPER_POS_ENC = 8, 4, "add", "absolute"
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".pkl", ".tar")
# A zip member larger than this is no PGL-SUM checkpoint (the paper's model is about 37 MB); it is not read.
MAX_MEMBER_BYTES = 1 << 30
# Where a checkpoint sits in the release: <anything>/table3_models/SumMe/split0/<file>
LOCATION = re.compile(r"(?:.*/)?(table[0-9]+)_models/([^/]+)/split([0-9]+)/([^/]+)")
DATASET_FOLDERS = {name: key for key, name in DATASET_NAMES.items()}


@dataclass
class ReleaseModel:
    """One converted split model of the release."""

    table: str  # "table3" / "table4"
    dataset: str  # "summe" / "tvsum"
    split: int
    source: str  # the file, or ZIP:member, as messages and cards name it
    model: PGLSumModel

    @property
    def folder(self) -> str:
        """The table/dataset folder (and Hub repository name) this model belongs to."""
        return release_folder(self.dataset, self.table)

    @property
    def subfolder(self) -> str:
        return f"split_{self.split}"


@dataclass
class Release:
    source: Path
    models: list[ReleaseModel]
    ignored: list[str] = field(default_factory=list)

    def groups(self) -> dict[str, list[ReleaseModel]]:
        """The models per table/dataset folder (``pglsum-summe-table4``), splits in order."""
        grouped: dict[str, list[ReleaseModel]] = {}
        for model in sorted(self.models, key=lambda m: (m.table, m.dataset, m.split)):
            grouped.setdefault(model.folder, []).append(model)
        return grouped


def release_folder(dataset: str, table: str) -> str:
    return f"pglsum-{dataset}-{table}"


def is_release(path: str | Path) -> bool:
    """Whether ``--checkpoint`` names a whole release (a folder or a zip) rather than one state dict."""
    path = Path(path)
    return path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip")


def _ignored(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(part == "__MACOSX" or part.startswith(".") for part in parts)


def _folder_files(folder: Path) -> Iterator[tuple[str, Any]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix(), path


def _zip_files(archive: zipfile.ZipFile) -> Iterator[tuple[str, Any]]:
    for info in archive.infolist():
        if not info.is_dir():
            yield info.filename, info


def read_release(path: str | Path) -> Release:
    """Read and check every checkpoint of the release at ``path`` (folder or zip), converting each to a model.

    Raises:
        CheckpointError: naming the file, for a missing or extra split, two checkpoints in one split folder, an
            unreadable or truncated file, a pickle payload, a wrong shape or non-finite weights.
    """
    path = Path(path)
    archive = None
    if path.is_dir():
        files = list(_folder_files(path))
    else:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise CheckpointError(f"{path}: not a readable zip archive ({error})") from None
        files = list(_zip_files(archive))
    try:
        return _read(path, archive, files)
    finally:
        if archive is not None:
            archive.close()


def _read(path: Path, archive: zipfile.ZipFile | None, files: list[tuple[str, Any]]) -> Release:
    def where(name: str) -> str:
        return f"{path}:{name}" if archive is not None else str(path / name)

    found: dict[tuple[str, str, int], list[tuple[str, Any]]] = {}
    ignored = []
    for name, handle in files:
        match = LOCATION.fullmatch(name)
        if _ignored(name) or match is None or not name.lower().endswith(CHECKPOINT_SUFFIXES):
            ignored.append(name)
            continue
        table, dataset_folder, split = match.group(1), match.group(2), int(match.group(3))
        if table not in TABLES or dataset_folder not in DATASET_FOLDERS or split >= N_SPLITS:
            raise CheckpointError(
                f"{where(name)}: a checkpoint outside the release's layout (expected table3_models or table4_models, "
                f"then SumMe or TVSum, then split0 .. split{N_SPLITS - 1})"
            )
        found.setdefault((table, DATASET_FOLDERS[dataset_folder], split), []).append((name, handle))
    if not found:
        raise CheckpointError(
            f"{path}: no checkpoint of the PGL-SUM release in it (expected pretrained_models/table3_models/SumMe/"
            "split0/<file>.pt and so on)"
        )
    for (table, dataset, split), entries in found.items():
        if len(entries) > 1:
            raise CheckpointError(
                f"{where(entries[0][0])} and {where(entries[1][0])}: two checkpoints for {table} "
                f"{DATASET_NAMES[dataset]} split {split}; expected one per split folder"
            )
    expected = [(table, dataset, split) for table in TABLES for dataset in DATASET_NAMES for split in range(N_SPLITS)]
    missing = [f"{table}_models/{DATASET_NAMES[dataset]}/split{split}" for table, dataset, split in expected
               if (table, dataset, split) not in found]  # fmt: skip
    if missing:
        raise CheckpointError(
            f"{path}: the release lacks {len(missing)} of its {len(expected)} checkpoints: no checkpoint in "
            f"{', '.join(missing)}"
        )
    models = []
    for table, dataset, split in expected:
        name, handle = found[(table, dataset, split)][0]
        source = where(name)
        state_dict = read_original_state_dict(_member(archive, handle, source) if archive else handle, source)
        model = model_from_original(state_dict, source, PAPER_HEADS, PAPER_SEGMENTS, PAPER_FUSION, PAPER_POS_ENC)
        models.append(ReleaseModel(table, dataset, split, source, model))
    return Release(path, models, ignored)


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> io.BytesIO:
    """A zip member's bytes in memory (never written anywhere); a truncated or corrupt member names itself."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise CheckpointError(f"{source}: {info.file_size} bytes, far more than a PGL-SUM checkpoint; not read")
    try:
        return io.BytesIO(archive.read(info))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise CheckpointError(f"{source}: cannot be read from the zip archive ({error})") from None
