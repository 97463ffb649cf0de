"""Opt-in windowed scoring for long videos: PGL-SUM run on overlapping windows, time linear in the video's length.

PGL-SUM's global attention relates every step of a video to every other, so scoring T steps costs ~T^2
operations (its memory is linear: the model attends in blocks of queries). A 3-hour video at 2 fps is 21,600
steps. :func:`score_in_windows` instead scores windows of ``window`` steps, each as a video of its own, and
stitches their scores:

- Windows all have exactly ``window`` steps and start every ``window - overlap`` steps, the last one ending at the
  video's last step (so it may overlap its neighbour by more). Equal lengths need no padding, so the windows of
  one video go through the model together, a few per call.
- ``overlap`` is ``window // 4``. Each step takes the score of the window whose centre is nearest to it (ties go
  to the earlier window): an overlap is cut at its midpoint, so every score was computed with at least
  ``overlap // 2`` steps of context on either side (except at the video's own start and end).
- A video of at most ``window`` steps is one model call on the whole video: exactly the scores of exact scoring.

Cost: about ``T / (window - overlap)`` windows of ``window^2`` attention each, so linear in T for a fixed window.
The scores of a longer video are *not* those of the original PGL-SUM (a step attends only to its window), which
is why exact scoring stays the default and this is used only when asked (``pglsum summarize --score_window``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .settings import MIN_SCORE_WINDOW as MIN_SCORE_WINDOW  # the window's lower bound, defined with the settings
from .settings import check_score_window

if TYPE_CHECKING:  # torch loads when something is scored, not when the CLI validates its options
    import torch

# Steps per model call (windows x window): bounds the activations of one call, as in exact scoring of 16k steps.
BATCH_STEPS = 16_384


@dataclass(frozen=True)
class Scoring:
    """The importance scores of one video and how they were made: what :meth:`VideoSummarizer.score` returns.

    Attributes:
        scores: float [T] importance of every sampled frame.
        window: the ``score_window`` in force (None: exact scoring); a video of at most ``window`` steps is
            scored whole all the same.
    """

    scores: np.ndarray
    window: int | None = None

    def parameters(self) -> dict | None:
        """How the scores were made, as recorded in the summary's JSON (see :func:`scoring_parameters`)."""
        return scoring_parameters(len(self.scores), self.window)


def scoring_parameters(steps: int, window: int | None) -> dict | None:
    """How ``steps`` steps are scored with ``window``: None when the video is scored whole (exact scores: no
    window, or a video that fits in one), else the window, the overlap and the number of windows."""
    if window is None or steps <= window:
        return None
    return {
        "method": "PGL-SUM on overlapping windows, each step scored by the window whose centre is nearest",
        "window": int(window),
        "overlap": window_overlap(window),
        "windows": len(window_starts(steps, window)),
    }


def window_overlap(window: int) -> int:
    """Steps shared by neighbouring windows: a quarter of the window."""
    return window // 4


def window_starts(steps: int, window: int) -> np.ndarray:
    """int64 [K] first step of every window of ``window`` steps covering ``steps`` steps (one window when it fits)."""
    if steps <= window:
        return np.zeros(1, dtype=np.int64)
    stride = window - window_overlap(window)
    # The last window ends at the last step, so it overlaps the one before by at least `overlap` steps.
    return np.append(np.arange(0, steps - window, stride), steps - window).astype(np.int64)


def window_ends(starts: np.ndarray, window: int, steps: int) -> np.ndarray:
    """int64 [K] end (exclusive) of the steps each window contributes: step t belongs to the window whose centre
    ``start + (window - 1) / 2`` is nearest, the earlier one on a tie.

    Windows have equal lengths, so the boundary between windows k and k + 1 is the midpoint of their centres,
    ``(start_k + start_k+1 + window - 1) / 2``; steps up to it (included) belong to window k. Integer arithmetic
    keeps the tie rule exact. Window k contributes ``ends[k - 1] .. ends[k] - 1`` (window 0 from step 0).
    """
    midpoints = (starts[:-1] + starts[1:] + window - 1) // 2
    return np.append(midpoints + 1, steps).astype(np.int64)


def score_in_windows(model: torch.nn.Module, features: torch.Tensor, window: int) -> torch.Tensor:
    """[T] scores of one video's ``features`` [T, D], PGL-SUM run on windows of ``window`` steps (module doc).

    ``model`` is a :class:`~pglsum_hf.PGLSumModel` in eval mode and ``features`` are on its device. When
    T <= ``window`` this is ``model(features[None]).scores[0]``, the exact scores.

    Raises:
        SummarySettingError: ``window`` is not an integer >= MIN_SCORE_WINDOW (a ``ValueError``).
    """
    if window is None:
        raise ValueError("score_in_windows needs a window; for exact scoring call the model on the whole video")
    check_score_window(window)
    return stitched_window_scores(model, features, int(window))


def stitched_window_scores(model: torch.nn.Module, features: torch.Tensor, window: int) -> torch.Tensor:
    """:func:`score_in_windows` for a ``window`` already checked (by :class:`~.settings.SummarySettings`)."""
    import torch

    steps = features.shape[0]
    with torch.inference_mode():
        if steps <= window:  # the same call as exact scoring: the same numbers
            return model(features[None]).scores[0]
        starts = window_starts(steps, window)
        ends = window_ends(starts, window, steps)
        per_call = max(1, BATCH_STEPS // window)
        scores = torch.empty(steps, dtype=features.dtype, device=features.device)
        for first in range(0, len(starts), per_call):
            chunk = starts[first : first + per_call]
            # Equal-length windows: a plain [B, window, D] batch, no padding and no attention mask.
            batch = torch.stack([features[start : start + window] for start in chunk.tolist()])
            window_scores = model(batch).scores
            for k, start in enumerate(chunk.tolist(), start=first):
                begin = 0 if k == 0 else int(ends[k - 1])
                end = int(ends[k])
                scores[begin:end] = window_scores[k - first, begin - start : end - start]
        return scores
