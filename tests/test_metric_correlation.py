"""Rank correlation (Otani et al. 2019) and diversity, against scipy / the literal implementation and the
published human leave-one-out figures on the real TVSum annotations."""

from __future__ import annotations

import metric_literal as literal
import numpy as np
import pytest
from scipy.stats import kendalltau, rankdata, spearmanr

from pglsum_hf.metrics import diversity, kendall_tau_b, rank_correlation, spearman_rho


@pytest.mark.filterwarnings("ignore:.*constant series")  # short random rows are sometimes constant
@pytest.mark.parametrize("seed", range(40))
def test_tau_b_and_rho_match_scipy_pair_by_pair(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    x = rng.integers(0, 4, size=(3, n)).astype(float) if seed % 2 else rng.random((3, n))  # ties / no ties
    y = rng.random((4, n)) if seed % 3 == 0 else rng.integers(1, 6, size=(4, n)).astype(float)
    tau, rho = kendall_tau_b(x, y), spearman_rho(x, y)
    assert tau.shape == rho.shape == (3, 4)
    for a in range(3):
        for b in range(4):
            if len(np.unique(x[a])) > 1 and len(np.unique(y[b])) > 1:
                assert tau[a, b] == pytest.approx(kendalltau(rankdata(-x[a]), rankdata(-y[b]))[0], abs=1e-12)
                assert rho[a, b] == pytest.approx(spearmanr(x[a], y[b])[0], abs=1e-12)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1.0, 2.0], [2.0, 1.0]),  # two elements, discordant
        ([1.0, 1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 1.0, 1.0, 1.0]),  # ties in x, in y and in both
        ([3.0, 1.0, 2.0, 5.0, 4.0, 0.0, 7.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),  # odd length
        (np.arange(33.0) % 5, np.arange(33.0)[::-1] % 7),  # few distinct values: counted per value
        ((np.arange(45.0) * 7) % 45, (np.arange(45.0) * 11) % 40),  # many values: merge sort, ragged blocks
    ],
)
def test_tau_b_small_cases_match_scipy(x, y):
    expected = kendalltau(rankdata(-np.asarray(x)), rankdata(-np.asarray(y)))[0]
    assert kendall_tau_b(np.asarray(x), np.asarray(y))[0, 0] == pytest.approx(expected, abs=1e-12)


def test_rank_correlation_matches_the_literal_mean_over_users():
    rng = np.random.default_rng(1)
    scores, users = rng.random(400), rng.integers(1, 6, size=(20, 400)).astype(float)
    tau, rho = rank_correlation(scores, users)
    expected_tau, expected_rho = literal.rank_correlation(scores, users)
    assert tau == pytest.approx(expected_tau, abs=1e-12)
    assert rho == pytest.approx(expected_rho, abs=1e-12)


def test_perfect_and_reversed_rankings():
    scores = np.arange(10.0)
    assert rank_correlation(scores, scores[None] * 3) == pytest.approx((1.0, 1.0))
    assert rank_correlation(scores, -scores[None]) == pytest.approx((-1.0, -1.0))


def test_constant_series_count_as_zero_with_a_warning():
    with pytest.warns(UserWarning, match="constant series"):
        tau, rho = rank_correlation(np.full(10, 0.5), np.arange(10.0)[None])
    assert (tau, rho) == (0.0, 0.0)


def test_human_leave_one_out_reproduces_the_published_tvsum_figures(shared_data):
    """Otani et al. 2019, Table 2: each annotator against each of the other 19, tau 0.177 and rho 0.204."""
    blocks: dict[str, list[np.ndarray]] = {}
    with open(shared_data / "ydata-anno.tsv", encoding="utf-8") as table:
        for line in table:
            video_id, _category, scores = line.rstrip("\n").split("\t")
            blocks.setdefault(video_id, []).append(np.array(scores.split(","), dtype=np.float64))
    assert len(blocks) == 50 and all(len(users) == 20 for users in blocks.values())

    video_taus, video_rhos = [], []
    for users in blocks.values():
        at_picks = np.stack(users)[:, ::15]  # the 2 fps picks 0, 15, 30, ...
        others = ~np.eye(len(at_picks), dtype=bool)
        tau, rho = kendall_tau_b(at_picks, at_picks), spearman_rho(at_picks, at_picks)
        video_taus.append(np.mean([tau[user, others[user]].mean() for user in range(len(at_picks))]))
        video_rhos.append(np.mean([rho[user, others[user]].mean() for user in range(len(at_picks))]))
    assert round(float(np.mean(video_taus)), 3) == 0.177
    assert round(float(np.mean(video_rhos)), 3) == 0.204


@pytest.mark.parametrize("seed", range(30))
def test_diversity_matches_the_literal_pairwise_mean(seed):
    rng = np.random.default_rng(seed)
    n_frames = int(rng.integers(10, 300))
    picks = np.arange(0, n_frames, int(rng.choice([1, 5, 15])))
    summary = (rng.random(int(rng.integers(1, n_frames + 1))) < 0.3).astype(np.int8)  # may end before picks do
    features = rng.normal(size=(len(picks), 6))
    assert diversity(summary, picks, features) == pytest.approx(literal.diversity(summary, picks, features), abs=1e-12)


def test_diversity_values():
    picks = np.array([0, 10, 20])
    features = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    assert diversity(np.ones(30), picks, features) == pytest.approx(2 * 1.0 / 6)  # one identical pair of 3
    assert diversity(np.r_[np.ones(15), np.zeros(15)], picks, features) == pytest.approx(1.0)  # the parallel pair
    assert diversity(np.r_[np.ones(5), np.zeros(25)], picks, features) == 0.0  # a single selected frame
