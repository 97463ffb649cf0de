"""Reference points for reading an F-score: what uniformly random frame scores get under the same protocol.

Keyshot F-scores are not near 0 for meaningless scores (the knapsack still picks short shots, and on TVSum
random summaries famously score close to trained models), so a result is only meaningful next to this.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..metrics import SUMMARY_BUDGET, compute_metrics


def random_baseline(
    references: Sequence[dict],
    eval_method: str = "max",
    budget: float = SUMMARY_BUDGET,
    trials: int = 100,
    seed: int = 0,
) -> float:
    """Mean F-score of uniformly random 2 fps scores on ``references`` (the metric's format), over ``trials`` draws,
    with summaries of ``budget`` of each video (the protocol's ``proportion``)."""
    rng = np.random.default_rng(seed)
    lengths = [len(reference["picks"]) for reference in references]
    draws = [
        compute_metrics([rng.random(n) for n in lengths], references, eval_method=eval_method, proportion=budget)[
            "f_score"
        ]
        for _ in range(trials)
    ]
    return float(np.mean(draws))
