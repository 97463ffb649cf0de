"""Seconds per training epoch: padded batches vs the original one-video loop (``--per_video``).

    pglsum benchmark training --output benchmark_training.json [--epochs 5] [--profiles summe tvsum] [--threads N]

For each synthetic profile (SumMe- and TVSum-sized: the real benchmarks' video counts and lengths) the
script trains split 0 in both modes with the paper's settings, the two modes taking turns epoch by epoch,
and reports the median seconds of an epoch's optimizer work (the test-split evaluation, the same in both
modes, is left out), and the fraction of this machine's fp32 GEMM rate (measured in the same run) that the
model's FLOPs per epoch (counted from the shapes) reach. It runs on the CPU, and on the GPU too when one is
present (fp32 and bf16); ``--devices`` picks. Figures are printed and saved as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ..atomic import check_output_dir, check_output_file, write_json
from ..data.splits import default_splits_path
from ..errors import OptionError
from ..options import CommandParser, check_int


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


def gemm_rate(device: str = "cpu", size: tuple[int, int, int] = (4096, 1024, 1024), repeats: int = 10) -> float:
    """This machine's fp32 matrix-multiply rate (FLOP/s), measured now: the median of ``repeats`` products."""
    import torch

    m, k, n = size
    a = torch.randn(m, k, device=device)
    b = torch.randn(k, n, device=device)
    seconds = []
    for _ in range(repeats + 2):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return 2 * m * k * n / statistics.median(seconds[2:])


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
        rate = gemm_rate(device)
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


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="pglsum benchmark training", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="benchmark_training.json", help="Where the JSON results go.")
    parser.add_argument("--profiles", nargs="+", default=["summe", "tvsum"], choices=["tiny", "summe", "tvsum"])
    parser.add_argument("--epochs", type=int, default=5, help="Timed epochs per mode (the median is reported).")
    parser.add_argument(
        "--warmup", type=int, default=1, help="Untimed epochs first (allocator, kernels, cached batches)."
    )
    parser.add_argument(
        "--data_dir", default=None, help="Keep the synthetic files here (default: a temporary folder)."
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="CPU threads for torch (default: torch's own choice)."
    )
    parser.add_argument(
        "--devices",
        nargs="+",
        choices=["cpu", "cuda"],
        default=None,
        help="Where to train (default: cpu, and cuda in fp32 and bf16 when a GPU is present).",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="Replace an existing --output file and synthetic files in --data_dir."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_int("--epochs", args.epochs, 1)
    check_int("--warmup", args.warmup, 0)
    check_int("--threads", args.threads, 1, allow_none=True)
    check_output_file(args.output, overwrite=args.overwrite)
    if args.data_dir is not None:
        # The synthetic files go into the folder beside whatever else it holds; only their own names must be free.
        check_output_dir(args.data_dir, owned=True, option="--data_dir")
        for profile in args.profiles:
            h5_path = Path(args.data_dir) / f"synthetic_{profile}.h5"
            for target in (h5_path, default_splits_path(h5_path)):
                check_output_file(target, overwrite=args.overwrite, inputs=[args.output], option="--data_dir")
    import torch  # after the checks: --help stays light

    from ..data.synthetic import make_synthetic_h5, write_synthetic_splits

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    if "cuda" in devices and not torch.cuda.is_available():
        raise OptionError("--devices", "cuda: no CUDA device is available on this machine")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # the allocator setting of the `pglsum train` process, so both modes are timed as that command runs them
    from ..training.cpu_memory import keep_freed_memory_unless_disabled

    keep_freed_memory_unless_disabled()
    configurations = [("cpu", "no")] if "cpu" in devices else []
    if "cuda" in devices:
        configurations += [("cuda", "no"), ("cuda", "bf16")]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(args.data_dir or scratch)
        for profile in args.profiles:
            h5_path = make_synthetic_h5(data_dir / f"synthetic_{profile}.h5", profile=profile, seed=0)
            write_synthetic_splits(h5_path, profile=profile, seed=0)
            for device, precision in configurations:
                rows = time_modes(h5_path, profile, device, precision, args.epochs, args.warmup)
                results.extend(rows)
                for row in rows:
                    print(
                        f"{profile:6s} {row['device']:7s} {precision:4s} {row['mode']:9s} "
                        f"{row['seconds_per_epoch']:8.3f} s/epoch, {row['fraction_of_gemm_limit']:6.1%} of the fp32 GEMM limit "
                        f"({row['model_gflops_per_epoch']:.0f} GFLOP/epoch at {row['gemm_gflops_per_second']:.0f} GFLOP/s; "
                        f"{row['train_videos']} videos, batch_size {row['batch_size']})",
                        flush=True,
                    )
                seconds = {row["mode"]: row["seconds_per_epoch"] for row in rows}
                speed_up = seconds["per_video"] / seconds["batched"]
                print(
                    f"{profile:6s} {device:7s} {precision:4s} speed-up batched vs per_video: {speed_up:.2f}x",
                    flush=True,
                )
    payload = {
        "benchmark": "training seconds per epoch, batched vs per_video",
        "machine": {
            "platform": platform.platform(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            # Other work on the machine slows every figure alike; the load says how busy it was.
            "load_average_at_end": os.getloadavg(),
        },  # fmt: skip
        "results": results,
    }
    write_json(args.output, payload)
    print(f"saved {args.output}")
    return 0
