"""Resumable training state saved without pickle: safetensors for tensors, JSON for everything else.

A checkpoint is the folder ``<output_dir>/checkpoints/epoch_<NNNN>[_group_<GGG>]``:

- ``model.safetensors``: the model's weights;
- ``optimizer.safetensors`` + ``optimizer.json``: Adam's moment tensors, and its step counts and settings;
- ``selection.safetensors``: the weights the model selection may still release, keyed ``<epoch>/<name>``;
- ``trainer_state.json``: where training stands (``TrainingState``), the selection's losses, the gradient
  scaler (fp16), and the run's record (``run_record``: every option that defines the run and the dataset's
  fingerprint), which a resume must match;
- ``rng_<process>.json``: each process's torch, CUDA, numpy and Python random states.

Loading reads only these files, with ``safetensors`` and ``json``: nothing in a checkpoint folder is unpickled,
and a damaged file stops the resume with a :class:`CheckpointError` naming it. The folder is written under a
temporary name and renamed when complete, so ``--resume_from_checkpoint latest`` never finds half a checkpoint.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import write_json
from ..errors import CheckpointError, OptionError

CHECKPOINTS_DIR = "checkpoints"
_NAME = re.compile(r"^epoch_(\d+)(?:_group_(\d+))?$")
STATE_FILE = "trainer_state.json"
MODEL_FILE = "model.safetensors"
OPTIMIZER_TENSORS, OPTIMIZER_SETTINGS = "optimizer.safetensors", "optimizer.json"
SELECTION_FILE = "selection.safetensors"


@dataclass
class TrainingState:
    """Where training stands, exactly enough to continue bit for bit.

    ``epoch`` is the epoch in progress (or next to start). Within it, ``order`` is its shuffled video order,
    ``groups_done`` the optimizer steps already taken and ``epoch_losses`` their per-video losses (a checkpoint
    taken on an interrupt can fall mid-epoch). ``shuffle_rng`` shuffles the training videos; ``history`` holds one
    metrics record per finished epoch and ``initial`` the evaluation before training.
    """

    seed: int
    epoch: int = 0
    groups_done: int = 0
    order: list[int] | None = None
    epoch_losses: list[float] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    initial: dict[str, Any] | None = None
    shuffle_rng: torch.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.shuffle_rng = torch.Generator().manual_seed(self.seed)

    def to_json(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "groups_done": self.groups_done,
            "order": self.order,
            "epoch_losses": list(self.epoch_losses),
            "history": list(self.history),
            "initial": self.initial,
            "shuffle_rng": self.shuffle_rng.get_state().tolist(),
        }

    def load_json(self, state: dict[str, Any]) -> None:
        self.epoch = int(state["epoch"])
        self.groups_done = int(state["groups_done"])
        self.order = None if state["order"] is None else [int(i) for i in state["order"]]
        self.epoch_losses = [float(v) for v in state["epoch_losses"]]
        self.history = list(state["history"])
        self.initial = state["initial"]
        self.shuffle_rng.set_state(torch.tensor(state["shuffle_rng"], dtype=torch.uint8))


def checkpoint_name(epoch: int, groups_done: int = 0) -> str:
    """Folder name of a checkpoint taken with ``epoch`` epochs finished and ``groups_done`` steps into the next."""
    return f"epoch_{epoch:04d}" + (f"_group_{groups_done:03d}" if groups_done else "")


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    """Complete checkpoints under ``<output_dir>/checkpoints``, oldest first."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    found = [
        (tuple(int(g or 0) for g in m.groups()), p)
        for p in root.iterdir()
        if p.is_dir() and (m := _NAME.match(p.name))
    ]
    return [path for _, path in sorted(found)]


def resolve_checkpoint(resume_from: str, output_dir: str | Path) -> Path | None:
    """The folder ``--resume_from_checkpoint`` names; ``latest`` is the newest one (``None`` when there is none)."""
    if resume_from == "latest":
        found = list_checkpoints(output_dir)
        return found[-1] if found else None
    path = Path(resume_from)
    if not path.is_dir():
        raise OptionError("--resume_from_checkpoint", f"{resume_from}: no such checkpoint folder")
    if not (path / STATE_FILE).is_file():
        raise OptionError(
            "--resume_from_checkpoint", f"{resume_from}: not a pglsum training checkpoint (no {STATE_FILE})"
        )
    return path


# ---------------------------------------------------------------------------------------------- reading
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing from the checkpoint") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not a readable JSON file ({type(error).__name__}: {error})") from None


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise CheckpointError(f"{path}: missing from the checkpoint")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(f"{path}: not a readable safetensors file ({error})") from None


def read_trainer_state(checkpoint: Path) -> dict[str, Any]:
    """The checkpoint's ``trainer_state.json`` (cheap: read before any data is loaded)."""
    state = _read_json(checkpoint / STATE_FILE)
    needed = ("run", "training", "selection")
    if not isinstance(state, dict) or any(key not in state for key in needed):
        raise CheckpointError(f"{checkpoint / STATE_FILE}: expected a JSON object with {', '.join(needed)}")
    return state


# ---------------------------------------------------------------------------------------------- optimizer
def _optimizer_to_files(state_dict: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors, settings = {}, {"param_groups": state_dict["param_groups"], "state": {}}
    for index, values in state_dict["state"].items():
        plain = {}
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{index}/{name}"] = value.detach().cpu().contiguous()
            else:
                plain[name] = value
        settings["state"][str(index)] = plain
    return tensors, settings


def _optimizer_from_files(
    tensors: dict[str, torch.Tensor], settings: dict[str, Any], like: dict[str, Any], path: Path
) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {int(index): dict(plain) for index, plain in settings["state"].items()}
    for key, tensor in tensors.items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = tensor
    if len(settings["param_groups"]) != len(like["param_groups"]):
        raise CheckpointError(
            f"{path}: {len(settings['param_groups'])} parameter groups, this run's optimizer has "
            f"{len(like['param_groups'])}"
        )
    groups = []
    for saved, current in zip(settings["param_groups"], like["param_groups"]):
        # JSON has no tuples: give back the type the optimizer uses (Adam's betas)
        group = {k: tuple(v) if isinstance(current.get(k), tuple) else v for k, v in saved.items()}
        _check_same_settings(path, group, current)
        groups.append(group)
    return {"state": state, "param_groups": groups}


def _check_same_settings(path: Path, saved: dict[str, Any], current: dict[str, Any]) -> None:
    """The saved optimizer settings must be the run's: ``load_state_dict`` would otherwise silently train with the
    file's ``lr`` or ``weight_decay`` instead of the ones the run record (already matched) holds."""
    differing = [
        f"{name} {_short(saved.get(name))} (the run's is {_short(current.get(name))})"
        for name in sorted(set(saved) | set(current))
        if name != "params" and saved.get(name) != current.get(name)
    ]
    if differing:
        raise CheckpointError(
            f"{path}: optimizer settings disagree with the checkpoint's run record: {'; '.join(differing)}"
        )


def check_training_state(path: Path, training: dict[str, Any], n_epochs: int, batch_size: int,
                         train_videos: int) -> None:  # fmt: skip
    """Refuse a ``training`` record that contradicts itself or its run: the epoch outside ``0..n_epochs`` (the
    checkpoint's own), a history of another length, a step or video order that does not exist."""
    try:
        epoch, groups_done = training["epoch"], training["groups_done"]
        order, history, losses = training["order"], training["history"], training["epoch_losses"]
    except (KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: the training record lacks {error}") from None
    groups_per_epoch = batch_size

    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    problems = []
    if not whole(epoch) or not 0 <= epoch <= n_epochs:
        problems.append(f"epoch {_short(epoch)} is outside 0..{n_epochs} (the run's n_epochs)")
    elif not isinstance(history, list) or len(history) != epoch:
        found = len(history) if isinstance(history, list) else _short(history)
        problems.append(f"epoch {epoch} but {found} epochs in its history")
    if not whole(groups_done) or not 0 <= groups_done <= groups_per_epoch or (epoch == n_epochs and groups_done):
        problems.append(f"groups_done {_short(groups_done)} is outside 0..{groups_per_epoch} (steps per epoch)")
    if order is not None and (not isinstance(order, list) or sorted(order) != list(range(train_videos))):
        problems.append(f"order is not an order of the {train_videos} training videos")
    if order is None and groups_done:
        problems.append(f"groups_done {groups_done} without a video order")
    if whole(groups_done) and (not isinstance(losses, list) or len(losses) != groups_done * batch_size):
        problems.append(f"groups_done {groups_done} but {_short(losses)[:40]} as the epoch's losses")
    if problems:
        raise CheckpointError(f"{path}: training state does not agree with itself or its run: {'; '.join(problems)}")


# ---------------------------------------------------------------------------------------------- RNG
def rng_states() -> dict[str, Any]:
    """This process's random states, as JSON values."""
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    states = {
        "torch": torch.get_rng_state().tolist(),
        "numpy": [
            numpy_state[0],
            numpy_state[1].tolist(),
            *(v.item() if hasattr(v, "item") else v for v in numpy_state[2:]),
        ],
        "python": [python_state[0], list(python_state[1]), python_state[2]],
    }
    if torch.cuda.is_available():
        states["cuda"] = [state.tolist() for state in torch.cuda.get_rng_state_all()]
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(torch.tensor(states["torch"], dtype=torch.uint8))
    name, keys, position, has_gauss, cached = states["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), int(position), int(has_gauss), float(cached)))
    version, internal, gauss_next = states["python"]
    random.setstate((int(version), tuple(int(v) for v in internal), gauss_next))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(state, dtype=torch.uint8) for state in states["cuda"]])


# ---------------------------------------------------------------------------------------------- save / load
def save_checkpoint(
    accelerator,
    output_dir: str | Path,
    name: str,
    total_limit: int,
    *,
    model,
    optimizer,
    state: TrainingState,
    selection,
    run: dict,
) -> Path:
    """Write the checkpoint ``checkpoints/<name>`` atomically, then drop all but the newest ``total_limit``."""
    from safetensors.torch import save_file

    root = Path(output_dir) / CHECKPOINTS_DIR
    final, partial = root / name, root / f".{name}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    accelerator.wait_for_everyone()
    write_json(partial / f"rng_{accelerator.process_index}.json", rng_states())
    if accelerator.is_main_process:
        weights = {
            key: value.detach().cpu().contiguous()
            for key, value in accelerator.unwrap_model(model).state_dict().items()
        }
        save_file(weights, str(partial / MODEL_FILE))
        tensors, settings = _optimizer_to_files(optimizer.state_dict())
        save_file(tensors, str(partial / OPTIMIZER_TENSORS))
        write_json(partial / OPTIMIZER_SETTINGS, settings)
        save_file(selection.kept_tensors(), str(partial / SELECTION_FILE))
        payload = {
            "run": run,
            "training": state.to_json(),
            "selection": selection.to_json(),
            "grad_scaler": accelerator.scaler.state_dict() if accelerator.scaler is not None else None,
            "num_processes": accelerator.num_processes,
        }
        write_json(partial / STATE_FILE, payload)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
        for old in list_checkpoints(output_dir)[:-total_limit]:
            shutil.rmtree(old)
    accelerator.wait_for_everyone()
    return final


def load_checkpoint(
    checkpoint: Path, accelerator, *, model, optimizer, state: TrainingState, selection, train_videos: int
) -> None:
    """Restore everything ``save_checkpoint`` wrote (after ``check_same_run``); raises ``CheckpointError``.

    ``train_videos`` is the split's number of training videos: with the run record's ``batch_size`` and
    ``n_epochs`` it bounds the saved epoch, step and video order (see `check_training_state`).
    """
    saved = read_trainer_state(checkpoint)
    run = saved["run"] if isinstance(saved["run"], dict) else {}
    n_epochs, batch_size = run.get("n_epochs"), run.get("batch_size")
    if not isinstance(n_epochs, int) or not isinstance(batch_size, int) or n_epochs < 1 or batch_size < 1:
        raise CheckpointError(
            f"{checkpoint / STATE_FILE}: the run record's n_epochs and batch_size must be whole numbers >= 1, "
            f"found {_short(n_epochs)} and {_short(batch_size)}"
        )
    check_training_state(checkpoint / STATE_FILE, saved["training"], n_epochs, batch_size, train_videos)
    weights = _read_tensors(checkpoint / MODEL_FILE)
    optimizer_tensors = _read_tensors(checkpoint / OPTIMIZER_TENSORS)
    optimizer_settings = _read_json(checkpoint / OPTIMIZER_SETTINGS)
    kept = _read_tensors(checkpoint / SELECTION_FILE)
    rng = _read_json(checkpoint / f"rng_{accelerator.process_index}.json")
    try:
        accelerator.unwrap_model(model).load_state_dict(weights)
        optimizer.load_state_dict(
            _optimizer_from_files(
                optimizer_tensors, optimizer_settings, optimizer.state_dict(), checkpoint / OPTIMIZER_SETTINGS
            )
        )
        state.load_json(saved["training"])
        selection.load(saved["selection"], kept)
        if saved.get("grad_scaler") is not None and accelerator.scaler is not None:
            accelerator.scaler.load_state_dict(saved["grad_scaler"])
        set_rng_states(rng)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(
            f"{checkpoint}: its state does not fit this run's model and optimizer ({error})"
        ) from None


# ---------------------------------------------------------------------------------------------- run identity
def check_same_run(checkpoint: Path, saved: dict[str, Any], given: dict[str, Any]) -> None:
    """Refuse to resume ``checkpoint`` (its run record ``saved``) with a run defined differently (``given``).

    Every field must be equal, except ``n_epochs``, which may grow (training longer). The error names each
    mismatching field with the checkpoint's value and the given one.
    """
    mismatches = []
    for name in sorted(set(saved) | set(given)):
        before, now = saved.get(name), given.get(name)
        if name == "n_epochs":
            if now is None or before is None or now < before:
                mismatches.append(f"{name} (checkpoint {before}, given {now}; it may only grow)")
        elif before != now:
            mismatches.append(f"{name} (checkpoint {_short(before)}, given {_short(now)})")
    if mismatches:
        raise CheckpointError(
            f"--resume_from_checkpoint {checkpoint}: the checkpoint belongs to another run; differing: {'; '.join(mismatches)}"
        )


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
