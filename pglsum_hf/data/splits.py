"""The benchmarks' train/test splits: a JSON list of ``{"train_keys": [...], "test_keys": [...]}``.

The PGL-SUM paper uses 5 random 80/20 splits per benchmark (keys ``video_1`` .. ``video_N``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from .errors import DataFormatError, require_file
from .h5 import video_sort_key

Split = dict[str, list[str]]
SplitsLike = str | os.PathLike | Sequence[Split]


def splits_source(splits: SplitsLike) -> str:
    """How messages name the splits: the JSON path, or ``<splits argument>`` for a list given in code."""
    return str(splits) if isinstance(splits, (str, os.PathLike)) else "<splits argument>"


def read_splits(splits: SplitsLike) -> list[Split]:
    """Return the splits from a JSON file path (or pass a list of splits through), checking their shape."""
    source = splits_source(splits)
    if isinstance(splits, (str, os.PathLike)):
        path = require_file(splits, "splits JSON")
        try:
            splits = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise DataFormatError(source, None, None, "valid JSON", f"{error.msg} at line {error.lineno}") from None
        except UnicodeDecodeError as error:
            raise DataFormatError(
                source, None, None, "UTF-8 JSON text", f"undecodable byte at offset {error.start}"
            ) from None
    if not isinstance(splits, list) or not splits:
        raise DataFormatError(source, None, None, "a non-empty list of splits", type(splits).__name__)
    for index, split in enumerate(splits):
        for field in ("train_keys", "test_keys"):
            keys = split.get(field) if isinstance(split, dict) else None
            if not isinstance(keys, list) or not keys or not all(isinstance(key, str) for key in keys):
                raise DataFormatError(
                    source, None, f"[{index}].{field}", "a non-empty list of video keys", repr(keys)[:80]
                )
    return [{"train_keys": list(split["train_keys"]), "test_keys": list(split["test_keys"])} for split in splits]


def validate_splits(splits: Sequence[Split], video_ids: Sequence[str], source: str, data_file: str) -> None:
    """Every key must be a video of ``data_file`` and no video may be both train and test in one split."""
    known = set(video_ids)
    for index, split in enumerate(splits):
        for field in ("train_keys", "test_keys"):
            unknown = [key for key in split[field] if key not in known]
            if unknown:
                raise DataFormatError(
                    source,
                    unknown[0],
                    f"[{index}].{field}",
                    f"a video of {data_file} ({len(known)} videos)",
                    "a key not in that file",
                )
            if len(set(split[field])) != len(split[field]):
                duplicate = next(key for key in split[field] if split[field].count(key) > 1)
                raise DataFormatError(source, duplicate, f"[{index}].{field}", "each video once", "it twice")
        both = sorted(set(split["train_keys"]) & set(split["test_keys"]), key=video_sort_key)
        if both:
            raise DataFormatError(
                source, both[0], f"[{index}]", "a video in train_keys or test_keys, not both", "it in both"
            )


def make_random_splits(
    video_ids: Sequence[str], n_splits: int = 5, test_fraction: float = 0.2, seed: int = 0
) -> list[Split]:
    """``n_splits`` random train/test splits; the test sets are consecutive chunks of one shuffled order,
    so with 5 splits of 20% every video is tested exactly once (few videos wrap around)."""
    order = [video_ids[i] for i in np.random.default_rng(seed).permutation(len(video_ids))]
    n_test = max(1, round(test_fraction * len(order)))
    splits = []
    for index in range(n_splits):
        test = {order[(index * n_test + offset) % len(order)] for offset in range(n_test)}
        splits.append(
            {
                "train_keys": sorted(key for key in order if key not in test),
                "test_keys": sorted(test),
            }
        )
    return splits


def write_splits(splits: Sequence[Split], path: str | os.PathLike) -> Path:
    """Write splits as JSON (keys sorted as strings, like the published files)."""
    path = Path(path)
    with atomic_file(path) as temporary:
        temporary.write_text(json.dumps(list(splits), indent=4, sort_keys=True) + "\n", encoding="utf-8")
    return path


def default_splits_path(h5_path: str | os.PathLike) -> Path:
    """Where a feature file's splits are looked for by default: ``<stem>_splits.json`` beside it."""
    h5_path = Path(h5_path)
    return h5_path.with_name(f"{h5_path.stem}_splits.json")
