"""PGL-SUM's model selection: pick the released epoch from the training loss curve alone.

The paper does not select on the test split. It looks at the mean training loss ``L[e]`` of every epoch
and releases either the epoch of the lowest loss or the first epoch (after a warm-up of 15 epochs) where
the loss changes by at least 1% from one epoch to the next, whichever shows the smaller relative change
at that point. ``SelectionTracker`` follows the same rule while training runs, so that only the few
models that can still be released are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The candidate search starts at this epoch: the first epochs of training are unstable.
START_EPOCH = 15
# A change of the loss of at least this many percent between two epochs marks a candidate.
CHANGE_THRESHOLD = 1.0


def relative_change(losses: Sequence[float], epoch: int) -> float:
    """Change of the loss into ``epoch`` in percent: ``(L[epoch] - L[epoch-1]) / L[epoch] * 100``.

    ``epoch - 1`` follows Python indexing, so for epoch 0 the previous value is the last epoch's loss,
    as the original selection script computes it.
    """
    return (losses[epoch] - losses[epoch - 1]) / losses[epoch] * 100.0


def find_candidate(losses: Sequence[float]) -> tuple[int, float]:
    """The first epoch, from ``START_EPOCH`` on, next to a change of at least 1%, with that change.

    For the first ``e`` in ``START_EPOCH .. E-2`` with ``c = (L[e+1] - L[e]) / L[e+1] * 100``: a drop
    (``c <= -1``) names ``e + 1``, a rise (``c >= 1``) names ``e``. Without such an ``e`` the candidate is
    epoch 0 with ``c = 0``.
    """
    for epoch in range(START_EPOCH, len(losses) - 1):
        change = relative_change(losses, epoch + 1)
        if change <= -CHANGE_THRESHOLD:
            return epoch + 1, change
        if change >= CHANGE_THRESHOLD:
            return epoch, change
    return 0, 0.0


def select_epoch(losses: Sequence[float]) -> int:
    """The 0-based epoch whose model PGL-SUM releases, given the mean training loss of every epoch.

    Args:
        losses: ``L[e]``, the mean training loss of epoch ``e``, for all ``E`` epochs of the run.

    Returns:
        ``argmin L`` if its relative change from the epoch before (for epoch 0: from the last epoch) is
        smaller in magnitude than the candidate's change (see ``find_candidate``), else the candidate.
    """
    values = np.asarray(losses, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"select_epoch needs a non-empty 1-D sequence of epoch losses, found shape {values.shape}")
    if not np.all(np.isfinite(values)):
        bad = np.flatnonzero(~np.isfinite(values)).tolist()
        raise ValueError(f"select_epoch needs finite losses; epochs {bad} are not finite")
    candidate, change = find_candidate(values)
    lowest = int(np.argmin(values))
    return lowest if abs(relative_change(values, lowest)) < abs(change) else candidate


@dataclass
class SelectionTracker:
    """Keeps, while training runs, only the model states that ``select_epoch`` may still release.

    After epoch ``e`` the released model is one of: the epoch of the lowest loss so far (it can stay the
    argmin), the candidate once found (it never changes after), and, while no candidate is known yet,
    epoch 0 (the fallback) and epoch ``e`` itself (a rise at ``e -> e+1`` names ``e``). So at most four
    copies are held, three once the candidate is known, whatever the number of epochs. States are kept
    on the CPU, keyed by epoch, and a copy shared by two roles is stored once.

    Checkpoints save it (``to_json``, ``kept_tensors``) so that a resumed run selects the same weights.
    """

    losses: list[float] = field(default_factory=list)
    candidate: tuple[int, float] | None = None
    states: dict[int, dict[str, Any]] = field(default_factory=dict)

    def update(self, loss: float, model_state: dict[str, Any]) -> None:
        """Record epoch ``len(losses)``'s mean training loss and the model state after it."""
        epoch = len(self.losses)
        self.losses.append(float(loss))
        if self.candidate is None:
            found, change = find_candidate(self.losses)
            # A found candidate is final: later epochs do not change the first 1% step. Epoch 0 only
            # ever comes back as the "none yet" answer (the search starts at START_EPOCH).
            if found != 0:
                self.candidate = (found, change)
        needed = self.needed_epochs()
        if epoch in needed:
            self.states[epoch] = {name: tensor.detach().to("cpu", copy=True) for name, tensor in model_state.items()}
        self.states = {kept: state for kept, state in self.states.items() if kept in needed}

    def needed_epochs(self) -> set[int]:
        """Epochs whose model can still be the released one, given the losses seen so far."""
        last = len(self.losses) - 1
        needed = {int(np.argmin(self.losses))}
        if self.candidate is None:
            needed |= {0, last}
        else:
            needed.add(self.candidate[0])
        return needed

    def selected_epoch(self) -> int:
        """``select_epoch`` of the losses so far."""
        return select_epoch(self.losses)

    def selected_state(self) -> dict[str, Any]:
        """The kept model state of the selected epoch."""
        return self.states[self.selected_epoch()]

    def to_json(self) -> dict[str, Any]:
        """The losses and the candidate (the kept weights go separately, as tensors: see ``kept_tensors``)."""
        return {"losses": list(self.losses), "candidate": self.candidate}

    def kept_tensors(self) -> dict[str, Any]:
        """The kept weights as one flat dict ``{"<epoch>/<name>": tensor}`` (for a safetensors file)."""
        return {
            f"{epoch}/{name}": tensor.contiguous()
            for epoch, state in self.states.items()
            for name, tensor in state.items()
        }

    def load(self, values: dict[str, Any], kept: dict[str, Any]) -> None:
        """Restore what ``to_json`` and ``kept_tensors`` returned."""
        self.losses = [float(v) for v in values["losses"]]
        candidate = values["candidate"]
        self.candidate = None if candidate is None else (int(candidate[0]), float(candidate[1]))
        self.states = {}
        for key, tensor in kept.items():
            epoch, name = key.split("/", 1)
            self.states.setdefault(int(epoch), {})[name] = tensor
