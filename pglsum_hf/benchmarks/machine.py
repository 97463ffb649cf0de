"""What the benchmarks share about the machine they run on: its devices, waiting for one, and its GEMM rate."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def available_devices() -> list[str]:
    """The devices a benchmark times by default: the CPU, and CUDA when a GPU is present."""
    import torch

    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def synchronize(device: Any) -> None:
    """Wait for the work queued on ``device`` (a torch device or its name): a CUDA timing must not stop early."""
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def gemm_rate(
    device: str = "cpu",
    shape: tuple[int, int, int] = (2048, 2048, 2048),
    repeats: int = 5,
    warmup: int = 1,
    statistic: Callable[[Sequence[float]], float] = min,
) -> float:
    """This machine's float32 matrix-multiply rate (FLOP/s) on ``device``, measured now: an ``[m, k] @ [k, n]``
    product timed ``repeats`` times after ``warmup`` untimed ones, ``statistic`` (the best, or the median) of them.

    The practical FLOP limit of the device, against which a model's achieved rate is read.
    """
    import torch

    m, k, n = shape
    a = torch.randn(m, k, device=device)
    b = torch.randn(k, n, device=device)
    seconds = []
    for _ in range(warmup + repeats):
        synchronize(device)
        started = time.perf_counter()
        torch.mm(a, b)
        synchronize(device)
        seconds.append(time.perf_counter() - started)
    return 2.0 * m * k * n / statistic(seconds[warmup:])
