"""The SumMe/TVSum evaluation protocol: keyshot summaries, F-score, rank correlation, diversity.

The protocol is plain numpy/scipy, in the modules of the ``evaluate`` metric script
(``pglsum_hf/metrics/video_summarization/``), so that the metric can also live on the Hub as a metric Space and
this package needs neither ``datasets`` nor ``evaluate``. Use ``evaluate.load(METRIC_PATH)`` for the ``evaluate``
interface (``add_batch`` / ``compute``), or call ``compute_metrics`` directly, as training does every epoch.
``SUMMARY_BUDGET`` (0.15) is the one summary budget of the package; the protocol's functions call it
``proportion``, as the original evaluation code does.
"""

from importlib import import_module
from pathlib import Path

# The folder holding the metric script: `evaluate.load(METRIC_PATH)` works from any working directory.
METRIC_PATH = str(Path(__file__).resolve().parent / "video_summarization")

# Each name is imported from its module on first use: `SUMMARY_BUDGET` or the keyshot functions (numpy only) must
# not pay for scipy, which the rank correlations import, in every command's start-up.
_EXPORTED_FROM = {
    **dict.fromkeys(("kendall_tau_b", "rank_correlation", "spearman_rho"), ".video_summarization.correlation"),
    "diversity": ".video_summarization.diversity",
    **dict.fromkeys(
        ("DATASET_EVAL_METHODS", "EVAL_METHODS", "reduce_over_users", "resolve_eval_method", "user_f_scores"),
        ".video_summarization.fscore",
    ),
    **dict.fromkeys(
        (
            "SUMMARY_BUDGET",
            "frame_scores_from_steps",
            "generate_summary",
            "knapsack",
            "select_keyshots",
            "shot_scores",
        ),
        ".video_summarization.keyshots",
    ),
    "compute_metrics": ".video_summarization.protocol",
}


def __getattr__(name: str):
    if name not in _EXPORTED_FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTED_FROM[name], __name__), name)
    globals()[name] = value  # later lookups find it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTED_FROM})


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
