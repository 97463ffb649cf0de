"""Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection.

The recipe (the original ``solver.py``): seed everything; each epoch shuffle the training videos and walk them in
groups of ``batch_size`` (a smaller leftover group is dropped); a group's gradient is the SUM of its videos' MSE
gradients; clip the total norm to ``clip``; one Adam step per group. Here a group goes through the model as
length-sorted padded batches (``--per_video`` keeps the literal one-video loop), and across processes each one
takes a share of every group.

Before training and after every epoch the test split is scored with the benchmark metric. The released model is
the one ``select_epoch`` picks from the training losses; only the few states it may still pick are kept while
training runs (see ``SelectionTracker``).

    pglsum train --dataset synthetic_summe.h5 --split_index 0
    accelerate launch scripts/train.py --dataset synthetic_summe.h5 --split_index 0

``train()`` reads top to bottom: ``prepare_run`` checks every option, path and checkpoint and builds the run
before any work; ``training_loop`` is the loop (data, forward, loss, backward, clip, step, evaluate, select,
checkpoint); ``write_outputs`` writes the released model's folder.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator, PartialState
from accelerate.utils import ProjectConfiguration, gather_object, set_seed

from ..atomic import OutputFolderLock, reporting_disk_full
from ..console import configure_logging, progress_bar
from ..data.batching import PaddedVideos, length_sorted_batches
from ..data.collator import VideoCollator
from ..data.loading import load_split
from ..data.origin import DataOrigin, data_origin
from ..dependencies import is_installed
from ..errors import OptionError
from ..metrics import compute_metrics
from ..modeling_pglsum import PGLSumModel
from ..paths import local_inputs
from .arguments import CPU_MICRO_BATCH_FRAMES, CPU_MICRO_BATCH_MIN_FILL, PGLSumTrainingArguments, parse_args
from .card import write_trained_card
from .checkpointing import (
    CHECKPOINTS_DIR,
    InterruptFlag,
    TrainingDiverged,
    TrainingInterrupted,
    TrainingState,
    check_same_run,
    checkpoint_name,
    load_checkpoint,
    read_trainer_state,
    resolve_checkpoint,
    save_checkpoint,
)
from .model_setup import build_model, load_base_config
from .output_dir import (
    check_run_output_dir,
    finish_run_output_dir,
    start_run_output_dir,
)
from .processes import warn_about_process_count
from .reporting import CURVES_NAME, METRICS_FILE, plan_reporting, plot_training_curves, report_skipped, write_metrics
from .run_identity import RUN_MARKER, dataset_fingerprint, run_record
from .selection import SelectionTracker

logger = logging.getLogger(__name__)

# Metric results that are one number per evaluation (the per-video lists stay out of the logs).
SCALAR_METRICS = ("f_score", "kendall_tau", "spearman_rho", "kendall_tau_gtscore", "spearman_rho_gtscore", "diversity")
# Videos per padded forward pass when scoring the test split.
EVAL_BATCH_SIZE = 8


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
    skipped: list[str] = field(
        default_factory=list
    )  # optional outputs left out (extra not installed), said at the end

    def where(self, moment: str) -> str:
        return f"{moment} ({self.args.dataset}, split {self.args.split_index})"

    def checkpoint(self) -> Path:
        name = checkpoint_name(self.state.epoch, self.state.groups_done)
        with reporting_disk_full(
            self.output_dir / CHECKPOINTS_DIR / name
        ):  # written as .NAME.partial, renamed at the end
            self.last_checkpoint = save_checkpoint(
                self.accelerator, self.output_dir, name, self.args.checkpoints_total_limit, model=self.model,
                optimizer=self.optimizer, state=self.state, selection=self.selection, run=self.record,
            )  # fmt: skip
        return self.last_checkpoint

    def diverged(self, moment: str, what: str) -> TrainingDiverged:
        return TrainingDiverged(
            f"training diverged at {self.where(moment)}: {what}. Stopped before the optimizer step; the last good "
            f"checkpoint is {self.last_checkpoint or 'none yet (no checkpoint was saved)'}. Lower --lr or check the "
            "input features, then resume with --resume_from_checkpoint."
        )


# ================================================================================================ the loop
def training_loop(run: Run, until_epoch: int | None = None) -> None:
    """Train epochs ``run.state.epoch .. until_epoch - 1`` (default: to ``--n_epochs``), continuing mid-epoch after a
    resume. After each epoch: evaluate, update the selection, log, checkpoint every ``--checkpointing_epochs``.

    On SIGINT/SIGTERM the state is checkpointed after the current optimizer step and ``TrainingInterrupted`` raised.
    """
    args, accelerator, model, optimizer, state = run.args, run.accelerator, run.model, run.optimizer, run.state
    world, rank = accelerator.num_processes, accelerator.process_index
    n_train = len(run.train_videos)
    n_groups = n_train // args.batch_size  # the leftover group smaller than batch_size is dropped
    until_epoch = args.n_epochs if until_epoch is None else until_epoch
    if state.initial is None:
        state.initial = evaluate(run)
        log(run, state.initial, step=0)
    # The bar closes however the loop ends (an interrupt or a diverged loss raises through it).
    bar = progress_bar(
        range(args.n_epochs), desc="epochs", initial=state.epoch, disable=not accelerator.is_local_main_process
    )
    with bar as progress, InterruptFlag() as interrupt:
        for epoch in range(state.epoch, until_epoch):
            started = time.perf_counter()
            if state.order is None:
                state.order = torch.randperm(n_train, generator=state.shuffle_rng).tolist()
            for g in range(state.groups_done, n_groups):
                group = state.order[g * args.batch_size : (g + 1) * args.batch_size]
                # Data: this process's share of the group, as length-sorted padded batches (one video each with
                # --per_video).
                share = group[rank::world]
                max_videos = 1 if args.per_video else args.micro_batch_size
                batches = length_sorted_batches(
                    run.train_videos.lengths, share, max_videos, run.micro_batch_frames, run.micro_batch_min_fill
                )
                losses: dict[int, float] = {}
                for position, indices in enumerate(batches):
                    inputs = {
                        key: value.to(accelerator.device) for key, value in run.train_videos.batch(indices).items()
                    }
                    # Gradients add up locally over the group's batches and are exchanged once, after its last one.
                    last = position == len(batches) - 1
                    with nullcontext() if last or world == 1 else accelerator.no_sync(model):
                        video_losses = model(**inputs).video_losses  # forward + each video's MSE
                        # The SUM over the group's videos; DDP averages over processes, so each scales by their number.
                        accelerator.backward(video_losses.sum() * world)
                    losses.update(zip(indices, video_losses.detach().float().cpu().tolist()))
                gathered = dict(gather_object(list(losses.items())))  # every process's share, in group order below
                group_losses = [gathered[i] for i in group]
                bad = [
                    f"{run.train_videos.video_ids[i]} ({v})"
                    for i, v in zip(group, group_losses)
                    if not math.isfinite(v)
                ]
                if bad:
                    raise run.diverged(
                        f"epoch {epoch}, group {g}", f"the training loss is not finite for {', '.join(bad)}"
                    )
                grad_norm = accelerator.clip_grad_norm_(model.parameters(), args.clip)
                if not torch.isfinite(torch.as_tensor(grad_norm)):
                    videos = ", ".join(run.train_videos.video_ids[i] for i in group)
                    raise run.diverged(
                        f"epoch {epoch}, group {g}", f"the gradient norm is {float(grad_norm)} (videos {videos})"
                    )
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                state.epoch_losses.extend(group_losses)
                state.groups_done = g + 1
                if interrupt.requested and state.groups_done < n_groups:
                    raise TrainingInterrupted(interrupt.requested, run.checkpoint())
            train_seconds = time.perf_counter() - started

            # The epoch loss is the mean of its per-video losses, as the original records it.
            epoch_loss = float(torch.tensor(state.epoch_losses, dtype=torch.float32).mean())
            record = {"epoch": epoch, "loss": epoch_loss, **evaluate(run, epoch), "train_seconds": train_seconds}
            record["seconds"] = time.perf_counter() - started
            run.selection.update(epoch_loss, accelerator.unwrap_model(model).state_dict())
            state.history.append(record)
            state.epoch, state.groups_done, state.order, state.epoch_losses = epoch + 1, 0, None, []
            log(run, {k: v for k, v in record.items() if k != "epoch"}, step=epoch + 1)
            progress.update(1)
            progress.set_postfix(loss=f"{epoch_loss:.5f}", f_score=f"{record.get('f_score', float('nan')):.2f}")
            finished = state.epoch == args.n_epochs
            if state.epoch % args.checkpointing_epochs == 0 or finished or interrupt.requested:
                run.checkpoint()
                if interrupt.requested and not finished:
                    raise TrainingInterrupted(interrupt.requested, run.last_checkpoint)


@torch.no_grad()
def evaluate(run: Run, epoch: int | None = None) -> dict[str, Any]:
    """Score the test split with the unwrapped model (every process alike, no collective calls)."""
    model = run.accelerator.unwrap_model(run.model)
    model.eval()
    predictions, references = [], []
    for batch in run.test_batches:
        with run.accelerator.autocast():
            scores = model(
                batch["features"].to(run.accelerator.device),
                attention_mask=batch["attention_mask"].to(run.accelerator.device),
            ).scores
        for row, length in enumerate(batch["attention_mask"].sum(dim=1).tolist()):
            prediction = scores[row, :length].float().cpu().numpy()
            if not np.all(np.isfinite(prediction)):
                moment = "the evaluation before training" if epoch is None else f"epoch {epoch} evaluation"
                raise run.diverged(
                    moment, f"the predicted scores of test video {batch['video_id'][row]} are not finite"
                )
            predictions.append(prediction)
        references.extend(batch["references"])
    model.train()
    result = compute_metrics(predictions, references, eval_method=run.args.eval_method)
    return {key: float(result[key]) for key in SCALAR_METRICS if result.get(key) is not None}


def log(run: Run, values: dict[str, float], step: int) -> None:
    run.accelerator.log(
        {f"test/{k}" if k in SCALAR_METRICS else f"train/{k}": v for k, v in values.items()}, step=step
    )


# ================================================================================================ before the loop
def prepare_run(args: PGLSumTrainingArguments) -> Run:
    """Check every path, value and checkpoint, then build the run; nothing is written before all checks pass."""
    log_with, skipped = plan_reporting(args.report_to)
    accelerator = Accelerator(
        mixed_precision=args.mixed_precision,
        log_with=log_with,
        project_config=ProjectConfiguration(
            project_dir=str(args.output_dir), logging_dir=str(Path(args.output_dir) / "logs")
        ),
    )
    warn_about_process_count(accelerator.num_processes)
    checkpoint = _resolve_resume(args)
    output_dir = Path(args.output_dir)
    inputs = local_inputs(args.dataset, checkpoint, args.model_name_or_path, args.splits)
    resuming = checkpoint is not None and args.resume_from_checkpoint == "latest"
    owned = check_run_output_dir(
        output_dir,
        overwrite=args.overwrite,
        inputs=inputs,
        resuming=resuming,
        marker=RUN_MARKER,
        finished=METRICS_FILE,
    )
    # Held from here to the end of the run: a second run into the folder stops now, not half-way.
    lock = OutputFolderLock(output_dir).acquire() if accelerator.is_main_process else None
    try:
        run = _build_run(args, accelerator, checkpoint, output_dir, owned, skipped)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    run.lock = lock
    return run


def _build_run(
    args: PGLSumTrainingArguments,
    accelerator: Accelerator,
    checkpoint: Path | None,
    output_dir: Path,
    owned: bool,
    skipped: list[str],
) -> Run:
    """Read the data, build the model and optimizer, resume a checkpoint, then create the output folder."""
    saved = read_trainer_state(checkpoint) if checkpoint is not None else None
    if args.model_name_or_path is not None:  # a missing or broken base model is found before the data is read
        load_base_config(args.model_name_or_path, args.subfolder)

    set_seed(args.seed)
    splits = load_split(args.dataset, args.split_index, splits=args.splits)
    data = data_origin(args.dataset)
    train_videos = PaddedVideos(splits["train"], source=args.dataset)
    world = accelerator.num_processes
    if len(train_videos) < args.batch_size:
        raise OptionError(
            "--batch_size",
            f"split {args.split_index} of {args.dataset} has {len(train_videos)} training videos, fewer than {args.batch_size}: "
            "every group would be dropped and no step taken",
        )
    if args.batch_size < world:
        raise OptionError(
            "--batch_size", f"{args.batch_size} is smaller than the {world} processes; each needs a video per group"
        )
    test = splits["test"]
    test_lengths = PaddedVideos(test, source=args.dataset).lengths  # also checks the test videos, naming a bad one
    collator = VideoCollator()  # the test batches keep the metric's references
    test_batches = [
        collator([test[i] for i in indices])
        for indices in length_sorted_batches(test_lengths, range(len(test)), EVAL_BATCH_SIZE)
    ]

    model = build_model(args, train_videos.input_size)
    on_cpu = accelerator.device.type == "cpu"
    frames = args.micro_batch_frames
    if frames is None:
        frames = CPU_MICRO_BATCH_FRAMES if on_cpu else 0
    min_fill = args.micro_batch_min_fill
    if min_fill is None:
        min_fill = CPU_MICRO_BATCH_MIN_FILL if on_cpu else 0.0
    record = run_record(args, model.config, accelerator, frames or None, min_fill, dataset_fingerprint(splits))
    if saved is not None:
        check_same_run(checkpoint, saved["run"], record)

    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.l2_req)
    model, optimizer = accelerator.prepare(model, optimizer)
    run = Run(args, accelerator, output_dir, model, optimizer, train_videos, test_batches, frames or None, min_fill,
              record, TrainingState(seed=args.seed), data=data, skipped=skipped)  # fmt: skip
    if checkpoint is not None:
        load_checkpoint(
            checkpoint, accelerator, model=model, optimizer=optimizer, state=run.state, selection=run.selection,
            train_videos=len(train_videos),
        )  # fmt: skip
        run.last_checkpoint = checkpoint
        accelerator.print(
            f"resumed from {checkpoint} (epoch {run.state.epoch}, {run.state.groups_done} groups into it)"
        )
    if accelerator.is_main_process:
        run.replaced = start_run_output_dir(output_dir, owned=owned, marker=RUN_MARKER, record=record)
    accelerator.wait_for_everyone()
    return run


def _resolve_resume(args: PGLSumTrainingArguments) -> Path | None:
    if not args.resume_from_checkpoint:
        return None
    if args.resume_from_checkpoint == "latest" and args.overwrite:
        raise OptionError(
            "--overwrite",
            "cannot be combined with --resume_from_checkpoint latest, which continues the run in --output_dir",
        )
    checkpoint = resolve_checkpoint(args.resume_from_checkpoint, args.output_dir)
    if checkpoint is None:
        logger.warning(
            "--resume_from_checkpoint latest: no checkpoint in %s yet, starting from scratch", args.output_dir
        )
    return checkpoint


# ================================================================================================ after the loop
def write_outputs(run: Run) -> TrainingResult:
    """Load the selected epoch's weights, write the Hub-ready folder, metrics and plot; push if asked."""
    args, accelerator, history = run.args, run.accelerator, run.state.history
    selected = run.selection.selected_epoch()
    f_scores = [record["f_score"] for record in history]
    best = int(np.argmax(f_scores))
    model = accelerator.unwrap_model(run.model)
    model.load_state_dict(run.selection.selected_state())
    hyperparameters = {key: run.record[key] for key in run.record if key not in ("dataset",)}
    summary = {
        "dataset": args.dataset,
        "data": asdict(run.data),
        "split_index": args.split_index,
        "eval_method": args.eval_method,
        "n_epochs": len(history),
        "selected_epoch": selected,
        "selected_f_score": f_scores[selected],
        "selected_metrics": {k: v for k, v in history[selected].items() if k in SCALAR_METRICS},
        "best_epoch": best,
        "best_f_score": f_scores[best],
        "before_training": run.state.initial,
        "base_model": args.model_name_or_path,
        "hyperparameters": hyperparameters,
    }
    if accelerator.is_main_process:
        with reporting_disk_full(run.output_dir / "model.safetensors"):  # staged, then moved in file by file
            write_trained_card(model, run.output_dir, summary, repo_id=args.hub_model_id if args.push_to_hub else None)
        write_metrics(run.output_dir, summary, history)
        if is_installed("matplotlib"):  # else run.skipped says, after the work, that the plot was left out
            plot_training_curves(
                run.output_dir / CURVES_NAME, history, (run.state.initial or {}).get("f_score"), selected, best,
                f"PGL-SUM on {run.data.name}{' (SYNTHETIC)' if run.data.synthetic else ''}, split {args.split_index}",
            )  # fmt: skip
        if args.push_to_hub:
            from ..hub import push_model_folder

            push_model_folder(  # the model and its card only: checkpoints, logs and the run marker stay here
                run.output_dir,
                args.hub_model_id,
                overwrite_card=args.overwrite_card,
                private=args.hub_private_repo or None,  # the token is the logged-in one (hf auth login / HF_TOKEN)
                commit_message=f"PGL-SUM trained with pglsum-hf (loss-selected epoch {selected})",
            )
        finish_run_output_dir(run.replaced)
        report_skipped(run.skipped)
    accelerator.wait_for_everyone()
    return TrainingResult(
        run.output_dir, model, selected, f_scores[selected], best, f_scores[best], history, run.state.initial, summary
    )


def train(args: PGLSumTrainingArguments | None = None, **kwargs: Any) -> TrainingResult:
    """Train PGL-SUM on one split; returns the released model, selected/best epochs and per-epoch metrics.

    Pass a ``PGLSumTrainingArguments`` or its fields as keyword arguments, e.g.
    ``train(dataset="synthetic_summe.h5", split_index=0, n_epochs=20, output_dir="run")``.
    Raises ``OptionError`` / ``CheckpointError`` before any work for bad options, output folders or checkpoints,
    ``TrainingInterrupted`` (after saving a checkpoint) on SIGINT/SIGTERM and ``TrainingDiverged`` when a loss,
    gradient or score stops being finite.
    """
    if args is None:
        args = PGLSumTrainingArguments(**kwargs)
    elif kwargs:
        raise TypeError("pass either a PGLSumTrainingArguments or keyword arguments, not both")
    run = prepare_run(args)
    run.accelerator.init_trackers("pglsum", config=_tracker_config(args))
    try:
        training_loop(run)
        return write_outputs(run)
    finally:  # also on an interrupt or divergence: flush and close the trackers' logs, let the folder go
        run.accelerator.end_training()
        if run.lock is not None:
            run.lock.release()


def _tracker_config(args: PGLSumTrainingArguments) -> dict[str, Any]:
    # TensorBoard's hparams only take scalars and strings.
    return {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in args.to_dict().items()}


def main(argv: list[str] | None = None) -> int:
    """``pglsum train``: expected errors propagate as ``PGLSumError`` for the command to print as one line.

    The ``pglsum`` command and ``scripts/train.py`` call ``arguments.main`` instead, which parses before importing
    this module (so ``--help`` does not load torch) and then calls `run_from_args`.
    """
    return run_from_args(parse_args(argv))


def run_from_args(args: PGLSumTrainingArguments) -> int:
    """Train with parsed options and print where the released model went (the command's process: see cpu_memory)."""
    from .cpu_memory import keep_freed_memory_unless_disabled

    keep_freed_memory_unless_disabled()
    # This package's progress messages (data conversion, resume); other libraries' loggers stay as they are.
    configure_logging()
    result = train(args)
    if not PartialState().is_main_process:  # every process returns the result; one reports it
        return 0
    print(
        f"released model: epoch {result.selected_epoch} (loss-selected), test F-score {result.selected_f_score:.2f}\n"
        f"best test epoch {result.best_epoch}: F-score {result.best_f_score:.2f} (maximum learning capacity, not a selection)\n"
        f"written to {result.output_dir}"
    )
    return 0


if __name__ == "__main__":
    from ..cli import run as run_command

    sys.exit(run_command("train", main))
