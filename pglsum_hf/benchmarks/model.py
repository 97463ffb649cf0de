"""Model speed and memory: one video of each length, and a SumMe-sized batch, batched vs one video at a time.

    pglsum benchmark model --lengths 1000,5000,10000,30000 [--output benchmark_model.json] [--summe_batch]

*Per length*: one video of ``T`` random feature vectors through the default (paper) model in evaluation mode, each
length in a fresh subprocess so that its peak memory is its own: seconds of one forward (median of ``--repeats``
after a short warm-up) and the process's peak resident memory (``ru_maxrss``, which includes the ~0.5 GB of torch
and transformers themselves), plus the peak CUDA memory on a GPU. Rows for CUDA (fp32 and bf16 autocast) appear by
themselves when a GPU is present, and rows for ``torch.compile`` when it can compile here (a C++ compiler on the CPU,
Triton on CUDA) for lengths up to ``--compile_max_length``.

*SumMe batch* (``--summe_batch``): 20 videos with the lengths of SumMe ``video_1`` .. ``video_20`` as the model sees
them (``ceil(n_frames / 15)``: 64 .. 649 frames), training mode: forward + backward of the padded batch
(``video_losses.sum().backward()``) against the original one-video-at-a-time loop, and the same for inference.

The functions return the figures; ``pglsum benchmark model`` prints and saves them. Nothing is asserted.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..data.constants import FRAME_STRIDE, SUMME_N_FRAMES
from .machine import synchronize

if TYPE_CHECKING:
    import torch

BATCH_VIDEOS = 20


def summe_lengths(count: int = BATCH_VIDEOS) -> list[int]:
    """Model-side lengths (one feature per ``FRAME_STRIDE`` frames) of the first ``count`` SumMe videos."""
    return [math.ceil(n_frames / FRAME_STRIDE) for n_frames in SUMME_N_FRAMES[:count]]


def _measure(step: Callable[[], None], device: torch.device, repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        step()
    walls, cpus = [], []
    for _ in range(repeats):
        synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        synchronize(device)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall_s_median": statistics.median(walls),
        "wall_s_min": min(walls),
        "cpu_s_median": statistics.median(cpus),
        "runs": repeats,
    }


def benchmark_device(device: torch.device, precision: str, repeats: int, warmup: int, seed: int) -> dict[str, Any]:
    """Times of batched vs per-video train steps and inference on ``device`` (``precision`` fp32 or bf16)."""
    import torch

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel

    torch.manual_seed(seed)
    lengths = summe_lengths()
    padded = max(lengths)
    model = PGLSumModel(PGLSumConfig()).to(device)
    features = torch.rand(len(lengths), padded, model.config.input_size, device=device)
    labels = torch.rand(len(lengths), padded, device=device)
    mask = (torch.arange(padded, device=device)[None] < torch.tensor(lengths, device=device)[:, None]).long()

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")

    def batched_train() -> None:
        model.zero_grad(set_to_none=True)
        with autocast():
            output = model(features, attention_mask=mask, labels=labels)
        output.video_losses.sum().backward()

    def loop_train() -> None:
        model.zero_grad(set_to_none=True)
        for video, length in enumerate(lengths):
            with autocast():
                output = model(features[video, :length], labels=labels[video, :length])
            output.loss.backward()

    @torch.no_grad()
    def batched_inference() -> None:
        with autocast():
            model(features, attention_mask=mask)

    @torch.no_grad()
    def loop_inference() -> None:
        with autocast():
            for video, length in enumerate(lengths):
                model(features[video, :length])

    results: dict[str, Any] = {"device": str(device), "precision": precision}
    for name, step, training in (
        ("train_batched", batched_train, True),
        ("train_loop", loop_train, True),
        ("inference_batched", batched_inference, False),
        ("inference_loop", loop_inference, False),
    ):
        model.train(training)
        results[name] = _measure(step, device, repeats, warmup)
    for kind in ("train", "inference"):
        loop, batched = results[f"{kind}_loop"]["wall_s_median"], results[f"{kind}_batched"]["wall_s_median"]
        results[f"{kind}_speedup"] = loop / batched
    return results


def describe_device(device: torch.device) -> str:
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def can_compile(device: torch.device) -> bool:
    """Whether torch.compile's default backend can build code for ``device`` here."""
    if device.type == "cuda":
        try:
            import triton  # noqa: F401
        except ImportError:
            return False
        return True
    return any(shutil.which(compiler) for compiler in ("g++", "c++", "clang++"))


def measure_length(length: int, device_name: str, precision: str, compiled: bool, repeats: int, seed: int) -> dict:
    """Time one forward of a ``length``-frame video in this process; report seconds and peak memory."""
    import resource

    import torch

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel

    device = torch.device(device_name)
    torch.manual_seed(seed)
    model = PGLSumModel(PGLSumConfig()).to(device).eval()
    forward = torch.compile(model, fullgraph=True, dynamic=False) if compiled else model
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    features = torch.rand(1, length, model.config.input_size, device=device)
    with torch.inference_mode(), autocast:
        started = time.perf_counter()
        forward(features if compiled else features[:, : min(length, 64)])  # warm-up (and compilation)
        synchronize(device)
        warmup = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            scores = forward(features).scores
            synchronize(device)
            times.append(time.perf_counter() - started)
    row = {
        "length": length,
        "device": device_name,
        "hardware": describe_device(device),
        "precision": precision,
        "compiled": compiled,
        "seconds": statistics.median(times),
        "warmup_seconds": warmup,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,  # KiB on Linux
        "finite": bool(torch.isfinite(scores).all()),
    }
    if device.type == "cuda":
        row["peak_cuda_gb"] = torch.cuda.max_memory_allocated(device) / 2**30
    return row


def length_runs(lengths: list[int], devices: list[str], compile_max_length: int) -> list[tuple[int, str, str, bool]]:
    """``(length, device, precision, compiled)`` of every run: fp32 (and bf16 off the CPU) on each device, compiled too
    where torch.compile works here, for lengths up to ``compile_max_length``."""
    import torch

    runs = []
    for name in devices:
        for precision in ("fp32", "bf16") if name != "cpu" else ("fp32",):
            for compiled in (False, True) if can_compile(torch.device(name)) else (False,):
                runs += [(length, name, precision, compiled) for length in lengths
                         if not compiled or length <= compile_max_length]  # fmt: skip
    return runs


# One length, measured in a fresh interpreter: its peak memory is its own.
_LENGTH_CHILD = """
import json, sys
from pglsum_hf.benchmarks.model import measure_length
print(json.dumps(measure_length(**json.loads(sys.argv[1]))))
"""


def measure_lengths(
    runs: list[tuple[int, str, str, bool]], repeats: int, seed: int, run_timeout: float
) -> Iterator[dict[str, Any]]:
    """The row of each run of :func:`length_runs`, as soon as it is measured, each in its own subprocess.

    A run that fails or takes more than ``run_timeout`` seconds gives a row with an ``error`` and the rest go on.
    """
    for length, name, precision, compiled in runs:
        options = {"length": length, "device_name": name, "precision": precision, "compiled": compiled,
                   "repeats": repeats, "seed": seed}  # fmt: skip
        failed = {"length": length, "device": name, "precision": precision, "compiled": compiled}
        try:
            done = subprocess.run([sys.executable, "-c", _LENGTH_CHILD, json.dumps(options)], check=False,
                                  capture_output=True, text=True, env=os.environ.copy(), timeout=run_timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            yield {**failed, "error": f"stopped after --run_timeout {run_timeout:g} s"}
            continue
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
            yield {**failed, "error": f"exit {done.returncode}: {tail[0]}"}
        else:
            yield json.loads(done.stdout.strip().splitlines()[-1])


def summe_batch_runs(devices: list[str]) -> list[tuple[str, str]]:
    """``(device, precision)`` of each SumMe-batch timing: fp32 on the CPU, fp32 and bf16 elsewhere."""
    return [
        (name, precision) for name in devices for precision in ("fp32", "bf16") if name != "cpu" or precision == "fp32"
    ]


def time_summe_batch(device_name: str, precision: str, repeats: int, warmup: int, seed: int) -> dict[str, Any]:
    """:func:`benchmark_device` on the named device, with its hardware named (at least 3 timed runs per figure)."""
    import torch

    device = torch.device(device_name)
    return {**benchmark_device(device, precision, max(repeats, 3), warmup, seed), "hardware": describe_device(device)}


def summe_batch_shape() -> dict[str, Any]:
    """The SumMe batch's videos: their count, lengths, real frames and frames once padded."""
    lengths = summe_lengths()
    return {"videos": len(lengths), "lengths": lengths, "real_frames": sum(lengths),
            "padded_frames": len(lengths) * max(lengths)}  # fmt: skip
