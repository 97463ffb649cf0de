"""The benchmark of a ``make-dataset`` build, assembled from the cached videos and their annotations.

Videos are keyed ``video_1`` .. ``video_N``: in annotation-file order for ``tvsum`` (the standard convention:
block i of ``ydata-anno.tsv`` is ``video_i``), in natural order of the video names otherwise (the order of the
standard SumMe file). The original name is kept as ``video_name``. The annotations become ``gtscore``,
``gtsummary`` and ``user_summary`` by the conventions of :mod:`pglsum_hf.data.video_annotations`, and the h5's
root attribute ``provenance`` records how the benchmark was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..version import __version__
from .feature_cache import ExtractionSettings
from .feature_extraction import DatasetBuildError
from .h5 import video_sort_key
from .video_annotations import RawAnnotation, annotation_fields, fit_frame_count


def video_order(
    pairs: dict[Path, RawAnnotation], annotations: Sequence[RawAnnotation], annotation_format: str
) -> list[Path]:
    """The videos of ``pairs`` in ``video_1`` .. ``video_N`` order (module docstring)."""
    if annotation_format == "tvsum":
        position = {annotation.name: index for index, annotation in enumerate(annotations)}
        return sorted(pairs, key=lambda video: position[pairs[video].name])
    return sorted(pairs, key=lambda video: video_sort_key(video.stem))


def assemble_video(
    video: Path, annotation: RawAnnotation, cached: dict[str, np.ndarray], frame_tolerance: int
) -> tuple[dict[str, Any], str | None]:
    """The h5 fields of one video (standard layout, plus ``user_scores`` for TVSum) and a frame-count note.

    Raises:
        AnnotationMismatchError: the annotation does not fit the decoded video.
    """
    n_frames = int(cached["n_frames"])
    fitted, note = fit_frame_count(annotation, str(video), n_frames, frame_tolerance)
    note = note and note.replace(str(video), video.name)  # the card names files, not this machine's paths
    shots, picks = cached["shots"], cached["picks"]
    fields = annotation_fields(
        fitted, str(video), picks, n_frames, shots, cached["timestamps"], float(cached["duration"])
    )
    arrays = {
        "video_name": annotation.name,
        "features": cached["features"],
        "change_points": shots,
        "n_frame_per_seg": shots[:, 1] - shots[:, 0] + 1,
        "n_frames": n_frames,
        "picks": picks,
        "n_steps": len(picks),
        **fields,
    }
    if annotation.category is not None:
        arrays["category"] = annotation.category
    return arrays, note


def choose_splits(
    video_ids: list[str], splits: str | None, n_splits: int, test_fraction: float, seed: int
) -> tuple[list[dict], str]:
    """The splits over ``video_ids`` (those of the file ``splits``, else random ones) and how they were made."""
    from .splits import make_random_splits, read_splits, validate_splits

    if splits is not None:
        split_list = read_splits(splits)
        validate_splits(split_list, video_ids, str(splits), "the videos being built")
        return split_list, f"given: {Path(splits).name}"
    if len(video_ids) < 2:
        raise DatasetBuildError(
            f"only {len(video_ids)} video to build: random train/test splits need at least 2 (or pass --splits)"
        )
    return make_random_splits(
        video_ids, n_splits, test_fraction, seed
    ), f"random: {n_splits} splits, test_fraction {test_fraction}, seed {seed}"


def provenance(
    settings: ExtractionSettings,
    annotation_format: str,
    annotations: Path,
    splits_text: str,
    notes: list[str],
    problems: dict[str, str],
    random_features: bool,
    frame_tolerance: int,
) -> dict[str, Any]:
    """How the benchmark was made: the h5's ``provenance`` attribute, shown in the dataset card."""
    return {
        "tool": f"pglsum make-dataset (pglsum-hf {__version__})",
        "extractor": "GoogLeNet pool5 (torchvision GoogLeNet up to global average pooling), whole frame scaled to 224x224, features L2-normalised",
        "feature_weights": settings.weights_description,
        "feature_weights_sha256": settings.weights_sha256,
        "random_features": random_features,
        "sample_rate": settings.sample_rate,
        "shot_detection": "KTS (pglsum_hf.video.detect_shots, the summarize code) on the sampled-frame features",
        "kts_vmax": settings.kts_vmax,
        "max_change_points": settings.max_change_points,
        "annotation_format": annotation_format,
        "annotation_source": annotations.name,
        "frame_tolerance": frame_tolerance,
        "frame_count_fits": notes,
        "splits": splits_text,
        "left_out": [key if key.startswith("annotation ") else Path(key).name for key in problems],
    }


def problem_line(problems: dict[str, str], what: str) -> str:
    """``N what: first; second; ... and K more``: bad inputs named in one line, at most five of them spelled out."""
    listed = "; ".join(list(problems.values())[:5]) + (
        f"; ... and {len(problems) - 5} more" if len(problems) > 5 else ""
    )
    return f"{len(problems)} {what}: {listed}"
