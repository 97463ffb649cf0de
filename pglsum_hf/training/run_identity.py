"""What defines a training run, so that a checkpoint is only ever resumed by the run it belongs to.

The record holds every option that changes the numbers (the recipe, the architecture as the model's config has
it, the batching, precision and process count) and a fingerprint of the data (the split's video ids, features and
targets). Options that only say where outputs go or how they are logged are left out, and ``n_epochs`` may grow.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any

import numpy as np

from .architecture import ARCHITECTURE_OPTIONS, DROPOUT_OPTIONS, config_defaults
from .arguments import PGLSumTrainingArguments

# The marker file `pglsum train` writes into its --output_dir: a folder holding it is a run folder it may resume in.
RUN_MARKER = ".pglsum_train_run.json"
# Options that do not change the numbers: a resumed run may give other values.
OUTPUT_OPTIONS = ("dataset", "splits", "output_dir", "overwrite", "report_to", "checkpointing_epochs",
                  "checkpoints_total_limit", "resume_from_checkpoint")  # fmt: skip


def dataset_fingerprint(splits) -> str:
    """``sha256:<hex> (<n> train, <m> test videos)`` over the ids, features and gtscore of both sides of the split."""
    digest = hashlib.sha256()
    counts = []
    for side in ("train", "test"):
        videos = splits[side]
        counts.append(len(videos))
        digest.update(side.encode())
        for index in range(len(videos)):
            row = videos[index]
            digest.update(str(row["video_id"]).encode() + b"\0")
            for column in ("features", "gtscore"):
                array = np.ascontiguousarray(np.asarray(row[column], dtype=np.float32))
                digest.update(str(array.shape).encode())
                digest.update(array.tobytes())
    return f"sha256:{digest.hexdigest()[:32]} ({counts[0]} train, {counts[1]} test videos)"


def run_record(
    args, config, accelerator, micro_batch_frames: int | None, micro_batch_min_fill: float, fingerprint: str
) -> dict[str, Any]:
    """The run's defining values: JSON-ready, compared field by field on resume (see ``check_same_run``)."""
    # The options as the run's arguments hold them (a command's own options, like its Hub upload, are no part of
    # the run); the architecture as the model's config holds it, whether the options or a base model set it.
    record = {
        item.name: getattr(args, item.name)
        for item in fields(PGLSumTrainingArguments)
        if item.name not in (*OUTPUT_OPTIONS, *ARCHITECTURE_OPTIONS, *DROPOUT_OPTIONS)
    }
    record.update({f"config.{name}": getattr(config, name) for name in config_defaults()})
    record.update(
        dataset=fingerprint,
        micro_batch_frames=micro_batch_frames,
        micro_batch_min_fill=micro_batch_min_fill,
        mixed_precision=str(accelerator.mixed_precision),
        num_processes=accelerator.num_processes,
    )
    return record
