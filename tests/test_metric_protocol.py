"""Keyshot summary, knapsack and F-score against the literal implementation (tests/metric_literal.py)."""

from __future__ import annotations

import warnings

import metric_literal as literal
import numpy as np
import pytest
from metric_cases import random_video, two_user_video

import pglsum_hf
from pglsum_hf.metrics import (
    compute_metrics,
    generate_summary,
    knapsack,
    reduce_over_users,
    resolve_eval_method,
    select_keyshots,
    user_f_scores,
)


# ---------------------------------------------------------------------------------------------- knapsack
@pytest.mark.parametrize("seed", range(200))
def test_knapsack_matches_the_dp_table_on_random_items(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 25))
    weights = rng.integers(0 if seed % 7 == 0 else 1, 60, size=n).tolist()
    if seed % 3 == 0:  # integer values: many exactly tied optima
        values = rng.integers(0, 4, size=n).astype(float).tolist()
    elif seed % 3 == 1:  # float32 means promoted to float64, like shot scores
        values = [float(np.float32(v)) for v in rng.random(n)]
    else:
        values = (rng.random(n) * 2 - 0.5).tolist()  # some negative values
    capacity = int(rng.integers(0, 200))
    expected = literal.knapsack(capacity, weights, values)
    assert knapsack(values, weights, capacity).tolist() == expected


@pytest.mark.parametrize(
    ("values", "weights", "capacity"),
    [
        ([1.0, 1.0, 1.0], [2, 2, 2], 4),  # three equal items, room for two
        ([0.5, 0.5], [3, 3], 3),  # tie between two items
        ([0.0, 0.0, 0.0], [1, 2, 3], 6),  # all-zero values: nothing changes the table
        ([0.3, 0.7], [10, 20], 5),  # capacity smaller than every weight
        ([0.3, 0.7], [10, 20], 0),  # zero capacity
        ([0.4], [5], 5),  # one item that fits exactly
        ([], [], 10),  # no items
        ([0.1 + 0.2, 0.3], [1, 1], 1),  # values differing in the last bit
    ],
)
def test_knapsack_edge_cases(values, weights, capacity):
    assert knapsack(values, weights, capacity).tolist() == literal.knapsack(capacity, weights, values)


def test_knapsack_rejects_bad_input():
    with pytest.raises(ValueError, match="weights has 1"):
        knapsack([0.1, 0.2], [1], 3)
    with pytest.raises(ValueError, match="non-negative"):
        knapsack([0.1], [-1], 3)
    with pytest.raises(ValueError, match="values contains NaN"):
        knapsack([float("nan")], [1], 3)


# ------------------------------------------------------------------------------------- keyshot summary
@pytest.mark.parametrize("seed", range(120))
def test_generate_summary_matches_the_literal_steps(seed):
    rng = np.random.default_rng(1000 + seed)
    scores, reference = random_video(rng)
    proportion = float(rng.choice([0.15, 0.15, 0.3, 1.0, 0.01]))
    args = (scores, reference["picks"], reference["n_frames"], reference["change_points"])
    expected = literal.generate_summary(*args, proportion=proportion)
    summary = generate_summary(*args, proportion=proportion)
    assert summary.dtype == np.int8
    np.testing.assert_array_equal(summary, expected)


def test_generate_summary_is_exported_from_the_package():
    assert pglsum_hf.generate_summary is generate_summary


def _video(change_points, scores, n_frames, step=1):
    picks = np.arange(0, n_frames, step)
    return np.asarray(scores, dtype=np.float64), picks, n_frames, np.asarray(change_points)


@pytest.mark.parametrize(
    ("change_points", "scores", "n_frames"),
    [
        ([[0, 9], [10, 19], [20, 29]], [0.5] * 30, 30),  # every shot tied
        ([[0, 9], [10, 19], [20, 29]], [0.0] * 30, 30),  # zero scores: no shot changes the table
        ([[0, 99]], np.linspace(0, 1, 100), 100),  # one shot, longer than the budget
        ([[0, 2]], [1.0, 1.0, 1.0], 3),  # one tiny shot: budget int(3 * 0.15) = 0
        ([[0, 39], [40, 79], [80, 99]], np.linspace(1, 0, 100), 100),  # budget 15 < every shot
        ([[0, 4], [10, 14], [20, 29]], np.arange(40) / 40, 40),  # gaps, last shot ends before n_frames
    ],
)
def test_generate_summary_edge_cases(change_points, scores, n_frames):
    args = _video(change_points, scores, n_frames)
    np.testing.assert_array_equal(generate_summary(*args), literal.generate_summary(*args))


def test_generate_summary_spreads_two_fps_scores_over_the_frames():
    # Frames 0..14 take scores[0], 15..29 scores[1]: only the second shot (frames 15..29) is worth taking.
    change_points = np.array([[0, 14], [15, 29], [30, 99]])
    scores = np.array([0.1, 0.9, 0.2, 0.2, 0.2, 0.2, 0.2])
    summary = generate_summary(scores, np.arange(0, 100, 15), 100, change_points, proportion=0.15)
    assert summary.tolist() == [0] * 15 + [1] * 15 + [0] * 70


def test_shot_scores_are_float32_means_like_the_reference_code():
    # The same three frame scores in reverse order: equal means in float64, but numpy's float32 mean of
    # the second shot is one ulp larger, so the reference code takes shot 1, not shot 0.
    frames = [0.35779520869255066, 0.5715298056602478, 0.3218694031238556]
    scores = np.array(frames + frames[::-1] + [0.0] * 14)
    args = (scores, np.arange(20), 20, np.array([[0, 2], [3, 5], [6, 19]]))  # budget int(20 * 0.15) = 3
    assert select_keyshots(*args).tolist() == [False, True, False]
    np.testing.assert_array_equal(generate_summary(*args), literal.generate_summary(*args))


def test_select_keyshots_budget_frames_overrides_the_proportion():
    change_points = np.array([[0, 9], [10, 29], [30, 39], [40, 99]])
    scores = np.array([0.9] * 10 + [0.8] * 20 + [0.7] * 10 + [0.1] * 60)
    args = (scores, np.arange(100), 100, change_points)
    assert select_keyshots(*args).tolist() == [True, False, False, False]  # budget int(100 * 0.15) = 15
    assert select_keyshots(*args, budget_frames=40).tolist() == [True, True, True, False]
    assert select_keyshots(*args, budget_frames=5).tolist() == [False] * 4
    with pytest.raises(ValueError, match="budget_frames must be non-negative"):
        select_keyshots(*args, budget_frames=-1)


# ---------------------------------------------------------------------------------------------- F-score
@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("eval_method", ["max", "avg"])
def test_user_f_scores_match_the_literal_f_score(seed, eval_method):
    rng = np.random.default_rng(seed)
    n_frames = int(rng.integers(5, 400))
    user_summary = (rng.random((int(rng.integers(1, 6)), n_frames)) < rng.random()).astype(np.int8)
    user_summary[:, int(rng.integers(0, n_frames))] = 1  # no empty user summary (the literal code gives NaN)
    summary_length = int(rng.integers(1, 2 * n_frames))  # shorter and longer than the user summaries
    summary = (rng.random(summary_length) < rng.random()).astype(np.int8)
    summary[int(rng.integers(0, summary_length))] = 1
    expected = literal.f_score(summary, user_summary, eval_method)
    assert reduce_over_users(user_f_scores(summary, user_summary), eval_method) == expected


def test_f_score_pads_the_shorter_side_with_zeros():
    user_summary = np.array([[1, 1, 0, 0]])
    longer = np.array([1, 1, 0, 0, 1, 1])  # 2 extra selected frames beyond the users: precision 2/4
    assert user_f_scores(longer, user_summary)[0] == pytest.approx(2 * 0.5 * 1.0 * 100 / 1.5)
    shorter = np.array([1])  # the user's second frame lies beyond the summary: recall 1/2
    assert user_f_scores(shorter, user_summary)[0] == pytest.approx(2 * 1.0 * 0.5 * 100 / 1.5)


def test_empty_summary_scores_zero_with_a_warning():
    with pytest.warns(UserWarning, match="selects no frame"):
        scores = user_f_scores(np.zeros(10, dtype=np.int8), np.ones((3, 10), dtype=np.int8))
    assert scores.tolist() == [0.0, 0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(literal.f_score(np.zeros(10, dtype=np.int8), np.ones((3, 10), dtype=np.int8), "max"))


def test_empty_user_summary_scores_zero_for_that_user_with_a_warning():
    user_summary = np.array([[0, 0, 0, 0], [1, 1, 0, 0]])
    with pytest.warns(UserWarning, match=r"rows \[0\] select no frame"):
        scores = user_f_scores(np.array([1, 1, 0, 0]), user_summary)
    assert scores.tolist() == [0.0, 100.0]


def test_disjoint_summary_scores_zero():
    assert user_f_scores(np.array([1, 0]), np.array([[0, 1]])).tolist() == [0.0]


# ------------------------------------------------------------------------------------- whole metric
@pytest.mark.parametrize("eval_method", ["max", "avg"])
def test_compute_metrics_matches_the_literal_metric(eval_method):
    rng = np.random.default_rng(7 if eval_method == "max" else 8)
    videos = [random_video(rng, max_frames=2000) for _ in range(8)]
    predictions = [scores for scores, _ in videos]
    references = [reference for _, reference in videos]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty summaries / constant series: both sides agree below
        expected = literal.evaluate(predictions, references, eval_method)
        result = compute_metrics(predictions, references, eval_method=eval_method)
    # The literal code gives NaN for an empty summary; the metric gives 0 (and warns).
    expected_f = [0.0 if np.isnan(f) else f for f in expected["f_scores"]]
    assert result["f_scores"] == expected_f
    assert result["f_score"] == pytest.approx(np.mean(expected_f), abs=1e-12)
    assert result["kendall_tau"] == pytest.approx(expected["kendall_tau"], abs=1e-12)
    assert result["spearman_rho"] == pytest.approx(expected["spearman_rho"], abs=1e-12)
    assert result["diversity"] == pytest.approx(expected["diversity"], abs=1e-9)


def test_compute_metrics_reports_only_what_its_inputs_allow():
    rng = np.random.default_rng(3)
    scores, reference = random_video(rng)
    bare = {key: reference[key] for key in ("user_summary", "change_points", "picks", "n_frames")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert set(compute_metrics([scores], [bare])) == {"f_score", "f_scores"}
        with_gtscore = compute_metrics([scores], [dict(bare, gtscore=scores[::-1].copy())])
    assert set(with_gtscore) == {"f_score", "f_scores", "kendall_tau_gtscore", "spearman_rho_gtscore"}
    assert with_gtscore["kendall_tau_gtscore"] == pytest.approx(literal.rank_correlation(scores, [scores[::-1]])[0])


@pytest.mark.parametrize(
    ("dataset", "eval_method", "expected"),
    [
        ("tvsum", None, "avg"),
        ("SumMe", None, "max"),
        ("user/eccv16_dataset_tvsum", None, "avg"),
        (None, None, "max"),
        ("tvsum", "max", "max"),
    ],  # fmt: skip
)
def test_eval_method_defaults_from_the_dataset_name(dataset, eval_method, expected):
    assert resolve_eval_method(eval_method, dataset) == expected


def test_eval_method_changes_the_reduction_over_users():
    scores, reference = two_user_video()
    assert compute_metrics([scores], [reference], dataset="summe")["f_score"] == 100.0
    assert compute_metrics([scores], [reference], dataset="tvsum")["f_score"] == 50.0
