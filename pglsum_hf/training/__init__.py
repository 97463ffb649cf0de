"""Training: the PGL-SUM recipe with Accelerate, model selection, results over the splits.

``train(...)`` trains one split (``pglsum train``), ``select_epoch(losses)`` is the paper's model-selection
criterion, and ``pglsum_hf.training.run_splits`` trains all five splits and writes the results table.
"""

from ..lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PGLSumTrainingArguments": ".arguments",
        "TrainingDiverged": ".checkpointing",
        "TrainingInterrupted": ".checkpointing",
        "select_epoch": ".selection",
        "TrainingResult": ".train",
        "train": ".train",
    },
)

__all__ = [
    "PGLSumTrainingArguments",
    "TrainingDiverged",
    "TrainingInterrupted",
    "TrainingResult",
    "select_epoch",
    "train",
]
