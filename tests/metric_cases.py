"""Random per-video inputs for the metric tests, rich in the cases that break keyshot code: tied and zero
scores, one-shot videos, gaps between shots, shots not reaching the last frame."""

from __future__ import annotations

import numpy as np


def random_shots(rng: np.random.Generator, n_frames: int) -> np.ndarray:
    """[n_shots, 2] increasing, non-overlapping inclusive shots inside [0, n_frames)."""
    n_shots = int(rng.integers(1, max(2, n_frames // 20)))
    cuts = np.sort(rng.choice(np.arange(1, n_frames), size=min(n_shots - 1, n_frames - 1), replace=False))
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts - 1, [n_frames - 1]])
    if rng.random() < 0.3:  # gaps: shorten some shots, and maybe stop before the last frame
        shrink = rng.integers(0, 3, size=len(ends))
        ends = np.maximum(starts, ends - shrink)
    return np.stack([starts, ends], axis=1)


def random_scores(rng: np.random.Generator, n_steps: int) -> np.ndarray:
    kind = rng.integers(0, 4)
    if kind == 0:
        return rng.random(n_steps)
    if kind == 1:  # coarse values: many tied shot means
        return rng.integers(0, 4, size=n_steps) / 4
    if kind == 2:  # mostly zero
        return np.where(rng.random(n_steps) < 0.8, 0.0, rng.random(n_steps))
    return rng.random(n_steps).astype(np.float32)


def random_video(
    rng: np.random.Generator, max_frames: int = 1500, n_users: int | None = None
) -> tuple[np.ndarray, dict]:
    """(scores, reference) of one random video, with user_scores and features."""
    n_frames = int(rng.integers(2, max_frames))
    step = int(rng.choice([1, 3, 15]))
    picks = np.arange(int(rng.integers(0, min(step, n_frames))), n_frames, step)
    n_users = n_users or int(rng.integers(1, 6))
    user_summary = np.zeros((n_users, n_frames), dtype=np.int8)
    for user in range(n_users):
        for _ in range(int(rng.integers(1, 4))):
            start = int(rng.integers(0, n_frames))
            user_summary[user, start : start + int(rng.integers(1, max(2, n_frames // 5)))] = 1
    reference = {
        "user_summary": user_summary,
        "change_points": random_shots(rng, n_frames),
        "picks": picks,
        "n_frames": n_frames,
        "user_scores": rng.integers(1, 6, size=(n_users, n_frames)).astype(np.float64),
        "features": rng.normal(size=(len(picks), 8)).astype(np.float32),
    }
    return random_scores(rng, len(picks)), reference


def two_user_video() -> tuple[np.ndarray, dict]:
    """(scores, reference) where the keyshot summary (frames 0..9) scores F = 100 for user 0, 0 for user 1."""
    reference = {
        "user_summary": np.array([[1] * 10 + [0] * 90, [0] * 10 + [1] * 10 + [0] * 80]),
        "change_points": np.array([[0, 9], [10, 99]]),
        "picks": np.arange(100),
        "n_frames": 100,
    }
    return np.array([1.0] * 10 + [0.0] * 90), reference
