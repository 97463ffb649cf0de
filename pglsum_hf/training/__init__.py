"""Training: the PGL-SUM recipe with Accelerate, model selection, results over the splits.

``train(...)`` trains one split and saves the released model, its metrics and curves (``pglsum train`` adds the
model card and the Hub upload: `pglsum_hf.training.card.write_trained_card`, `pglsum_hf.hub.push_model_folder`);
``select_epoch(losses)`` is the paper's model-selection criterion; ``pglsum_hf.training.run_splits`` holds the
results table of all five splits (``pglsum run-splits``). This package has no command-line code.
"""

from ..lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PGLSumTrainingArguments": ".arguments",
        "TrainingDiverged": ".interrupts",
        "TrainingInterrupted": ".interrupts",
        "select_epoch": ".selection",
        "TrainingResult": ".run",
        "write_trained_card": ".card",
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
    "write_trained_card",
]
