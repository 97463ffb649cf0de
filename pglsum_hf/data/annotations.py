"""TVSum's raw annotation file ``ydata-anno.tsv``: per-annotator, per-frame importance scores 1..5.

Each row is ``<YouTube id>\\t<category code>\\t<comma-separated scores>``, one row per annotator; the rows
of one video are consecutive. By the convention of the standard evaluation code the i-th video block in file
order is ``video_i`` of the TVSum h5 file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from .constants import TVSUM_SCORE_RANGE
from .errors import DataFormatError, require_file


@dataclass
class VideoAnnotation:
    """All annotators' scores of one video: ``user_scores`` uint8 [n_users, n_frames]."""

    video_name: str
    category: str
    user_scores: np.ndarray


def _parse_scores(text: str) -> np.ndarray | None:
    """Scores of one row as uint8, or None when they are not integers."""
    raw = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)
    # Fast path: single digits separated by commas ("1,3,5,..."), the file's usual form.
    if len(raw) % 2 == 1 and (raw[1::2] == ord(",")).all():
        return raw[0::2] - np.uint8(ord("0"))
    try:
        values = np.array(text.split(","), dtype=np.float64)
    except ValueError:
        return None
    if not (values == np.round(values)).all() or (values < 0).any() or (values > 255).any():
        return None
    return values.astype(np.uint8)


def read_tvsum_annotations(path: str | os.PathLike) -> list[VideoAnnotation]:
    """Read ``ydata-anno.tsv``: one :class:`VideoAnnotation` per block of consecutive rows, in file order."""
    path = require_file(path, "annotation file")
    low, high = TVSUM_SCORE_RANGE
    videos: list[VideoAnnotation] = []
    rows: list[np.ndarray] = []

    def close_block() -> None:
        if rows:
            lengths = {len(row) for row in rows}
            if len(lengths) > 1:
                raise DataFormatError(
                    path,
                    videos[-1].video_name,
                    "user_scores",
                    "every annotator row of a video to have the same length",
                    sorted(lengths),
                )
            videos[-1].user_scores = np.stack(rows)
            rows.clear()

    try:
        text_lines = path.read_text(encoding="utf-8-sig").splitlines()  # a spreadsheet's byte-order mark is dropped
    except UnicodeDecodeError as error:
        raise DataFormatError(
            path,
            None,
            None,
            "UTF-8 text (tab-separated id, category, scores)",
            f"undecodable byte at offset {error.start}",
        ) from None
    for line_number, line in enumerate(text_lines, start=1):
        if not line.strip():
            continue
        columns = line.rstrip("\r\n").split("\t")
        if len(columns) != 3:
            raise DataFormatError(
                path,
                None,
                f"line {line_number}",
                "3 tab-separated columns (id, category, scores)",
                f"{len(columns)} columns",
            )
        name, category, text = columns
        if not videos or videos[-1].video_name != name:
            close_block()
            videos.append(VideoAnnotation(name, category, np.empty((0, 0), np.uint8)))
        scores = _parse_scores(text)
        if scores is None or scores.size == 0 or scores.min() < low or scores.max() > high:
            found = (
                "non-integer values"
                if scores is None
                else f"values in [{scores.min()}, {scores.max()}]"
                if scores.size
                else "no scores"
            )
            raise DataFormatError(
                path, name, f"user_scores (line {line_number})", f"integer scores {low}..{high}", found
            )
        rows.append(scores)
    close_block()
    if not videos:
        raise DataFormatError(path, None, None, "annotation rows", "an empty file")
    return videos


def assign_to_videos(
    annotations: Sequence[VideoAnnotation],
    video_ids: Sequence[str],
    path: str | os.PathLike,
    data_file: str | os.PathLike,
) -> dict[str, VideoAnnotation]:
    """``{video_id: annotation}``: the i-th block belongs to ``video_i``, one block per video of ``data_file``."""
    expected = [f"video_{index}" for index in range(1, len(video_ids) + 1)]
    if list(video_ids) != expected:
        raise DataFormatError(
            data_file,
            None,
            None,
            f"videos video_1..video_{len(expected)} (annotation blocks match them by position)",
            list(video_ids)[:5],
        )
    if len(annotations) != len(video_ids):
        raise DataFormatError(
            path,
            None,
            None,
            f"{len(video_ids)} annotated videos (as in {Path(data_file).name})",
            f"{len(annotations)} videos",
        )
    return dict(zip(expected, annotations))


def check_length(
    annotation: VideoAnnotation, video_id: str, n_frames: int, path: str | os.PathLike, data_file: str | os.PathLike
) -> None:
    """Every annotator must score each of the video's ``n_frames`` frames."""
    found = annotation.user_scores.shape[1]
    if found != n_frames:
        raise DataFormatError(
            path,
            f"{video_id} ({annotation.video_name})",
            "user_scores",
            f"n_frames={n_frames} scores per annotator (as in {Path(data_file).name})",
            found,
        )


def write_tvsum_annotations(annotations: Sequence[VideoAnnotation], path: str | os.PathLike) -> Path:
    """Write annotations in the ``ydata-anno.tsv`` format (atomically)."""
    path = Path(path)
    with atomic_file(path) as temporary, temporary.open("w", encoding="utf-8") as out:
        for annotation in annotations:
            for scores in annotation.user_scores:
                # Scores are single digits: build "d,d,d" as bytes in one vectorized step.
                text = np.full(2 * len(scores) - 1, ord(","), dtype=np.uint8)
                text[0::2] = scores + ord("0")
                out.write(f"{annotation.video_name}\t{annotation.category}\t{text.tobytes().decode('ascii')}\n")
    return path
