"""Speed of the evaluation protocol: the vectorised metric vs the literal pure-Python implementation.

    pglsum benchmark metric --output benchmark_metric.json [--repeats 3] [--seed 0]

Two figures, each timed for both implementations on the same inputs (and checked to agree):
- knapsack: one TVSum-sized problem, 70 shots of a 19406-frame video (capacity int(19406 * 0.15) = 2910);
- full metric: a TVSum test split, 10 videos with the real TVSum frame counts and raw annotations from
  ``../shared/data/ydata-anno.tsv`` when present (random 20-user scores otherwise), 20 users, ~70 random
  shots each; F-score (avg), Kendall's tau, Spearman's rho and diversity on 1024-d features; also the
  F-score alone, and ``metric.compute`` of the evaluate module beside the direct ``compute_metrics`` call (the
  module adds evaluate's Arrow round trip of the inputs).
The literal implementation is ``tests/metric_literal.py`` of the source checkout (the tests' oracle), so
this benchmark runs from a clone. The functions return the figures; ``pglsum benchmark metric`` prints and saves
them. Nothing is asserted.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..metrics import METRIC_PATH, SUMMARY_BUDGET, compute_metrics, generate_summary, knapsack

REPO_ROOT = Path(__file__).resolve().parents[2]
LITERAL_PATH = REPO_ROOT / "tests" / "metric_literal.py"
ANNOTATIONS = REPO_ROOT.parent / "shared" / "data" / "ydata-anno.tsv"


def load_literal(path: Path = LITERAL_PATH) -> ModuleType:
    """Import the tests' literal implementation from the source checkout."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run this benchmark from a source checkout (it times the tests' oracle)"
        )
    spec = importlib.util.spec_from_file_location("metric_literal", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_seconds(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Fastest of ``repeats`` runs (the least disturbed by other work on the machine) and the last result."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def random_shots(rng: np.random.Generator, n_frames: int, n_shots: int) -> np.ndarray:
    """[n_shots, 2] contiguous inclusive shots covering all frames, of random lengths."""
    cuts = np.sort(rng.choice(np.arange(1, n_frames), size=n_shots - 1, replace=False))
    return np.stack([np.r_[0, cuts], np.r_[cuts - 1, n_frames - 1]], axis=1)


def tvsum_user_scores(rng: np.random.Generator, n_videos: int, annotations: Path = ANNOTATIONS) -> list[np.ndarray]:
    """[20, n_frames] raw user scores of ``n_videos`` videos: the real annotations when present."""
    if annotations.is_file():
        blocks: dict[str, list[np.ndarray]] = {}
        for line in annotations.read_text(encoding="utf-8").splitlines():
            video_id, _category, scores = line.split("\t")
            blocks.setdefault(video_id, []).append(np.array(scores.split(","), dtype=np.float64))
        videos = [np.stack(users) for users in blocks.values()]
        return sorted(videos, key=lambda users: -users.shape[1])[:n_videos]  # the longest: worst case
    return [rng.integers(1, 6, size=(20, int(rng.integers(2500, 19407)))).astype(np.float64) for _ in range(n_videos)]


def tvsum_split(
    rng: np.random.Generator, n_videos: int, annotations: Path = ANNOTATIONS
) -> tuple[list[np.ndarray], list[dict]]:
    """(predictions, references) of a TVSum-sized test split."""
    predictions, references = [], []
    for user_scores in tvsum_user_scores(rng, n_videos, annotations):
        n_frames = user_scores.shape[1]
        picks = np.arange(0, n_frames, 15)
        change_points = random_shots(rng, n_frames, n_shots=max(2, n_frames // 270))
        user_summary = np.zeros(user_scores.shape, dtype=np.int8)
        for user, scores in enumerate(user_scores):  # like TVSum's user summaries: keyshots of their scores
            keyshots = generate_summary(scores[picks], picks, n_frames, change_points)
            user_summary[user, : len(keyshots)] = keyshots
        predictions.append(rng.random(len(picks)))
        references.append(
            {
                "user_summary": user_summary,
                "change_points": change_points,
                "picks": picks,
                "n_frames": n_frames,
                "user_scores": user_scores,
                "features": rng.normal(size=(len(picks), 1024)).astype(np.float32),
            }
        )
    return predictions, references


def benchmark_knapsack(literal: ModuleType, rng: np.random.Generator, repeats: int) -> dict[str, Any]:
    n_frames, n_shots = 19406, 70
    change_points = random_shots(rng, n_frames, n_shots)
    weights = (change_points[:, 1] - change_points[:, 0] + 1).tolist()
    values = [float(np.float32(value)) for value in rng.random(n_shots)]
    capacity = int(n_frames * SUMMARY_BUDGET)
    literal_seconds, expected = best_seconds(lambda: literal.knapsack(capacity, weights, values), repeats)
    vectorised_seconds, selected = best_seconds(lambda: knapsack(values, weights, capacity), max(repeats, 20))
    if selected.tolist() != expected:
        raise AssertionError("the vectorised knapsack disagrees with the literal DP table")
    return {
        "items": n_shots,
        "capacity": capacity,
        "literal_seconds": literal_seconds,
        "vectorised_seconds": vectorised_seconds,
        "speedup": literal_seconds / vectorised_seconds,
    }


def benchmark_full_metric(
    literal: ModuleType, rng: np.random.Generator, repeats: int, n_videos: int, annotations: Path = ANNOTATIONS
) -> dict[str, Any]:
    import evaluate

    predictions, references = tvsum_split(rng, n_videos, annotations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        literal_seconds, expected = best_seconds(lambda: literal.evaluate(predictions, references, "avg"), repeats)
        vectorised_seconds, result = best_seconds(
            lambda: compute_metrics(predictions, references, eval_method="avg"), repeats
        )
        f_only = [{key: r[key] for key in ("user_summary", "change_points", "picks", "n_frames")} for r in references]
        literal_f_seconds, _ = best_seconds(lambda: literal.evaluate(predictions, f_only, "avg"), repeats)
        vectorised_f_seconds, _ = best_seconds(
            lambda: compute_metrics(predictions, f_only, eval_method="avg"), repeats
        )
        module = evaluate.load(METRIC_PATH)
        module_seconds, _ = best_seconds(
            lambda: module.compute(predictions=predictions, references=references, eval_method="avg"), repeats
        )
    if result["f_scores"] != expected["f_scores"]:
        raise AssertionError("the vectorised metric's F-scores disagree with the literal implementation")
    return {
        "videos": n_videos,
        "users": int(references[0]["user_summary"].shape[0]),
        "n_frames": [int(r["n_frames"]) for r in references],
        "shots": [len(r["change_points"]) for r in references],
        "real_annotations": annotations.is_file(),
        "literal_seconds": literal_seconds,
        "vectorised_seconds": vectorised_seconds,
        "speedup": literal_seconds / vectorised_seconds,
        # metric.compute: the same work plus evaluate's Arrow round trip of the inputs.
        "evaluate_module_seconds": module_seconds,
        "evaluate_module_over_direct": module_seconds / vectorised_seconds,
        "f_score_only": {
            "literal_seconds": literal_f_seconds,
            "vectorised_seconds": vectorised_f_seconds,
            "speedup": literal_f_seconds / vectorised_f_seconds,
        },
        "result": {key: value for key, value in result.items() if key != "f_scores"},
    }
