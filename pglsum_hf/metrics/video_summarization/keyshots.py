"""Keyshot summaries: scores spread over frames, averaged per shot, and a 0/1 knapsack under the budget."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .validation import check_keyshot_inputs, check_proportion, numeric_array

# The benchmarks' summary budget: a summary is at most 15% of the video (the protocol's ``proportion``).
SUMMARY_BUDGET = 0.15


def frame_scores_from_steps(scores: np.ndarray, picks: np.ndarray, n_frames: int) -> np.ndarray:
    """Spread sampled-frame scores over the frames: frames picks[i] .. picks[i+1]-1 get scores[i].

    Args:
        scores: [n_steps] scores, one per pick.
        picks: [n_steps] strictly increasing frame indices below ``n_frames``.
    Returns:
        [n_frames] float32 frame scores (0 before the first pick), as the reference code stores them.
    """
    picks = np.asarray(picks)
    frame_scores = np.zeros(n_frames, dtype=np.float32)
    frame_scores[picks[0] :] = np.repeat(np.asarray(scores, dtype=np.float32), np.diff(np.append(picks, n_frames)))
    return frame_scores


def shot_scores(frame_scores: np.ndarray, change_points: np.ndarray) -> np.ndarray:
    """[n_shots] mean frame score of each inclusive [start, end] shot.

    Each mean is taken by numpy over the float32 frames (pairwise float32 summation), exactly as the
    reference code does, so the knapsack sees bit-identical values; a vectorised segment sum would round
    differently and could flip ties.
    """
    return np.array([frame_scores[start : end + 1].mean() for start, end in change_points], dtype=np.float64)


def knapsack(values: Sequence[float], weights: Sequence[int], capacity: int) -> np.ndarray:
    """0/1 knapsack: the items the classic DP table selects, ascending.

    The table K[i][w] = max(values[i-1] + K[i-1][w - weights[i-1]], K[i-1][w]) (K[i][0] = K[0][w] = 0)
    is filled in float64 one row at a time with numpy; only "row i changed at w" is kept, because the walk
    back from (n, capacity) takes item i-1 iff K[i][w] != K[i-1][w]. The result is therefore identical to
    the pure-Python table, ties included.

    Args:
        values: [n] item values (finite).
        weights: [n] non-negative integer weights.
        capacity: non-negative integer capacity.
    Returns:
        int64 array of selected item indices, ascending.
    """
    values = numeric_array(values, "knapsack", "values", ndim=1)
    weights = numeric_array(weights, "knapsack", "weights", ndim=1, integer=True)
    capacity = int(numeric_array(capacity, "knapsack", "capacity", ndim=0, integer=True))
    if len(values) != len(weights):
        raise ValueError(f"knapsack: values has {len(values)} items but weights has {len(weights)}")
    if np.any(weights < 0) or capacity < 0:
        raise ValueError(f"knapsack: weights and capacity must be non-negative, found capacity {capacity}")

    row = np.zeros(capacity + 1, dtype=np.float64)
    changed = np.zeros((len(values), capacity + 1), dtype=bool)
    for item, (value, weight) in enumerate(zip(values, weights)):
        first = max(int(weight), 1)  # column 0 stays 0 whatever the item (the table's w == 0 rule)
        if first > capacity:
            continue
        kept = row[first:]
        best = np.maximum(value + row[first - weight : capacity + 1 - weight], kept)
        changed[item, first:] = best != kept
        row[first:] = best

    selected = []
    remaining = capacity
    for item in range(len(values) - 1, -1, -1):
        if changed[item, remaining]:
            selected.append(item)
            remaining -= int(weights[item])
    return np.array(selected[::-1], dtype=np.int64)


def _budget(change_points: np.ndarray, proportion: float, budget_frames: int | None, where: str) -> int:
    if budget_frames is None:
        return int((int(change_points[-1, 1]) + 1) * proportion)
    budget = numeric_array(budget_frames, where, "budget_frames", ndim=0, integer=True)
    if budget < 0:
        raise ValueError(f"{where}: budget_frames must be non-negative, found {int(budget)}")
    return int(budget)


def keyshot_mask(
    scores: np.ndarray,
    picks: np.ndarray,
    n_frames: int,
    change_points: np.ndarray,
    proportion: float,
    budget_frames: int | None,
    where: str,
) -> np.ndarray:
    values = shot_scores(frame_scores_from_steps(scores, picks, n_frames), change_points)
    lengths = change_points[:, 1] - change_points[:, 0] + 1
    mask = np.zeros(len(change_points), dtype=bool)
    mask[knapsack(values, lengths, _budget(change_points, proportion, budget_frames, where))] = True
    return mask


def summary_from_mask(mask: np.ndarray, change_points: np.ndarray) -> np.ndarray:
    summary = np.zeros(int(change_points[-1, 1]) + 1, dtype=np.int8)
    for start, end in change_points[mask]:
        summary[start : end + 1] = 1
    return summary


def select_keyshots(
    scores: Sequence[float],
    picks: Sequence[int],
    n_frames: int,
    change_points: Sequence[Sequence[int]],
    proportion: float = SUMMARY_BUDGET,
    budget_frames: int | None = None,
) -> np.ndarray:
    """Choose the keyshots of one video.

    Args:
        scores: [n_steps] importance score of each sampled frame.
        picks: [n_steps] frame index of each sampled frame.
        n_frames: number of frames of the video.
        change_points: [n_shots, 2] inclusive [start, end] frames of each shot.
        proportion: budget as a fraction of (last shot end + 1), in (0, 1].
        budget_frames: budget in frames; overrides ``proportion`` when given.
    Returns:
        [n_shots] bool, True for the selected shots.
    """
    proportion = check_proportion(proportion)
    scores, picks, n_frames, change_points = check_keyshot_inputs(scores, picks, n_frames, change_points, "input")
    return keyshot_mask(scores, picks, n_frames, change_points, proportion, budget_frames, "input")


def generate_summary(
    scores: Sequence[float],
    picks: Sequence[int],
    n_frames: int,
    change_points: Sequence[Sequence[int]],
    proportion: float = SUMMARY_BUDGET,
) -> np.ndarray:
    """Binary keyshot summary of one video (see ``select_keyshots`` for the arguments).

    Returns:
        [last shot end + 1] int8, 1 on the frames of the selected shots.
    """
    mask = select_keyshots(scores, picks, n_frames, change_points, proportion)
    return summary_from_mask(mask, np.asarray(change_points, dtype=np.int64))
