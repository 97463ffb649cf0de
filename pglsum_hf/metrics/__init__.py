"""The SumMe/TVSum evaluation protocol: keyshot summaries, F-score, rank correlation, diversity.

The protocol is plain numpy/scipy, in the modules of the ``evaluate`` metric script
(``pglsum_hf/metrics/video_summarization/``), so that the metric can also live on the Hub as a metric Space and
this package needs neither ``datasets`` nor ``evaluate``. Use ``evaluate.load(METRIC_PATH)`` for the ``evaluate``
interface (``add_batch`` / ``compute``), or call ``compute_metrics`` directly, as training does every epoch.
``SUMMARY_BUDGET`` (0.15) is the one summary budget of the package; the protocol's functions call it
``proportion``, as the original evaluation code does.
"""

from pathlib import Path

from .video_summarization.correlation import kendall_tau_b, rank_correlation, spearman_rho
from .video_summarization.diversity import diversity
from .video_summarization.fscore import (
    DATASET_EVAL_METHODS,
    EVAL_METHODS,
    reduce_over_users,
    resolve_eval_method,
    user_f_scores,
)
from .video_summarization.keyshots import (
    SUMMARY_BUDGET,
    frame_scores_from_steps,
    generate_summary,
    knapsack,
    select_keyshots,
    shot_scores,
)
from .video_summarization.protocol import compute_metrics

# The folder holding the metric script: `evaluate.load(METRIC_PATH)` works from any working directory.
METRIC_PATH = str(Path(__file__).resolve().parent / "video_summarization")

__all__ = [
    "DATASET_EVAL_METHODS",
    "EVAL_METHODS",
    "METRIC_PATH",
    "SUMMARY_BUDGET",
    "compute_metrics",
    "diversity",
    "frame_scores_from_steps",
    "generate_summary",
    "kendall_tau_b",
    "knapsack",
    "rank_correlation",
    "reduce_over_users",
    "resolve_eval_method",
    "select_keyshots",
    "shot_scores",
    "spearman_rho",
    "user_f_scores",
]
