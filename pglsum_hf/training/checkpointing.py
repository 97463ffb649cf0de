"""Resumable training state: what Accelerate's ``save_state`` does not know about, atomic checkpoint
folders, and a signal handler that turns SIGINT/SIGTERM into "checkpoint, then stop".

A checkpoint is ``<output_dir>/checkpoints/epoch_<NNNN>[_group_<GGG>]``: the model, optimizer and RNG
states Accelerate saves, plus the registered ``TrainingState`` and ``SelectionTracker``. It is written
under a temporary name and renamed when complete, so a crash while saving never leaves a half
checkpoint that ``--resume_from_checkpoint latest`` would pick up.
"""

from __future__ import annotations

import re
import shutil
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

CHECKPOINTS_DIR = "checkpoints"
_NAME = re.compile(r"^epoch_(\d+)(?:_group_(\d+))?$")


@dataclass
class TrainingState:
    """Where training stands, exactly enough to continue bit for bit.

    ``epoch`` is the epoch in progress (or next to start). Within it, ``order`` is its shuffled video
    order, ``groups_done`` the optimizer steps already taken and ``epoch_losses`` their per-video losses
    (a checkpoint taken on an interrupt can fall mid-epoch). ``shuffle_rng`` is the state of the
    generator that shuffles the training videos; ``history`` holds one metrics record per finished epoch
    and ``initial`` the evaluation before training.
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

    def state_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "epoch": self.epoch,
            "groups_done": self.groups_done,
            "order": self.order,
            "epoch_losses": list(self.epoch_losses),
            "history": list(self.history),
            "initial": self.initial,
            "shuffle_rng": self.shuffle_rng.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["seed"] != self.seed:
            raise ValueError(f"the checkpoint was trained with --seed {state['seed']}, this run has --seed {self.seed}")
        self.epoch = int(state["epoch"])
        self.groups_done = int(state["groups_done"])
        self.order = None if state["order"] is None else [int(i) for i in state["order"]]
        self.epoch_losses = [float(v) for v in state["epoch_losses"]]
        self.history = list(state["history"])
        self.initial = state["initial"]
        self.shuffle_rng.set_state(state["shuffle_rng"])


def checkpoint_name(epoch: int, groups_done: int = 0) -> str:
    """Folder name of a checkpoint taken with ``epoch`` epochs finished and ``groups_done`` steps into the next."""
    return f"epoch_{epoch:04d}" + (f"_group_{groups_done:03d}" if groups_done else "")


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    """Complete checkpoints under ``<output_dir>/checkpoints``, oldest first."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    found = [(tuple(int(g or 0) for g in m.groups()), p) for p in root.iterdir() if p.is_dir() and (m := _NAME.match(p.name))]
    return [path for _, path in sorted(found)]


def resolve_checkpoint(resume_from: str, output_dir: str | Path) -> Path | None:
    """The folder ``--resume_from_checkpoint`` names; ``latest`` is the newest one (``None`` when there is none)."""
    if resume_from == "latest":
        found = list_checkpoints(output_dir)
        return found[-1] if found else None
    path = Path(resume_from)
    if not path.is_dir():
        raise FileNotFoundError(f"--resume_from_checkpoint {resume_from!r}: no such checkpoint folder")
    return path


def save_checkpoint(accelerator, output_dir: str | Path, name: str, total_limit: int) -> Path:
    """``accelerator.save_state`` into ``checkpoints/<name>`` atomically, then drop all but the newest ``total_limit``."""
    root = Path(output_dir) / CHECKPOINTS_DIR
    final = root / name
    partial = root / f".{name}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(partial))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
        for old in list_checkpoints(output_dir)[:-total_limit]:
            shutil.rmtree(old)
    accelerator.wait_for_everyone()
    return final


class TrainingInterrupted(RuntimeError):
    """Raised after SIGINT/SIGTERM once the checkpoint is saved; ``checkpoint`` is where to resume from."""

    def __init__(self, signal_name: str, checkpoint: Path) -> None:
        super().__init__(
            f"training stopped on {signal_name}; its state is saved in {checkpoint} "
            f"(continue with --resume_from_checkpoint {checkpoint} or --resume_from_checkpoint latest)"
        )
        self.checkpoint = checkpoint


class TrainingDiverged(RuntimeError):
    """A loss, gradient or score became NaN/inf; training stopped before the bad optimizer step."""


class InterruptFlag:
    """Context manager: SIGINT/SIGTERM set a flag instead of killing the process mid-step.

    The training loop checks ``requested`` after each optimizer step, saves a checkpoint and raises
    ``TrainingInterrupted``. A second signal restores the default behaviour and re-sends itself, so a
    stuck run can still be killed.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested is not None:
            self._restore()
            signal.raise_signal(signum)
            return
        self.requested = signal.Signals(signum).name
        print(f"\n{self.requested} received: saving a checkpoint after the current step (send again to stop at once)", flush=True)

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __enter__(self) -> "InterruptFlag":
        # Handlers can only be installed from the main thread (a train() called from a worker thread
        # simply runs without them).
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        return self

    def __exit__(self, *exc: Any) -> None:
        self._restore()
