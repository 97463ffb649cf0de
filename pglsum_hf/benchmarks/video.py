"""Seconds per stage of summarizing a video file, and the total as a fraction of the video's duration.

    pglsum benchmark video --output benchmark_video.json [--seconds 300] [--width 640] [--height 360] [--fps 30]

A SYNTHETIC video (distinct scenes, made once, not timed) goes through every stage of
:class:`~pglsum_hf.video.VideoSummarizer` -- decoding (every 15th frame kept), GoogLeNet features, KTS shots,
PGL-SUM scores, keyshots, and the outputs (summary video, plot, JSON) -- with a randomly initialised PGL-SUM
model and random GoogLeNet weights (the same computation as trained weights). Decoding and feature
extraction run interleaved, a batch at a time; their split is the time spent inside the network. It runs on
the CPU, and on the GPU too when one is present. The target is a total under 0.35 of the video's duration on
the CPU. Figures are printed and saved as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from ..atomic import check_output_file, write_json
from ..errors import OptionError
from ..options import check_int, check_number

TARGET_FRACTION = 0.35


def _timed_features_class():
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
        # The split of the interleaved first stage: time inside the network, the rest is decoding.
        "decode_features_split": {
            "features (GoogLeNet)": extractor.seconds,
            "decoding": seconds["decode + features"] - extractor.seconds,
        },
        "total_seconds": sum(seconds.values()),
        "total_cpu_seconds": sum(cpu_seconds.values()),
        "fraction_of_duration": sum(seconds.values()) / info.duration,
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pglsum benchmark video", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="benchmark_video.json", help="Where the JSON results go.")
    parser.add_argument("--seconds", type=float, default=300.0, help="Length of the synthetic video (default: 5 minutes).")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--video", default=None, help="Keep the synthetic video here and reuse it when it exists (default: a temporary file).")
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
    _check_arguments(args)
    from pglsum_hf.video import make_synthetic_video

    with tempfile.TemporaryDirectory() as workdir:
        video = Path(args.video) if args.video else Path(workdir) / "synthetic_benchmark.mp4"
        if not video.exists():
            scene_seconds = [8.0, 14.0, 5.0, 11.0, 20.0, 7.0, 16.0, 9.0, 12.0, 6.0]  # uneven shots, repeated
            n_scenes = int(args.seconds // (sum(scene_seconds) / len(scene_seconds))) + 1
            lengths = (scene_seconds * (n_scenes // len(scene_seconds) + 1))[:n_scenes]
            lengths[-1] -= sum(lengths) - args.seconds  # exactly args.seconds long
            print(f"making a SYNTHETIC {args.seconds:.0f} s {args.width}x{args.height} {args.fps:g} fps video ...", flush=True)
            make_synthetic_video(video, scene_seconds=lengths, width=args.width, height=args.height, fps=args.fps, audio=True)
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        load_before = os.getloadavg()[0]
        runs = {device: time_stages(video, device, Path(workdir) / f"out_{device}") for device in devices}
    kts = time_kts()

    results = {
        "benchmark": "video",
        "video": {"seconds": args.seconds, "width": args.width, "height": args.height, "fps": args.fps, "audio": True, "synthetic": True},
        "target_fraction": TARGET_FRACTION,
        "runs": runs,
        "kts_1200_sampled_frames_seconds": kts,
        "environment": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            # Other processes on the machine stretch the wall-clock figures; this says how busy it was.
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        },
    }
    for device, run in runs.items():
        print(f"\n{device}: {run['n_frames']} frames, {run['sampled_frames']} sampled, {run['shots']} shots")
        print(f"  {'stage':<32} {'wall':>8}   {'cpu':>8}")
        for name, value in run["seconds"].items():
            print(f"  {name:<32} {value:8.2f} s {run['cpu_seconds'][name]:8.2f} s")
            if name == "decode + features":
                for part, part_seconds in run["decode_features_split"].items():
                    print(f"    of which {part:<23} {part_seconds:8.2f} s")
        verdict = "meets" if run["fraction_of_duration"] < TARGET_FRACTION else "misses"
        print(
            f"  {'total':<32} {run['total_seconds']:8.2f} s = {run['fraction_of_duration']:.3f} of the video's "
            f"{args.seconds:.0f} s ({verdict} the {TARGET_FRACTION} target)"
        )
    output = write_json(args.output, results)
    print("\nKTS on 1200 sampled frames (a 10-minute video at 2 fps):")
    for name, value in kts.items():
        print(f"  {name:<32} {value:8.2f} s")
    load = results["environment"]["load_average_1min"]
    print(f"\nload average (1 min) before / after: {load['before']:.1f} / {load['after']:.1f} on {os.cpu_count()} CPUs")
    print(f"saved {output}")
    return 0
