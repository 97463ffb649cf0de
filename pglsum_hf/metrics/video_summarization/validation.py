"""Input checks of the keyshot protocol: every message says where the problem is (``video 3 ('video_12')``),
which field, and what was expected and found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

REQUIRED_FIELDS = ("user_summary", "change_points", "picks", "n_frames")
OPTIONAL_FIELDS = ("user_scores", "gtscore", "features")
# Every field a reference may have; video_id only names the video in messages.
REFERENCE_FIELDS = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS, "video_id")


def describe(array: np.ndarray) -> str:
    return f"shape {tuple(array.shape)} and dtype {array.dtype}"


def numeric_array(value: Any, where: str, field: str, ndim: int, integer: bool = False) -> np.ndarray:
    """``value`` as an ``ndim``-D array of finite numbers (int64 if ``integer`` else float64)."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(f"{where}: {field} is not a regular {ndim}-D array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: {field} must be numeric, found {describe(array)}")
    if array.ndim != ndim:
        raise ValueError(f"{where}: {field} must be a {ndim}-D array, found {describe(array)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: {field} contains NaN or infinite values")
    if integer:
        if array.dtype.kind == "f" and not np.all(array == np.round(array)):
            raise ValueError(f"{where}: {field} must hold integers, found non-integral values")
        return array.astype(np.int64)
    return array.astype(np.float64)


def check_per_video(value: Any, name: str) -> None:
    """``predictions`` and ``references`` hold one entry per video: refuse None, a single video's dict, a string or a
    number with a message (``len()`` would raise a bare TypeError)."""
    if value is None or isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        found = "a dict (one video: wrap it in a list)" if isinstance(value, dict) else type(value).__name__
        raise ValueError(f"{name}: expected a list with one entry per video, found {found}")


def check_proportion(proportion: float) -> float:
    if isinstance(proportion, bool) or not isinstance(proportion, (int, float, np.floating, np.integer)):
        raise ValueError(f"proportion must be a number in (0, 1], found {proportion!r}")
    if not 0 < proportion <= 1:
        raise ValueError(f"proportion must be in (0, 1], found {proportion}")
    return float(proportion)


def check_keyshot_inputs(
    scores: Any, picks: Any, n_frames: Any, change_points: Any, where: str
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Validate one video's scores, picks, n_frames and change points; return them as arrays."""
    n_frames_array = numeric_array(n_frames, where, "n_frames", ndim=0, integer=True)
    n_frames = int(n_frames_array)
    if n_frames < 1:
        raise ValueError(f"{where}: n_frames must be positive, found {n_frames}")
    picks = numeric_array(picks, where, "picks", ndim=1, integer=True)
    scores = numeric_array(scores, where, "predictions (scores)", ndim=1)
    if len(scores) != len(picks):
        raise ValueError(
            f"{where}: predictions (scores) has {len(scores)} entries but picks has {len(picks)}; "
            "expected one score per sampled frame"
        )
    if len(picks) == 0:
        raise ValueError(f"{where}: picks is empty; expected at least one sampled frame")
    if np.any(np.diff(picks) <= 0):
        position = int(np.argmax(np.diff(picks) <= 0)) + 1
        raise ValueError(
            f"{where}: picks must be strictly increasing, found {picks[position - 1]} then {picks[position]}"
        )
    if picks[0] < 0 or picks[-1] >= n_frames:
        raise ValueError(
            f"{where}: picks must be frame indices in [0, {n_frames - 1}] (n_frames={n_frames}), "
            f"found {picks[0]}..{picks[-1]}"
        )
    change_points = numeric_array(change_points, where, "change_points", ndim=2, integer=True)
    if change_points.shape[0] == 0 or change_points.shape[1] != 2:
        raise ValueError(
            f"{where}: change_points must have shape (n_shots >= 1, 2) of inclusive [start, end] frames, "
            f"found {describe(change_points)}"
        )
    starts, ends = change_points[:, 0], change_points[:, 1]
    if starts[0] < 0 or ends[-1] >= n_frames:
        raise ValueError(
            f"{where}: change_points out of range: shots span frames {starts[0]}..{ends[-1]} but the video "
            f"has frames 0..{n_frames - 1} (n_frames={n_frames})"
        )
    if np.any(ends < starts):
        shot = int(np.argmax(ends < starts))
        raise ValueError(f"{where}: change_points shot {shot} ends before it starts: {change_points[shot].tolist()}")
    if np.any(starts[1:] <= ends[:-1]):
        shot = int(np.argmax(starts[1:] <= ends[:-1])) + 1
        raise ValueError(
            f"{where}: change_points shots must be increasing and non-overlapping, but shot {shot} "
            f"{change_points[shot].tolist()} starts at or before the end of shot {shot - 1} "
            f"{change_points[shot - 1].tolist()}"
        )
    return scores, picks, n_frames, change_points


def video_label(index: int, reference: Any) -> str:
    video_id = reference.get("video_id") if isinstance(reference, dict) else None
    return f"video {index}" + (f" ({video_id!r})" if video_id else "")


def check_reference_fields(reference: Any, where: str) -> None:
    if not isinstance(reference, dict):
        raise ValueError(f"{where}: a reference must be a dict, found {type(reference).__name__}")
    unknown = sorted(set(reference) - set(REFERENCE_FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown reference field(s) {unknown}; expected fields {list(REFERENCE_FIELDS)}")
    missing = [field for field in REQUIRED_FIELDS if reference.get(field) is None]
    if missing:
        raise ValueError(f"{where}: reference is missing required field(s) {missing}")


def present_optional_fields(references: Sequence[dict]) -> list[str]:
    """Optional fields given for every video; a field given for only some videos is an error."""
    present = []
    for field in OPTIONAL_FIELDS:
        missing = [index for index, reference in enumerate(references) if reference.get(field) is None]
        if len(missing) == len(references):
            continue
        if missing:
            raise ValueError(
                f"references: optional field {field!r} is given for some videos but missing for videos "
                f"{missing[:10]}{'...' if len(missing) > 10 else ''}; give it for every video or for none"
            )
        present.append(field)
    return present
