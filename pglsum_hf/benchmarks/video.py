"""Seconds per stage of summarizing a video file, and the total as a fraction of the video's duration.

    pglsum benchmark video --output benchmark_video.json [--seconds 300] [--width 640] [--height 360] [--fps 30]
    pglsum benchmark video --long [--output benchmark_video_long.json]

A SYNTHETIC video (distinct scenes, made once, not timed) goes through every stage of
:class:`~pglsum_hf.video.VideoSummarizer` -- decoding (every 15th frame kept), GoogLeNet features, KTS shots,
PGL-SUM scores, keyshots, and the outputs (summary video, plot, JSON) -- with a randomly initialised PGL-SUM
model and random GoogLeNet weights (the same computation as trained weights). Decoding and feature
extraction run interleaved, a batch at a time; their split is the time spent inside the network. It runs on
the CPU, and on the GPU too when one is present. The target is a total of at most 0.08 of the video's
duration on the CPU. GoogLeNet's rate is also given as a fraction of the machine's float32 GEMM rate,
measured in the same run (the practical FLOP limit of these cores).

``--long`` instead times shot detection plus scoring on N = 6,000 and 24,000 normalised synthetic feature
rows (50 minutes and 3.3 hours at 2 fps), twice: with exact scoring (the default, the whole video at once) and
with windowed scoring (``pglsum summarize --score_window 4096``). Each N and scoring runs in a fresh process that
reports its peak resident memory; the target is time(24,000) / time(6,000) <= 6, within 8 GB. Figures are
printed and saved as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import check_output_file, write_json
from ..errors import OptionError
from ..options import CommandParser, check_int, check_number

if TYPE_CHECKING:
    import torch

TARGET_FRACTION = 0.08
LONG_STEPS = (6_000, 24_000)
LONG_TARGET_RATIO = 6.0
# The windowed scoring timed by --long: 34 minutes at 2 fps, so both N are scored in windows (2 and 8 of them).
LONG_SCORE_WINDOW = 4096
# Address-space cap of each --long child: a model whose memory grows like T^2 fails there instead of
# exhausting the machine (torch and glibc reserve ~4 GB they never touch, so this allows ~6 GB resident).
LONG_ADDRESS_SPACE_GB = 10


def _timed_features_class():
    import torch

    from pglsum_hf.video import GoogLeNetFeatures

    class TimedFeatures(GoogLeNetFeatures):
        """Adds up the seconds spent inside the network (the rest of the decode + features loop is decoding)."""

        seconds = 0.0

        def __call__(self, frames):
            started = time.perf_counter()
            features = super().__call__(frames)
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            self.seconds += time.perf_counter() - started
            return features

    return TimedFeatures


def time_stages(video: Path, device: str, output_dir: Path) -> dict[str, Any]:
    """Run every stage once on ``video`` and return the seconds of each."""
    import numpy as np

    from pglsum_hf import PGLSumConfig, PGLSumModel
    from pglsum_hf.video import VideoSummarizer

    extractor = _timed_features_class()("random", device=device)
    model = PGLSumModel(PGLSumConfig()).to(extractor.device)
    summarizer = VideoSummarizer(model, extractor, model_name="random PGL-SUM (benchmark)")
    extractor(np.zeros((2, 224, 224, 3), dtype=np.uint8))  # warm-up: kernel selection, allocations
    extractor.seconds = 0.0

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}  # this process's CPU time: shows how much other load stretched the wall time

    def clock(name, function, *args, **kwargs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        seconds[name] = time.perf_counter() - started
        cpu_seconds[name] = time.process_time() - started_cpu
        return result

    features, info = clock("decode + features", summarizer.extract_features, video)
    shots = clock("shots (KTS)", summarizer.detect_shots, features, info)
    scores = clock("scores (PGL-SUM)", summarizer.score, features, str(video))
    summary = clock("keyshots", summarizer.select, info, features, scores, shots=shots)
    clock("outputs (video, plot, JSON)", summarizer.save, summary, output_dir)
    return {
        "device": str(extractor.device),
        "n_frames": info.n_frames,
        "sampled_frames": len(info.picks),
        "shots": len(shots),
        "selected_shots": int(summary.selected.sum()),
        "summary_seconds": summary.summary_duration,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        # The split of the first stage: time inside the network; the rest is waiting for the decoding thread.
        "decode_features_split": {
            "features (GoogLeNet)": extractor.seconds,
            "waiting for decoding": seconds["decode + features"] - extractor.seconds,
        },
        "googlenet_flop_rate": _flop_fraction(extractor, len(info.picks)),
        "total_seconds": sum(seconds.values()),
        "total_cpu_seconds": sum(cpu_seconds.values()),
        "fraction_of_duration": sum(seconds.values()) / info.duration,
    }


def _flop_fraction(extractor, frames: int) -> dict[str, float]:
    """GoogLeNet's achieved FLOP rate over the run, against a GEMM rate measured now on the same device."""
    flops = googlenet_flops(extractor.network)
    achieved = frames * flops / extractor.seconds
    limit = gemm_rate(extractor.device.type)
    return {
        "gflop_per_frame": flops / 1e9,
        "achieved_gflops": achieved / 1e9,
        "gemm_gflops": limit / 1e9,
        "fraction": achieved / limit,
    }


def time_kts(n: int = 1200, seed: int = 0) -> dict[str, float]:
    """Seconds of KTS on ``n`` sampled frames (a 10-minute video at 2 fps), typical and worst case.

    Typical: 60 shots of nearly constant positive features (as CNN features are), found early by the exact
    stopping rule. Worst case: centred noise with no structure, where every number of change points up to
    n - 1 has to be tried.
    """
    import numpy as np

    from pglsum_hf.video import kernel_temporal_segmentation

    rng = np.random.default_rng(seed)
    shots = np.abs(rng.normal(size=(60, 1024)))
    cases = {
        "typical (60 shots)": np.repeat(shots, n // 60, axis=0) + 0.3 * np.abs(rng.normal(size=(n, 1024))),
        "worst case (no structure)": rng.normal(size=(n, 1024)),
    }
    seconds = {}
    for name, features in cases.items():
        started = time.perf_counter()
        kernel_temporal_segmentation(features)
        seconds[name] = time.perf_counter() - started
    return seconds


def googlenet_flops(network: torch.nn.Module, size: int = 224) -> float:
    """Floating-point operations (multiply + add = 2) of one frame through ``network``'s convolutions and linear layers."""
    import torch

    total = 0.0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += 2.0 * output.numel() * kernel
        elif isinstance(module, torch.nn.Linear):
            total += 2.0 * output.numel() * module.in_features

    handles = [
        m.register_forward_hook(count) for m in network.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    try:
        with torch.inference_mode():
            network(torch.zeros(1, 3, size, size, device=next(network.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return total


def gemm_rate(device: str = "cpu", size: int = 2048, repeats: int = 5) -> float:
    """Best float32 matrix-multiply rate (FLOP/s) over ``repeats`` runs: the practical limit of the device."""
    import torch

    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = float("inf")
    for _ in range(repeats + 1):  # the first run warms up
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        torch.mm(a, b)
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


def long_video_features(n: int, seed: int = 0):
    """float32 [n, 1024] L2-normalised SYNTHETIC step features: shots of 10-120 steps, CNN-like (positive, noisy)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 120, size=n // 10)
    lengths = lengths[np.cumsum(lengths) <= n]
    lengths = np.append(lengths, n - lengths.sum())
    centres = np.abs(rng.normal(size=(len(lengths), 1024))).astype(np.float32)
    features = np.repeat(centres, lengths, axis=0)
    features += 0.3 * np.abs(rng.normal(size=features.shape)).astype(np.float32)
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    return features, len(lengths) - 1


def long_video_run(n: int, score_window: int | None = None) -> dict[str, Any]:
    """Shots plus scores of ``n`` synthetic steps in this process: seconds of each, and the peak resident memory.

    ``score_window``: None scores the whole video at once (exact); a number of steps scores it in windows
    (:func:`~pglsum_hf.video.windowed_scores.score_in_windows`). Meant for a fresh process (``ru_maxrss`` is the
    process's peak so far).
    """
    import resource

    import numpy as np
    import torch

    from pglsum_hf import PGLSumConfig, PGLSumModel
    from pglsum_hf.video.shots import detect_shots
    from pglsum_hf.video.windowed_scores import score_in_windows, window_starts

    features, cuts = long_video_features(n)
    started = time.perf_counter()
    shots = detect_shots(features, np.arange(n) * 15, n * 15)
    shot_seconds = time.perf_counter() - started
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig()).eval()
    started = time.perf_counter()
    if score_window is None:
        with torch.inference_mode():
            scores = model(torch.from_numpy(features)[None]).scores[0].numpy()
    else:
        scores = score_in_windows(model, torch.from_numpy(features), score_window).numpy()
    score_seconds = time.perf_counter() - started
    return {
        "steps": n,
        "score_window": score_window,
        "score_windows": 1 if score_window is None else len(window_starts(n, score_window)),
        "cuts": cuts,
        "shots": len(shots),
        "finite_scores": int(np.isfinite(scores).sum()),
        "seconds": {"shots": shot_seconds, "scores": score_seconds, "total": shot_seconds + score_seconds},
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


_LONG_CHILD = """
import json, resource, sys
cap = int(float(sys.argv[2]) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from pglsum_hf.benchmarks.video import long_video_run
window = None if sys.argv[3] == "exact" else int(sys.argv[3])
print(json.dumps(long_video_run(int(sys.argv[1]), window)))
"""


def run_long(score_window: int | None = None, address_space_gb: float = LONG_ADDRESS_SPACE_GB) -> dict[str, Any]:
    """``long_video_run`` for each of LONG_STEPS in a fresh, memory-capped process."""
    import json
    import subprocess
    import sys

    runs = {}
    scoring = "exact scores" if score_window is None else f"scores in windows of {score_window}"
    for n in LONG_STEPS:
        print(f"shots + {scoring} on {n} steps ...", flush=True)
        result = subprocess.run(
            [sys.executable, "-c", _LONG_CHILD, str(n), str(address_space_gb), str(score_window or "exact")],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            runs[str(n)] = json.loads(result.stdout.strip().splitlines()[-1])
        else:
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            runs[str(n)] = {"steps": n, "failed": f"exit {result.returncode}: {last}"}
    return runs


def _long_ratios(runs: dict[str, Any]) -> dict[str, float] | None:
    """time(last N) / time(first N) of the total and of each part, or None when a run failed."""
    first, last = (runs[str(n)] for n in LONG_STEPS)
    if "seconds" not in first or "seconds" not in last:
        return None
    return {part: last["seconds"][part] / first["seconds"][part] for part in ("total", "shots", "scores")}


def main_long(output: str) -> int:
    modes = {"exact": None, "windowed": LONG_SCORE_WINDOW}
    results = {
        "benchmark": "video --long",
        "score_window": LONG_SCORE_WINDOW,
        "target_ratio": LONG_TARGET_RATIO,
        "peak_rss_limit_gb": 8.0,
        "runs": {mode: run_long(window) for mode, window in modes.items()},
    }
    results["time_ratio"] = {mode: _long_ratios(runs) for mode, runs in results["runs"].items()}
    results["environment"] = _environment()
    print(f"\n  {'scoring':<15} {'steps':>7} {'shots':>7} {'KTS':>9} {'scores':>9} {'total':>9} {'peak RSS':>9}")
    for mode, runs in results["runs"].items():
        label = mode if modes[mode] is None else f"{mode} {modes[mode]}"
        for run in runs.values():
            if "failed" in run:
                print(f"  {label:<15} {run['steps']:>7} failed: {run['failed']}")
                continue
            seconds = run["seconds"]
            print(
                f"  {label:<15} {run['steps']:>7} {run['shots']:>7} {seconds['shots']:8.2f}s {seconds['scores']:8.2f}s "
                f"{seconds['total']:8.2f}s {run['peak_rss_gb']:7.2f} GB"
            )
    print()
    for mode, ratios in results["time_ratio"].items():
        if ratios is None:
            print(f"{mode}: no ratio (a run failed)")
            continue
        verdict = "meets" if ratios["total"] <= LONG_TARGET_RATIO else "misses"
        peak = max(run["peak_rss_gb"] for run in results["runs"][mode].values())
        # Global attention over all T steps costs T^2 operations whatever its memory, so the parts are shown apart.
        print(
            f"{mode}: time({LONG_STEPS[1]}) / time({LONG_STEPS[0]}) = {ratios['total']:.2f} ({verdict} the "
            f"<= {LONG_TARGET_RATIO:g} target; shots {ratios['shots']:.2f}, scores {ratios['scores']:.2f}), "
            f"peak RSS {peak:.2f} GB"
        )
    print(f"saved {write_json(output, results)}")
    return 0


def _environment() -> dict[str, Any]:
    import torch

    return {
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        # Other processes on the machine stretch the wall-clock figures; this says how busy it was.
        "load_average_1min": os.getloadavg()[0],
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="pglsum benchmark video", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output",
        default=None,
        help="Where the JSON results go (default benchmark_video.json, or benchmark_video_long.json with --long).",
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help=f"Time shots + scores (exact, and in windows of {LONG_SCORE_WINDOW} steps) on 6,000 and 24,000 steps, with peak memory, "
        "instead.",
    )
    parser.add_argument(
        "--seconds", type=float, default=300.0, help="Length of the synthetic video (default: 5 minutes)."
    )
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument(
        "--video",
        default=None,
        help="Keep the synthetic video here and reuse it when it exists (default: a temporary file).",
    )
    parser.add_argument("--overwrite", action="store_true", help="Replace an existing --output file.")
    return parser


def _check_arguments(args: argparse.Namespace) -> None:
    check_number("--seconds", args.seconds, 1.0)
    check_int("--width", args.width, 16)
    check_int("--height", args.height, 16)
    check_number("--fps", args.fps, 1.0, maximum=240.0)
    check_output_file(args.output, overwrite=args.overwrite, inputs=[args.video])
    if args.video is not None:
        video = Path(args.video)
        if video.is_dir():
            raise OptionError("--video", f"{video} is a folder, not a video file")
        if not video.exists():
            check_output_file(video, option="--video")
        else:  # reused: it must be a video, found out now rather than after the other stages' set-up
            from pglsum_hf.video.decode import open_video

            container, _ = open_video(video)
            container.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.output = args.output or ("benchmark_video_long.json" if args.long else "benchmark_video.json")
    _check_arguments(args)
    if args.long:
        return main_long(args.output)
    import torch  # after parsing: --help stays light

    from pglsum_hf.video import make_synthetic_video

    with tempfile.TemporaryDirectory() as workdir:
        video = Path(args.video) if args.video else Path(workdir) / "synthetic_benchmark.mp4"
        if not video.exists():
            scene_seconds = [8.0, 14.0, 5.0, 11.0, 20.0, 7.0, 16.0, 9.0, 12.0, 6.0]  # uneven shots, repeated
            n_scenes = int(args.seconds // (sum(scene_seconds) / len(scene_seconds))) + 1
            lengths = (scene_seconds * (n_scenes // len(scene_seconds) + 1))[:n_scenes]
            lengths[-1] -= sum(lengths) - args.seconds  # exactly args.seconds long
            print(
                f"making a SYNTHETIC {args.seconds:.0f} s {args.width}x{args.height} {args.fps:g} fps video ...",
                flush=True,
            )
            make_synthetic_video(
                video, scene_seconds=lengths, width=args.width, height=args.height, fps=args.fps, audio=True
            )
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        load_before = os.getloadavg()[0]
        runs = {device: time_stages(video, device, Path(workdir) / f"out_{device}") for device in devices}
    kts = time_kts()

    results = {
        "benchmark": "video",
        "video": {
            "seconds": args.seconds,
            "width": args.width,
            "height": args.height,
            "fps": args.fps,
            "audio": True,
            "synthetic": True,
        },
        "target_fraction": TARGET_FRACTION,
        "runs": runs,
        "kts_1200_sampled_frames_seconds": kts,
        "environment": {**_environment(), "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]}},
    }
    for device, run in runs.items():
        print(f"\n{device}: {run['n_frames']} frames, {run['sampled_frames']} sampled, {run['shots']} shots")
        print(f"  {'stage':<32} {'wall':>8}   {'cpu':>8}")
        for name, value in run["seconds"].items():
            print(f"  {name:<32} {value:8.2f} s {run['cpu_seconds'][name]:8.2f} s")
            if name == "decode + features":
                for part, part_seconds in run["decode_features_split"].items():
                    print(f"    of which {part:<23} {part_seconds:8.2f} s")
        flop = run["googlenet_flop_rate"]
        print(
            f"  GoogLeNet: {flop['gflop_per_frame']:.2f} GFLOP/frame, {flop['achieved_gflops']:.1f} GFLOP/s = "
            f"{flop['fraction']:.0%} of the {flop['gemm_gflops']:.1f} GFLOP/s float32 GEMM rate measured now"
        )
        verdict = "meets" if run["fraction_of_duration"] <= TARGET_FRACTION else "misses"
        print(
            f"  {'total':<32} {run['total_seconds']:8.2f} s = {run['fraction_of_duration']:.3f} of the video's "
            f"{args.seconds:.0f} s ({verdict} the {TARGET_FRACTION} target)"
        )
    output = write_json(args.output, results)
    print("\nKTS on 1200 sampled frames (a 10-minute video at 2 fps):")
    for name, value in kts.items():
        print(f"  {name:<32} {value:8.2f} s")
    load = results["environment"]["load_average_1min"]
    print(
        f"\nload average (1 min) before / after: {load['before']:.1f} / {load['after']:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"saved {output}")
    return 0
