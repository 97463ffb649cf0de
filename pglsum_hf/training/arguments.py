"""Command-line and Python arguments of ``pglsum train``: the original PGL-SUM names and defaults.

One dataclass serves both ``train(...)`` (keyword arguments) and the command line (through
``transformers.HfArgumentParser``), so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..evaluation import resolve_eval_method

# The paper's group sizes: with 80% of SumMe (25 videos) and TVSum (50 videos) for training, one
# optimizer step per epoch.
DEFAULT_BATCH_SIZE = {"summe": 20, "tvsum": 40}
# Real frames per padded forward pass on a CPU. The whole group at once streams every activation of the memory-bound
# layers (layer norms, dropout, normalisation: 74 MB each for a TVSum group) through main memory; smaller batches
# keep the GEMMs efficient and the elementwise work closer to the caches. Measured on the 2-core CPU (median s/epoch,
# TVSum-sized): whole group 10.1, 2048 frames 9.3, 4096 frames 8.8; SumMe-sized: 3.2, 3.1, 3.2 (before
# `cpu_memory.keep_freed_memory`, so those figures also include page faults, which grow with the batch).
CPU_MICRO_BATCH_FRAMES = 4096


def dataset_family(dataset: str) -> str | None:
    """``"summe"`` or ``"tvsum"`` when the dataset's name says which benchmark it is, else ``None``."""
    name = Path(str(dataset)).name.lower()
    found = {family for family in DEFAULT_BATCH_SIZE if family in name}
    return found.pop() if len(found) == 1 else None


@dataclass
class PGLSumTrainingArguments:
    """Everything one training run needs; field names follow the original PGL-SUM ``configs.py``."""

    dataset: str = field(
        metadata={
            "aliases": ["--video_type"],
            "help": "Hub dataset id, local dataset folder, or a SumMe/TVSum-layout .h5 file (converted on the fly).",
        }
    )
    split_index: int = field(default=0, metadata={"help": "Which of the 5 train/test splits to use (0..4)."})
    splits: str | None = field(
        default=None, metadata={"help": "Splits JSON for an .h5 dataset (default: the file beside it, see `pglsum convert`)."}
    )
    n_epochs: int = field(default=200, metadata={"help": "Number of training epochs."})
    batch_size: int | None = field(
        default=None,
        metadata={"help": "Videos per optimizer step (default 20 for SumMe, 40 for TVSum). A smaller leftover group is dropped."},
    )
    lr: float = field(default=5e-5, metadata={"help": "Adam learning rate."})
    l2_req: float = field(default=1e-5, metadata={"help": "Adam weight decay (L2 regularisation)."})
    clip: float = field(default=5.0, metadata={"help": "Maximum total gradient norm."})
    seed: int = field(default=12345, metadata={"help": "Seed of torch, numpy and random."})
    init_type: Literal["xavier", "normal", "kaiming", "orthogonal"] = field(
        default="xavier", metadata={"help": "Weight initialisation of the model."}
    )
    init_gain: float | None = field(default=None, metadata={"help": "Gain of the initialisation (model default when unset)."})
    hidden_size: int = field(
        default=1024, metadata={"help": "Size of the attention projections (the original's output_size; PGLSumConfig.hidden_size)."}
    )
    heads: int = field(default=8, metadata={"help": "Heads of the global attention (PGLSumConfig.num_heads)."})
    n_segments: int = field(default=4, metadata={"help": "Number of local segments (PGLSumConfig.num_segments)."})
    fusion: Literal["add", "mult", "avg", "max"] = field(default="add", metadata={"help": "How global and local attention are fused."})
    pos_enc: Literal["absolute", "relative", "none"] = field(
        default="absolute", metadata={"help": "Positional encoding added to the attention energies (none: without)."}
    )
    dropout: float | None = field(
        default=None, metadata={"help": "Dropout of the model's regressor (model default 0.5 when unset)."}
    )
    attention_dropout: float | None = field(
        default=None, metadata={"help": "Dropout on the attention weights (model default 0.5 when unset)."}
    )
    eval_method: Literal["max", "avg"] | None = field(
        default=None, metadata={"help": "F-score over users: max (SumMe) or avg (TVSum); default from the dataset name."}
    )
    output_dir: str | None = field(
        default=None, metadata={"help": "Where the model, metrics, logs and checkpoints go (default: pglsum-<dataset>-split<k>)."}
    )
    per_video: bool = field(
        default=False, metadata={"help": "Run the original one-video-at-a-time loop instead of padded batches (for checking)."}
    )
    micro_batch_size: int | None = field(
        default=None,
        metadata={"help": "Videos per padded forward pass (default: the whole group). Gradients still add up over the group."},
    )
    micro_batch_frames: int | None = field(
        default=None,
        metadata={
            "help": "Most real frames per padded forward pass (a longer video goes alone); 0: no limit. Default: "
            f"{CPU_MICRO_BATCH_FRAMES} on a CPU, where smaller batches beat one big one; no limit elsewhere. The gradient "
            "is the group's sum either way; only the order of the dropout draws changes."
        },
    )
    mixed_precision: Literal["no", "fp16", "bf16"] | None = field(
        default=None, metadata={"help": "Mixed precision (default: what `accelerate config` / `accelerate launch` set)."}
    )
    report_to: str = field(default="tensorboard", metadata={"help": "Trackers for Accelerate: tensorboard, wandb, all or none."})
    checkpointing_epochs: int = field(default=10, metadata={"help": "Save the full training state every N epochs (and at the end)."})
    checkpoints_total_limit: int = field(default=2, metadata={"help": "How many checkpoints to keep (the newest)."})
    resume_from_checkpoint: str | None = field(
        default=None, metadata={"help": "A checkpoint folder, or 'latest' for the newest in <output_dir>/checkpoints."}
    )
    push_to_hub: bool = field(default=False, metadata={"help": "Push the output folder (model, card, metrics, logs) to the Hub."})
    hub_model_id: str | None = field(default=None, metadata={"help": "Hub repository id for --push_to_hub (owner/name)."})
    hub_private_repo: bool = field(default=False, metadata={"help": "Create the --hub_model_id repository as private."})
    num_workers: int = field(default=0, metadata={"help": "DataLoader worker processes for collating training batches."})

    def __post_init__(self) -> None:
        family = dataset_family(self.dataset)
        if self.batch_size is None:
            if family is None:
                raise ValueError(
                    f"--batch_size is needed: the dataset name {self.dataset!r} names neither SumMe nor TVSum "
                    f"(defaults {DEFAULT_BATCH_SIZE})"
                )
            self.batch_size = DEFAULT_BATCH_SIZE[family]
        if self.eval_method is None:
            # The benchmark's convention (SumMe: best-matching user, TVSum: mean over users); an unknown
            # name raises, asking for --eval_method.
            self.eval_method = resolve_eval_method(None, Path(self.dataset).name)
        checks = {
            "split_index": (0 <= self.split_index <= 4, "0..4"),
            "n_epochs": (self.n_epochs >= 1, ">= 1"),
            "batch_size": (self.batch_size >= 1, ">= 1"),
            "micro_batch_size": (self.micro_batch_size is None or self.micro_batch_size >= 1, ">= 1"),
            "micro_batch_frames": (self.micro_batch_frames is None or self.micro_batch_frames >= 0, ">= 0"),
            "clip": (self.clip > 0, "> 0"),
            "checkpointing_epochs": (self.checkpointing_epochs >= 1, ">= 1"),
            "checkpoints_total_limit": (self.checkpoints_total_limit >= 1, ">= 1"),
        }
        for name, (ok, expected) in checks.items():
            if not ok:
                raise ValueError(f"--{name} must be {expected}, found {getattr(self, name)!r}")
        if self.push_to_hub and not self.hub_model_id:
            raise ValueError("--push_to_hub needs --hub_model_id (owner/name)")
        if self.output_dir is None:
            stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(self.dataset.rstrip("/")).stem).strip("-")
            self.output_dir = f"pglsum-{stem}-split{self.split_index}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_parser(prog: str = "pglsum train"):
    """The argparse parser of ``pglsum train`` / ``scripts/train.py``."""
    from transformers import HfArgumentParser

    return HfArgumentParser(
        PGLSumTrainingArguments,
        prog=prog,
        description="Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection.",
    )


def parse_args(argv: list[str] | None = None) -> PGLSumTrainingArguments:
    parser = build_parser()
    try:
        (args,) = parser.parse_args_into_dataclasses(args=argv)
    except ValueError as error:  # __post_init__ checks: report them the argparse way (exit code 2)
        parser.error(str(error))
    return args
