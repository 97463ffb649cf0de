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
reports its peak resident memory; the target is time(24,000) / time(6,000) <= 6, within 8 GB. The functions return
the figures; ``pglsum benchmark video`` prints and saves them. Nothing is asserted.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .machine import gemm_rate

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

    from ..video import GoogLeNetFeatures

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

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel
    from ..video import VideoSummarizer

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

    from ..video import kernel_temporal_segmentation

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

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel
    from ..video.shots import detect_shots
    from ..video.windowed_scores import score_in_windows, window_starts

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


def run_long(
    n: int, score_window: int | None = None, address_space_gb: float = LONG_ADDRESS_SPACE_GB
) -> dict[str, Any]:
    """:func:`long_video_run` of ``n`` steps in a fresh process whose address space is capped; a failure is reported
    in the result (``failed``), not raised."""
    result = subprocess.run(
        [sys.executable, "-c", _LONG_CHILD, str(n), str(address_space_gb), str(score_window or "exact")],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return json.loads(result.stdout.strip().splitlines()[-1])
    last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"steps": n, "failed": f"exit {result.returncode}: {last}"}


def long_ratios(runs: dict[str, Any]) -> dict[str, float] | None:
    """time(last N) / time(first N) of the total and of each part, or None when a run failed."""
    first, last = (runs[str(n)] for n in LONG_STEPS)
    if "seconds" not in first or "seconds" not in last:
        return None
    return {part: last["seconds"][part] / first["seconds"][part] for part in ("total", "shots", "scores")}


def environment() -> dict[str, Any]:
    """The machine the figures were measured on, and how busy it was."""
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


def make_benchmark_video(path: Path, seconds: float, width: int, height: int, fps: float) -> Path:
    """Write the SYNTHETIC video of ``seconds`` timed by :func:`time_stages`: uneven scenes, repeated, with sound."""
    from ..video import make_synthetic_video

    scene_seconds = [8.0, 14.0, 5.0, 11.0, 20.0, 7.0, 16.0, 9.0, 12.0, 6.0]  # uneven shots, repeated
    n_scenes = int(seconds // (sum(scene_seconds) / len(scene_seconds))) + 1
    lengths = (scene_seconds * (n_scenes // len(scene_seconds) + 1))[:n_scenes]
    lengths[-1] -= sum(lengths) - seconds  # exactly `seconds` long
    make_synthetic_video(path, scene_seconds=lengths, width=width, height=height, fps=fps, audio=True)
    return path
