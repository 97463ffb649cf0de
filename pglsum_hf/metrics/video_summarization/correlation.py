"""Rank correlation of predicted and human scores (Otani et al. 2019): Kendall's tau-b and Spearman's rho."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import rankdata

# Inversion counting: up to this many distinct values, one cumulative count per value beats a merge sort.
_FEW_VALUES = 16


def _undefined_to_zero(correlation: np.ndarray, name: str) -> np.ndarray:
    if np.any(np.isnan(correlation)):
        warnings.warn(f"{name} is undefined against a constant series; counted as 0 for those pairs", stacklevel=2)
    return np.nan_to_num(correlation, nan=0.0)


def _tied_pairs(sorted_rows: np.ndarray) -> np.ndarray:
    """Per row of a row-wise sorted [rows, n] array, the number of equal pairs: sum t * (t - 1) / 2 over runs."""
    rows, n = sorted_rows.shape
    position = np.arange(n)
    new_run = np.ones((rows, n), dtype=bool)
    new_run[:, 1:] = sorted_rows[:, 1:] != sorted_rows[:, :-1]
    # Each element is tied with the elements of its run before it: its position minus the run's start.
    return (position - np.maximum.accumulate(np.where(new_run, position, 0), axis=1)).sum(axis=1)


def _count_inversions(values: np.ndarray) -> np.ndarray:
    """Per row, the number of pairs i < j with values[i] > values[j].

    With few distinct values (TVSum's 1-5 user scores) one cumulative count per value is fastest.
    Otherwise a bottom-up merge sort: each level merges neighbouring sorted blocks of ``width`` elements
    of all rows at once with one stable sort of the flattened keys (timsort: linear on sorted runs), ties
    keeping the left element first; a right-block element then moves left past exactly the left-block
    elements greater than it, so the level's inversions are the distances right-block elements move.

    Args:
        values: [rows, n] non-negative int64.
    Returns:
        [rows] int64.
    """
    rows, n = values.shape
    span = int(values.max()) + 1 if values.size else 1
    inversions = np.zeros(rows, dtype=np.int64)
    if span <= _FEW_VALUES:
        for value in range(span - 1):
            greater_so_far = np.cumsum(values > value, axis=1)
            inversions += np.where(values == value, greater_so_far, 0).sum(axis=1)
        return inversions
    position = np.tile(np.arange(n), rows)  # place of each flattened element inside its row
    row_start = np.repeat(np.arange(rows) * n, n)
    current = values.ravel().astype(np.int64)  # sorted within every block of `width`
    width = 1
    while width < n:
        # Offsetting each merge into its own key range: sorting all keys sorts inside merges, in place.
        offset = (row_start + position // (2 * width) * (2 * width)) * span
        order = np.argsort(offset + current, kind="stable")
        came_from = position[order]  # the in-row place, before this level, of the element now at each place
        inversions += np.where((came_from // width) % 2 == 1, came_from - position, 0).reshape(rows, n).sum(axis=1)
        current = current[order]
        width *= 2
    return inversions


def _dense_ranks(series: np.ndarray) -> np.ndarray:
    """[rows, n] float -> [rows, n] int64 ranks 0, 1, 2, ... with ties sharing a rank."""
    return rankdata(series, method="dense", axis=1).astype(np.int64) - 1


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of every row of ``x`` against every row of ``y``.

    The tie-aware variant (scipy's default): tau-b = (concordant - discordant) / sqrt((pairs - ties in x)
    * (pairs - ties in y)), computed on ranks (which order pairs as the values do). Knight's algorithm for
    all row pairs at once: sort by (x, y); the discordant pairs are then the inversions of y.

    Args:
        x: [a, n] or [n]; y: [b, n] or [n].
    Returns:
        [a, b] float64; 0 (with a warning) where a row is constant.
    """
    x_ranks, y_ranks = _dense_ranks(np.atleast_2d(x)), _dense_ranks(np.atleast_2d(y))
    if x_ranks.shape[1] != y_ranks.shape[1]:
        raise ValueError(f"kendall_tau_b: series lengths differ ({x_ranks.shape[1]} vs {y_ranks.shape[1]})")
    if x_ranks.max() < y_ranks.max():  # tau is symmetric: count inversions in the series with fewer values
        return kendall_tau_b(y, x).T
    a, b, n = len(x_ranks), len(y_ranks), x_ranks.shape[1]
    levels = int(y_ranks.max()) + 1
    by_x_then_y = np.sort(np.repeat(x_ranks, b, axis=0) * levels + np.tile(y_ranks, (a, 1)), axis=1)  # [a * b, n]
    both_ties = _tied_pairs(by_x_then_y)
    discordant = _count_inversions(by_x_then_y % levels)
    x_ties = np.repeat(_tied_pairs(np.sort(x_ranks, axis=1)), b)
    y_ties = np.tile(_tied_pairs(np.sort(y_ranks, axis=1)), a)
    pairs = n * (n - 1) // 2
    concordant_minus_discordant = pairs - x_ties - y_ties + both_ties - 2 * discordant
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = concordant_minus_discordant / np.sqrt((pairs - x_ties).astype(np.float64) * (pairs - y_ties))
    return _undefined_to_zero(tau.reshape(a, b), "Kendall's tau")


def spearman_rho(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho (Pearson correlation of average-tie ranks) of every row of ``x`` against every row of ``y``.

    Args:
        x: [a, n] or [n]; y: [b, n] or [n].
    Returns:
        [a, b] float64; 0 (with a warning) where a row is constant.
    """

    def centred_ranks(series: np.ndarray) -> np.ndarray:
        ranks = rankdata(np.atleast_2d(series), axis=1)
        ranks -= ranks.mean(axis=1, keepdims=True)
        return ranks / np.linalg.norm(ranks, axis=1, keepdims=True)

    with np.errstate(invalid="ignore", divide="ignore"):
        rho = centred_ranks(x) @ centred_ranks(y).T
    return _undefined_to_zero(rho, "Spearman's rho")


def rank_correlation(scores: np.ndarray, user_scores: np.ndarray) -> tuple[float, float]:
    """Mean over users of Kendall's tau-b and Spearman's rho between ``scores`` and each user's scores.

    Args:
        scores: [n_steps] predicted scores.
        user_scores: [n_users, n_steps] each user's scores at the same sampled frames.
    Returns:
        (tau, rho).
    """
    return float(kendall_tau_b(scores, user_scores).mean()), float(spearman_rho(scores, user_scores).mean())
