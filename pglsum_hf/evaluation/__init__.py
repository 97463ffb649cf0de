"""The SumMe/TVSum evaluation protocol: keyshot summaries, F-score, rank correlation, diversity.

The protocol is plain numpy/scipy, in the modules next to the ``evaluate`` metric script
(``pglsum_hf/metrics/video_summarization/``), so that the metric can also live on the Hub as a metric Space
and this package needs neither ``datasets`` nor ``evaluate``. Use ``evaluate.load(METRIC_PATH)`` for the
``evaluate`` interface (``add_batch`` / ``compute``), or call ``compute_metrics`` directly, as training does
every epoch.
"""

from ..metrics import METRIC_PATH
from ..metrics.video_summarization.correlation import kendall_tau_b, rank_correlation, spearman_rho
from ..metrics.video_summarization.diversity import diversity
from ..metrics.video_summarization.fscore import (
    DATASET_EVAL_METHODS,
    EVAL_METHODS,
    reduce_over_users,
    resolve_eval_method,
    user_f_scores,
)
from ..metrics.video_summarization.keyshots import (
    frame_scores_from_steps,
    generate_summary,
    knapsack,
    select_keyshots,
    shot_scores,
)
from ..metrics.video_summarization.protocol import compute_metrics
from .baselines import random_baseline

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
