"""F-score of a keyshot summary against each user's summary, and its reduction over users."""

from __future__ import annotations

import warnings

import numpy as np

EVAL_METHODS = ("max", "avg")
# The conventions of the benchmarks: SumMe keeps the best-matching user, TVSum averages over users.
DATASET_EVAL_METHODS = {"summe": "max", "tvsum": "avg"}


def user_f_scores(summary: np.ndarray, user_summary: np.ndarray, where: str = "input") -> np.ndarray:
    """F-score (0-100) of a binary summary against each user's binary summary.

    Both are zero-padded to the longer length. An empty summary scores 0 (the reference code returns NaN),
    and so does a user whose summary is empty.

    Args:
        summary: [length] 0/1.
        user_summary: [n_users, n_frames] 0/1.
    Returns:
        [n_users] float64.
    """
    summary = np.asarray(summary).astype(bool)
    users = np.asarray(user_summary).astype(bool)
    length = max(len(summary), users.shape[1])
    padded_summary = np.zeros(length, dtype=bool)
    padded_summary[: len(summary)] = summary
    padded_users = np.zeros((len(users), length), dtype=bool)
    padded_users[:, : users.shape[1]] = users

    selected = int(padded_summary.sum())
    if selected == 0:
        warnings.warn(
            f"{where}: the summary selects no frame (budget smaller than every shot?); F-score is 0", stacklevel=2
        )
        return np.zeros(len(users))
    overlap = (padded_users & padded_summary).sum(axis=1)
    user_lengths = padded_users.sum(axis=1)
    if np.any(user_lengths == 0):
        empty = np.flatnonzero(user_lengths == 0).tolist()
        warnings.warn(f"{where}: user_summary rows {empty} select no frame; their F-score is 0", stacklevel=2)
    precision = overlap / selected
    recall = np.divide(overlap, user_lengths, out=np.zeros(len(users)), where=user_lengths > 0)
    total = precision + recall
    # Same operation order as the reference code, so the floats match bit for bit.
    return np.divide(2 * precision * recall * 100, total, out=np.zeros(len(users)), where=total != 0)


def reduce_over_users(f_scores: np.ndarray, eval_method: str) -> float:
    """``max`` (SumMe) or ``avg`` (TVSum) of a video's per-user F-scores."""
    if eval_method == "max":
        return float(np.max(f_scores))
    if eval_method == "avg":
        # A left-to-right sum like the reference code (numpy's pairwise sum can differ in the last bit).
        return sum(f_scores.tolist()) / len(f_scores)
    raise ValueError(f"eval_method must be one of {EVAL_METHODS}, found {eval_method!r}")


def resolve_eval_method(eval_method: str | None = None, dataset: str | None = None) -> str:
    """``eval_method`` if given, else the convention of ``dataset`` (summe -> max, tvsum -> avg), else max."""
    if eval_method is not None:
        if eval_method not in EVAL_METHODS:
            raise ValueError(f"eval_method must be one of {EVAL_METHODS}, found {eval_method!r}")
        return eval_method
    if dataset is None:
        return "max"
    matches = {method for name, method in DATASET_EVAL_METHODS.items() if name in str(dataset).lower()}
    if len(matches) != 1:
        raise ValueError(
            f"cannot tell the eval_method of dataset {dataset!r} (known: {sorted(DATASET_EVAL_METHODS)}); "
            f"pass eval_method as one of {EVAL_METHODS}"
        )
    return matches.pop()
