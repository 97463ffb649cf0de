"""The PGL-SUM model-selection criterion against a literal transcription of the issue's rule."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from pglsum_hf.training import select_epoch
from pglsum_hf.training.selection import SelectionTracker


def literal_select(L: list[float]) -> int:
    """The rule exactly as issue 5 words it, written plainly and independently of the package."""
    E = len(L)
    candidate, c = None, None
    for e in range(15, E - 1):  # "from 15 to E-2"
        change = (L[e + 1] - L[e]) / L[e + 1] * 100
        if change <= -1:
            candidate, c = e + 1, change
            break
        if change >= 1:
            candidate, c = e, change
            break
    if candidate is None:
        candidate, c = 0, 0.0
    a = min(range(E), key=lambda i: (L[i], i))  # first index of the minimum
    prev = L[a - 1] if a > 0 else L[E - 1]  # a = 0 compares with the last epoch
    d = (L[a] - prev) / L[a] * 100
    return a if abs(d) < abs(c) else candidate


def flat(n: int, value: float = 1.0) -> list[float]:
    return [value] * n


CRAFTED = {
    # A drop of 5% into epoch 21: candidate 21 (c = -5.26); the argmin is the last, smoother epoch.
    "drop_names_next_epoch": (flat(21, 1.0) + [0.95] + list(np.linspace(0.949, 0.90, 18)), None),
    # A rise of 2.9% from epoch 17 to 18: candidate 17 (c = 2.94); the argmin (epoch 16, the first 0.99)
    # moved by only -0.5% from epoch 15, so the argmin is released.
    "rise_names_this_epoch": (flat(15, 1.0) + [0.995, 0.99, 0.99, 1.02] + flat(11, 1.02), 16),
    # No 1% step after epoch 15 at all: candidate 0 with c = 0; |d| < 0 never holds, so epoch 0.
    "no_candidate": ([1.0 - 0.001 * i for i in range(40)], 0),
    # Too short to search (E = 10): candidate 0 again.
    "short_run": ([1.0, 0.8, 0.7, 0.6, 0.5, 0.45, 0.44, 0.43, 0.42, 0.41], 0),
    # Lowest loss at epoch 0: a = 0 compares with the LAST epoch (d = (0.5 - 1.2) / 0.5 * 100 = -140).
    # The candidate (a 2% step at 20 -> 21, c = -2.04) has the smaller change, so it is released.
    "argmin_zero_uses_last_epoch": ([0.5] + flat(20, 1.0) + flat(9, 0.98) + [1.2], 21),
    # a = 0 again, but now the last epoch equals L[0]: d = 0 < |c|, so epoch 0 (the argmin) is released.
    "argmin_zero_equal_last": ([0.5] + flat(20, 1.0) + flat(9, 0.98) + [0.5], 0),
    # |d| == |c| exactly (both the same step): the tie goes to the candidate.
    "tie_goes_to_candidate": (flat(16, 1.0) + [0.5] + flat(5, 0.5), 16),
    # Steps before epoch 15 are ignored; the first eligible one is 15 -> 16 (rise of 10%).
    "warmup_ignored": ([1.0, 0.5, 0.25] + flat(13, 0.2) + [0.22] + flat(5, 0.22), 15),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_select_epoch_matches_literal_rule_on_crafted_curves(name: str) -> None:
    losses, expected = CRAFTED[name]
    assert select_epoch(losses) == literal_select(losses)
    if expected is not None:
        assert select_epoch(losses) == expected


def test_crafted_drop_curve_releases_the_epoch_after_the_drop() -> None:
    losses = CRAFTED["drop_names_next_epoch"][0]
    # c = (0.95 - 1.0) / 0.95 * 100 = -5.26 names epoch 21; the argmin (epoch 39) moved by ~0.16%, so it wins.
    assert select_epoch(losses) == 39
    # Stopped right after the drop, the argmin IS the candidate: d == c, and the tie goes to the candidate.
    assert select_epoch(losses[:22]) == 21


def test_select_epoch_matches_literal_rule_on_random_curves() -> None:
    for seed in range(500):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 60))
        # Noisy decays, rounded so that ties happen: exercises drops, rises, ties and early minima.
        curve = np.exp(-rng.uniform(0, 0.1) * np.arange(n)) + rng.normal(0, rng.choice([0.001, 0.01, 0.05]), n)
        curve = np.round(np.abs(curve) + 0.05, int(rng.integers(2, 6))).tolist()
        assert select_epoch(curve) == literal_select(curve), f"seed {seed}: {curve}"


def test_select_epoch_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        select_epoch([])
    with pytest.raises(ValueError, match=r"epochs \[2\]"):
        select_epoch([1.0, 0.9, float("nan")])


@pytest.mark.parametrize("seed", range(30))
def test_tracker_keeps_only_few_states_and_always_the_selected_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    curve = (np.exp(-0.05 * np.arange(n)) + rng.normal(0, 0.01, n) + 0.1).tolist()
    tracker = SelectionTracker()
    for epoch, loss in enumerate(curve):
        tracker.update(loss, {"w": torch.full((2,), float(epoch))})
        assert len(tracker.states) <= 4
        # Whatever the remaining epochs bring, the epoch selected now must still be held.
        assert tracker.selected_epoch() in tracker.states
    assert tracker.selected_epoch() == literal_select(curve)
    assert torch.equal(tracker.selected_state()["w"], torch.full((2,), float(literal_select(curve))))


def test_tracker_round_trips_through_json_and_tensors() -> None:
    tracker = SelectionTracker()
    for epoch, loss in enumerate(CRAFTED["rise_names_this_epoch"][0][:20]):
        tracker.update(loss, {"w": torch.tensor([float(epoch)])})
    restored = SelectionTracker()
    restored.load(json.loads(json.dumps(tracker.to_json())), tracker.kept_tensors())
    assert restored.losses == tracker.losses and restored.candidate == tracker.candidate == (
        17,
        pytest.approx(2.94, abs=0.01),
    )
    assert sorted(restored.states) == sorted(tracker.states)
    assert all(torch.equal(restored.states[e]["w"], tracker.states[e]["w"]) for e in tracker.states)
