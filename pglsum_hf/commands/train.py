"""``pglsum train``: train PGL-SUM on one split, then write the model card and upload the model if asked.

    pglsum train --dataset synthetic_summe.h5 --split_index 0
    accelerate launch -m pglsum_hf.commands.train --dataset synthetic_summe.h5 --split_index 0
    ACCELERATE_USE_CPU=true torchrun --nproc_per_node 2 -m pglsum_hf.commands.train --dataset ...

The options are the fields of `PGLSumTrainingArguments` (the run) and of `HubArguments` (the upload). Parsing and
every value check happen before torch is imported, so ``--help`` and a refused option return at once; the training
itself is `pglsum_hf.training.train`. Under a launcher every process trains; the main one writes the card, uploads
and reports.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import OptionError
from ..options import HubArguments, hub_repo_id, parse_arguments
from ..training.arguments import PGLSumTrainingArguments

if TYPE_CHECKING:
    from ..training.run import TrainingResult

PROG = "pglsum train"
DESCRIPTION = (
    "Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection. "
    "--push_to_hub uploads the model, its card and metrics (never checkpoints/, logs/ or run markers)."
)


@dataclass
class TrainArguments(PGLSumTrainingArguments, HubArguments):
    """The run's arguments and the upload of its model."""

    overwrite_card: bool = field(
        default=False,
        kw_only=True,
        metadata={"help": "With --push_to_hub: replace a README.md already on the Hub (kept by default)."},
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        hub_repo_id(self)  # the same upload rules as every command's
        if self.overwrite_card and not self.push_to_hub:
            raise OptionError("--overwrite_card", "only applies with --push_to_hub")

    @property
    def repo_id(self) -> str | None:
        """The Hub repository the model goes to (None without ``--push_to_hub``)."""
        return self.hub_model_id if self.push_to_hub else None


def parse_args(argv: list[str] | None = None, prog: str = PROG) -> TrainArguments:
    """The options of ``pglsum train``; a refused value raises `OptionError`, a usage error exits (status 2)."""
    return parse_arguments(TrainArguments, argv, prog=prog, description=DESCRIPTION)


def train_and_publish(args: TrainArguments) -> TrainingResult | None:
    """Train, write the model card once the model is saved, upload; the result on the main process, None elsewhere."""
    from accelerate import PartialState

    from ..training.card import write_trained_card
    from ..training.train import train

    # The card is written on the main process as soon as the model is saved, while the folder is still held.
    result = train(args, on_saved=lambda saved: write_trained_card(saved, args.repo_id))
    if not PartialState().is_main_process:  # every process trains; one uploads and reports
        return None
    if args.repo_id is not None:
        from ..hub import push_model_folder

        push_model_folder(  # the model and its card only: checkpoints, logs and the run marker stay here
            result.output_dir,
            args.repo_id,
            overwrite_card=args.overwrite_card,
            private=args.hub_private_repo or None,  # the token is the logged-in one (hf auth login / HF_TOKEN)
            commit_message=f"PGL-SUM trained with pglsum-hf (loss-selected epoch {result.selected_epoch})",
        )
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse (``--help`` and refused options return before torch is imported), train, report where the model went."""
    args = parse_args(argv)
    from ..console import configure_logging
    from ..training.cpu_memory import keep_freed_memory_unless_disabled

    keep_freed_memory_unless_disabled()  # the command's own process only (see cpu_memory)
    # This package's progress messages (data conversion, resume); other libraries' loggers stay as they are.
    configure_logging()
    result = train_and_publish(args)
    if result is None:
        return 0
    print(
        f"released model: epoch {result.selected_epoch} (loss-selected), test F-score {result.selected_f_score:.2f}\n"
        f"best test epoch {result.best_epoch}: F-score {result.best_f_score:.2f} (maximum learning capacity, not a selection)\n"
        f"written to {result.output_dir}"
    )
    return 0


if __name__ == "__main__":  # `accelerate launch -m` / `torchrun -m`: the errors of `pglsum train`, one line each
    from ..cli import main as pglsum

    sys.exit(pglsum(["train", *sys.argv[1:]]))
