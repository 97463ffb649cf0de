"""The whole evaluation of several videos: F-score, rank correlations and diversity (plain numpy/scipy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .correlation import rank_correlation
from .diversity import diversity
from .fscore import reduce_over_users, resolve_eval_method, user_f_scores
from .keyshots import SUMMARY_BUDGET, keyshot_mask, summary_from_mask
from .validation import (
    check_keyshot_inputs,
    check_per_video,
    check_proportion,
    check_reference_fields,
    describe,
    numeric_array,
    present_optional_fields,
    video_label,
)


def compute_metrics(
    predictions: Sequence[Sequence[float]],
    references: Sequence[dict],
    eval_method: str | None = None,
    proportion: float = SUMMARY_BUDGET,
    dataset: str | None = None,
) -> dict[str, Any]:
    """Evaluate the scores of several videos (the pure function behind ``metric.compute``).

    Args:
        predictions: per video, [n_steps] scores.
        references: per video, a dict with ``user_summary`` [n_users, n_frames], ``change_points``
            [n_shots, 2], ``picks`` [n_steps], ``n_frames``, and optionally ``user_scores``
            [n_users, n_frames], ``gtscore`` [n_steps], ``features`` [n_steps, dim], ``video_id``.
        eval_method: "max" or "avg"; None picks it from ``dataset`` (summe -> max, tvsum -> avg), else max.
        proportion: summary budget as a fraction of the video, in (0, 1].
        dataset: dataset name used to pick ``eval_method``.
    Returns:
        ``f_score`` and ``f_scores`` (in input order); ``kendall_tau``/``spearman_rho`` with user_scores,
        ``kendall_tau_gtscore``/``spearman_rho_gtscore`` with gtscore, ``diversity`` with features.
    """
    eval_method = resolve_eval_method(eval_method, dataset)
    proportion = check_proportion(proportion)
    check_per_video(predictions, "predictions")
    check_per_video(references, "references")
    if len(predictions) != len(references):
        raise ValueError(
            f"got {len(predictions)} predictions but {len(references)} references; expected one per video"
        )
    if len(references) == 0:
        raise ValueError("no videos to evaluate: predictions and references are empty")
    for index, reference in enumerate(references):
        check_reference_fields(reference, video_label(index, reference))
    optional = present_optional_fields(references)

    outputs = ("f_scores", "kendall_tau", "spearman_rho", "kendall_tau_gtscore", "spearman_rho_gtscore", "diversity")
    per_video: dict[str, list[float]] = {name: [] for name in outputs}
    for index, (scores, reference) in enumerate(zip(predictions, references)):
        where = video_label(index, reference)
        scores, picks, n_frames, change_points = check_keyshot_inputs(
            scores, reference["picks"], reference["n_frames"], reference["change_points"], where
        )
        user_summary = numeric_array(reference["user_summary"], where, "user_summary", ndim=2, integer=True)
        if user_summary.shape[0] == 0 or user_summary.shape[1] != n_frames:
            raise ValueError(
                f"{where}: user_summary must have shape (n_users >= 1, n_frames={n_frames}), "
                f"found {describe(user_summary)}"
            )
        if np.any((user_summary != 0) & (user_summary != 1)):
            found = np.unique(user_summary)[:5].tolist()
            raise ValueError(f"{where}: user_summary must be binary (0/1), found values {found}")

        mask = keyshot_mask(scores, picks, n_frames, change_points, proportion, None, where)
        summary = summary_from_mask(mask, change_points)
        per_video["f_scores"].append(reduce_over_users(user_f_scores(summary, user_summary, where), eval_method))

        if "user_scores" in optional:
            user_scores = numeric_array(reference["user_scores"], where, "user_scores", ndim=2)
            if user_scores.shape[0] == 0 or user_scores.shape[1] != n_frames:
                raise ValueError(
                    f"{where}: user_scores must have shape (n_users >= 1, n_frames={n_frames}), "
                    f"found {describe(user_scores)}"
                )
            tau, rho = rank_correlation(scores, user_scores[:, picks])
            per_video["kendall_tau"].append(tau)
            per_video["spearman_rho"].append(rho)
        if "gtscore" in optional:
            gtscore = numeric_array(reference["gtscore"], where, "gtscore", ndim=1)
            if len(gtscore) != len(picks):
                raise ValueError(f"{where}: gtscore has {len(gtscore)} entries but picks has {len(picks)}")
            tau, rho = rank_correlation(scores, gtscore[None])
            per_video["kendall_tau_gtscore"].append(tau)
            per_video["spearman_rho_gtscore"].append(rho)
        if "features" in optional:
            features = numeric_array(reference["features"], where, "features", ndim=2)
            if len(features) != len(picks):
                raise ValueError(f"{where}: features has {len(features)} rows but picks has {len(picks)}")
            per_video["diversity"].append(diversity(summary, picks, features))

    f_scores = per_video.pop("f_scores")
    result: dict[str, Any] = {"f_score": float(np.mean(f_scores)), "f_scores": f_scores}
    result.update({name: float(np.mean(values)) for name, values in per_video.items() if values})  # means over videos
    return result
