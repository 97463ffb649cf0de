"""Keyshot selection for one video file: the metric's knapsack, with a budget in frames or in seconds.

The shots' values are exactly the ones the evaluation protocol uses (the mean of the sampled-frame scores
spread over each shot's frames), and the choice is the protocol's own knapsack
(:func:`pglsum_hf.evaluation.select_keyshots`), so a summary made here is the summary the benchmarks score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pglsum_hf.evaluation import frame_scores_from_steps, select_keyshots, shot_scores

from .decode import VideoInfo

DEFAULT_BUDGET = 0.15


@dataclass(frozen=True)
class Segment:
    """One selected shot: inclusive frames, times in seconds (end = end of the last frame), mean importance."""

    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    score: float

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    def to_dict(self) -> dict:
        return asdict(self)


def budget_in_frames(info: VideoInfo, max_seconds: float) -> int:
    """Frames that fit in ``max_seconds`` of this video (at its average frame rate, which is exact for constant-rate video)."""
    if max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    return int(np.floor(max_seconds * info.n_frames / info.duration + 1e-9))


def select_segments(
    scores: np.ndarray,
    info: VideoInfo,
    shots: np.ndarray,
    budget: float = DEFAULT_BUDGET,
    max_seconds: float | None = None,
) -> tuple[np.ndarray, np.ndarray, list[Segment]]:
    """Choose the keyshots of a video and describe them as segments.

    Args:
        scores: [T] importance of every sampled frame (``info.picks``).
        info: the decoded video's :class:`VideoInfo`.
        shots: [S, 2] inclusive ``[start, end]`` frames covering the video.
        budget: summary length as a fraction of the video (the benchmarks' 0.15).
        max_seconds: summary length in seconds instead of ``budget``.

    Returns:
        ``(shot_values [S], selected [S] bool, segments)``: every shot's mean importance, which shots are in
        the summary, and the selected shots in time order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    values = shot_scores(frame_scores_from_steps(scores, info.picks, info.n_frames), shots)
    budget_frames = None if max_seconds is None else budget_in_frames(info, max_seconds)
    selected = select_keyshots(scores, info.picks, info.n_frames, shots, proportion=budget, budget_frames=budget_frames)
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
    return values, selected, segments
