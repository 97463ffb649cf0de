"""Training room (issue 5): the PGL-SUM recipe with Accelerate, model selection, results over the splits.

``train(...)`` trains one split (``pglsum train``), ``select_epoch(losses)`` is the paper's model-selection
criterion, and ``pglsum_hf.training.run_splits`` trains all five splits and writes the results table.
"""

from .arguments import PGLSumTrainingArguments
from .checkpointing import TrainingDiverged, TrainingInterrupted
from .selection import select_epoch
from .train import TrainingResult, train

__all__ = ["PGLSumTrainingArguments", "TrainingDiverged", "TrainingInterrupted", "TrainingResult", "select_epoch", "train"]
