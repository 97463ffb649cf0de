"""How a training run stops early: on a signal (after saving a checkpoint), or when its numbers stop being finite.

``InterruptFlag`` turns SIGINT/SIGTERM into a flag the training loop reads after each optimizer step; the loop then
saves a checkpoint and raises ``TrainingInterrupted`` (exit code 130). ``TrainingDiverged`` stops a run whose loss,
gradient or scores became NaN or infinite, before the optimizer step that would spread them into the weights.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from ..errors import PGLSumError


class TrainingInterrupted(PGLSumError):
    """Raised after SIGINT/SIGTERM once the checkpoint is saved; ``checkpoint`` is where to resume from."""

    exit_code = 130

    def __init__(self, signal_name: str, checkpoint: Path) -> None:
        super().__init__(
            f"training stopped on {signal_name}; its state is saved in {checkpoint} "
            f"(continue with --resume_from_checkpoint {checkpoint} or --resume_from_checkpoint latest)"
        )
        self.checkpoint = checkpoint


class TrainingDiverged(PGLSumError):
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
        print(
            f"\n{self.requested} received: saving a checkpoint after the current step (send again to stop at once)",
            flush=True,
        )

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __enter__(self) -> InterruptFlag:
        # Handlers can only be installed from the main thread (a train() called from a worker thread
        # simply runs without them).
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()
