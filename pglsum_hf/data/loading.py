"""Train/test splits for training: from a Hub id, a converted dataset folder, or an h5 file (converted on the fly)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import datasets

from ..errors import UsageError
from .convert import convert_h5_to_dataset
from .errors import DataFormatError, require_file
from .folder_check import check_dataset_folder
from .splits import SplitsLike, default_splits_path, read_splits, splits_source, validate_splits

logger = logging.getLogger(__name__)

H5_SUFFIXES = (".h5", ".hdf5")


def _converted_cache_folder(
    h5_path: Path, splits: list[dict], annotations: Path | None, cache_dir: str | os.PathLike | None
) -> Path:
    """Cache folder keyed by the h5 file's identity (path, size, mtime) and the splits' content."""
    stat = h5_path.stat()
    identity = [str(h5_path.resolve()), stat.st_size, stat.st_mtime_ns, splits]
    if annotations is not None:
        annotation_stat = annotations.stat()
        identity += [str(annotations.resolve()), annotation_stat.st_size, annotation_stat.st_mtime_ns]
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    root = (
        Path(cache_dir) if cache_dir is not None else Path(datasets.config.HF_DATASETS_CACHE) / "pglsum_hf_converted"
    )
    return root / f"{h5_path.stem}-{digest}"


def convert_cached(
    h5: str | os.PathLike,
    splits: SplitsLike | None = None,
    annotations: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    show_progress: bool = True,
) -> Path:
    """Dataset folder for an h5 file, converting it once into a cache (reused while the file is unchanged).

    ``splits`` defaults to ``<stem>_splits.json`` beside the h5 file.
    """
    h5_path = Path(h5)
    if splits is None:
        splits = default_splits_path(h5_path)
        if not splits.is_file():
            raise FileNotFoundError(f"{h5_path} needs its train/test splits: pass splits=... or put them in {splits}")
    split_list = read_splits(splits)
    annotation_path = Path(annotations) if annotations is not None else None
    folder = _converted_cache_folder(h5_path, split_list, annotation_path, cache_dir)
    if _reads_back(folder, h5_path):
        return folder
    logger.info("converting %s into the dataset cache %s", h5_path, folder)
    try:
        convert_h5_to_dataset(
            h5_path, splits, folder, annotations=annotation_path, overwrite=True, show_progress=show_progress
        )
    except OSError:
        # Another process converted the same file into the same folder first: use its result.
        if not (folder / "README.md").is_file():
            raise
    return folder


def _reads_back(folder: Path, h5_path: Path) -> bool:
    """Whether the cache holds a complete conversion; a damaged one (the cache is ours) is converted again."""
    if not (folder / "README.md").is_file():
        return False
    try:
        check_dataset_folder(folder)
    except DataFormatError as error:
        logger.warning("the cached conversion does not read back (%s); converting %s again", error, h5_path)
        return False
    return True


def load_split(
    dataset: str | os.PathLike,
    split_index: int,
    splits: SplitsLike | None = None,
    *,
    annotations: str | os.PathLike | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    streaming: bool = False,
    numpy_format: bool = True,
    show_progress: bool = True,
    **load_kwargs: Any,
) -> datasets.DatasetDict | datasets.IterableDatasetDict:
    """The ``train`` and ``test`` videos of split ``split_index``, arrays as numpy.

    Args:
        dataset: a Hub dataset id (``org/summe``), a converted dataset folder, or a standard ``.h5`` feature
            file (converted on the fly into a cache folder; its splits come from ``splits`` or
            ``<stem>_splits.json`` beside it).
        split_index: which split (0-based).
        splits: splits JSON path or list. For an h5 file: the splits to convert with. For a dataset: custom
            splits, applied to its ``all`` config by ``video_id`` instead of its ``split_k`` configs.
        annotations: TVSum ``ydata-anno.tsv`` to add raw ``user_scores`` when converting an h5 file.
        revision: Hub revision (branch, tag or commit).
        cache_dir: where conversions of h5 files are kept (default: under the datasets cache).
        streaming: return iterable datasets (not for custom ``splits``).
        numpy_format: give arrays as numpy (``with_format("numpy")``); False keeps Python lists.
        show_progress: progress bars while converting.
        **load_kwargs: passed on to ``datasets.load_dataset``.

    Returns:
        ``DatasetDict`` (or ``IterableDatasetDict`` when streaming) with ``train`` and ``test``.
    """
    if isinstance(split_index, bool) or not isinstance(split_index, int) or split_index < 0:
        raise UsageError(f"split_index must be a non-negative integer, found {split_index!r}")
    path = Path(dataset)
    source = str(dataset)
    if path.suffix.lower() in H5_SUFFIXES:
        require_file(path, "h5 feature file")
        source = str(convert_cached(path, splits, annotations, cache_dir, show_progress))
        splits = None  # the folder's split_k configs are exactly these splits
    elif not path.exists():
        _require_hub_id(source)
    elif not path.is_dir():
        raise UsageError(
            f"{source} is a file, but not a .h5 feature file; give a dataset folder, a Hub id or a .h5 file"
        )
    elif annotations is not None:
        raise UsageError(
            f"annotations apply when converting an .h5 file; {source} is a converted dataset (its user_scores are already in it)"
        )
    else:
        check_dataset_folder(path)
    load_kwargs = {"revision": revision, "streaming": streaming, **load_kwargs}

    if splits is None:
        config = f"split_{split_index}"
        available = datasets.get_dataset_config_names(source, revision=revision)
        if config not in available:
            raise UsageError(f"{source} has no config {config!r}; available configs: {available}")
        loaded = datasets.load_dataset(source, config, **load_kwargs)
    else:
        if streaming:
            raise UsageError("custom splits select rows by video_id and need streaming=False")
        loaded = _custom_split(source, split_index, splits, load_kwargs)
    return loaded.with_format("numpy") if numpy_format else loaded


def _require_hub_id(source: str) -> None:
    """A dataset that is not a local path must be a Hub id; a path that looks like none is a missing folder."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(source)
    except HFValidationError:
        raise FileNotFoundError(
            f"dataset folder not found: {source} (nor is it a Hub dataset id like org/name)"
        ) from None


def _custom_split(source: str, split_index: int, splits: SplitsLike, load_kwargs: dict) -> datasets.DatasetDict:
    split_list = read_splits(splits)
    if split_index >= len(split_list):
        raise UsageError(f"split_index {split_index} is out of range: the splits have {len(split_list)} entries")
    videos = datasets.load_dataset(source, "all", split="full", **load_kwargs)
    video_ids = videos["video_id"]
    validate_splits(split_list, video_ids, splits_source(splits), source)
    row_of = {video_id: row for row, video_id in enumerate(video_ids)}
    split = split_list[split_index]
    return datasets.DatasetDict(
        {name: videos.select([row_of[key] for key in split[f"{name}_keys"]]) for name in ("train", "test")}
    )
