"""``pglsum benchmark NAME``: the speed benchmarks of :mod:`pglsum_hf.benchmarks`, their options, tables and JSON.

    pglsum benchmark model --lengths 1000,5000,10000,30000 [--output benchmark_model.json] [--summe_batch]
    pglsum benchmark metric --output benchmark_metric.json [--repeats 3] [--seed 0]
    pglsum benchmark training --output benchmark_training.json [--epochs 5] [--profiles summe tvsum] [--threads N]
    pglsum benchmark video --output benchmark_video.json [--seconds 300] | --long

Each benchmark is an arguments dataclass (checked when built: values, the output file, the inputs) and a runner
that calls the library, prints each figure as it comes and saves them all as JSON at the end. What each measures is
told in its library module. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..atomic import check_output_dir, check_output_file, write_json
from ..benchmarks.metric import ANNOTATIONS
from ..benchmarks.video import LONG_SCORE_WINDOW
from ..errors import OptionError
from ..options import check_device, check_int, check_number, check_seed, parse_arguments


def frame_counts(value: str) -> list[int]:
    """``--lengths 1000,5000``: frame counts, comma-separated, each at least 1."""
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated frame counts like 1000,5000; got {value!r}"
        ) from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive frame counts; got {value!r}")
    return counts


@dataclass
class ModelBenchmarkArguments:
    """The options of ``pglsum benchmark model``, checked when built."""

    lengths: list[int] = field(
        default_factory=lambda: [1000, 5000, 10000, 30000],
        metadata={"help": "frames per video, comma-separated", "type": frame_counts, "nargs": None},
    )
    summe_batch: bool = field(
        default=False, metadata={"help": "also time a SumMe-sized batch, batched vs one at a time"}
    )
    output: Path = field(default=Path("benchmark_model.json"), metadata={"help": "JSON file to write"})
    repeats: int = field(default=1, metadata={"help": "timed runs per figure (median reported)"})
    warmup: int = field(default=1, metadata={"help": "untimed runs first (SumMe batch)"})
    compile_max_length: int = field(default=10000, metadata={"help": "longest video timed with torch.compile"})
    devices: list[str] | None = field(
        default=None, metadata={"help": "devices to time (default: cpu, and cuda when available)"}
    )
    threads: int | None = field(default=None, metadata={"help": "CPU threads for torch (default: torch's choice)"})
    run_timeout: float = field(
        default=1800.0, metadata={"help": "seconds one length may take before it is reported as stopped"}
    )
    seed: int = 0
    overwrite: bool = field(default=False, metadata={"help": "replace an existing --output file"})

    def __post_init__(self) -> None:
        check_int("--repeats", self.repeats, 1)
        check_int("--warmup", self.warmup, 0)
        check_int("--threads", self.threads, 1, allow_none=True)
        check_number("--run_timeout", self.run_timeout, 0.1)
        for device in self.devices or []:
            check_device("--devices", device)
        check_output_file(self.output, overwrite=self.overwrite)


@dataclass
class MetricBenchmarkArguments:
    """The options of ``pglsum benchmark metric``, checked when built."""

    output: str = field(default="benchmark_metric.json", metadata={"help": "Where the JSON results go."})
    repeats: int = field(default=3, metadata={"help": "Runs per timing; the fastest is kept."})
    videos: int = field(default=10, metadata={"help": "Videos in the full-metric split (TVSum test: 10)."})
    seed: int = 0
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing --output file."})
    annotations: Path = field(
        default=ANNOTATIONS,
        metadata={
            "help": "TVSum's ydata-anno.tsv; the 10 longest videos' real user scores are used when it exists "
            "(by default ../shared/data/ydata-anno.tsv beside the checkout), random scores otherwise."
        },
    )

    def __post_init__(self) -> None:
        check_int("--repeats", self.repeats, 1)
        # TVSum has 50 videos; twice that bounds the synthetic split's memory (frames x annotators per video).
        check_int("--videos", self.videos, 1, maximum=100)
        check_seed("--seed", self.seed)
        # The default file may be absent (random scores stand in); a file the user names must be there.
        if Path(self.annotations) != ANNOTATIONS and not Path(self.annotations).is_file():
            raise OptionError("--annotations", f"{self.annotations}: no such file")
        annotations = [self.annotations] if Path(self.annotations).is_file() else []
        check_output_file(self.output, overwrite=self.overwrite, inputs=annotations)  # never written over them


@dataclass
class TrainingBenchmarkArguments:
    """The options of ``pglsum benchmark training``, checked when built."""

    output: str = field(default="benchmark_training.json", metadata={"help": "Where the JSON results go."})
    profiles: list[Literal["tiny", "summe", "tvsum"]] = field(default_factory=lambda: ["summe", "tvsum"])
    epochs: int = field(default=5, metadata={"help": "Timed epochs per mode (the median is reported)."})
    warmup: int = field(default=1, metadata={"help": "Untimed epochs first (allocator, kernels, cached batches)."})
    data_dir: str | None = field(
        default=None, metadata={"help": "Keep the synthetic files here (default: a temporary folder)."}
    )
    threads: int | None = field(
        default=None, metadata={"help": "CPU threads for torch (default: torch's own choice)."}
    )
    devices: list[Literal["cpu", "cuda"]] | None = field(
        default=None,
        metadata={"help": "Where to train (default: cpu, and cuda in fp32 and bf16 when a GPU is present)."},
    )
    overwrite: bool = field(
        default=False, metadata={"help": "Replace an existing --output file and synthetic files in --data_dir."}
    )

    def __post_init__(self) -> None:
        from ..data.splits import default_splits_path

        check_int("--epochs", self.epochs, 1)
        check_int("--warmup", self.warmup, 0)
        check_int("--threads", self.threads, 1, allow_none=True)
        check_output_file(self.output, overwrite=self.overwrite)
        if self.data_dir is not None:
            # The synthetic files go into the folder beside whatever else it holds; only their names must be free.
            check_output_dir(self.data_dir, owned=True, option="--data_dir")
            for profile in self.profiles:
                h5_path = Path(self.data_dir) / f"synthetic_{profile}.h5"
                for target in (h5_path, default_splits_path(h5_path)):
                    check_output_file(target, overwrite=self.overwrite, inputs=[self.output], option="--data_dir")
        import torch  # after the checks that need no torch

        if "cuda" in (self.devices or []) and not torch.cuda.is_available():
            raise OptionError("--devices", "cuda: no CUDA device is available on this machine")


@dataclass
class VideoBenchmarkArguments:
    """The options of ``pglsum benchmark video``, checked when built."""

    output: str | None = field(
        default=None,
        metadata={
            "help": "Where the JSON results go (default benchmark_video.json, or benchmark_video_long.json with --long)."
        },
    )
    long: bool = field(
        default=False,
        metadata={
            "help": f"Time shots + scores (exact, and in windows of {LONG_SCORE_WINDOW} steps) on 6,000 and 24,000 "
            "steps, with peak memory, instead."
        },
    )
    seconds: float = field(default=300.0, metadata={"help": "Length of the synthetic video (5 minutes)."})
    width: int = 640
    height: int = 360
    fps: float = 30.0
    video: str | None = field(
        default=None,
        metadata={"help": "Keep the synthetic video here and reuse it when it exists (default: a temporary file)."},
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing --output file."})

    def __post_init__(self) -> None:
        self.output = self.output or ("benchmark_video_long.json" if self.long else "benchmark_video.json")
        check_number("--seconds", self.seconds, 1.0)
        # 8K UHD at most: a frame is decoded, resized and held per stage, so the size bounds the memory.
        check_int("--width", self.width, 16, maximum=7680)
        check_int("--height", self.height, 16, maximum=4320)
        check_number("--fps", self.fps, 1.0, maximum=240.0)
        check_output_file(self.output, overwrite=self.overwrite, inputs=[self.video])
        if self.video is not None:
            video = Path(self.video)
            if video.is_dir():
                raise OptionError("--video", f"{video} is a folder, not a video file")
            if not video.exists():
                check_output_file(video, option="--video")
            else:  # reused: it must be a video, found out now rather than after the other stages' set-up
                from ..video.decode import open_video

                container, _ = open_video(video)
                container.close()


def run_model(args: ModelBenchmarkArguments) -> int:
    """One forward per length, each in its own process; with ``--summe_batch`` the SumMe batch too."""
    import torch
    from tqdm.auto import tqdm

    from ..benchmarks import model
    from ..benchmarks.machine import available_devices
    from .benchmark_tables import LENGTHS_HEADER, print_summe_batch, row_line

    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the subprocesses too
    devices = args.devices or available_devices()
    runs = model.length_runs(args.lengths, devices, args.compile_max_length)
    rows = []
    for row in tqdm(model.measure_lengths(runs, args.repeats, args.seed, args.run_timeout), total=len(runs),
                    desc="lengths", unit="run"):  # fmt: skip
        rows.append(row)
        tqdm.write(row_line(row))  # each figure as soon as it is measured: a long run shows its progress
    payload: dict[str, Any] = {
        "benchmark": "PGL-SUM model: one video per length (inference), and optionally a SumMe batch",
        "config": "PGLSumConfig() defaults (paper settings)",
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "lengths": rows,
    }
    print(LENGTHS_HEADER)
    for row in rows:
        print(row_line(row))
    if args.summe_batch:
        results = [model.time_summe_batch(name, precision, args.repeats, args.warmup, args.seed)
                   for name, precision in tqdm(model.summe_batch_runs(devices), desc="SumMe batch", unit="configuration")]  # fmt: skip
        payload["summe_batch"] = {**model.summe_batch_shape(), "results": results}
        print_summe_batch(payload["summe_batch"])
    write_json(args.output, payload)
    print(f"saved {args.output}")
    return 0


def run_metric(args: MetricBenchmarkArguments) -> int:
    """The knapsack and the full metric, literal vs vectorised."""
    import numpy as np

    from ..benchmarks.metric import benchmark_full_metric, benchmark_knapsack, load_literal
    from .benchmark_tables import print_metric

    literal = load_literal()
    rng = np.random.default_rng(args.seed)
    print("timing the knapsack (TVSum-sized: 70 shots, capacity 2910) ...", flush=True)
    knapsack_figures = benchmark_knapsack(literal, rng, args.repeats)
    print(f"timing the full metric ({args.videos} TVSum-sized videos, 20 users) ...", flush=True)
    metric_figures = benchmark_full_metric(literal, rng, args.repeats, args.videos, args.annotations)
    payload = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()},
        "repeats": args.repeats,
        "knapsack": knapsack_figures,
        "full_metric": metric_figures,
    }
    print_metric(knapsack_figures, metric_figures)
    write_json(args.output, payload)
    print(f"saved {args.output}")
    return 0


def run_training(args: TrainingBenchmarkArguments) -> int:
    """Seconds per epoch of each profile, per-video and batched, on each device and precision."""
    import torch

    from ..benchmarks.machine import available_devices
    from ..benchmarks.training import configurations, make_profile_data, time_modes
    from ..training.cpu_memory import keep_freed_memory_unless_disabled
    from .benchmark_tables import print_training_rows

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # the allocator setting of the `pglsum train` process, so both modes are timed as that command runs them
    keep_freed_memory_unless_disabled()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(args.data_dir or scratch)
        for profile in args.profiles:
            h5_path = make_profile_data(data_dir, profile)
            for device, precision in configurations(args.devices or available_devices()):
                rows = time_modes(h5_path, profile, device, precision, args.epochs, args.warmup)
                results.extend(rows)
                print_training_rows(rows, profile, device, precision)
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


def run_video(args: VideoBenchmarkArguments) -> int:
    """Every stage of summarizing a SYNTHETIC video on each device, and KTS; with ``--long``, shots and scores of
    6,000 and 24,000 steps, exact and windowed."""
    from ..benchmarks import video as bench
    from .benchmark_tables import print_long, print_video

    if args.long:
        modes = {"exact": None, "windowed": bench.LONG_SCORE_WINDOW}
        runs: dict[str, dict[str, Any]] = {}
        for mode, window in modes.items():
            scoring = "exact scores" if window is None else f"scores in windows of {window}"
            runs[mode] = {}
            for n in bench.LONG_STEPS:
                print(f"shots + {scoring} on {n} steps ...", flush=True)
                runs[mode][str(n)] = bench.run_long(n, window)
        results = {"benchmark": "video --long", "score_window": bench.LONG_SCORE_WINDOW,
                   "target_ratio": bench.LONG_TARGET_RATIO, "peak_rss_limit_gb": 8.0, "runs": runs,
                   "time_ratio": {mode: bench.long_ratios(mode_runs) for mode, mode_runs in runs.items()},
                   "environment": bench.environment()}  # fmt: skip
        print_long(results, modes)
        print(f"saved {write_json(args.output, results)}")
        return 0
    import torch

    with tempfile.TemporaryDirectory() as workdir:
        video = Path(args.video) if args.video else Path(workdir) / "synthetic_benchmark.mp4"
        if not video.exists():
            size = f"{args.width}x{args.height} {args.fps:g} fps"
            print(f"making a SYNTHETIC {args.seconds:.0f} s {size} video ...", flush=True)
            bench.make_benchmark_video(video, args.seconds, args.width, args.height, args.fps)
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        load_before = os.getloadavg()[0]
        runs = {device: bench.time_stages(video, device, Path(workdir) / f"out_{device}") for device in devices}
    kts = bench.time_kts()
    results = {
        "benchmark": "video",
        "video": {
            "seconds": args.seconds,
            "width": args.width,
            "height": args.height,
            "fps": args.fps,
            "audio": True,
            "synthetic": True,
        },  # fmt: skip
        "target_fraction": bench.TARGET_FRACTION,
        "runs": runs,
        "kts_1200_sampled_frames_seconds": kts,
        "environment": {
            **bench.environment(),
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        },
    }
    print_video(runs, args.seconds, kts, results["environment"]["load_average_1min"])
    print(f"saved {write_json(args.output, results)}")
    return 0


# name -> (arguments, runner, description)
BENCHMARKS: dict[str, tuple[type, Callable[[Any], int], str]] = {
    "model": (ModelBenchmarkArguments, run_model,
              "Seconds and peak memory of one video per length; optionally a SumMe batch, batched vs looped."),
    "metric": (MetricBenchmarkArguments, run_metric,
               "Speed of the evaluation protocol: the vectorised metric vs the literal pure-Python implementation."),
    "training": (TrainingBenchmarkArguments, run_training,
                 "Seconds per training epoch: padded batches vs the original one-video loop (``--per_video``)."),
    "video": (VideoBenchmarkArguments, run_video,
              "Seconds per stage of summarizing a video file, and the total as a fraction of the video's duration."),
}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``main([NAME, *options])``: run the benchmark NAME (``pglsum_hf.cli`` has checked the name)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in BENCHMARKS:
        raise OptionError("benchmark", f"expected one of {', '.join(BENCHMARKS)}, got {argv[:1]}")
    arguments, run, description = BENCHMARKS[argv[0]]
    return run(parse_arguments(arguments, argv[1:], prog=f"pglsum benchmark {argv[0]}", description=description))
