"""``pglsum summarize INPUT... --model M --output_dir DIR``: summarize video files with a PGL-SUM model.

The command's part: its options (:class:`SummarizeArguments`), the checks of every input, output and setting
before any video is decoded, the launch of ``--num_processes`` processes, the per-video progress lines, the final
table and the job's report. The summarizing itself is :class:`~pglsum_hf.video.VideoSummarizer`; the folder
rules are :mod:`pglsum_hf.video.batch`; the processes are a :class:`~pglsum_hf.video.workers.WorkerPool`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import OptionError, PGLSumError
from ..metrics import SUMMARY_BUDGET
from ..options import check_device, parse_arguments
from ..video import batch
from ..video.decode import DEFAULT_SAMPLE_RATE
from ..video.result import RANDOM_FEATURES_NOTE, RANDOM_WEIGHTS
from ..video.settings import MIN_SCORE_WINDOW, SummarySettingError, SummarySettings
from ..video.shots import DEFAULT_OVERLAP, DEFAULT_WINDOW

logger = logging.getLogger(__name__)

PROG = "pglsum summarize"
DESCRIPTION = (
    "Summarize video files with a PGL-SUM model: for each INPUT `IN.ext`, write DIR/IN.mp4 (the selected shots), "
    "DIR/IN.json (segments, shots, picks, scores) and DIR/IN.png (importance plot). A failed input never stops the "
    "others; a final table lists every input, the exit status is 1 when any failed, and DIR/summarize_report.json "
    "records the job."
)


@dataclass
class SummarizeArguments:
    """The options of ``pglsum summarize``; the summary settings among them become :attr:`settings`, checked once."""

    inputs: list[str] = field(
        metadata={
            "positional": True,
            "metavar": "INPUT",
            "help": "video files, folders of videos, or glob patterns (quote them)",
        }
    )
    model: str = field(metadata={"help": "PGL-SUM model: a local folder or a Hub id"})
    output_dir: str = field(metadata={"help": "folder for the outputs (created if missing)"})
    subfolder: str | None = field(
        default=None,
        metadata={"help": "the model folder inside --model when it holds several (a converted release: split_0 ...)"},
    )
    feature_weights: str | None = field(
        default=None,
        metadata={
            "help": "GoogLeNet weights: a local state dict (e.g. googlenet-1378be20.pth), or `random` for "
            "tests/demos (SYNTHETIC, marked in every output); default: torchvision's ImageNet weights"
        },
    )
    budget: float = field(
        default=SUMMARY_BUDGET, metadata={"help": "summary length as a fraction of the video, in (0, 1]"}
    )
    max_seconds: float | None = field(default=None, metadata={"help": "summary length in seconds (replaces --budget)"})
    sample_rate: int = field(default=DEFAULT_SAMPLE_RATE, metadata={"help": "keep every N-th frame"})
    kts_vmax: float | None = field(
        default=None, metadata={"help": "KTS penalty weight, > 0 (default 1.0; 0.05 with random weights)"}
    )
    max_change_points: int | None = field(
        default=None, metadata={"help": "most shot boundaries KTS considers per window, >= 1 (default: no limit)"}
    )
    kts_window: int = field(
        default=DEFAULT_WINDOW, metadata={"help": "KTS window in sampled frames (exact KTS below it)"}
    )
    kts_overlap: int = field(
        default=DEFAULT_OVERLAP, metadata={"help": "sampled frames shared by neighbouring KTS windows"}
    )
    score_window: int | None = field(
        default=None,
        metadata={
            "metavar": "STEPS",
            "help": f"score videos longer than STEPS sampled frames in overlapping windows of STEPS "
            f"(>= {MIN_SCORE_WINDOW}): time linear in the length, but scores that differ from the original's; "
            "default: off, every video scored whole (exact, time ~ length^2)",
        },
    )
    no_video: bool = field(default=False, metadata={"help": "write only the JSON and the plot"})
    recursive: bool = field(
        default=False, metadata={"help": "a folder INPUT contributes the videos of its sub-folders too"}
    )
    overwrite: bool = field(
        default=False, metadata={"help": "replace existing output files of these inputs (never anything else)"}
    )
    skip_existing: bool = field(
        default=False, metadata={"help": "skip inputs whose outputs are complete (resume a job)"}
    )
    report: str | None = field(
        default=None, metadata={"help": f"the job's JSON report (default DIR/{batch.REPORT_NAME})"}
    )
    num_processes: int = field(
        default=1,
        metadata={
            "help": "split the inputs across N processes (GPUs when present) with accelerate; same as "
            "`accelerate launch --num_processes N -m pglsum_hf.commands.summarize ...`"
        },
    )
    device: str | None = field(
        default=None, metadata={"help": "torch device (default: cuda when available, else cpu)"}
    )
    settings: SummarySettings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            self.settings = SummarySettings(
                budget=self.budget,
                max_seconds=self.max_seconds,
                sample_rate=self.sample_rate,
                kts_vmax=self.kts_vmax,
                max_change_points=self.max_change_points,
                kts_window=self.kts_window,
                kts_overlap=self.kts_overlap,
                score_window=self.score_window,
            )
        except SummarySettingError as error:  # named as the user typed it
            raise OptionError(f"--{error.setting}", error.reason) from None
        if self.num_processes < 1:
            raise OptionError("--num_processes", f"must be >= 1, got {self.num_processes}")
        check_device("--device", self.device)
        if self.feature_weights not in (None, RANDOM_WEIGHTS) and not Path(self.feature_weights).is_file():
            raise OptionError(
                "--feature_weights",
                f"{self.feature_weights}: file not found (expected a GoogLeNet state dict, or `random`)",
            )


# What a flag may carry (`--overwrite false`); any other word after a flag is an INPUT.
_TRUTH_VALUES = {"true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"}


def _flags_before_inputs(argv: list[str]) -> list[str]:
    """``--overwrite clip.mp4``: a flag followed by an INPUT stays a flag (``--overwrite true clip.mp4``).

    The parser lets a flag carry a truth value, as transformers' does, so it would read the INPUT as that value.
    """
    flags = {f"--{item.name}" for item in fields(SummarizeArguments) if item.type in ("bool", bool)}
    flags |= {flag.replace("_", "-") for flag in flags}
    end = argv.index("--") if "--" in argv else len(argv)
    spelled = []
    for index, arg in enumerate(argv):
        spelled.append(arg)
        following = argv[index + 1] if index + 1 < end else None
        if arg in flags and following is not None and not following.startswith("-"):
            if following.lower() not in _TRUTH_VALUES:
                spelled.append("true")
    return spelled


def main(argv: list[str] | None = None) -> int:
    from ..atomic import OutputFolderLock, check_output_dir, check_output_file, is_empty_dir
    from ..console import configure_logging
    from ..model_loading import resolve_model_source
    from ..paths import local_inputs
    from ..video.workers import launch_processes, launched_world_size

    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_arguments(SummarizeArguments, _flags_before_inputs(argv), prog=PROG, description=DESCRIPTION)
    configure_logging()
    # A missing or broken model folder is found before any output is planned.
    resolve_model_source(args.model, subfolder=args.subfolder)
    videos = batch.expand_inputs(args.inputs, recursive=args.recursive)
    inputs = local_inputs(videos, args.model, args.feature_weights)
    # Summaries are files written into the folder beside what it holds; the folder may not be (in) an input folder.
    output_dir = check_output_dir(args.output_dir, inputs=inputs, owned=True)
    report = Path(args.report) if args.report else output_dir / batch.REPORT_NAME
    report = check_output_file(report, overwrite=True, inputs=inputs, option="--report")
    plan = batch.plan_outputs(videos, output_dir, not args.no_video, args.overwrite, args.skip_existing, report)
    existing_ancestor = next(folder for folder in (output_dir, *output_dir.parents) if folder.exists())
    if launched_world_size() > 1:  # one of the launched processes: the launcher holds the folder
        return _run_job(args, videos, report, plan)
    with OutputFolderLock(output_dir):
        if args.num_processes > 1:
            return launch_processes(args.num_processes, "pglsum_hf.cli", ["summarize", *argv])
        code = _run_job(args, videos, report, plan)
    # A job that wrote nothing leaves none of the folders it (or its lock) created behind; the lock file is gone.
    folder = output_dir
    while folder != existing_ancestor and (not folder.exists() or is_empty_dir(folder)):
        if folder.exists():
            folder.rmdir()
        folder = folder.parent
    return code


def _summarize_one(summarizer, video: Path, args: SummarizeArguments, process: int) -> batch.Record:
    """Summarize one input; an error becomes its record's message (the job goes on)."""
    try:
        summary = summarizer(video, output_dir=args.output_dir, write_video=not args.no_video)
    except (PGLSumError, OSError, ValueError, RuntimeError) as error:
        return batch.Record(
            str(video), "failed", str(error).splitlines()[0] if str(error) else type(error).__name__, process=process
        )
    except Exception as error:  # a bug: keep its traceback in the log, and go on with the other inputs
        logger.exception("%s: unexpected error", video)
        return batch.Record(str(video), "failed", f"{type(error).__name__}: {error}", process=process)
    info = summary.info
    return batch.Record(
        str(video),
        "trimmed" if summary.trimmed else "ok",
        "no whole shot fits the budget: best window of the best shot" if summary.trimmed else "",
        n_frames=info.n_frames,
        duration=info.duration,
        shots=len(summary.shots),
        summary_seconds=summary.summary_duration,
        outputs=dict(summary.outputs),
        process=process,
    )


def _print_record(record: batch.Record) -> None:
    if record.status == "failed":
        print(f"pglsum summarize: {record.message}", file=sys.stderr)
        return
    trimmed = " (trimmed: no whole shot fits the budget)" if record.status == "trimmed" else ""
    print(
        f"{record.input}: {record.n_frames} frames, {record.duration:.1f} s, {record.shots} shots -> summary "
        f"{record.summary_seconds:.1f} s{trimmed}"
    )
    for kind, path in record.outputs.items():
        print(f"  {kind:<5} {path}")


def _run_job(args: SummarizeArguments, videos: list[Path], report: Path, plan: batch.Plan) -> int:
    """Summarize the planned videos (this process's share of them), print the table and write the report."""
    from ..atomic import write_json
    from ..console import progress_bar
    from ..video.summarizer import VideoSummarizer
    from ..video.workers import WorkerPool

    pool = WorkerPool()
    pool.wait_for_everyone()  # every process has checked the outputs before any of them writes one
    summarizer = VideoSummarizer.from_pretrained(
        args.model,
        subfolder=args.subfolder,
        feature_weights=args.feature_weights,
        device=args.device or pool.device,
        settings=args.settings,
    )
    if args.feature_weights == RANDOM_WEIGHTS and pool.is_main_process:
        print(f"NOTE: {RANDOM_FEATURES_NOTE}", file=sys.stderr)

    mine = pool.share(plan.todo)
    desc = f"videos (process {pool.process_index})" if pool.num_processes > 1 else "videos"
    records = []
    for video in progress_bar(mine, desc=desc, unit="video", disable=len(mine) < 2):
        record = _summarize_one(summarizer, video, args, pool.process_index)
        _print_record(record)
        records.append(record)
    records = pool.gather(records)
    failed = any(record.status == "failed" for record in records)
    if pool.is_main_process:
        order = {video: position for position, video in enumerate(videos)}
        records += [
            batch.Record(str(video), "skipped", "outputs complete (--skip_existing)") for video in plan.skipped
        ]
        records.sort(key=lambda record: order[Path(record.input)])
        print(batch.format_table(records))
        if any(record.status != "failed" for record in records):
            write_json(report, _report(args, records, pool.num_processes))
            print(f"report: {report}")
    pool.wait_for_everyone()
    return 1 if failed else 0


def _report(args: SummarizeArguments, records: list[batch.Record], num_processes: int) -> dict:
    return {
        "command": PROG,
        "model": args.model,
        "output_dir": str(Path(args.output_dir)),
        "num_processes": num_processes,
        "settings": {**args.settings.to_dict(), "write_video": not args.no_video},
        "counts": {
            status: sum(r.status == status for r in records) for status in ("ok", "trimmed", "skipped", "failed")
        },
        "inputs": [record.to_dict() for record in records],
    }


if __name__ == "__main__":  # `accelerate launch -m pglsum_hf.commands.summarize ...`: the same entry as `pglsum`
    from ..cli import main as pglsum_main

    sys.exit(pglsum_main(["summarize", *sys.argv[1:]]))
