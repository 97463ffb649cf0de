"""Before the loop: check every path, value and checkpoint, then build the run; nothing is written before all pass."""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import ProjectConfiguration, set_seed

from ..atomic import OutputFolderLock
from ..data.batching import PaddedVideos, length_sorted_batches
from ..data.collator import VideoCollator
from ..data.loading import load_split
from ..data.origin import data_origin
from ..errors import OptionError
from ..paths import local_inputs
from .arguments import CPU_MICRO_BATCH_FRAMES, CPU_MICRO_BATCH_MIN_FILL, PGLSumTrainingArguments
from .checkpointing import TrainingState, check_same_run, load_checkpoint, read_trainer_state, resolve_checkpoint
from .model_setup import build_model, load_base_model
from .output_dir import check_run_output_dir, start_run_output_dir
from .processes import warn_about_process_count
from .reporting import METRICS_FILE, plan_reporting
from .run import Run
from .run_identity import RUN_MARKER, dataset_fingerprint, run_record

logger = logging.getLogger(__name__)

# Videos per padded forward pass when scoring the test split.
EVAL_BATCH_SIZE = 8


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
    base = load_base_model(args)  # a missing or broken base model is found before the data is read

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

    model = build_model(args, train_videos.input_size, base)
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
