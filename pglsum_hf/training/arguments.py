"""Command-line and Python arguments of ``pglsum train``: the original PGL-SUM names and defaults.

One dataclass serves both ``train(...)`` (keyword arguments) and the command line (through
``transformers.HfArgumentParser``), so the two cannot drift apart. This module imports neither torch nor
transformers until a run needs them: ``pglsum train --help`` is printed from the same dataclass by plain argparse,
and ``main`` imports the training code only once the options are parsed.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import types
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import OptionError
from ..options import MAX_SEED, expand_push_to_hub_value, hub_repo_id

# The paper's architecture (PGLSumConfig's defaults): used when neither the command line nor a base model sets them.
ARCHITECTURE_DEFAULTS = {"hidden_size": 1024, "heads": 8, "n_segments": 4, "fusion": "add", "pos_enc": "absolute",
                         "init_type": "xavier", "init_gain": None}  # fmt: skip
# The paper's group sizes: with 80% of SumMe (25 videos) and TVSum (50 videos) for training, one
# optimizer step per epoch.
DEFAULT_BATCH_SIZE = {"summe": 20, "tvsum": 40}
# Real frames per padded forward pass on a CPU: smaller batches keep each batch's activations near the caches
# instead of streaming the whole group's through main memory (measurements in the README's training section).
# 8 times the paper's 1024: the attention's weights grow with its square (8192: ~0.5 GB with Adam's state).
MAX_HIDDEN_SIZE = 8192
CPU_MICRO_BATCH_FRAMES = 4096
# On a CPU a padded slot costs as much as a real one, so a batch only takes videos close to its longest.
CPU_MICRO_BATCH_MIN_FILL = 0.9


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
            "aliases": ["--video_type", "--video-type"],
            "help": "Hub dataset id, local dataset folder, or a SumMe/TVSum-layout .h5 file (converted on the fly).",
        }
    )
    split_index: int = field(default=0, metadata={"help": "Which of the 5 train/test splits to use (0..4)."})
    splits: str | None = field(
        default=None,
        metadata={"help": "Splits JSON for an .h5 dataset (default: the file beside it, see `pglsum convert`)."},
    )
    n_epochs: int = field(default=200, metadata={"help": "Number of training epochs."})
    batch_size: int | None = field(
        default=None,
        metadata={
            "help": "Videos per optimizer step (default 20 for SumMe, 40 for TVSum). A smaller leftover group is dropped."
        },
    )
    lr: float = field(default=5e-5, metadata={"help": "Adam learning rate."})
    l2_req: float = field(default=1e-5, metadata={"help": "Adam weight decay (L2 regularisation)."})
    clip: float = field(default=5.0, metadata={"help": "Maximum total gradient norm."})
    seed: int = field(default=12345, metadata={"help": "Seed of torch, numpy and random."})
    init_type: Literal["xavier", "normal", "kaiming", "orthogonal"] | None = field(
        default=None, metadata={"help": "Weight initialisation of the model (default xavier)."}
    )
    init_gain: float | None = field(
        default=None, metadata={"help": "Gain of the initialisation (model default when unset)."}
    )
    hidden_size: int | None = field(
        default=None,
        metadata={
            "help": "Size of the attention projections (the original's output_size; PGLSumConfig.hidden_size; default 1024)."
        },
    )
    heads: int | None = field(
        default=None, metadata={"help": "Heads of the global attention (PGLSumConfig.num_heads; default 8)."}
    )
    n_segments: int | None = field(
        default=None, metadata={"help": "Number of local segments (PGLSumConfig.num_segments; default 4)."}
    )
    fusion: Literal["add", "mult", "avg", "max"] | None = field(
        default=None, metadata={"help": "How global and local attention are fused (default add)."}
    )
    pos_enc: Literal["absolute", "relative", "none"] | None = field(
        default=None,
        metadata={"help": "Positional encoding added to the attention energies (default absolute; none: without)."},
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
        default=None, metadata={"help": "Dropout of the model's regressor (model default 0.5 when unset)."}
    )
    attention_dropout: float | None = field(
        default=None, metadata={"help": "Dropout on the attention weights (model default 0.5 when unset)."}
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
    push_to_hub: bool = field(
        default=False,
        metadata={
            "help": "Push the model, its card and metrics to the Hub (never checkpoints/, logs/ or run markers)."
        },
    )
    hub_model_id: str | None = field(
        default=None, metadata={"help": "Hub repository id for --push_to_hub (owner/name)."}
    )
    hub_private_repo: bool = field(
        default=False, metadata={"aliases": ["--private"], "help": "Create the --hub_model_id repository as private."}
    )
    overwrite_card: bool = field(
        default=False,
        metadata={"help": "With --push_to_hub: replace a README.md already on the Hub (kept by default)."},
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

        def number(value: Any) -> bool:
            return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

        def integer(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        checks = {
            "split_index": (integer(self.split_index) and 0 <= self.split_index <= 4, "0..4"),
            "n_epochs": (integer(self.n_epochs) and self.n_epochs >= 1, "an integer >= 1"),
            "batch_size": (integer(self.batch_size) and self.batch_size >= 1, "an integer >= 1"),
            "lr": (number(self.lr) and self.lr > 0, "a finite number > 0"),
            "l2_req": (number(self.l2_req) and self.l2_req >= 0, "a finite number >= 0"),
            "clip": (number(self.clip) and self.clip > 0, "a finite number > 0"),
            "init_gain": (
                self.init_gain is None or (number(self.init_gain) and self.init_gain > 0),
                "a finite number > 0",
            ),
            "hidden_size": (
                self.hidden_size is None or (integer(self.hidden_size) and 1 <= self.hidden_size <= MAX_HIDDEN_SIZE),
                f"an integer from 1 to {MAX_HIDDEN_SIZE}",
            ),
            "seed": (integer(self.seed) and 0 <= self.seed <= MAX_SEED, f"an integer from 0 to {MAX_SEED}"),
            "heads": (self.heads is None or (integer(self.heads) and self.heads >= 1), "an integer >= 1"),
            "n_segments": (
                self.n_segments is None or (integer(self.n_segments) and self.n_segments >= 2),
                "an integer >= 2",
            ),
            "dropout": (
                self.dropout is None or (number(self.dropout) and 0 <= self.dropout <= 1),
                "a probability in [0, 1]",
            ),
            "attention_dropout": (
                self.attention_dropout is None
                or (number(self.attention_dropout) and 0 <= self.attention_dropout <= 1),
                "a probability in [0, 1]",
            ),
            "micro_batch_size": (self.micro_batch_size is None or self.micro_batch_size >= 1, "an integer >= 1"),
            "micro_batch_frames": (self.micro_batch_frames is None or self.micro_batch_frames >= 0, "an integer >= 0"),
            "micro_batch_min_fill": (
                self.micro_batch_min_fill is None or 0.0 <= self.micro_batch_min_fill <= 1.0,
                "a number from 0 to 1",
            ),
            "checkpointing_epochs": (self.checkpointing_epochs >= 1, "an integer >= 1"),
            "checkpoints_total_limit": (self.checkpoints_total_limit >= 1, "an integer >= 1"),
        }
        for name, (ok, expected) in checks.items():
            if not ok:
                raise OptionError(f"--{name}", f"must be {expected}, found {getattr(self, name)!r}")
        if self.model_name_or_path is None:
            hidden, heads = self.architecture()["hidden_size"], self.architecture()["heads"]
            if hidden % heads:
                raise OptionError(
                    "--heads",
                    f"must divide --hidden_size {hidden} (each head gets hidden_size / heads), found {heads}",
                )
        if self.init_type == "normal" and self.init_gain is None:
            raise OptionError("--init_gain", "is needed with --init_type normal (the standard deviation)")
        self._check_report_to()
        hub_repo_id(self)  # the same upload rules as every command's
        if self.overwrite_card and not self.push_to_hub:
            raise OptionError("--overwrite_card", "only applies with --push_to_hub")

    def _check_report_to(self) -> None:
        from accelerate.utils import LoggerType  # here, not at import: `--help` stays free of torch

        known = ["none", *(kind.value for kind in LoggerType)]
        if self.report_to not in known:
            raise OptionError("--report_to", f"must be one of {', '.join(known)}, found {self.report_to!r}")

    def architecture(self) -> dict[str, Any]:
        """The architecture options with the paper's defaults filled in where unset (no base model)."""
        return {
            name: default if getattr(self, name) is None else getattr(self, name)
            for name, default in ARCHITECTURE_DEFAULTS.items()
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DESCRIPTION = "Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection."


def build_parser(prog: str = "pglsum train"):
    """The argparse parser of ``pglsum train`` / ``scripts/train.py``."""
    from transformers import HfArgumentParser

    return HfArgumentParser(PGLSumTrainingArguments, prog=prog, description=DESCRIPTION)


def build_help_parser(prog: str = "pglsum train") -> argparse.ArgumentParser:
    """A parser with the options of `build_parser` as ``--help`` shows them, built without transformers.

    For printing the help only: it lays the fields out as ``HfArgumentParser`` does (``--a_b`` and ``--a-b``, the
    aliases, Literal choices, ``--flag [FLAG]`` for booleans, defaults shown) but has none of its value types, so
    every run parses with `build_parser`. ``tests/test_training_arguments.py`` checks that both print the same help.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=DESCRIPTION, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    hints = typing.get_type_hints(PGLSumTrainingArguments)
    for item in dataclasses.fields(PGLSumTrainingArguments):
        kwargs = dict(item.metadata)
        aliases = kwargs.pop("aliases", [])
        options = [f"--{item.name}"] + ([f"--{item.name.replace('_', '-')}"] if "_" in item.name else [])
        kind = hints[item.name]
        if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:  # X | None shows as X
            kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        if kind is bool:
            # HfArgumentParser's booleans take an optional value (`--overwrite`, `--overwrite false`). A field
            # defaulting to True would also get a `--no_<name>` flag there: none does, and the help test would say.
            kwargs.update(nargs="?", const=True)
        elif typing.get_origin(kind) is Literal:
            kwargs["choices"] = typing.get_args(kind)
        if item.default is dataclasses.MISSING:
            kwargs["required"] = True
        else:
            kwargs["default"] = item.default
        parser.add_argument(*options, *aliases, **kwargs)
    return parser


def _asks_for_help(argv: list[str]) -> bool:
    """Whether argparse would meet ``-h``/``--help`` as an option (not after ``--``)."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return "-h" in options or "--help" in options


def parse_args(argv: list[str] | None = None, prog: str = "pglsum train") -> PGLSumTrainingArguments:
    if _asks_for_help(sys.argv[1:] if argv is None else list(argv)):
        # The help needs the fields only: printing it without HfArgumentParser spares importing transformers.
        build_help_parser(prog).print_help()
        raise SystemExit(0)
    parser = build_parser(prog)
    # `--push_to_hub ORG/NAME`, the other commands' old form, reads as `--push_to_hub --hub_model_id ORG/NAME`.
    argv = expand_push_to_hub_value(sys.argv[1:] if argv is None else list(argv))
    # Value checks in __post_init__ raise OptionError (one line, exit code 2, printed by the `pglsum` command).
    args, unknown = parser.parse_args_into_dataclasses(args=argv, return_remaining_strings=True)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """``pglsum train`` (``scripts/train.py``): parse the options, then import the training code (torch,
    Accelerate) and train; ``--help`` and refused options return before torch is imported."""
    args = parse_args(argv)
    from .train import run_from_args

    return run_from_args(args)
