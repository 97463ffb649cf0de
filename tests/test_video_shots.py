"""KTS shot detection on feature arrays: the exact optimum, the penalty, the mapping to frames."""

import itertools

import numpy as np
import pytest

from pglsum_hf.video.shots import (
    detect_shots,
    kernel_temporal_segmentation,
    kts_penalty,
    kts_windows,
    segment_scatter,
    shots_from_change_points,
    windowed_kts,
)


def _exhaustive_kts(features: np.ndarray, vmax: float) -> list[int]:
    """KTS by brute force: every set of change points, scatter from its definition (variance around the mean)."""
    x = features / np.linalg.norm(features, axis=1, keepdims=True)
    n = len(x)
    best_cost, best = np.inf, None
    for m in range(n):
        for change_points in itertools.combinations(range(1, n), m):
            bounds = [0, *change_points, n]
            scatter = sum(((x[a:b] - x[a:b].mean(0)) ** 2).sum() for a, b in zip(bounds[:-1], bounds[1:]))
            cost = scatter / n + float(kts_penalty(n, m, vmax))
            if cost < best_cost - 1e-12:
                best_cost, best = cost, list(change_points)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_kts_finds_the_exact_penalised_optimum(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    # Piecewise features plus noise, with a shared offset so the vectors are not centred (as CNN features).
    levels = rng.normal(size=(3, 6))
    x = levels[np.sort(rng.integers(0, 3, size=n))] + 0.3 * rng.normal(size=(n, 6)) + rng.uniform(0, 2)
    for vmax in (0.05, 0.3, 1.0):
        assert kernel_temporal_segmentation(x, vmax=vmax).tolist() == _exhaustive_kts(x, vmax)


def test_segment_scatter_is_the_within_segment_variance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 5))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    scatter = segment_scatter(x)
    for i, j in [(0, 7), (2, 5), (3, 4), (1, 6)]:
        assert scatter[i, j] == pytest.approx(((x[i:j] - x[i:j].mean(0)) ** 2).sum())
    assert np.isinf(scatter[4, 4]) and np.isinf(scatter[5, 2])


def test_penalty_formula():
    assert float(kts_penalty(100, 0)) == 0.0
    assert float(kts_penalty(100, 10, vmax=2.0)) == pytest.approx(2.0 * 10 / 200 * (np.log(100 / 10) + 1))


def _blocks(lengths, dim=32, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.abs(rng.normal(size=(len(lengths), dim)))
    return np.concatenate([centre + noise * rng.normal(size=(n, dim)) for centre, n in zip(centres, lengths)])


def test_clear_blocks_are_found_and_shots_cover_the_video():
    features = _blocks([12, 5, 20, 9])
    assert kernel_temporal_segmentation(features).tolist() == [12, 17, 37]
    picks = np.arange(len(features)) * 15
    n_frames = len(features) * 15 - 7  # the last sampled step is cut short
    shots = detect_shots(features, picks, n_frames)
    assert shots.tolist() == [[0, 179], [180, 254], [255, 554], [555, n_frames - 1]]
    assert shots[0, 0] == 0 and shots[-1, 1] == n_frames - 1
    assert np.all(shots[1:, 0] == shots[:-1, 1] + 1)


def test_max_change_points_and_vmax_limit_the_segmentation():
    features = _blocks([6, 6, 6, 6, 6])
    assert len(kernel_temporal_segmentation(features)) == 4
    assert len(kernel_temporal_segmentation(features, max_change_points=2)) == 2
    assert len(kernel_temporal_segmentation(features, vmax=1e6)) == 0  # a huge penalty allows no change point


def test_single_frame_and_bad_input():
    assert kernel_temporal_segmentation(np.ones((1, 4))).tolist() == []
    assert shots_from_change_points(np.array([], dtype=int), np.array([0]), 10).tolist() == [[0, 9]]
    with pytest.raises(ValueError, match=r"shape \[N, D\]"):
        kernel_temporal_segmentation(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="3 sampled frames but 2 picks"):
        detect_shots(np.ones((3, 4)), np.array([0, 15]), 40)


@pytest.mark.parametrize("n", [1, 40, 150, 200])
def test_windowed_kts_is_exact_kts_up_to_the_window(n):
    features = _blocks([37, 11, 52, 29, 8, 63], seed=n)[:n]
    for vmax in (0.05, 1.0):
        exact = kernel_temporal_segmentation(features, vmax=vmax)
        assert windowed_kts(features, vmax=vmax, window=200, overlap=40).tolist() == exact.tolist()
    assert kts_windows(n, window=200, overlap=40) == [(0, n, 0, n)]


def test_windows_tile_the_sequence_with_context_on_both_sides():
    windows = kts_windows(1000, window=200, overlap=60)
    assert windows[0][0] == windows[0][2] == 0 and windows[-1][1] == windows[-1][3] == 1000
    assert all(end - start == 200 for start, end, _, _ in windows)
    for (_, end, _, keep_end), (next_start, _, next_keep_start, _) in itertools.pairwise(windows):
        assert keep_end == next_keep_start  # kept parts tile [0, n)
        assert keep_end - next_start >= 30 and end - keep_end >= 30  # overlap / 2 of context either side
    with pytest.raises(ValueError, match="overlap must be an integer in"):
        kts_windows(1000, window=100, overlap=100)
    with pytest.raises(ValueError, match="window must be an integer >= 2"):
        kts_windows(1000, window=1, overlap=0)


def test_windowed_kts_finds_every_cut_of_a_long_sequence():
    lengths = np.random.default_rng(3).integers(15, 90, size=40)  # 40 shots, ~2000 steps, ten windows of 300
    features = _blocks(lengths.tolist(), seed=3)
    cuts = np.cumsum(lengths)[:-1].tolist()
    assert windowed_kts(features, window=300, overlap=60).tolist() == cuts
    shots = detect_shots(features, np.arange(len(features)) * 15, len(features) * 15, window=300, overlap=60)
    assert shots[1:, 0].tolist() == [cut * 15 for cut in cuts]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"vmax": float("nan")}, "vmax must be a finite number > 0"),
        ({"vmax": -1.0}, "vmax must be"),
        ({"max_change_points": -2}, "max_change_points must be >= 0"),
    ],
)
def test_bad_kts_settings_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        windowed_kts(np.ones((5, 4)), **options)
