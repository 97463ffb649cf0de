"""Seconds per training epoch: padded batches vs the original one-video loop (``--per_video``).

    pglsum benchmark training --output benchmark_training.json [--epochs 5] [--profiles summe tvsum] [--threads N]

For each synthetic profile (SumMe- and TVSum-sized: the real benchmarks' video counts and lengths) the
script trains split 0 in both modes with the paper's settings, the two modes taking turns epoch by epoch,
and reports the median seconds of an epoch's optimizer work (the test-split evaluation, the same in both
modes, is left out), and the fraction of this machine's fp32 GEMM rate (measured in the same run) that the
model's FLOPs per epoch (counted from the shapes) reach. It runs on the CPU, and on the GPU too when one is
present (fp32 and bf16); ``--devices`` picks. The functions return the figures; ``pglsum benchmark training`` prints
and saves them. Nothing is asserted.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from .machine import gemm_rate


def _reset_accelerate() -> None:
    # Each configuration builds its own Accelerator (CPU / GPU, precision); Accelerate keeps one shared
    # state per process, so it is cleared in between.
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)


# Settings the paper does not fix for a profile: "tiny" (5 short videos, a smoke test) is neither SumMe nor TVSum.
PROFILE_SETTINGS = {"tiny": {"batch_size": 2, "eval_method": "max"}}


MODES = ("per_video", "batched")


def model_flops(lengths: list[int], config: Any) -> float:
    """Forward + backward FLOPs of PGL-SUM over videos of ``lengths`` frames, counted from the layer shapes.

    A multiply-add is 2 FLOPs and a backward pass twice the forward (the usual 3x rule). Per video of ``T`` frames,
    with ``D`` = input_size and ``H`` = hidden_size: the global attention's q/k/v/out projections ``8 T D H`` and its
    energies and weighted sum ``4 T^2 H``; each local segment of ``m`` frames the same with ``H / S``; the
    regressor ``2 T D^2 + 2 T D``. Elementwise work (softmax, norms, dropout) is left out: it is not GEMM work.
    """
    d, h = config.input_size, config.hidden_size
    total = 0.0
    for t in lengths:
        forward = 8 * t * d * h + 4 * t * t * h + 2 * t * d * d + 2 * t * d
        if config.num_segments is not None and config.fusion is not None:
            s = config.num_segments
            size = math.ceil(t / s)
            for m in (min(size, t - i * size) for i in range(s)):
                if m > 0:
                    forward += 8 * m * d * (h / s) + 4 * m * m * (h / s)
        total += 3 * forward
    return total


def training_gemm_rate(device: str = "cpu") -> float:
    """The fp32 GEMM rate training is read against: the median of 10 ``[4096, 1024] @ [1024, 1024]`` products (the
    shapes of a batch of frames through a projection), after 2 untimed ones."""
    return gemm_rate(device, (4096, 1024, 1024), repeats=10, warmup=2, statistic=statistics.median)


def configurations(devices: list[str]) -> list[tuple[str, str]]:
    """``(device, mixed precision)`` of each timing: the CPU in fp32, CUDA in fp32 and bf16."""
    found = [("cpu", "no")] if "cpu" in devices else []
    return found + ([("cuda", "no"), ("cuda", "bf16")] if "cuda" in devices else [])


def make_profile_data(data_dir: Path, profile: str) -> Path:
    """Write ``synthetic_<profile>.h5`` and its splits into ``data_dir`` (seed 0); return the h5 path."""
    from ..data.synthetic import make_synthetic_h5, write_synthetic_splits

    h5_path = make_synthetic_h5(data_dir / f"synthetic_{profile}.h5", profile=profile, seed=0)
    write_synthetic_splits(h5_path, profile=profile, seed=0)
    return h5_path


def epoch_flops(run: Any) -> float:
    """Model FLOPs of one training epoch: the videos its full groups hold, on average over the shuffles."""
    lengths = run.train_videos.lengths
    trained = (len(lengths) // run.args.batch_size) * run.args.batch_size
    model = run.accelerator.unwrap_model(run.model)
    return model_flops(lengths, model.config) * trained / len(lengths)


def time_modes(
    h5_path: Path, profile: str, device: str, precision: str, epochs: int, warmup: int
) -> list[dict[str, Any]]:
    """Median seconds per training epoch of ``profile``'s data, per-video and batched, on one device and precision.

    The two modes take turns epoch by epoch (``warmup`` untimed rounds, then ``epochs`` timed ones), so a change in
    the machine's load during the run touches both alike. An epoch's time is its optimizer work (``train_seconds``),
    not the test-split evaluation that follows it, which is the same in both modes.
    """
    from ..training.arguments import PGLSumTrainingArguments
    from ..training.train import prepare_run, training_loop

    _reset_accelerate()
    # Accelerate reads this when it builds its state: the CPU run stays on the CPU even beside a GPU.
    os.environ["ACCELERATE_USE_CPU"] = "true" if device == "cpu" else "false"
    with tempfile.TemporaryDirectory() as output_dir:
        runs = {
            mode: prepare_run(
                PGLSumTrainingArguments(
                    dataset=str(h5_path),
                    output_dir=str(Path(output_dir) / mode),
                    per_video=mode == "per_video",
                    mixed_precision=precision,
                    report_to="none",
                    n_epochs=warmup + epochs,
                    checkpointing_epochs=warmup + epochs,
                    **PROFILE_SETTINGS.get(profile, {}),
                )
            )
            for mode in MODES
        }
        for epoch in range(warmup + epochs):
            # alternate which mode goes first, so neither always runs right after the other
            for mode in MODES if epoch % 2 == 0 else MODES[::-1]:
                training_loop(runs[mode], until_epoch=epoch + 1)
        rate = training_gemm_rate(device)
        rows = []
        for mode, run in runs.items():
            seconds = [record["train_seconds"] for record in run.state.history[warmup:]]
            flops = epoch_flops(run)
            median = statistics.median(seconds)
            rows.append(
                {
                    "profile": profile,
                    "mode": mode,
                    "device": str(run.accelerator.device),
                    "precision": precision,
                    "train_videos": len(run.train_videos),
                    "batch_size": run.args.batch_size,
                    "micro_batch_frames": run.micro_batch_frames if mode == "batched" else None,
                    "seconds_per_epoch": median,
                    "seconds_each_epoch": seconds,
                    "epochs_timed": len(seconds),
                    "model_gflops_per_epoch": flops / 1e9,
                    "gemm_gflops_per_second": rate / 1e9,
                    "fraction_of_gemm_limit": flops / median / rate,
                }
            )
        return rows
