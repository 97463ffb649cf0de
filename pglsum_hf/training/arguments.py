"""The arguments of one training run (recipe, architecture, batching, outputs): the original PGL-SUM names and defaults.

One dataclass serves ``train(...)`` (keyword arguments) and ``pglsum train`` (its fields are the command's options,
read by :func:`pglsum_hf.options.parse_arguments`), so the two cannot drift apart. Every value is checked once, in
``__post_init__``, and trusted after. The architecture fields are `PGLSumConfig`'s, under its names; left unset
they take the config's defaults, or a base model's config. This module imports neither torch nor transformers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..choices_pglsum import FUSIONS, INIT_TYPES, POSITIONAL_ENCODINGS
from ..errors import OptionError
from ..options import check_int, check_number, check_seed
from .architecture import DROPOUT_OPTIONS, NO_POSITIONAL_ENCODING, config_defaults

# The five train/test splits of SumMe and TVSum.
N_SPLITS = 5
# The paper's group sizes: with 80% of SumMe (25 videos) and TVSum (50 videos) for training, one
# optimizer step per epoch.
DEFAULT_BATCH_SIZE = {"summe": 20, "tvsum": 40}
# 8 times the paper's 1024: the attention's weights grow with its square (8192: ~0.5 GB with Adam's state).
MAX_HIDDEN_SIZE = 8192
# Real frames per padded forward pass on a CPU: smaller batches keep each batch's activations near the caches
# instead of streaming the whole group's through main memory (measurements in the README's training section).
CPU_MICRO_BATCH_FRAMES = 4096
# On a CPU a padded slot costs as much as a real one, so a batch only takes videos close to its longest.
CPU_MICRO_BATCH_MIN_FILL = 0.9
# `--pos_enc` takes the config's values, and `none` for its None.
POS_ENC_CHOICES = (*POSITIONAL_ENCODINGS, NO_POSITIONAL_ENCODING)
# What an unset architecture option becomes without a base model: the config's default (shown in the help).
CONFIG_DEFAULTS = config_defaults()


def dataset_family(dataset: str) -> str | None:
    """``"summe"`` or ``"tvsum"`` when the dataset's name says which benchmark it is, else ``None``."""
    name = Path(str(dataset)).name.lower()
    found = {family for family in DEFAULT_BATCH_SIZE if family in name}
    return found.pop() if len(found) == 1 else None


def _architecture_help(what: str, name: str) -> str:
    return f"{what}; unset: {CONFIG_DEFAULTS[name]} (PGLSumConfig.{name}), or the base model's."


@dataclass
class PGLSumTrainingArguments:
    """Everything one training run needs; the recipe's field names follow the original PGL-SUM ``configs.py``."""

    dataset: str = field(
        metadata={
            "aliases": ["--video_type"],
            "help": "Hub dataset id, local dataset folder, or a SumMe/TVSum-layout .h5 file (converted on the fly).",
        }
    )
    split_index: int = field(default=0, metadata={"help": f"Which of the {N_SPLITS} train/test splits to use."})
    splits: str | None = field(
        default=None,
        metadata={"help": "Splits JSON for an .h5 dataset (default: the file beside it, see `pglsum convert`)."},
    )
    n_epochs: int = field(default=200, metadata={"help": "Number of training epochs."})
    batch_size: int | None = field(
        default=None,
        metadata={
            "help": f"Videos per optimizer step (default {DEFAULT_BATCH_SIZE['summe']} for SumMe, "
            f"{DEFAULT_BATCH_SIZE['tvsum']} for TVSum). A smaller leftover group is dropped."
        },
    )
    lr: float = field(default=5e-5, metadata={"help": "Adam learning rate."})
    l2_req: float = field(default=1e-5, metadata={"help": "Adam weight decay (L2 regularisation)."})
    clip: float = field(default=5.0, metadata={"help": "Maximum total gradient norm."})
    seed: int = field(default=12345, metadata={"help": "Seed of torch, numpy and random."})
    init_type: Literal[INIT_TYPES] | None = field(
        default=None, metadata={"help": _architecture_help("Weight initialisation of a new model", "init_type")}
    )
    init_gain: float | None = field(
        default=None,
        metadata={"help": "Gain of the initialisation: the standard deviation of --init_type normal (needed there)."},
    )
    hidden_size: int | None = field(
        default=None,
        metadata={
            "help": _architecture_help("Size of the attention projections (the original's output_size)", "hidden_size")
        },
    )
    num_heads: int | None = field(
        default=None,
        metadata={"aliases": ["--heads"], "help": _architecture_help("Heads of the global attention", "num_heads")},
    )
    num_segments: int | None = field(
        default=None,
        metadata={"aliases": ["--n_segments"], "help": _architecture_help("Number of local segments", "num_segments")},
    )
    fusion: Literal[FUSIONS] | None = field(
        default=None, metadata={"help": _architecture_help("How global and local attention are fused", "fusion")}
    )
    pos_enc: Literal[POS_ENC_CHOICES] | None = field(
        default=None,
        metadata={
            "help": _architecture_help(
                f"Positional encoding added to the attention energies ({NO_POSITIONAL_ENCODING}: none)", "pos_enc"
            )
        },
    )
    model_name_or_path: str | None = field(
        default=None,
        metadata={
            "help": "Fine-tune a PGL-SUM model: a Hub id or a folder from `pglsum train`, `convert-checkpoint` or `demo`. "
            "Its config sets the architecture; architecture options given here must agree with it."
        },
    )
    subfolder: str | None = field(
        default=None,
        metadata={"help": "The model folder inside --model_name_or_path when it holds several (split_0 ... split_4)."},
    )
    dropout: float | None = field(
        default=None,
        metadata={
            "help": f"Dropout of the model's regressor (default {CONFIG_DEFAULTS['dropout']}, or the base model's)."
        },
    )
    attention_dropout: float | None = field(
        default=None,
        metadata={"help": _architecture_help("Dropout on the attention weights", "attention_dropout")},
    )
    eval_method: Literal["max", "avg"] | None = field(
        default=None,
        metadata={"help": "F-score over users: max (SumMe) or avg (TVSum); default from the dataset name."},
    )
    output_dir: str | None = field(
        default=None,
        metadata={"help": "Where the model, metrics, logs and checkpoints go (default: pglsum-<dataset>-split<k>)."},
    )
    overwrite: bool = field(
        default=False,
        metadata={
            "help": "Replace an existing non-empty --output_dir (its old content is removed only once training succeeds)."
        },
    )
    per_video: bool = field(
        default=False,
        metadata={"help": "Run the original one-video-at-a-time loop instead of padded batches (for checking)."},
    )
    micro_batch_size: int | None = field(
        default=None,
        metadata={
            "help": "Videos per padded forward pass (default: the whole group). Gradients still add up over the group."
        },
    )
    micro_batch_frames: int | None = field(
        default=None,
        metadata={
            "help": "Most real frames per padded forward pass (a longer video goes alone); 0: no limit. Default: "
            f"{CPU_MICRO_BATCH_FRAMES} on a CPU, where smaller batches beat one big one; no limit elsewhere. The gradient "
            "is the group's sum either way; only the order of the dropout draws changes."
        },
    )
    micro_batch_min_fill: float | None = field(
        default=None,
        metadata={
            "help": "A video joins a padded batch only if it is at least this fraction of the batch's longest video, "
            "so padding costs at most 1/x^2 of the attention's work; 0: any length. Default: "
            f"{CPU_MICRO_BATCH_MIN_FILL} on a CPU, 0 elsewhere (an accelerator is faster with fewer, fuller batches)."
        },
    )
    mixed_precision: Literal["no", "fp16", "bf16"] | None = field(
        default=None,
        metadata={"help": "Mixed precision (default: what `accelerate config` / `accelerate launch` set)."},
    )
    report_to: str = field(
        default="tensorboard", metadata={"help": "Trackers for Accelerate: tensorboard, wandb, all or none."}
    )
    checkpointing_epochs: int = field(
        default=10, metadata={"help": "Save the full training state every N epochs (and at the end)."}
    )
    checkpoints_total_limit: int = field(default=2, metadata={"help": "How many checkpoints to keep (the newest)."})
    resume_from_checkpoint: str | None = field(
        default=None, metadata={"help": "A checkpoint folder, or 'latest' for the newest in <output_dir>/checkpoints."}
    )

    def __post_init__(self) -> None:
        family = dataset_family(self.dataset)
        if self.batch_size is None:
            if family is None:
                raise OptionError(
                    "--batch_size",
                    f"needed: the dataset name {self.dataset!r} names neither SumMe nor TVSum (defaults {DEFAULT_BATCH_SIZE})",
                )
            self.batch_size = DEFAULT_BATCH_SIZE[family]
        if self.eval_method is None:
            from ..metrics import resolve_eval_method  # here: the metrics package loads scipy, --help needs none

            # The benchmark's convention (SumMe: best-matching user, TVSum: mean over users); an unknown
            # name raises, asking for --eval_method.
            try:
                self.eval_method = resolve_eval_method(None, Path(self.dataset).name)
            except ValueError as error:
                raise OptionError("--eval_method", str(error)) from None
        self._check_values()
        if self.output_dir is None:
            stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(self.dataset.rstrip("/")).stem).strip("-")
            self.output_dir = f"pglsum-{stem}-split{self.split_index}"

    def _check_values(self) -> None:
        """Refuse values the recipe cannot run with, naming the option (``OptionError``, before any work)."""
        check_int("--split_index", self.split_index, 0, maximum=N_SPLITS - 1)
        check_int("--n_epochs", self.n_epochs, 1)
        check_int("--batch_size", self.batch_size, 1)
        check_number("--lr", self.lr, 0, inclusive=False)
        check_number("--l2_req", self.l2_req, 0)
        check_number("--clip", self.clip, 0, inclusive=False)
        check_number("--init_gain", self.init_gain, 0, inclusive=False, allow_none=True)
        check_int("--hidden_size", self.hidden_size, 1, maximum=MAX_HIDDEN_SIZE, allow_none=True)
        check_seed("--seed", self.seed)
        check_int(option_name("num_heads"), self.num_heads, 1, allow_none=True)
        check_int(option_name("num_segments"), self.num_segments, 2, allow_none=True)
        for name in DROPOUT_OPTIONS:
            check_number(f"--{name}", getattr(self, name), 0, maximum=1, allow_none=True)
        check_int("--micro_batch_size", self.micro_batch_size, 1, allow_none=True)
        check_int("--micro_batch_frames", self.micro_batch_frames, 0, allow_none=True)
        check_number("--micro_batch_min_fill", self.micro_batch_min_fill, 0, maximum=1, allow_none=True)
        check_int("--checkpointing_epochs", self.checkpointing_epochs, 1)
        check_int("--checkpoints_total_limit", self.checkpoints_total_limit, 1)
        if self.model_name_or_path is None:
            hidden = CONFIG_DEFAULTS["hidden_size"] if self.hidden_size is None else self.hidden_size
            heads = CONFIG_DEFAULTS["num_heads"] if self.num_heads is None else self.num_heads
            if hidden % heads:
                raise OptionError(
                    option_name("num_heads"),
                    f"must divide --hidden_size {hidden} (each head gets hidden_size / num_heads), found {heads}",
                )
        if self.init_type == "normal" and self.init_gain is None:
            raise OptionError("--init_gain", "is needed with --init_type normal (the standard deviation)")
        self._check_report_to()

    def _check_report_to(self) -> None:
        from accelerate.utils import LoggerType  # here, not at import: `--help` stays free of torch

        known = ["none", *(kind.value for kind in LoggerType)]
        if self.report_to not in known:
            raise OptionError("--report_to", f"must be one of {', '.join(known)}, found {self.report_to!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def option_name(name: str) -> str:
    """How an error names the option of field ``name``: with its other spellings, ``--num_heads (--heads)``, so that
    the message names what the user typed."""
    aliases = PGLSumTrainingArguments.__dataclass_fields__[name].metadata.get("aliases", ())
    return f"--{name}" + (f" ({', '.join(aliases)})" if aliases else "")
