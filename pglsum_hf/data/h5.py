"""Read, validate and write feature files in the standard SumMe/TVSum h5 layout.

One group per video (``video_1`` .. ``video_N``)::

    features         float32 [n_steps, D]         (D = 1024 for GoogLeNet pool5)
    gtscore          float32 [n_steps]
    gtsummary        float32 [n_steps]            (0/1 keyshot summary in the standard files)
    user_summary     float32 [n_users, n_frames]  binary
    change_points    int     [n_segments, 2]      inclusive [start, end] frames from 0, no gaps or overlaps
                                                  (the last may end up to 15 frames off n_frames - 1)
    n_frame_per_seg  int     [n_segments]
    n_frames         int     scalar
    picks            int     [n_steps]            original frame index of each step
    n_steps          int     scalar
    video_name       bytes   scalar               (SumMe only)

:func:`read_video` checks all of it and returns arrays in the dtypes the datasets store (integers as
int64, binary ``user_summary`` as bool, float32 arrays kept bit for bit); every problem raises
:class:`DataFormatError` naming file, video, field, expected and found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..atomic import atomic_file
from .constants import FRAME_STRIDE, H5_REQUIRED_FIELDS
from .errors import DataFormatError, describe_array, require_file

VideoArrays = dict[str, Any]


def video_sort_key(key: str) -> tuple[str, int]:
    """Order ``video_2`` before ``video_10`` (natural order of the numeric suffix)."""
    match = re.fullmatch(r"(.*?)(\d+)", key)
    return (match.group(1), int(match.group(2))) if match else (key, -1)


@contextmanager
def open_h5(path: str | os.PathLike) -> Iterator[h5py.File]:
    """Open a feature file for reading; a missing, truncated or non-HDF5 file raises an error naming it."""
    path = require_file(path, "h5 feature file")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        # h5py says "Unable to synchronously open file (<reason>)" without the file name; keep the reason.
        reason = re.search(r"\((.*)\)", str(error))
        found = (
            f"a file HDF5 cannot open ({reason.group(1) if reason else error}); truncated, half-written or not HDF5"
        )
        raise DataFormatError(path, None, None, "an HDF5 feature file", found) from None
    with handle:
        yield handle


def list_videos(h5: h5py.File) -> list[str]:
    """Video group names of an open file, in natural order."""
    return sorted((key for key in h5 if isinstance(h5[key], h5py.Group)), key=video_sort_key)


class _VideoChecker:
    """Validation of one video group; each method checks one field and names it in errors."""

    def __init__(self, file: str | os.PathLike, video: str, group: h5py.Group) -> None:
        self.file, self.video, self.group = file, video, group

    def fail(self, field: str, expected: str, found: Any) -> DataFormatError:
        return DataFormatError(self.file, self.video, field, expected, found)

    def missing(self, field: str) -> DataFormatError:
        return self.fail(
            field, f"a dataset named {field!r} (required by the standard layout)", f"only {sorted(self.group)}"
        )

    def read(self, field: str) -> np.ndarray:
        if field not in self.group:
            raise self.missing(field)
        try:
            return np.asarray(self.group[field][()])
        except (OSError, KeyError, ValueError) as error:  # a damaged or truncated dataset in an intact file
            raise self.fail(field, "a readable dataset", f"an unreadable one ({error})") from None

    def floats(self, field: str, shape: tuple[int | None, ...], shape_text: str) -> np.ndarray:
        value = self.read(field)
        if value.dtype != np.float32 or not _shape_matches(value.shape, shape):
            raise self.fail(field, f"float32 array [{shape_text}]", describe_array(value))
        if not np.isfinite(value).all():
            raise self.fail(field, "finite values", f"{int((~np.isfinite(value)).sum())} NaN/inf entries")
        return value

    def integers(self, field: str, shape: tuple[int | None, ...], shape_text: str) -> np.ndarray:
        value = self.read(field)
        is_integral = value.dtype.kind in "iu" or (
            value.dtype.kind == "f" and np.isfinite(value).all() and (value == np.round(value)).all()
        )
        if not is_integral or not _shape_matches(value.shape, shape):
            raise self.fail(
                field, f"integer array [{shape_text}]" if shape else "an integer scalar", describe_array(value)
            )
        return value.astype(np.int64)

    def binary(self, field: str, shape: tuple[int | None, ...], shape_text: str) -> np.ndarray:
        value = self.read(field)
        if value.dtype.kind not in "biuf" or not _shape_matches(value.shape, shape):
            raise self.fail(field, f"binary array [{shape_text}]", describe_array(value))
        if not np.isin(value, (0, 1)).all():
            bad = np.unique(value[~np.isin(value, (0, 1))])[:5]
            raise self.fail(field, "only 0/1 values", f"values {bad.tolist()}")
        return value

    def scalar(self, field: str) -> int:
        return int(self.integers(field, (), ""))


def _shape_matches(shape: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def read_video(
    h5: h5py.File, video: str, file: str | os.PathLike | None = None, feature_dim: int | None = None
) -> VideoArrays:
    """Read and validate one video group of an open h5 file.

    Args:
        h5: the open file.
        video: group name, e.g. ``"video_3"``.
        file: path used in error messages (defaults to ``h5.filename``).
        feature_dim: required feature size D (``None`` accepts any, e.g. the first video's).

    Returns:
        dict with ``features`` float32 [n_steps, D], ``gtscore`` / ``gtsummary`` float32 [n_steps],
        ``user_summary`` bool [n_users, n_frames], ``change_points`` int64 [n_segments, 2],
        ``n_frame_per_seg`` int64 [n_segments], ``picks`` int64 [n_steps], ``n_frames`` / ``n_steps`` int,
        and ``video_name`` (str or None).
    """
    file = file if file is not None else h5.filename
    if video not in h5 or not isinstance(h5[video], h5py.Group):
        raise DataFormatError(file, video, None, "a video group of that name", f"groups {list_videos(h5)[:10]}...")
    check = _VideoChecker(file, video, h5[video])
    missing = [field for field in H5_REQUIRED_FIELDS if field not in check.group]
    if missing:
        raise check.missing(missing[0])

    features = check.floats("features", (None, feature_dim), f"n_steps, {feature_dim or 'D'}")
    n_steps = check.scalar("n_steps")
    if n_steps != features.shape[0] or n_steps < 1:
        raise check.fail("n_steps", f"the number of feature rows ({features.shape[0]}, at least 1)", n_steps)
    n_frames = check.scalar("n_frames")
    if n_frames < n_steps:
        raise check.fail("n_frames", f"at least n_steps ({n_steps})", n_frames)

    gtscore = check.floats("gtscore", (n_steps,), f"n_steps={n_steps}")
    gtsummary = check.floats("gtsummary", (n_steps,), f"n_steps={n_steps}")
    user_summary = check.binary("user_summary", (None, n_frames), f"n_users, n_frames={n_frames}").astype(bool)
    if user_summary.shape[0] < 1:
        raise check.fail("user_summary", "at least one user", describe_array(user_summary))

    picks = check.integers("picks", (n_steps,), f"n_steps={n_steps}")
    if picks.min() < 0 or picks.max() >= n_frames:
        raise check.fail(
            "picks", f"frame indices in [0, n_frames={n_frames})", f"range [{picks.min()}, {picks.max()}]"
        )
    if n_steps > 1 and (np.diff(picks) <= 0).any():
        at = int(np.argmax(np.diff(picks) <= 0))
        raise check.fail(
            "picks", "strictly increasing frame indices", f"picks[{at}]={picks[at]}, picks[{at + 1}]={picks[at + 1]}"
        )

    change_points = check.integers("change_points", (None, 2), "n_segments, 2")
    _check_segments(check, change_points, n_frames)
    n_frame_per_seg = check.integers("n_frame_per_seg", (len(change_points),), f"n_segments={len(change_points)}")
    lengths = change_points[:, 1] - change_points[:, 0] + 1
    if not np.array_equal(n_frame_per_seg, lengths):
        at = int(np.argmax(n_frame_per_seg != lengths))
        raise check.fail(
            "n_frame_per_seg",
            f"end - start + 1 of each change point (segment {at}: {lengths[at]})",
            n_frame_per_seg[at],
        )

    video_name = _read_name(check) if "video_name" in check.group else None
    return {
        "video_name": video_name,
        "features": features,
        "gtscore": gtscore,
        "gtsummary": gtsummary,
        "user_summary": user_summary,
        "change_points": change_points,
        "n_frame_per_seg": n_frame_per_seg,
        "n_frames": n_frames,
        "picks": picks,
        "n_steps": n_steps,
    }


def _check_segments(check: _VideoChecker, change_points: np.ndarray, n_frames: int) -> None:
    """Change points must tile the video from frame 0: inclusive, ordered, no gaps, no overlaps."""
    if len(change_points) == 0:
        raise check.fail("change_points", "at least one segment", "an empty array")
    starts, ends = change_points[:, 0], change_points[:, 1]
    if (ends < starts).any():
        at = int(np.argmax(ends < starts))
        raise check.fail(
            "change_points", "start <= end in every segment", f"segment {at} = {change_points[at].tolist()}"
        )
    # The last shot may end up to one sampling step before or after the last frame: shot boundaries were
    # found on the 2 fps grid, and the standard evaluation code pads or trims summaries to n_frames.
    if starts[0] != 0 or abs(ends[-1] - (n_frames - 1)) > FRAME_STRIDE:
        raise check.fail(
            "change_points",
            f"segments covering frames 0..{n_frames - 1} (last end within {FRAME_STRIDE} frames)",
            f"{starts[0]}..{ends[-1]}",
        )
    step = starts[1:] - ends[:-1]
    if (step != 1).any():
        at = int(np.argmax(step != 1))
        kind = "overlap" if step[at] < 1 else "gap"
        raise check.fail(
            "change_points",
            "each segment to start right after the previous one ends (no gaps or overlaps)",
            f"{kind} between segment {at} {change_points[at].tolist()} and segment {at + 1} {change_points[at + 1].tolist()}",
        )


def _read_name(check: _VideoChecker) -> str:
    value = check.group["video_name"][()]
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    raise check.fail("video_name", "a bytes or string scalar", repr(value))


def iter_videos(path: str | os.PathLike) -> Iterator[tuple[str, VideoArrays]]:
    """Yield ``(video_id, arrays)`` for every video of an h5 file, validated, in natural order.

    All videos must share one feature size.
    """
    path = Path(path)
    with open_h5(path) as h5:
        feature_dim = None
        for video in list_videos(h5):
            arrays = read_video(h5, video, path, feature_dim)
            feature_dim = arrays["features"].shape[1]
            yield video, arrays


def write_videos(
    path: str | os.PathLike, videos: Iterable[tuple[str, VideoArrays]], attrs: dict[str, Any] | None = None
) -> Path:
    """Write videos in the standard layout (atomically: a temporary file renamed on success).

    ``videos`` yields ``(video_id, arrays)`` with the fields of the layout; ``user_summary`` and
    ``gtsummary`` are stored as float32 like the original files, ``video_name`` (when not None) as bytes.
    ``attrs`` go on the file's root (e.g. a note that the data are synthetic).
    """
    path = Path(path)
    with atomic_file(path) as temporary, h5py.File(temporary, "w") as h5:
        h5.attrs.update(attrs or {})
        for video, arrays in videos:
            group = h5.create_group(video)
            for field in H5_REQUIRED_FIELDS:
                value = arrays[field]
                if field in ("user_summary", "gtsummary"):
                    value = np.asarray(value, dtype=np.float32)
                group.create_dataset(field, data=value)
            if arrays.get("video_name") is not None:
                group.create_dataset("video_name", data=np.bytes_(arrays["video_name"].encode("utf-8")))
    return path
