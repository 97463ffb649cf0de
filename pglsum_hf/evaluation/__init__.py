"""The SumMe/TVSum evaluation protocol: keyshot summaries, F-score, rank correlation, diversity.

The protocol is implemented once, in the self-contained ``evaluate`` metric script
``pglsum_hf/metrics/video_summarization/video_summarization.py`` (so it can also live on the Hub as a
metric Space); this package imports that script as a module and re-exports its functions. Use
``evaluate.load(METRIC_PATH)`` for the ``evaluate`` interface (``add_batch`` / ``compute``), or call
``compute_metrics`` directly, as training does every epoch.
"""

from pathlib import Path

from pglsum_hf.metrics.video_summarization import video_summarization as protocol
from pglsum_hf.metrics.video_summarization.video_summarization import (
    DATASET_EVAL_METHODS,
    EVAL_METHODS,
    compute_metrics,
    diversity,
    frame_scores_from_steps,
    generate_summary,
    kendall_tau_b,
    knapsack,
    rank_correlation,
    reduce_over_users,
    resolve_eval_method,
    select_keyshots,
    shot_scores,
    spearman_rho,
    user_f_scores,
)

from .baselines import random_baseline

# The folder holding the metric script: `evaluate.load(METRIC_PATH)` works from any working directory.
METRIC_PATH = str(Path(protocol.__file__).resolve().parent)

__all__ = [
    "DATASET_EVAL_METHODS",
    "EVAL_METHODS",
    "METRIC_PATH",
    "compute_metrics",
    "diversity",
    "frame_scores_from_steps",
    "generate_summary",
    "kendall_tau_b",
    "knapsack",
    "random_baseline",
    "rank_correlation",
    "reduce_over_users",
    "resolve_eval_method",
    "select_keyshots",
    "shot_scores",
    "spearman_rho",
    "user_f_scores",
]
