"""The outputs of a ``make-dataset`` build, written whole or not at all.

``NAME.h5`` and ``NAME_splits.json`` are written into a staging folder inside the output folder
(``.pglsum_staging.*``), the datasets folder ``NAME_dataset/`` is converted from them beside its final place
(:func:`pglsum_hf.data.convert.convert_h5_to_dataset`, which replaces an old one only once the new one is whole),
then the h5 and the splits are moved into place. A failed or killed build leaves no file under a final name that
it did not finish; what it leaves behind (the staging folder, the conversion's temporary folder) is removed by the
next build into the same folder.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import (
    check_free_space,
    is_marked_temporary,
    marked_temporary_folder,
    remove_marked_temporaries,
    reporting_disk_full,
)
from .feature_cache import CACHE_FOLDER

STAGING_PREFIX = ".pglsum_staging."  # outputs being written; one left by a killed run is removed by the next


@dataclass
class OutputPaths:
    """The three outputs of a build named ``name`` in ``output_dir``."""

    h5: Path
    splits: Path
    dataset_dir: Path

    @classmethod
    def of(cls, output_dir: Path, name: str) -> OutputPaths:
        return cls(output_dir / f"{name}.h5", output_dir / f"{name}_splits.json", output_dir / f"{name}_dataset")


def _left_by_a_killed_build(entry: Path) -> bool:
    """A staging folder, a conversion's temporary folder (both marked as ours) or a lock file: what a killed build
    leaves behind."""
    if entry.name.endswith(".pglsum-lock"):
        return True
    named = entry.name.startswith(STAGING_PREFIX) or (entry.name.startswith(".") and entry.name.endswith(".tmp"))
    return named and is_marked_temporary(entry)


def output_is_resumable(output_dir: Path) -> bool:
    """The folder holds nothing but the cache of an earlier, unfinished build: resume without ``--overwrite``."""
    if not output_dir.is_dir():
        return False
    names = {entry.name for entry in output_dir.iterdir() if not _left_by_a_killed_build(entry)}
    return names == {CACHE_FOLDER}


def write_h5(path: Path, rows: list[tuple[str, dict[str, Any]]], provenance: dict[str, Any], shown: Path) -> None:
    """Write the h5 at ``path`` (a staging file); a lack of disk space is reported against ``shown``, its final name."""
    import h5py

    from .h5 import write_videos

    # The arrays plus HDF5's own records (a few kB per dataset and per file): checked first, as HDF5 can crash
    # the process when the file-size limit stops it half-way.
    arrays = [np.asarray(value) for _, row in rows for value in row.values()]
    check_free_space(shown, sum(array.nbytes + 2048 for array in arrays) + 16384)
    with reporting_disk_full(shown):
        write_videos(path, rows, attrs={"provenance": json.dumps(provenance)})
        # user_scores and category are not part of the standard layout's required fields; add them for TVSum data.
        with h5py.File(path, "a") as h5:
            for video_id, arrays in rows:
                if "user_scores" in arrays:
                    h5[video_id].create_dataset("user_scores", data=arrays["user_scores"])


def write_outputs(
    output_dir: Path,
    name: str,
    rows: list[tuple[str, dict[str, Any]]],
    split_list: list[dict],
    provenance: dict[str, Any],
    annotation_format: str,
    annotations: Path,
    progress: bool,
) -> OutputPaths:
    """Write ``NAME.h5``, ``NAME_splits.json`` and ``NAME_dataset/`` of the assembled ``rows`` (module docstring)."""
    from .annotations import VideoAnnotation, write_tvsum_annotations
    from .convert import convert_h5_to_dataset
    from .splits import write_splits

    final = OutputPaths.of(output_dir, name)
    remove_marked_temporaries(output_dir, f"{STAGING_PREFIX}*")
    staging = marked_temporary_folder(output_dir, prefix=STAGING_PREFIX)
    staged = OutputPaths.of(staging, name)
    try:
        write_h5(staged.h5, rows, provenance, shown=final.h5)
        write_splits(split_list, staged.splits)
        tvsum_annotations = None
        if annotation_format == "tvsum":  # convert adds the raw scores from a ydata-anno.tsv of exactly these videos
            tvsum_annotations = staging / annotations.name
            write_tvsum_annotations(
                [VideoAnnotation(a["video_name"], a.get("category", ""), a["user_scores"]) for _, a in rows],
                tvsum_annotations,
            )
        # Converted straight to its final name (the old folder, this command's own, is replaced once the new one is
        # whole), so that its log line and any disk-full message name the folder the user will find.
        convert_h5_to_dataset(staged.h5, staged.splits, final.dataset_dir, name=name, annotations=tvsum_annotations,
                              overwrite=True, show_progress=progress)  # fmt: skip
        os.replace(staged.h5, final.h5)
        os.replace(staged.splits, final.splits)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final
