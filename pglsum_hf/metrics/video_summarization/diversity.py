"""Diversity of a summary: how similar the features of the frames it selects are."""

from __future__ import annotations

import numpy as np


def diversity(summary: np.ndarray, picks: np.ndarray, features: np.ndarray) -> float:
    """Mean pairwise cosine similarity of the features of the sampled frames the summary selects.

    Averaged over ordered pairs of distinct selected frames; 0 when fewer than two are selected.
    Lower is more diverse. An all-zero feature vector counts as similarity 0 to everything.

    Args:
        summary: [length] 0/1 frame-level summary.
        picks: [n_steps] frame index of each sampled frame.
        features: [n_steps, dim] feature of each sampled frame.
    """
    summary, picks = np.asarray(summary), np.asarray(picks)
    in_summary = picks < len(summary)
    chosen = np.flatnonzero(in_summary)[summary[picks[in_summary]] > 0]
    if len(chosen) < 2:
        return 0.0
    vectors = np.asarray(features, dtype=np.float64)[chosen]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    # Sum over ordered pairs i != j of u_i . u_j = |sum_i u_i|^2 - sum_i |u_i|^2: no k x k Gram matrix.
    total = unit.sum(axis=0)
    return float((total @ total - np.sum(unit * unit)) / (len(chosen) * (len(chosen) - 1)))
