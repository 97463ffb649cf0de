"""``pglsum make-dataset``: build a SumMe/TVSum-style benchmark from raw video files and their annotations.

The command checks every option, input and the output folder before any work, shares the videos' feature
extraction among its processes, and prints the report; the benchmark itself is built by
:mod:`pglsum_hf.data.from_videos`. ``--num_processes N`` re-runs the command in N local processes, and under
``accelerate launch`` or ``torchrun`` the launched processes share the videos the same way
(:mod:`pglsum_hf.video.workers`): each extracts its share into the cache, and the main process, which holds the
output folder, assembles and writes the same files one process writes.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..console import configure_logging
from ..data.benchmark_assembly import problem_line
from ..data.from_videos import BuildPlan, BuildResult, build_planned, plan_build
from ..data.splits import read_splits
from ..data.video_annotations import ANNOTATION_FORMATS, DEFAULT_FRAME_TOLERANCE
from ..errors import OptionError
from ..hub import push_dataset_folder
from ..metrics import DATASET_EVAL_METHODS
from ..options import MAX_SEED, HubArguments, check_device, hub_repo_id, parse_arguments
from ..video.decode import DEFAULT_SAMPLE_RATE
from ..video.result import RANDOM_WEIGHTS
from ..video.settings import SummarySettingError, SummarySettings
from ..video.workers import WorkerPool, launch_processes, launched_world_size

PROG = "pglsum make-dataset"
DESCRIPTION = (
    "Build a SumMe/TVSum-style benchmark (NAME.h5, NAME_splits.json and the datasets folder NAME_dataset/) from raw "
    "videos and their annotations, with the same features and shots as `pglsum summarize`."
)
# The benchmarks use 5 splits; 100 bounds the splits file and the work of checking it.
MAX_SPLITS = 100
RANDOM_FEATURES_NOTE = (
    "NOTE: --feature_weights random: SYNTHETIC features from an untrained GoogLeNet, for tests and demos only"
)


@dataclass
class MakeDatasetArguments(HubArguments):
    """The options of ``pglsum make-dataset``, checked once when built."""

    videos: list[str] = field(
        metadata={"positional": True, "metavar": "VIDEOS", "help": "video files, folders of videos, or glob patterns"}
    )
    annotations: str = field(
        metadata={"help": "tvsum: ydata-anno.tsv; summe: the folder of <video>.mat files; intervals: the CSV"}
    )
    annotation_format: Literal[ANNOTATION_FORMATS] = field(metadata={"help": "how --annotations is written"})
    output_dir: str = field(metadata={"help": "folder for NAME.h5, NAME_splits.json, NAME_dataset/ and the cache"})
    name: str | None = field(default=None, metadata={"help": "dataset name (default: the output folder's name)"})
    splits: str | None = field(
        default=None, metadata={"help": "splits JSON over the keys video_1..video_N (default: random splits)"}
    )
    n_splits: int = field(default=5, metadata={"help": f"random splits to make (at most {MAX_SPLITS})"})
    test_fraction: float = field(default=0.2, metadata={"help": "share of test videos per random split"})
    seed: int = field(default=0, metadata={"help": "seed of the random splits"})
    feature_weights: str | None = field(
        default=None,
        metadata={
            "help": "GoogLeNet weights: a local state dict (googlenet-1378be20.pth), or `random` (SYNTHETIC features, "
            "for tests); default: torchvision's ImageNet weights"
        },
    )
    sample_rate: int = field(default=DEFAULT_SAMPLE_RATE, metadata={"help": "keep every N-th frame from frame 0"})
    kts_vmax: float | None = field(
        default=None, metadata={"help": "KTS penalty weight (default 1.0; 0.05 with random weights, as summarize)"}
    )
    max_change_points: int | None = field(
        default=None, metadata={"help": "most shot boundaries KTS considers (default: no limit)"}
    )
    frame_tolerance: int = field(
        default=DEFAULT_FRAME_TOLERANCE,
        metadata={"help": "frames an annotation may count more or fewer than the decoded video; fitted and reported"},
    )
    num_processes: int = field(
        default=1,
        metadata={
            "help": "processes that share the feature extraction on this machine (one GPU each when there are GPUs)"
        },
    )
    skip_bad: bool = field(
        default=False, metadata={"help": "leave out (and list) bad videos and annotations instead of failing"}
    )
    overwrite: bool = field(default=False, metadata={"help": "replace the outputs of an earlier run in --output_dir"})
    device: str | None = field(
        default=None, metadata={"help": "torch device of the feature network (default: cuda when available)"}
    )
    # --sample_rate, --kts_vmax and --max_change_points as the summary settings they are (built and checked below)
    shots: SummarySettings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        checks = [
            ("--annotation_format", self.annotation_format in ANNOTATION_FORMATS,
             f"one of {', '.join(ANNOTATION_FORMATS)}", self.annotation_format),
            ("--n_splits", _is_int(self.n_splits) and 1 <= self.n_splits <= MAX_SPLITS,
             f"an integer from 1 to {MAX_SPLITS}", self.n_splits),
            ("--seed", _is_int(self.seed) and 0 <= self.seed <= MAX_SEED, f"an integer from 0 to {MAX_SEED}", self.seed),
            ("--test_fraction", 0 < self.test_fraction < 1, "a number in (0, 1)", self.test_fraction),
            ("--frame_tolerance", self.frame_tolerance >= 0, "an integer >= 0", self.frame_tolerance),
            ("--num_processes", self.num_processes >= 1, "an integer >= 1", self.num_processes),
        ]  # fmt: skip
        for option, ok, expected, found in checks:
            if not ok:
                raise OptionError(option, f"expected {expected}, got {found!r}")
        try:  # the sample rate and KTS parameters are summary settings, checked as `pglsum summarize` checks them
            self.shots = SummarySettings(
                sample_rate=self.sample_rate, kts_vmax=self.kts_vmax, max_change_points=self.max_change_points
            )
        except SummarySettingError as error:  # named as the user typed it
            raise OptionError(f"--{error.setting}", error.reason) from None
        if self.splits is not None and not Path(self.splits).is_file():
            raise OptionError("--splits", f"{self.splits}: no such file")
        check_device("--device", self.device)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_arguments(MakeDatasetArguments, argv, prog=PROG, description=DESCRIPTION)
    repo_id = hub_repo_id(args)
    configure_logging()
    plan = plan_build(args.videos, args.annotations, args.annotation_format, args.output_dir, name=args.name,
                      splits=args.splits, n_splits=args.n_splits, test_fraction=args.test_fraction, seed=args.seed,
                      frame_tolerance=args.frame_tolerance, skip_bad=args.skip_bad, overwrite=args.overwrite)  # fmt: skip
    if launched_world_size() == 1 and args.num_processes > 1:
        # Every process checks the inputs again and the main one holds the output folder; this one only waits.
        return launch_processes(args.num_processes, "pglsum_hf.cli", ["make-dataset", *argv])
    result = _build(args, plan)
    if result is None:  # a process other than the main one: its share is in the cache
        return 0
    if result.skipped:
        print(f"skipped: {problem_line(result.skipped, 'bad inputs left out')}", file=sys.stderr)
    if repo_id:
        push_dataset_folder(result.dataset_dir, repo_id, private=args.hub_private_repo or None)
    print(f"{len(result.video_ids)} videos ({len(result.computed)} computed now, the rest from the cache)")
    print(f"  {result.h5}\n  {result.splits}\n  {result.dataset_dir}")
    # The paper's recipe: one group of all training videos per step; users reduced as SumMe's (max) or TVSum's (avg).
    batch_size = len(read_splits(result.splits)[0]["train_keys"])
    method = DATASET_EVAL_METHODS.get(args.annotation_format, DATASET_EVAL_METHODS["tvsum"])
    print(f"train on it: pglsum train --dataset {result.h5} --batch_size {batch_size} --eval_method {method}")
    if repo_id:
        print(f'pushed: datasets.load_dataset("{repo_id}", "split_0")')
    return 0


def _build(args: MakeDatasetArguments, plan: BuildPlan) -> BuildResult | None:
    """Build with this process's share of the videos (all of them without a launcher); the result in the main
    process, None in the others (their share is in the cache)."""
    pool = WorkerPool()
    if pool.is_main_process:
        if args.feature_weights == RANDOM_WEIGHTS:
            print(RANDOM_FEATURES_NOTE, file=sys.stderr)
    else:  # the main process already says what the extractor is
        logging.getLogger("pglsum_hf.video.features").setLevel(logging.ERROR)
    return build_planned(plan, args.feature_weights, args.shots, device=args.device, pool=pool)


if __name__ == "__main__":  # `accelerate launch -m pglsum_hf.commands.make_dataset ...`: the same entry as `pglsum`
    from ..cli import main as pglsum_main

    sys.exit(pglsum_main(["make-dataset", *sys.argv[1:]]))
