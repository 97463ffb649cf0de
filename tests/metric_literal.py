"""The evaluation protocol written literally, step by step, as the issue and the reference code state it.

This is the slow oracle the vectorised metric is tested against (tests/test_metric_*.py) and the baseline
the metric benchmark times (pglsum_hf/benchmarks/metric.py loads this file from the source checkout).
Pure Python loops and scipy's per-pair correlations on purpose: do not optimise it.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau, rankdata, spearmanr


def knapsack(capacity, weights, values):
    """The classic DP table K[i][w], walked back from (n, capacity): item i-1 taken iff K[i][w] != K[i-1][w]."""
    n = len(values)
    table = [[0 for _ in range(capacity + 1)] for _ in range(n + 1)]
    for i in range(n + 1):
        for w in range(capacity + 1):
            if i == 0 or w == 0:
                table[i][w] = 0
            elif weights[i - 1] <= w:
                table[i][w] = max(values[i - 1] + table[i - 1][w - weights[i - 1]], table[i - 1][w])
            else:
                table[i][w] = table[i - 1][w]
    chosen = []
    w = capacity
    for i in range(n, 0, -1):
        if table[i][w] != table[i - 1][w]:
            chosen.insert(0, i - 1)
            w -= weights[i - 1]
    return chosen


def generate_summary(scores, picks, n_frames, change_points, proportion=0.15):
    """Frame scores from the 2 fps scores, float32 shot means, knapsack under 15%, binary summary."""
    frame_scores = np.zeros(n_frames, dtype=np.float32)
    positions = [int(p) for p in picks]
    if positions[-1] != n_frames:
        positions.append(n_frames)
    for i in range(len(positions) - 1):
        if i == len(scores):
            frame_scores[positions[i] : positions[i + 1]] = 0
        else:
            frame_scores[positions[i] : positions[i + 1]] = scores[i]
    values, lengths = [], []
    for start, end in change_points:
        lengths.append(int(end - start + 1))
        values.append(frame_scores[start : end + 1].mean().item())
    capacity = int((int(change_points[-1][1]) + 1) * proportion)
    chosen = knapsack(capacity, lengths, values)
    summary = np.zeros(int(change_points[-1][1]) + 1, dtype=np.int8)
    for shot in chosen:
        start, end = change_points[shot]
        summary[start : end + 1] = 1
    return summary


def f_score(summary, user_summary, eval_method):
    """Zero-pad to the longer length; per-user F (x100, 0 when P + R == 0); max or average over users."""
    user_summary = np.asarray(user_summary)
    length = max(len(summary), user_summary.shape[1])
    s = np.zeros(length, dtype=int)
    g = np.zeros(length, dtype=int)
    s[: len(summary)] = summary
    scores = []
    for user in range(user_summary.shape[0]):
        g[: user_summary.shape[1]] = user_summary[user]
        overlapped = s & g
        precision = sum(overlapped) / sum(s)
        recall = sum(overlapped) / sum(g)
        if precision + recall == 0:
            scores.append(0)
        else:
            scores.append(2 * precision * recall * 100 / (precision + recall))
    if eval_method == "max":
        return max(scores)
    return sum(scores) / len(scores)


def rank_correlation(scores, user_scores_at_picks):
    """Per user: Kendall's tau-b on ranks and Spearman's rho (scipy, one pair at a time); mean over users."""
    taus, rhos = [], []
    for user in user_scores_at_picks:
        taus.append(kendalltau(rankdata(-np.asarray(scores)), rankdata(-np.asarray(user)))[0])
        rhos.append(spearmanr(scores, user)[0])
    return float(np.mean(taus)), float(np.mean(rhos))


def diversity(summary, picks, features):
    """Mean cosine similarity over ordered pairs of distinct selected sampled frames; 0 below two."""
    chosen = [step for step, frame in enumerate(picks) if frame < len(summary) and summary[frame] == 1]
    if len(chosen) < 2:
        return 0.0
    total = 0.0
    for a in chosen:
        for b in chosen:
            if a != b:
                u, v = np.asarray(features[a], dtype=np.float64), np.asarray(features[b], dtype=np.float64)
                total += float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return total / (len(chosen) * (len(chosen) - 1))


def evaluate(predictions, references, eval_method, proportion=0.15):
    """The whole metric: mean F over videos, per-video F, and tau/rho/diversity where inputs allow."""
    f_scores, taus, rhos, diversities = [], [], [], []
    for scores, reference in zip(predictions, references):
        picks = list(reference["picks"])
        summary = generate_summary(scores, picks, reference["n_frames"], reference["change_points"], proportion)
        f_scores.append(f_score(summary, reference["user_summary"], eval_method))
        if reference.get("user_scores") is not None:
            tau, rho = rank_correlation(scores, np.asarray(reference["user_scores"])[:, picks])
            taus.append(tau)
            rhos.append(rho)
        if reference.get("features") is not None:
            diversities.append(diversity(summary, picks, reference["features"]))
    result = {"f_score": float(np.mean(f_scores)), "f_scores": f_scores}
    if taus:
        result.update(kendall_tau=float(np.mean(taus)), spearman_rho=float(np.mean(rhos)))
    if diversities:
        result["diversity"] = float(np.mean(diversities))
    return result
