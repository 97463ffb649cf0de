"""One training run as the loop sees it (`Run`), and what ``train`` returns (`TrainingResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelerate import Accelerator

from ..atomic import OutputFolderLock
from ..data.batching import PaddedVideos
from ..data.origin import DataOrigin
from ..modeling_pglsum import PGLSumModel
from .arguments import PGLSumTrainingArguments
from .checkpointing import TrainingState
from .interrupts import TrainingDiverged
from .selection import SelectionTracker


@dataclass
class TrainingResult:
    """What ``train`` returns: the released model and the numbers behind it."""

    output_dir: Path
    model: PGLSumModel
    selected_epoch: int
    selected_f_score: float
    best_epoch: int
    best_f_score: float
    history: list[dict[str, Any]]
    initial: dict[str, Any]
    summary: dict[str, Any]


@dataclass
class Run:
    """Everything one training run holds: options, Accelerate objects, data, and the state checkpoints save."""

    args: PGLSumTrainingArguments
    accelerator: Accelerator
    output_dir: Path
    model: Any
    optimizer: Any
    train_videos: PaddedVideos
    test_batches: list[dict[str, Any]]
    micro_batch_frames: int | None
    micro_batch_min_fill: float
    record: dict[str, Any]
    state: TrainingState
    selection: SelectionTracker = field(default_factory=SelectionTracker)
    last_checkpoint: Path | None = None
    replaced: Path | None = None  # the previous content of --output_dir (--overwrite), removed once training succeeds
    lock: OutputFolderLock | None = None  # holds --output_dir until the run ends (main process)
    data: DataOrigin | None = None  # the training data as the card names it (synthetic from the data's own marks)
    # optional outputs left out (extra not installed), said at the end
    skipped: list[str] = field(default_factory=list)

    def where(self, moment: str) -> str:
        return f"{moment} ({self.args.dataset}, split {self.args.split_index})"

    def diverged(self, moment: str, what: str) -> TrainingDiverged:
        return TrainingDiverged(
            f"training diverged at {self.where(moment)}: {what}. Stopped before the optimizer step; the last good "
            f"checkpoint is {self.last_checkpoint or 'none yet (no checkpoint was saved)'}. Lower --lr or check the "
            "input features, then resume with --resume_from_checkpoint."
        )
