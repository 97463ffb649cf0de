"""Keyshot selection for one video file: the metric's knapsack, with a budget in frames or in seconds.

The shots' values are exactly the ones the evaluation protocol uses (the mean of the sampled-frame scores
spread over each shot's frames), and the choice is the protocol's own knapsack
(:func:`pglsum_hf.metrics.select_keyshots`), so a summary made here is the summary the benchmarks score.

A summary is never empty. When no whole shot fits the budget (a single take, a still, a few long scenes, a
clip shorter than the budget allows), the protocol's knapsack selects nothing -- and the benchmark metric keeps
scoring that as an empty summary. For a user's video, :func:`select_segments` then fills the budget with the
best content instead: the shot with the highest mean importance, cut down to the window of the budget's
length (at least one frame) with the highest total importance inside it (the earliest such window on ties).
That segment is marked ``trimmed``. A one-frame video thus gets a one-frame summary.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from pglsum_hf.metrics import SUMMARY_BUDGET, frame_scores_from_steps, select_keyshots, shot_scores

from .decode import VideoInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Segment:
    """One selected shot: inclusive frames, times in seconds (end = end of the last frame), mean importance.

    ``trimmed`` marks a segment cut out of a shot longer than the budget (see the module docstring); its
    ``score`` is then the mean importance of the segment itself.
    """

    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    score: float
    trimmed: bool = False

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    def to_dict(self) -> dict:
        return asdict(self)


def budget_in_frames(info: VideoInfo, max_seconds: float) -> int:
    """Frames that fit in ``max_seconds`` of this video (at its average frame rate, which is exact for constant-rate video)."""
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be a positive number of seconds, got {max_seconds}")
    # Never more than the whole video: the knapsack's table is as wide as the budget.
    return min(info.n_frames, int(np.floor(max_seconds * info.n_frames / info.duration + 1e-9)))


def best_window(frame_scores: np.ndarray, start: int, end: int, length: int) -> tuple[int, int]:
    """Inclusive ``[first, last]`` frames of the ``length``-frame window of ``[start, end]`` with the highest total score.

    The earliest window wins ties; a ``length`` beyond the range gives the whole range.
    """
    length = max(1, min(int(length), end - start + 1))
    totals = np.cumsum(np.concatenate([[0.0], frame_scores[start : end + 1]]))
    window_totals = totals[length:] - totals[:-length]
    first = start + int(np.argmax(window_totals))
    return first, first + length - 1


def select_segments(
    scores: np.ndarray,
    info: VideoInfo,
    shots: np.ndarray,
    budget: float = SUMMARY_BUDGET,
    max_seconds: float | None = None,
) -> tuple[np.ndarray, np.ndarray, list[Segment]]:
    """Choose the keyshots of a video and describe them as segments.

    Args:
        scores: [T] importance of every sampled frame (``info.picks``).
        info: the decoded video's :class:`VideoInfo`.
        shots: [S, 2] inclusive ``[start, end]`` frames covering the video.
        budget: summary length as a fraction of the video (the benchmarks' 0.15, ``SUMMARY_BUDGET``).
        max_seconds: summary length in seconds instead of ``budget``.

    Returns:
        ``(shot_values [S], selected [S] bool, segments)``: every shot's mean importance, which shots are in
        the summary, and the selected shots in time order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    frame_scores = frame_scores_from_steps(scores, info.picks, info.n_frames)
    values = shot_scores(frame_scores, shots)
    budget_frames = None if max_seconds is None else budget_in_frames(info, max_seconds)
    selected = select_keyshots(
        scores, info.picks, info.n_frames, shots, proportion=budget, budget_frames=budget_frames
    )
    segments = [
        Segment(
            start_frame=int(start),
            end_frame=int(end),
            start_time=info.frame_start(int(start)),
            end_time=info.frame_end(int(end)),
            score=float(value),
        )
        for (start, end), value in zip(shots[selected], values[selected])
    ]
    if not segments:
        segments = [_trimmed_segment(frame_scores, info, shots, values, selected, budget, budget_frames)]
    return values, selected, segments


def _trimmed_segment(frame_scores, info, shots, values, selected, budget, budget_frames) -> Segment:
    """No whole shot fits: the best window of the budget's length inside the best shot (marks it in ``selected``)."""
    length = budget_frames if budget_frames is not None else int((int(shots[-1, 1]) + 1) * budget)
    best = int(np.argmax(values))
    first, last = best_window(frame_scores, int(shots[best, 0]), int(shots[best, 1]), length)
    selected[best] = True
    segment = Segment(
        start_frame=first,
        end_frame=last,
        start_time=info.frame_start(first),
        end_time=info.frame_end(last),
        score=float(frame_scores[first : last + 1].mean()),
        trimmed=True,
    )
    logger.info(
        "%s: no whole shot fits the budget of %d frames; the summary is the best %d-frame window (%.2f-%.2f s) of "
        "shot %d (%d frames), trimmed",
        info.path,
        length,
        segment.n_frames,
        segment.start_time,
        segment.end_time,
        best,
        shots[best, 1] - shots[best, 0] + 1,
    )
    return segment
