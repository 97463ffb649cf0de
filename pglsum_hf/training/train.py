"""Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection.

The recipe (the original ``solver.py``): seed everything; each epoch shuffle the training videos and walk them in
groups of ``batch_size`` (a smaller leftover group is dropped); a group's gradient is the SUM of its videos' MSE
gradients; clip the total norm to ``clip``; one Adam step per group. Here a group goes through the model as
length-sorted padded batches (``per_video`` keeps the literal one-video loop), and across processes each one
takes a share of every group.

Before training and after every epoch the test split is scored with the benchmark metric. The released model is
the one ``select_epoch`` picks from the training losses; only the few states it may still pick are kept while
training runs (see ``SelectionTracker``).

``train()`` reads top to bottom: ``prepare_run`` (``prepare.py``) checks every option, path and checkpoint and
builds the run before any work; ``training_loop`` is the loop (data, forward, loss, backward, clip, step, evaluate,
select, checkpoint); ``write_outputs`` (``outputs.py``) writes the released model's files. ``pglsum train``
(`pglsum_hf.commands.train`) runs it from the command line and adds the model card and the Hub upload.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate.utils import gather_object

from ..atomic import reporting_disk_full
from ..console import progress_bar
from ..data.batching import length_sorted_batches
from ..metrics import compute_metrics
from .arguments import PGLSumTrainingArguments
from .checkpointing import CHECKPOINTS_DIR, checkpoint_name, save_checkpoint
from .interrupts import InterruptFlag, TrainingInterrupted
from .outputs import write_outputs
from .prepare import prepare_run
from .reporting import SCALAR_METRICS
from .run import Run, TrainingResult

__all__ = ["TrainingResult", "prepare_run", "train", "training_loop"]


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
                    raise TrainingInterrupted(interrupt.requested, save_run_checkpoint(run))
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
                save_run_checkpoint(run)
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


def save_run_checkpoint(run: Run) -> Path:
    """Checkpoint the run where it stands (``checkpoints/<name>``, written as ``.<name>.partial``, then renamed)."""
    name = checkpoint_name(run.state.epoch, run.state.groups_done)
    with reporting_disk_full(run.output_dir / CHECKPOINTS_DIR / name):
        run.last_checkpoint = save_checkpoint(
            run.accelerator, run.output_dir, name, run.args.checkpoints_total_limit, model=run.model,
            optimizer=run.optimizer, state=run.state, selection=run.selection, run=run.record,
        )  # fmt: skip
    return run.last_checkpoint


def train(
    args: PGLSumTrainingArguments | None = None,
    *,
    on_saved: Callable[[TrainingResult], None] | None = None,
    **kwargs: Any,
) -> TrainingResult:
    """Train PGL-SUM on one split; returns the released model, selected/best epochs and per-epoch metrics.

    Pass a ``PGLSumTrainingArguments`` or its fields as keyword arguments, e.g.
    ``train(dataset="synthetic_summe.h5", split_index=0, n_epochs=20, output_dir="run")``. ``on_saved`` runs on
    the main process once the model is saved, while the output folder is still held (the commands write the model
    card there, e.g. with `pglsum_hf.training.write_trained_card`).
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
        result = write_outputs(run)
        if on_saved is not None and run.accelerator.is_main_process:
            on_saved(result)
        return result
    finally:  # also on an interrupt or divergence: flush and close the trackers' logs, let the folder go
        run.accelerator.end_training()
        if run.lock is not None:
            run.lock.release()


def _tracker_config(args: PGLSumTrainingArguments) -> dict[str, Any]:
    # TensorBoard's hparams only take scalars and strings.
    return {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in args.to_dict().items()}
