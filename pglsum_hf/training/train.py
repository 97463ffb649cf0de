"""Train PGL-SUM on one split with Accelerate, following the paper's recipe and model selection.

The recipe (the original ``solver.py``): seed everything; each epoch shuffle the training videos and
walk them in groups of ``batch_size`` (a smaller leftover group is dropped); a group's gradient is the
SUM of its videos' MSE gradients; clip the total norm to ``clip``; one Adam step per group. Here a
group goes through the model as length-sorted padded batches (``--per_video`` keeps the literal
one-video loop), and across processes each one takes a share of every group.

Before training and after every epoch the test split is scored with the benchmark metric. The released
model is the one ``select_epoch`` picks from the training losses; only the few states it may still pick
are kept while training runs (see ``SelectionTracker``).

    pglsum train --dataset synthetic_summe.h5 --split_index 0
    accelerate launch scripts/train.py --dataset synthetic_summe.h5 --split_index 0
"""

from __future__ import annotations

import logging
import math
from contextlib import nullcontext
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator, PartialState
from accelerate.utils import ProjectConfiguration, gather_object, set_seed
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ..configuration_pglsum import PGLSumConfig
from ..data.collator import VideoCollator
from ..data.loading import load_split
from ..evaluation import compute_metrics
from ..modeling_pglsum import PGLSumModel
from .arguments import CPU_MICRO_BATCH_FRAMES, PGLSumTrainingArguments, parse_args
from .card import write_trained_card
from .checkpointing import (
    InterruptFlag,
    TrainingDiverged,
    TrainingInterrupted,
    TrainingState,
    checkpoint_name,
    resolve_checkpoint,
    save_checkpoint,
)
from .cpu_memory import keep_freed_memory
from .reporting import plot_training_curves, write_metrics
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


class VideoTable:
    """One split's videos, collated once per video so that every padded batch is a cheap re-collation."""

    def __init__(self, rows, collator: VideoCollator) -> None:
        self.rows = [rows[i] for i in range(len(rows))]
        self.collator = collator
        self.lengths = [len(row["features"]) for row in self.rows]
        self.video_ids = [str(row["video_id"]) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def batch(self, indices: list[int]) -> dict[str, Any]:
        return self.collator([self.rows[i] for i in indices])

    def length_sorted_chunks(self, indices: list[int], max_videos: int | None, max_frames: int | None = None) -> list[list[int]]:
        """``indices`` longest first, cut into padded batches of at most ``max_videos`` videos and ``max_frames`` real
        frames (a longer video goes alone); no limit when ``None``.

        Sorting by length only changes how little padding each batch carries, not the group's gradient. Ties go by
        index, so the same videos always make the same batches.
        """
        chunks: list[list[int]] = []
        frames = 0
        for index in sorted(indices, key=lambda i: (-self.lengths[i], i)):
            full = chunks and (
                (max_videos is not None and len(chunks[-1]) >= max_videos)
                or (max_frames is not None and frames + self.lengths[index] > max_frames)
            )
            if not chunks or full:
                chunks.append([])
                frames = 0
            chunks[-1].append(index)
            frames += self.lengths[index]
        return chunks


class ChunkPlan:
    """Batch sampler whose batches are set before each pass: the padded batches of one group.

    One persistent ``DataLoader`` over it lets ``--num_workers`` processes collate a group's batches while
    the model works, without restarting the workers at every group.
    """

    def __init__(self) -> None:
        self.chunks: list[list[int]] = []

    def __iter__(self):
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)


def _device_batch(batch: dict[str, Any], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: batch[key].to(device) for key in ("features", "attention_mask", "labels")}


def _finite_or_raise(values: list[float], what: str, video_ids: list[str], where: str, last_checkpoint: Path | None) -> None:
    bad = [f"{video} ({value})" for video, value in zip(video_ids, values) if not math.isfinite(value)]
    if bad:
        raise TrainingDiverged(
            f"training diverged at {where}: {what} is not finite for {', '.join(bad)}. Stopped before the optimizer "
            f"step; the last good checkpoint is {last_checkpoint or 'none yet (no checkpoint was saved)'}. "
            "Lower --lr or check the input features, then resume with --resume_from_checkpoint."
        )


class PGLSumTrainer:
    """One training run: the Accelerate objects, the data, and the loop state that checkpoints hold."""

    def __init__(self, args: PGLSumTrainingArguments) -> None:
        self.args = args
        self.output_dir = Path(args.output_dir)
        self.accelerator = Accelerator(
            mixed_precision=args.mixed_precision,
            log_with=None if args.report_to == "none" else args.report_to,
            project_config=ProjectConfiguration(project_dir=str(self.output_dir), logging_dir=str(self.output_dir / "logs")),
        )
        set_seed(args.seed)

        splits = load_split(args.dataset, args.split_index, splits=args.splits)
        # Training batches need no metric references with features in them; the test batches keep them (diversity).
        collator = VideoCollator(reference_features=False)
        self.train_videos = VideoTable(splits["train"], collator)
        self.test_videos = VideoTable(splits["test"], VideoCollator())
        world = self.accelerator.num_processes
        if len(self.train_videos) < args.batch_size:
            raise ValueError(
                f"split {args.split_index} of {args.dataset} has {len(self.train_videos)} training videos, fewer than "
                f"--batch_size {args.batch_size}: every group would be dropped and no step taken"
            )
        if args.batch_size < world:
            raise ValueError(f"--batch_size {args.batch_size} is smaller than the {world} processes; each needs a video per group")
        self.chunk_plan = ChunkPlan()
        self._recent_batches: dict[tuple[int, ...], dict[str, Any]] = {}
        self.train_loader = (
            DataLoader(self.train_videos.rows, batch_sampler=self.chunk_plan, collate_fn=collator,
                       num_workers=args.num_workers, persistent_workers=True)
            if args.num_workers > 0 else None
        )  # fmt: skip
        self.test_batches = [
            self.test_videos.batch(chunk)
            for chunk in self.test_videos.length_sorted_chunks(list(range(len(self.test_videos))), EVAL_BATCH_SIZE)
        ]

        input_size = int(np.asarray(self.train_videos.rows[0]["features"]).shape[-1])
        config_fields = dict(
            input_size=input_size,
            hidden_size=args.hidden_size,
            num_heads=args.heads,
            num_segments=args.n_segments,
            fusion=args.fusion,
            pos_enc=None if args.pos_enc == "none" else args.pos_enc,
            init_type=args.init_type,
            init_gain=args.init_gain,
        )
        # Unset dropouts keep the model's defaults (the paper's 0.5).
        config_fields.update({name: getattr(args, name) for name in ("dropout", "attention_dropout") if getattr(args, name) is not None})
        model = PGLSumModel(PGLSumConfig(**config_fields))
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.l2_req)
        self.model, self.optimizer = self.accelerator.prepare(model, optimizer)
        frames = args.micro_batch_frames
        on_cpu = self.accelerator.device.type == "cpu"
        if frames is None:
            frames = CPU_MICRO_BATCH_FRAMES if on_cpu else 0
        self.micro_batch_frames = frames or None
        if on_cpu:
            keep_freed_memory()

        self.state = TrainingState(seed=args.seed)
        self.selection = SelectionTracker()
        self.accelerator.register_for_checkpointing(self.state, self.selection)
        self.last_checkpoint: Path | None = None

    # ------------------------------------------------------------------ evaluation
    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        """Score the test split with the unwrapped model (every process alike, no collective calls)."""
        model = self.accelerator.unwrap_model(self.model)
        model.eval()
        predictions, references, video_ids = [], [], []
        for batch in self.test_batches:
            inputs = _device_batch(batch, self.accelerator.device)
            with self.accelerator.autocast():
                scores = model(inputs["features"], attention_mask=inputs["attention_mask"]).scores
            lengths = batch["attention_mask"].sum(dim=1).tolist()
            for row, length in enumerate(lengths):
                predictions.append(scores[row, : int(length)].float().cpu().numpy())
            references.extend(batch["references"])
            video_ids.extend(batch["video_id"])
        model.train()
        for video, prediction in zip(video_ids, predictions):
            if not np.all(np.isfinite(prediction)):
                _finite_or_raise([float("nan")], "the predicted score", [video], self._where(f"epoch {self.state.epoch} evaluation"), self.last_checkpoint)
        result = compute_metrics(predictions, references, eval_method=self.args.eval_method)
        return {key: float(result[key]) for key in SCALAR_METRICS if result.get(key) is not None}

    # ------------------------------------------------------------------ training
    def _group_step(self, group: list[int], where: str) -> list[float]:
        """One optimizer step on ``group`` (training-set indices); returns its videos' losses in group order."""
        accelerator = self.accelerator
        world, rank = accelerator.num_processes, accelerator.process_index
        # DDP averages gradients over processes; scaling by the process count makes the result the SUM
        # over the whole group, as the recipe wants, whatever the number of processes.
        scale = float(world)
        share = group[rank::world]
        if self.args.per_video:
            chunks = [[i] for i in share]
        else:
            chunks = self.train_videos.length_sorted_chunks(share, self.args.micro_batch_size, self.micro_batch_frames)
        local: dict[int, float] = {}
        # The batches come first in zip so that the DataLoader's pass runs to its end.
        for position, (batch, chunk) in enumerate(zip(self._collated(chunks), chunks)):
            inputs = _device_batch(batch, accelerator.device)
            last = position == len(chunks) - 1
            sync = accelerator.no_sync(self.model) if (world > 1 and not last) else nullcontext()
            with sync:
                video_losses = self.model(**inputs).video_losses
                accelerator.backward(video_losses.sum() * scale)
            local.update(zip(chunk, video_losses.detach().float().cpu().tolist()))
        gathered = dict(gather_object(list(local.items())))
        losses = [gathered[i] for i in group]
        _finite_or_raise(losses, "the training loss", [self.train_videos.video_ids[i] for i in group], self._where(where), self.last_checkpoint)
        grad_norm = accelerator.clip_grad_norm_(self.model.parameters(), self.args.clip)
        if not torch.isfinite(torch.as_tensor(grad_norm)):
            raise TrainingDiverged(
                f"training diverged at {self._where(where)}: the gradient norm is {float(grad_norm)}. Stopped before the optimizer "
                f"step; the last good checkpoint is {self.last_checkpoint or 'none yet'}."
            )
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return losses

    def _collated(self, chunks: list[list[int]]):
        """The padded batches of ``chunks``, collated here or by the DataLoader workers."""
        if self.train_loader is None:
            # With the paper's settings a group is the whole training set, so every epoch brings the same batches:
            # the previous group's batches are reused where they recur instead of being padded and copied again.
            keys = [tuple(chunk) for chunk in chunks]
            previous = self._recent_batches
            self._recent_batches = {key: previous.get(key) or self.train_videos.batch(list(key)) for key in keys}
            return (self._recent_batches[key] for key in keys)
        self.chunk_plan.chunks = chunks
        return iter(self.train_loader)

    def _where(self, moment: str) -> str:
        return f"{moment} ({self.args.dataset}, split {self.args.split_index})"

    def _checkpoint(self, interrupt: InterruptFlag | None = None) -> Path:
        name = checkpoint_name(self.state.epoch, self.state.groups_done)
        self.last_checkpoint = save_checkpoint(self.accelerator, self.output_dir, name, self.args.checkpoints_total_limit)
        if interrupt is not None and interrupt.requested:
            raise TrainingInterrupted(interrupt.requested, self.last_checkpoint)
        return self.last_checkpoint

    def _log(self, values: dict[str, float], step: int) -> None:
        self.accelerator.log({f"test/{k}" if k in SCALAR_METRICS else f"train/{k}": v for k, v in values.items()}, step=step)

    def run_epoch(self, epoch: int, interrupt: InterruptFlag | None = None) -> float:
        """Train epoch ``epoch`` (continuing mid-epoch after a resume); returns its mean training loss.

        On an interrupt between two groups the state is checkpointed and ``TrainingInterrupted`` raised.
        """
        args, state = self.args, self.state
        n_train = len(self.train_videos)
        n_groups = n_train // args.batch_size  # the leftover group smaller than batch_size is dropped
        if state.order is None:
            state.order = torch.randperm(n_train, generator=state.shuffle_rng).tolist()
        groups = [state.order[g * args.batch_size : (g + 1) * args.batch_size] for g in range(n_groups)]
        quiet = not self.accelerator.is_local_main_process or n_groups == 1
        for g in tqdm(range(state.groups_done, n_groups), desc=f"epoch {epoch} groups", leave=False, disable=quiet):
            state.epoch_losses.extend(self._group_step(groups[g], f"epoch {epoch}, group {g}"))
            state.groups_done = g + 1
            if interrupt is not None and interrupt.requested and state.groups_done < n_groups:
                self._checkpoint(interrupt)
        # The epoch loss is the mean of its per-video losses, as the original records it.
        return float(torch.tensor(state.epoch_losses, dtype=torch.float32).mean())

    def fit(self) -> None:
        """Run (or continue) the epochs; the state after each lands in ``self.state`` / ``self.selection``."""
        args, state, accelerator = self.args, self.state, self.accelerator
        if state.initial is None:
            state.initial = self.evaluate()
            self._log(state.initial, step=0)
        progress = tqdm(
            range(args.n_epochs), desc="epochs", initial=state.epoch, disable=not accelerator.is_local_main_process, dynamic_ncols=True
        )
        with InterruptFlag() as interrupt:
            for epoch in range(state.epoch, args.n_epochs):
                started = time.perf_counter()
                epoch_loss = self.run_epoch(epoch, interrupt)
                record = {"epoch": epoch, "loss": epoch_loss, **self.evaluate(), "seconds": time.perf_counter() - started}
                self.selection.update(epoch_loss, accelerator.unwrap_model(self.model).state_dict())
                state.history.append(record)
                state.epoch, state.groups_done, state.order, state.epoch_losses = epoch + 1, 0, None, []
                self._log({k: v for k, v in record.items() if k != "epoch"}, step=epoch + 1)
                progress.update(1)
                progress.set_postfix(loss=f"{epoch_loss:.5f}", f_score=f"{record.get('f_score', float('nan')):.2f}")
                finished = state.epoch == args.n_epochs
                if state.epoch % args.checkpointing_epochs == 0 or finished or interrupt.requested:
                    self._checkpoint(None if finished else interrupt)
        progress.close()

    # ------------------------------------------------------------------ outputs
    def finish(self) -> TrainingResult:
        """Load the selected epoch's weights, write the Hub-ready folder, metrics and plot; push if asked."""
        args, accelerator, history = self.args, self.accelerator, self.state.history
        selected = self.selection.selected_epoch()
        f_scores = [record["f_score"] for record in history]
        best = int(np.argmax(f_scores))
        model = accelerator.unwrap_model(self.model)
        model.load_state_dict(self.selection.selected_state())
        summary = {
            "dataset": args.dataset,
            "split_index": args.split_index,
            "eval_method": args.eval_method,
            "n_epochs": len(history),
            "selected_epoch": selected,
            "selected_f_score": f_scores[selected],
            "selected_metrics": {k: v for k, v in history[selected].items() if k in SCALAR_METRICS},
            "best_epoch": best,
            "best_f_score": f_scores[best],
            "before_training": self.state.initial,
            "hyperparameters": training_hyperparameters(args, accelerator, self.micro_batch_frames),
        }
        if accelerator.is_main_process:
            write_trained_card(model, self.output_dir, summary)
            write_metrics(self.output_dir, {k: v for k, v in summary.items()}, history)
            plot_training_curves(
                self.output_dir / "training_curves.png",
                history,
                (self.state.initial or {}).get("f_score"),
                selected,
                best,
                f"PGL-SUM on {Path(args.dataset).name}, split {args.split_index}",
            )
            if args.push_to_hub:
                from ..hub import upload_folder

                upload_folder(
                    self.output_dir,
                    args.hub_model_id,
                    private=args.hub_private_repo or None,  # the token is the logged-in one (hf auth login / HF_TOKEN)
                    ignore_patterns=["checkpoints/*", "checkpoints/**"],
                    commit_message=f"PGL-SUM trained with pglsum-hf (loss-selected epoch {selected})",
                )
        accelerator.wait_for_everyone()
        return TrainingResult(
            output_dir=self.output_dir,
            model=model,
            selected_epoch=selected,
            selected_f_score=f_scores[selected],
            best_epoch=best,
            best_f_score=f_scores[best],
            history=history,
            initial=self.state.initial,
            summary=summary,
        )


def training_hyperparameters(
    args: PGLSumTrainingArguments, accelerator: Accelerator, micro_batch_frames: int | None
) -> dict[str, Any]:
    """The recipe's settings as they were used (for the card and the trackers)."""
    keys = ("n_epochs", "batch_size", "lr", "l2_req", "clip", "seed", "init_type", "init_gain", "hidden_size", "heads", "n_segments",
            "fusion", "pos_enc", "dropout", "attention_dropout", "eval_method", "per_video", "micro_batch_size")  # fmt: skip
    values = {key: getattr(args, key) for key in keys}
    values.update(mixed_precision=str(accelerator.mixed_precision), num_processes=accelerator.num_processes, optimizer="Adam")
    values["micro_batch_frames"] = micro_batch_frames  # the limit applied (the CPU default resolved); None: no limit
    return values


def train(args: PGLSumTrainingArguments | None = None, **kwargs: Any) -> TrainingResult:
    """Train PGL-SUM on one split; returns the released model, selected/best epochs and per-epoch metrics.

    Pass a ``PGLSumTrainingArguments`` or its fields as keyword arguments, e.g.
    ``train(dataset="synthetic_summe.h5", split_index=0, n_epochs=20, output_dir="run")``.
    Raises ``TrainingInterrupted`` (after saving a checkpoint) on SIGINT/SIGTERM and ``TrainingDiverged``
    when a loss, gradient or score stops being finite.
    """
    if args is None:
        args = PGLSumTrainingArguments(**kwargs)
    elif kwargs:
        raise TypeError("pass either a PGLSumTrainingArguments or keyword arguments, not both")
    trainer = PGLSumTrainer(args)
    if args.resume_from_checkpoint:
        checkpoint = resolve_checkpoint(args.resume_from_checkpoint, args.output_dir)
        if checkpoint is None:
            logger.warning("--resume_from_checkpoint latest: no checkpoint in %s yet, starting from scratch", args.output_dir)
        else:
            trainer.accelerator.load_state(str(checkpoint))
            trainer.last_checkpoint = checkpoint
            trainer.accelerator.print(f"resumed from {checkpoint} (epoch {trainer.state.epoch}, {trainer.state.groups_done} groups into it)")
    trainer.accelerator.init_trackers("pglsum", config=_tracker_config(args))
    try:
        trainer.fit()
        return trainer.finish()
    finally:  # also on an interrupt or divergence: flush and close the trackers' logs
        trainer.accelerator.end_training()


def _tracker_config(args: PGLSumTrainingArguments) -> dict[str, Any]:
    # TensorBoard's hparams only take scalars and strings.
    return {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in args.to_dict().items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # This package's progress messages (data conversion, resume); Accelerate's per-file save notices stay quiet.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pglsum_hf").setLevel(logging.INFO)
    try:
        result = train(args)
    except TrainingInterrupted as stop:
        print(str(stop), file=sys.stderr)
        return 130
    except TrainingDiverged as error:
        print(f"pglsum train: {error}", file=sys.stderr)
        return 1
    if not PartialState().is_main_process:  # every process returns the result; one reports it
        return 0
    print(
        f"released model: epoch {result.selected_epoch} (loss-selected), test F-score {result.selected_f_score:.2f}\n"
        f"best test epoch {result.best_epoch}: F-score {result.best_f_score:.2f} (maximum learning capacity, not a selection)\n"
        f"written to {result.output_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
