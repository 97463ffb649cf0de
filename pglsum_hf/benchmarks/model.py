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

Figures are printed and saved as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from ..atomic import check_output_file, write_json
from ..data.constants import FRAME_STRIDE, SUMME_N_FRAMES
from ..errors import OptionError
from ..options import CommandParser, check_int, check_number

if TYPE_CHECKING:
    import torch

BATCH_VIDEOS = 20


def summe_lengths(count: int = BATCH_VIDEOS) -> list[int]:
    """Model-side lengths (one feature per ``FRAME_STRIDE`` frames) of the first ``count`` SumMe videos."""
    return [math.ceil(n_frames / FRAME_STRIDE) for n_frames in SUMME_N_FRAMES[:count]]


def _synchronize(device: torch.device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _measure(step: Callable[[], None], device: torch.device, repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        step()
    walls, cpus = [], []
    for _ in range(repeats):
        _synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        _synchronize(device)
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


def _describe(device: torch.device) -> str:
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
        _synchronize(device)
        warmup = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            scores = forward(features).scores
            _synchronize(device)
            times.append(time.perf_counter() - started)
    row = {
        "length": length,
        "device": device_name,
        "hardware": _describe(device),
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


def length_rows(lengths: list[int], args: argparse.Namespace) -> list[dict]:
    """One subprocess per (device, precision, compiled, length), so each peak memory is that run's alone."""
    import torch

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    runs = []
    for name in devices:
        for precision in ("fp32", "bf16") if name != "cpu" else ("fp32",):
            for compiled in (False, True) if can_compile(torch.device(name)) else (False,):
                runs += [(length, name, precision, compiled) for length in lengths
                         if not compiled or length <= args.compile_max_length]  # fmt: skip
    rows = []
    for length, name, precision, compiled in tqdm(runs, desc="lengths", unit="run"):
        command = [sys.executable, "-m", "pglsum_hf.benchmarks.model", "--_one", json.dumps(
            {"length": length, "device_name": name, "precision": precision, "compiled": compiled,
             "repeats": args.repeats, "seed": args.seed})]  # fmt: skip
        failed = {"length": length, "device": name, "precision": precision, "compiled": compiled}
        try:
            done = subprocess.run(
                command, check=False, capture_output=True, text=True, env=os.environ.copy(), timeout=args.run_timeout
            )
        except subprocess.TimeoutExpired:
            rows.append({**failed, "error": f"stopped after --run_timeout {args.run_timeout:g} s"})
        else:
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
                rows.append({**failed, "error": f"exit {done.returncode}: {tail[0]}"})
            else:
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        tqdm.write(_row_line(rows[-1]))  # each figure as soon as it is measured: a long run shows its progress
    return rows


LENGTHS_HEADER = (
    f"{'device':<34} {'precision':<9} {'compiled':<8} {'T':>7} {'seconds':>9} {'peak RSS GB':>12} {'CUDA GB':>8}"
)


def _row_line(row: dict) -> str:
    where = f"{row['device']} ({row.get('hardware', '?')})"
    if "error" in row:
        return f"{where:<34.34} {row['precision']:<9} {row['compiled']!s:<8} {row['length']:>7} {row['error']}"
    cuda = f"{row['peak_cuda_gb']:.2f}" if "peak_cuda_gb" in row else "-"
    return (f"{where:<34.34} {row['precision']:<9} {row['compiled']!s:<8} {row['length']:>7} "
            f"{row['seconds']:>9.2f} {row['peak_rss_gb']:>12.2f} {cuda:>8}")  # fmt: skip


def _print_lengths(rows: list[dict]) -> None:
    print(LENGTHS_HEADER)
    for row in rows:
        print(_row_line(row))


def _lengths(value: str) -> list[int]:
    try:
        lengths = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated frame counts like 1000,5000; got {value!r}"
        ) from None
    if not lengths or min(lengths) < 1:
        raise argparse.ArgumentTypeError(f"expected positive frame counts; got {value!r}")
    return lengths


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum benchmark model",
        description="Seconds and peak memory of one video per length; optionally a SumMe batch, batched vs looped.",
    )
    parser.add_argument(
        "--lengths", type=_lengths, default=[1000, 5000, 10000, 30000], help="frames per video, comma-separated"
    )
    parser.add_argument(
        "--summe_batch", action="store_true", help="also time a SumMe-sized batch, batched vs one at a time"
    )
    parser.add_argument("--output", type=Path, default=Path("benchmark_model.json"), help="JSON file to write")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per figure (median reported)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (SumMe batch)")
    parser.add_argument("--compile_max_length", type=int, default=10000, help="longest video timed with torch.compile")
    parser.add_argument(
        "--devices", nargs="+", default=None, help="devices to time (default: cpu, and cuda when available)"
    )
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument(
        "--run_timeout",
        type=float,
        default=1800.0,
        help="seconds one length may take before it is reported as stopped",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--_one", help=argparse.SUPPRESS)  # one length, in a subprocess
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    return parser


def _check_devices(names: list[str]) -> None:
    import torch

    for name in names:
        try:
            device = torch.device(name)
        except RuntimeError:
            raise OptionError("--devices", f"{name!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise OptionError("--devices", f"{name!r}: CUDA is not available on this machine")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import torch  # after parsing: --help stays light

    if not args._one:  # the parent checks everything before the first measurement
        check_int("--repeats", args.repeats, 1)
        check_int("--warmup", args.warmup, 0)
        check_int("--threads", args.threads, 1, allow_none=True)
        check_number("--run_timeout", args.run_timeout, 0.1)
        _check_devices(args.devices or [])
        check_output_file(args.output, overwrite=args.overwrite)
    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the subprocesses too
    if args._one:
        print(json.dumps(measure_length(**json.loads(args._one))))
        return 0
    payload: dict[str, Any] = {
        "benchmark": "PGL-SUM model: one video per length (inference), and optionally a SumMe batch",
        "config": "PGLSumConfig() defaults (paper settings)",
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "lengths": length_rows(args.lengths, args),
    }
    _print_lengths(payload["lengths"])
    if args.summe_batch:
        payload["summe_batch"] = summe_batch(args)
    write_json(args.output, payload)
    print(f"saved {args.output}")
    return 0


def summe_batch(args: argparse.Namespace) -> dict[str, Any]:
    """Batched vs one-video-at-a-time seconds on a SumMe-sized batch, per device and precision; printed and returned."""
    import torch

    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    runs = [
        (torch.device(name), precision)
        for name in devices
        for precision in ("fp32", "bf16")
        if name != "cpu" or precision == "fp32"
    ]
    lengths = summe_lengths()
    results = []
    for device, precision in tqdm(runs, desc="SumMe batch", unit="configuration"):
        result = benchmark_device(device, precision, max(args.repeats, 3), args.warmup, args.seed)
        result["hardware"] = _describe(device)
        results.append(result)
    print(
        f"PGL-SUM, {len(lengths)} SumMe-length videos ({min(lengths)}..{max(lengths)} frames, {sum(lengths)} in all)"
    )
    print(f"{'device':<28} {'precision':<9} {'step':<10} {'batched s':>10} {'loop s':>10} {'speed-up':>9}")
    for result in results:
        for kind in ("train", "inference"):
            print(
                f"{result['device'] + ' (' + result['hardware'] + ')':<28.28} {result['precision']:<9} {kind:<10} "
                f"{result[kind + '_batched']['wall_s_median']:>10.3f} {result[kind + '_loop']['wall_s_median']:>10.3f} "
                f"{result[kind + '_speedup']:>8.2f}x"
            )
    return {"videos": len(lengths), "lengths": lengths, "real_frames": sum(lengths),
            "padded_frames": len(lengths) * max(lengths), "results": results}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
