"""The `evaluate` interface: evaluate.load(pglsum_hf.METRIC_PATH), add / add_batch / compute."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import evaluate
import numpy as np
import pytest
from metric_cases import random_video, two_user_video

import pglsum_hf
from pglsum_hf.metrics import compute_metrics


@pytest.fixture(scope="module")
def videos():
    rng = np.random.default_rng(11)
    return [random_video(rng, max_frames=1200) for _ in range(5)]


@pytest.fixture
def metric(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # loading must not depend on the working directory
    return evaluate.load(pglsum_hf.METRIC_PATH)


def _compute_quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random cases may select nothing or hold constant series
        return function(*args, **kwargs)


@pytest.mark.parametrize(
    ("predictions", "found"),
    [(None, "NoneType"), (0.5, "float"), ("scores", "str"), ({"0": [0.1]}, "a dict (one video")],
)
def test_predictions_that_are_no_list_of_videos_are_named(metric, videos, predictions, found):
    with pytest.raises(
        ValueError, match="^predictions: expected a list with one entry per video, found " + re.escape(found)
    ):
        metric.compute(predictions=predictions, references=[videos[0][1]])


def test_metric_info_describes_the_inputs(metric):
    assert set(metric.features) == {"predictions", "references"}
    # each reference is stored as one Arrow struct: every array as dtype + shape + bytes, and the video id
    assert {field.name for field in metric.features["references"]()} == {
        "user_summary", "change_points", "picks", "n_frames", "user_scores", "gtscore", "features", "video_id"
    }  # fmt: skip
    assert "Otani" in metric.citation and "Gygli" in metric.citation and "Song" in metric.citation


def test_compute_equals_the_pure_function(metric, videos):
    predictions = [scores for scores, _ in videos]
    references = [reference for _, reference in videos]
    result = _compute_quietly(metric.compute, predictions=predictions, references=references, eval_method="avg")
    expected = _compute_quietly(compute_metrics, predictions, references, eval_method="avg")
    assert set(result) == {"f_score", "f_scores", "kendall_tau", "spearman_rho", "diversity"}
    assert result["f_scores"] == expected["f_scores"]
    for key in ("f_score", "kendall_tau", "spearman_rho", "diversity"):
        assert result[key] == pytest.approx(expected[key], abs=1e-9), key


def test_add_batch_accumulates_across_batches_in_input_order(metric, videos):
    bare = [
        (scores.tolist(), {key: reference[key] for key in ("user_summary", "change_points", "picks", "n_frames")})
        for scores, reference in videos
    ]
    for batch in (bare[:2], bare[2:3], bare[3:]):
        metric.add_batch(predictions=[scores for scores, _ in batch], references=[reference for _, reference in batch])
    result = _compute_quietly(metric.compute, eval_method="max")
    expected = _compute_quietly(compute_metrics, [s for s, _ in bare], [r for _, r in bare], eval_method="max")
    assert result["f_scores"] == expected["f_scores"]
    assert set(result) == {"f_score", "f_scores"}


def test_add_one_video_at_a_time_with_h5_style_arrays(metric, videos):
    for scores, reference in videos:
        h5_style = dict(reference, user_summary=reference["user_summary"].astype(np.float32), video_id="video_7")
        metric.add(prediction=scores.astype(np.float32), reference=h5_style)
    result = _compute_quietly(metric.compute)
    expected = _compute_quietly(
        compute_metrics, [s.astype(np.float32) for s, _ in videos], [r for _, r in videos], eval_method="max"
    )
    assert result["f_scores"] == expected["f_scores"]


def test_optional_field_given_for_only_some_videos_is_an_error(metric, videos):
    (scores_a, with_scores), (scores_b, reference_b) = videos[:2]
    without_scores = {key: value for key, value in reference_b.items() if key != "user_scores"}
    with pytest.raises(ValueError, match="'user_scores' is given for some videos but missing for videos \\[1\\]"):
        _compute_quietly(metric.compute, predictions=[scores_a, scores_b], references=[with_scores, without_scores])


def test_unknown_reference_field_is_an_error(metric, videos):
    scores, reference = videos[0]
    with pytest.raises(ValueError, match="unknown reference field\\(s\\) \\['userscores'\\]"):
        metric.compute(predictions=[scores], references=[dict(reference, userscores=reference["user_scores"])])


def test_config_name_sets_the_default_eval_method(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scores, reference = two_user_video()
    assert (
        evaluate.load(pglsum_hf.METRIC_PATH, "tvsum").compute(predictions=[scores], references=[reference])["f_score"]
        == 50.0
    )
    assert (
        evaluate.load(pglsum_hf.METRIC_PATH, "summe").compute(predictions=[scores], references=[reference])["f_score"]
        == 100.0
    )
    summe = evaluate.load(pglsum_hf.METRIC_PATH, "summe")
    assert summe.compute(predictions=[scores], references=[reference], eval_method="avg")["f_score"] == 50.0
    with pytest.raises(ValueError, match="unknown config name 'youtube'"):
        evaluate.load(pglsum_hf.METRIC_PATH, "youtube")


def test_docstring_example_holds(metric):
    reference = {
        "user_summary": [[1] * 20 + [0] * 80, [0] * 50 + [1] * 15 + [0] * 35],
        "change_points": [[0, 9], [10, 24], [25, 59], [60, 99]],
        "picks": list(range(0, 100, 10)),
        "n_frames": 100,
    }
    scores = [0.9, 0.8, 0.9, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.1]
    assert "66.67" in metric.inputs_description
    assert (
        round(metric.compute(predictions=[scores], references=[reference], eval_method="max")["f_score"], 2) == 66.67
    )


def test_card_documents_every_output_and_citation():
    card = (Path(pglsum_hf.METRIC_PATH) / "README.md").read_text(encoding="utf-8")
    outputs = (
        "f_score",
        "f_scores",
        "kendall_tau",
        "spearman_rho",
        "kendall_tau_gtscore",
        "spearman_rho_gtscore",
        "diversity",
    )
    for name in outputs + ("user_summary", "change_points", "picks", "n_frames", "user_scores", "gtscore", "features"):
        assert f"**{name}**" in card or f"`{name}`" in card, name
    for citation in (
        "gygli2014summe",
        "song2015tvsum",
        "zhang2016video",
        "otani2019rethinking",
        "apostolidis2021pglsum",
    ):
        assert citation in card, citation
    assert "Random summaries score high on TVSum" in card


def test_references_round_trip_exactly_whatever_their_layout(metric, videos):
    """evaluate stores each array as bytes: dtypes, scalars and non-contiguous views must come back unchanged."""
    predictions = [video[0] for video in videos]
    references = []
    for _, reference in videos:
        reference = dict(reference)
        users = np.asarray(reference["user_summary"], dtype=np.int8)
        reference["user_summary"] = np.asfortranarray(users)  # same values, column-major memory
        reference["change_points"] = np.asarray(reference["change_points"]).T.copy().T  # a transposed view
        reference["n_frames"] = np.int32(reference["n_frames"])
        references.append(reference)
    expected = _compute_quietly(compute_metrics, predictions, references, eval_method="avg")
    found = _compute_quietly(metric.compute, predictions=predictions, references=references, eval_method="avg")
    assert found == expected


def test_loads_in_a_fresh_cache_from_another_directory(tmp_path):
    """evaluate copies the script's relative imports: the protocol modules must all come along."""
    script = """
import os, evaluate, pglsum_hf
metric = evaluate.load(pglsum_hf.METRIC_PATH)
reference = {"user_summary": [[1] * 10 + [0] * 90], "change_points": [[0, 9], [10, 99]], "picks": [0, 50], "n_frames": 100}
print("F", metric.compute(predictions=[[0.9, 0.1]], references=[reference])["f_score"])
copied = {name for _, _, files in os.walk(os.environ["HF_HOME"]) for name in files if name.endswith(".py")}
print("COPIED", sorted(copied))
"""
    env = {**os.environ, "HF_HOME": str(tmp_path / "fresh-hf-home")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "F 100.0" in result.stdout
    # app.py is the Space's page, which loads the metric; the metric itself never imports it.
    modules = {path.name for path in Path(pglsum_hf.METRIC_PATH).glob("*.py")} - {"__init__.py", "app.py"}
    copied = result.stdout.rpartition("COPIED ")[2]
    assert all(name in copied for name in modules), (modules, copied)
