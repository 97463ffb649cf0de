"""Annotations of raw videos, in the three formats ``pglsum make-dataset`` reads, turned into benchmark fields.

Formats (``--annotation_format``):

- ``tvsum``: TVSum's ``ydata-anno.tsv``: per annotator a row ``<YouTube id>\\t<category>\\t<scores 1..5>``, one
  score per frame. A video matches by the YouTube id in its file name.
- ``summe``: a folder of SumMe ground-truth ``.mat`` files (``<video name>.mat``, as in SumMe's ``GT/`` folder)
  holding ``user_score`` [n_frames, n_users], ``nFrames`` and ``FPS``. A video matches by file stem.
- ``intervals``: a CSV with the columns ``video,user,start_seconds,end_seconds``, one kept interval per row. A
  video matches by file stem (or full file name).

Conventions, the same for every format (the standard files never documented them):

- the per-frame annotation of a user, scaled to [0, 1]: TVSum ``(score - 1) / 4``; SumMe ``user_score > 0``;
  intervals: 1 on the frames whose start time lies in one of the user's ``[start, end)`` intervals;
- ``gtscore``: the mean over users of that per-frame annotation at the picks, in [0, 1];
- ``user_summary`` [n_users, n_frames]: SumMe ``user_score > 0``; TVSum the 15% keyshot summary of that user's
  frame scores over the video's shots (how the standard TVSum user summaries were made); intervals the frames
  inside the user's intervals;
- ``gtsummary``: the 15% keyshot summary of ``gtscore`` over the shots, at the picks.

Frame counts: an annotation that counts a few more or fewer frames than the decoder finds is fitted to the
decoded video (the extra frames dropped, or the last frame's annotation repeated) when the difference is at most
``frame_tolerance`` frames (default 2: decoders and the tools the annotators used disagree by a frame or two at the
end of some files), and every such fit is reported and recorded in the dataset card. A larger difference is an
error naming the video.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PGLSumError
from .annotations import read_tvsum_annotations
from .constants import TVSUM_SCORE_RANGE
from .errors import DataFormatError

ANNOTATION_FORMATS = ("tvsum", "summe", "intervals")
DEFAULT_FRAME_TOLERANCE = 2
INTERVAL_COLUMNS = ("video", "user", "start_seconds", "end_seconds")


class AnnotationMismatchError(PGLSumError):
    """An annotation does not fit its video (frame count, interval past the end); the message names both."""


@dataclass
class RawAnnotation:
    """One video's annotation as read, before it meets the decoded video.

    Attributes:
        name: how the annotation names the video (YouTube id, SumMe stem, CSV ``video``).
        source: the file it came from (for messages and the card).
        format: one of :data:`ANNOTATION_FORMATS`.
        user_scores: per-frame scores [n_users, n_frames] (``tvsum``: 1..5 uint8; ``summe``: ``user_score``).
        intervals: ``intervals`` format: per user, a list of ``(start_seconds, end_seconds)``.
        users: ``intervals`` format: the user names, in the order of ``intervals``.
        category: TVSum category code.
        fps: SumMe's recorded frame rate.
    """

    name: str
    source: str
    format: str
    user_scores: np.ndarray | None = None
    intervals: list[list[tuple[float, float]]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    category: str | None = None
    fps: float | None = None

    @property
    def n_frames(self) -> int | None:
        """Frames the annotation covers (None for intervals, which are in seconds)."""
        return None if self.user_scores is None else int(self.user_scores.shape[1])

    @property
    def n_users(self) -> int:
        return len(self.users) if self.format == "intervals" else int(self.user_scores.shape[0])


# ----- reading -----------------------------------------------------------------------------------------------------


def read_annotations(path: str | os.PathLike, annotation_format: str) -> tuple[list[RawAnnotation], dict[str, str]]:
    """Read ``path`` in ``annotation_format``.

    Returns:
        ``(annotations, problems)``: the well-formed videos' annotations in file order, and ``{video name:
        message}`` for annotations that could not be read (a bad ``.mat`` file, a bad interval row), so that
        ``--skip_bad`` can leave those videos out. A file that cannot be read at all raises.

    Raises:
        DataFormatError / FileNotFoundError: naming the file, line or field.
    """
    path = Path(path)
    if annotation_format == "tvsum":
        return _read_tvsum(path), {}
    if annotation_format == "summe":
        return _read_summe(path)
    if annotation_format == "intervals":
        return _read_intervals(path)
    raise ValueError(f"annotation_format must be one of {ANNOTATION_FORMATS}, got {annotation_format!r}")


def _read_tvsum(path: Path) -> list[RawAnnotation]:
    annotations = read_tvsum_annotations(path)
    names = [annotation.video_name for annotation in annotations]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataFormatError(
            path, repeated[0], None, "the rows of one video consecutive (one block per YouTube id)", "two blocks"
        )
    return [
        RawAnnotation(a.video_name, str(path), "tvsum", user_scores=a.user_scores, category=a.category)
        for a in annotations
    ]


def _read_summe(folder: Path) -> tuple[list[RawAnnotation], dict[str, str]]:
    from scipy.io import loadmat  # lazily: only this format needs scipy

    if not folder.is_dir():
        raise FileNotFoundError(
            f"--annotations: SumMe ground-truth folder not found: {folder} (expected a folder of <video>.mat files)"
        )
    files = sorted(folder.glob("*.mat"))
    if not files:
        raise DataFormatError(
            folder, None, None, "SumMe ground-truth files <video name>.mat in this folder", "no .mat file"
        )
    annotations, problems = [], {}
    for file in files:
        try:
            content = loadmat(str(file), variable_names=["user_score", "nFrames", "FPS"])
        except (
            OSError,
            ValueError,
            TypeError,
            NotImplementedError,
        ) as error:  # scipy.io: damaged or not MATLAB 5/7 files
            problems[file.stem] = f"{file}: not a readable MATLAB .mat file ({error})"
            continue
        try:
            annotations.append(_summe_annotation(file, content))
        except DataFormatError as error:
            problems[file.stem] = str(error)
    return annotations, problems


def _summe_annotation(file: Path, content: dict) -> RawAnnotation:
    for name in ("user_score", "nFrames"):
        if name not in content:
            raise DataFormatError(
                file,
                file.stem,
                name,
                "a variable of the SumMe ground truth",
                f"only {sorted(k for k in content if not k.startswith('__'))}",
            )
    scores = np.asarray(content["user_score"])
    if scores.ndim != 2 or scores.shape[0] < 1 or scores.shape[1] < 1 or scores.dtype.kind not in "biuf":
        raise DataFormatError(
            file,
            file.stem,
            "user_score",
            "a numeric matrix [n_frames, n_users]",
            f"{scores.dtype} {list(scores.shape)}",
        )
    if not np.isfinite(scores).all() or (scores < 0).any():
        raise DataFormatError(file, file.stem, "user_score", "finite values >= 0", "NaN, inf or negative values")
    n_frames = int(np.asarray(content["nFrames"]).reshape(-1)[0])
    if n_frames != scores.shape[0]:
        raise DataFormatError(file, file.stem, "nFrames", f"the rows of user_score ({scores.shape[0]})", n_frames)
    fps = float(np.asarray(content["FPS"]).reshape(-1)[0]) if "FPS" in content else None
    return RawAnnotation(file.stem, str(file), "summe", user_scores=scores.T.astype(np.float32), fps=fps)


def _read_intervals(path: Path) -> tuple[list[RawAnnotation], dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"--annotations: interval CSV not found: {path}")
    by_video: dict[str, dict[str, list[tuple[float, float]]]] = {}
    problems: dict[str, str] = {}
    # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte-order mark, which would otherwise stick to the first column
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [column for column in INTERVAL_COLUMNS if column not in header]
        if missing:
            raise DataFormatError(
                path,
                None,
                "header",
                f"the columns {','.join(INTERVAL_COLUMNS)}",
                f"columns {header} (missing {missing})",
            )
        reader.fieldnames = header
        for line, row in enumerate(reader, start=2):
            video, user = (row.get("video") or "").strip(), (row.get("user") or "").strip()
            if not video or not user:
                raise DataFormatError(path, video or None, f"line {line}", "a video and a user name", f"{row}")
            try:
                start, end = float(row["start_seconds"]), float(row["end_seconds"])
            except (TypeError, ValueError):
                problems.setdefault(
                    video,
                    str(
                        DataFormatError(
                            path,
                            video,
                            f"line {line}",
                            "numbers start_seconds,end_seconds",
                            f"{row['start_seconds']!r},{row['end_seconds']!r}",
                        )
                    ),
                )
                continue
            if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
                problems.setdefault(
                    video,
                    str(
                        DataFormatError(
                            path, video, f"line {line}", "0 <= start_seconds < end_seconds", f"{start}, {end}"
                        )
                    ),
                )
                continue
            by_video.setdefault(video, {}).setdefault(user, []).append((start, end))
    if not by_video and not problems:
        raise DataFormatError(path, None, None, "interval rows", "only a header (or an empty file)")
    annotations = [
        RawAnnotation(
            video, str(path), "intervals", intervals=[sorted(spans) for spans in users.values()], users=list(users)
        )
        for video, users in by_video.items()
        if video not in problems
    ]
    return annotations, problems


# ----- matching videos and annotations -----------------------------------------------------------------------------


def match_videos(
    videos: Sequence[Path], annotations: Sequence[RawAnnotation], annotation_format: str, source: str | os.PathLike
) -> tuple[dict[Path, RawAnnotation], dict[str, str]]:
    """Pair every video file with its annotation.

    ``tvsum`` matches the YouTube id in the file name (the stem itself, or the one id the stem contains);
    ``summe`` and ``intervals`` match the file stem (``intervals`` also the full file name).

    Returns:
        ``({video: annotation}, problems)``; problems name a video without annotation, or an annotation
        without a video, or a video that two annotations (or an annotation that two videos) claim.
    """
    by_name = {annotation.name: annotation for annotation in annotations}
    pairs: dict[Path, RawAnnotation] = {}
    problems: dict[str, str] = {}
    claimed: dict[str, Path] = {}
    for video in videos:
        name = _annotation_name(video, by_name, annotation_format)
        if name is None:
            problems[str(video)] = (
                f"video {video}: no annotation for it in {source} (looked for {_match_rule(annotation_format, video)})"
            )
        elif name in claimed:
            problems[str(video)] = (
                f"video {video}: its annotation {name!r} in {source} is already matched by {claimed[name]}"
            )
        else:
            claimed[name] = video
            pairs[video] = by_name[name]
    for annotation in annotations:
        if annotation.name not in claimed:
            problems[f"annotation {annotation.name}"] = (
                f"annotation {annotation.name!r} in {source}: no video among the inputs matches it"
            )
    return pairs, problems


def _annotation_name(video: Path, by_name: dict[str, RawAnnotation], annotation_format: str) -> str | None:
    if video.stem in by_name:
        return video.stem
    if annotation_format == "intervals" and video.name in by_name:
        return video.name
    if annotation_format == "tvsum":
        inside = [name for name in by_name if name in video.stem]
        if len(inside) == 1:
            return inside[0]
    return None


def _match_rule(annotation_format: str, video: Path) -> str:
    return {
        "tvsum": f"a YouTube id equal to or inside {video.stem!r}",
        "summe": f"{video.stem}.mat",
        "intervals": f"video {video.stem!r} or {video.name!r}",
    }[annotation_format]


# ----- fitting to the decoded video and making the benchmark fields ------------------------------------------------


def fit_frame_count(
    annotation: RawAnnotation, video: str, n_frames: int, tolerance: int = DEFAULT_FRAME_TOLERANCE
) -> tuple[RawAnnotation, str | None]:
    """The annotation fitted to the decoded ``n_frames``, and a note when it had to be fitted (None otherwise).

    Raises:
        AnnotationMismatchError: the counts differ by more than ``tolerance`` frames.
    """
    found = annotation.n_frames
    if found is None or found == n_frames:
        return annotation, None
    if abs(found - n_frames) > tolerance:
        raise AnnotationMismatchError(
            f"video {video}: the annotation {annotation.name!r} in {annotation.source} covers {found} frames but the "
            f"video decodes to {n_frames} frames (difference {found - n_frames:+d}, tolerance {tolerance}: --frame_tolerance)"
        )
    scores = annotation.user_scores
    if found > n_frames:
        fitted = scores[:, :n_frames]
        note = (
            f"{video}: annotation {found} frames, video {n_frames}: last {found - n_frames} annotated frame(s) dropped"
        )
    else:
        fitted = np.concatenate([scores, np.repeat(scores[:, -1:], n_frames - found, axis=1)], axis=1)
        note = f"{video}: annotation {found} frames, video {n_frames}: last annotated frame repeated {n_frames - found} time(s)"
    return RawAnnotation(**{**annotation.__dict__, "user_scores": fitted}), note


def interval_mask(annotation: RawAnnotation, video: str, timestamps: np.ndarray, duration: float) -> np.ndarray:
    """bool [n_users, n_frames]: the frames whose start time lies inside one of each user's intervals.

    Raises:
        AnnotationMismatchError: an interval starts after the video ends (a typo, or the wrong video).
    """
    mask = np.zeros((len(annotation.users), len(timestamps)), dtype=bool)
    for row, (user, spans) in enumerate(zip(annotation.users, annotation.intervals)):
        for start, end in spans:
            if start >= duration:
                raise AnnotationMismatchError(
                    f"video {video}: user {user!r} in {annotation.source} keeps [{start}, {end}) s but the video lasts {duration:.3f} s"
                )
            mask[
                row, np.searchsorted(timestamps, start, side="left") : np.searchsorted(timestamps, end, side="left")
            ] = True
    empty = [user for user, row in zip(annotation.users, mask) if not row.any()]
    if empty:
        raise AnnotationMismatchError(
            f"video {video}: user {empty[0]!r} in {annotation.source} keeps intervals that hold no frame"
        )
    return mask


def annotation_fields(
    annotation: RawAnnotation,
    video: str,
    picks: np.ndarray,
    n_frames: int,
    shots: np.ndarray,
    timestamps: np.ndarray | None = None,
    duration: float | None = None,
) -> dict[str, np.ndarray]:
    """``gtscore``, ``gtsummary``, ``user_summary`` (and ``user_scores`` for TVSum) of one video, by the conventions above.

    ``annotation`` must already cover ``n_frames`` frames (:func:`fit_frame_count`); ``timestamps`` and
    ``duration`` are needed for the ``intervals`` format.
    """
    from pglsum_hf.metrics import SUMMARY_BUDGET, generate_summary  # the protocol's own knapsack

    if annotation.format == "intervals":
        user_summary = interval_mask(annotation, video, timestamps, duration)
        per_frame = user_summary.astype(np.float64)
    elif annotation.format == "summe":
        user_summary = annotation.user_scores > 0
        per_frame = user_summary.astype(np.float64)
    else:
        low, high = TVSUM_SCORE_RANGE
        per_frame = (annotation.user_scores.astype(np.float64) - low) / (high - low)
        every_frame = np.arange(n_frames)
        user_summary = np.stack(
            [
                generate_summary(scores, every_frame, n_frames, shots, SUMMARY_BUDGET)
                for scores in annotation.user_scores.astype(np.float64)
            ]
        ).astype(bool)
    gtscore = per_frame[:, picks].mean(axis=0).astype(np.float32)
    gtsummary = generate_summary(gtscore, picks, n_frames, shots, SUMMARY_BUDGET)[picks].astype(np.float32)
    fields = {"gtscore": gtscore, "gtsummary": gtsummary, "user_summary": user_summary}
    if annotation.format == "tvsum":
        fields["user_scores"] = annotation.user_scores.astype(np.uint8)
    return fields
