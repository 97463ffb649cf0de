"""What a PGL-SUM model folder holds that belongs to the model, and saving one.

A training folder also holds checkpoints, logs, a run marker and set-aside old content; uploads and Space
exports take only `model_files`: the files ``save_pretrained`` writes (config, weights, code), the card, and the
results the card refers to.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Top-level files only: the same names inside checkpoints/ or a set-aside folder are never taken.
MODEL_FILE_NAMES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "model.safetensors.index.json",
    "configuration_pglsum.py",
    "modeling_pglsum.py",
    "choices_pglsum.py",
    "pipeline_pglsum.py",
    "README.md",
    # what the card of a trained model points to
    "metrics.json",
    "metrics.csv",
    "training_curves.png",
)
SHARD_PREFIX, SHARD_SUFFIX = "model-", ".safetensors"  # model-00001-of-00002.safetensors


def model_files(folder: str | os.PathLike) -> list[str]:
    """The names of the files in ``folder`` (top level, plain files) that make up the model and its card."""
    folder = Path(folder)
    names = []
    for path in sorted(folder.iterdir()):
        name = path.name
        shard = name.startswith(SHARD_PREFIX) and name.endswith(SHARD_SUFFIX)
        if (name in MODEL_FILE_NAMES or shard) and path.is_file() and not path.is_symlink():
            names.append(name)
    return names


def usual_permissions(paths: Any) -> None:
    """Give files the permissions a plain ``open()`` would (safetensors writes its files owner-only, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in paths:
        path.chmod(0o666 & ~umask)


def save_model_files(model: Any, folder: str | os.PathLike) -> Path:
    """``model.save_pretrained(folder)`` (config, safetensors, remote code) with the usual file permissions."""
    model.save_pretrained(folder)
    usual_permissions(Path(folder).glob("model*.safetensors"))
    return Path(folder)
