"""Many videos in one ``pglsum summarize`` job: inputs from folders and globs, output planning, resume, report.

The rules for the output folder (checked for every input before any video is decoded):

- each input ``IN.ext`` writes ``DIR/IN.mp4``, ``DIR/IN.json`` and ``DIR/IN.png`` and nothing else is touched
  (besides the job's report, ``DIR/summarize_report.json`` by default);
- an output file that already exists is never replaced unless ``--overwrite``; with ``--skip_existing`` an
  input whose outputs are complete (its JSON lists outputs that all exist) is skipped, which resumes a job;
- two inputs that would write the same files, or a summary that would replace its own input, are refused;
- a folder the job created is removed again when nothing was written into it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import OptionError, OutputExistsError
from ..paths import describe_missing, glob_files, walk_files
from .writing import output_paths

# What a folder given as INPUT contributes: the usual video container extensions (case-insensitive).
VIDEO_EXTENSIONS = frozenset(
    [
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".avi",
        ".wmv",
        ".flv",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".3gp",
        ".ogv",
        ".gif",
        ".dv",
        ".vob",
    ]
)
REPORT_NAME = "summarize_report.json"
_GLOB_CHARACTERS = frozenset("*?[")


def expand_inputs(inputs: list[str], recursive: bool = False) -> list[Path]:
    """Video files named by INPUT arguments: files, folders (their video files) and glob patterns, in order, once each.

    Raises:
        OptionError: an input names nothing (missing file, empty folder, a pattern matching no file).
    """
    found: dict[Path, Path] = {}  # resolved -> as named first: one file reached through two links is one input
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            candidates = walk_files(path) if recursive else (p for p in path.iterdir() if p.is_file())
            videos = sorted(p for p in candidates if p.suffix.lower() in VIDEO_EXTENSIONS)
            if not videos:
                extensions = " ".join(sorted(VIDEO_EXTENSIONS))
                hint = "" if recursive else " (add --recursive to look into sub-folders)"
                raise OptionError("INPUT", f"{item}: the folder holds no video file ({extensions}){hint}")
        elif path.exists():
            videos = [path]
        elif _GLOB_CHARACTERS & set(item):
            videos = glob_files(item)
            if not videos:
                raise OptionError("INPUT", f"{item}: the pattern matches no file")
        else:
            raise OptionError("INPUT", f"{item}: video file {describe_missing(path)}")
        for video in videos:
            found.setdefault(video.resolve(), video)
    return list(found.values())


@dataclass
class Plan:
    """What the job does with each input: ``todo`` are summarized, ``skipped`` already have complete outputs."""

    todo: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def outputs_complete(json_path: Path, expected: dict[str, Path]) -> bool:
    """Whether an earlier run finished this input: its JSON reads and every expected output exists."""
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and all(path.is_file() for path in expected.values())


def plan_outputs(
    videos: list[Path], output_dir: Path, write_video: bool, overwrite: bool, skip_existing: bool, report: Path | None
) -> Plan:
    """Check every input's outputs against the folder's rules (module docstring) before any work starts.

    Raises:
        OptionError / OutputExistsError: naming the input or output file and what to pass instead.
    """
    plan = Plan()
    claimed: dict[Path, Path] = {}
    resolved_inputs = {video.resolve(): video for video in videos}
    blocked: list[str] = []
    for video in videos:
        paths = output_paths(video, output_dir)
        if not write_video:
            del paths["video"]
        for path in paths.values():
            target = path.resolve()
            if target in resolved_inputs:
                raise OptionError(
                    "--output_dir",
                    f"the summary of {video} would replace the input {resolved_inputs[target]}; choose another folder",
                )
            if target in claimed:
                raise OptionError(
                    "INPUT",
                    f"{video} and {claimed[target]} would both write {path}; summarize them into different --output_dir",
                )
            claimed[target] = video
        existing = [path for path in paths.values() if path.exists()]
        if skip_existing and outputs_complete(paths["json"], paths):
            plan.skipped.append(video)
            continue
        if existing and not overwrite:
            blocked.append(
                f"{existing[0]}" + (" (incomplete: an earlier run stopped half way)" if skip_existing else "")
            )
        plan.todo.append(video)
    if blocked:
        more = f" and {len(blocked) - 1} more" if len(blocked) > 1 else ""
        advice = "pass --overwrite to replace them" + (
            "" if skip_existing else ", or --skip_existing to keep complete ones"
        )
        raise OutputExistsError(f"--output_dir: {blocked[0]}{more} already exist(s); {advice}")
    if report is not None and report.exists() and not (overwrite or skip_existing):
        raise OutputExistsError(
            f"--report: {report} already exists; pass --overwrite or --skip_existing to replace it, or another --report"
        )
    return plan


@dataclass
class Record:
    """One input's line in the job's table and report."""

    input: str
    status: str  # "ok", "trimmed" (a summary cut out of one long shot), "skipped" or "failed"
    message: str = ""
    n_frames: int | None = None
    duration: float | None = None
    shots: int | None = None
    summary_seconds: float | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    process: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def format_table(records: list[Record]) -> str:
    """The job's final table: one line per input, its status and what came of it."""
    width = min(60, max([len("input")] + [len(record.input) for record in records]))
    lines = [f"{'input':<{width}}  {'status':<8}  {'video':>9}  {'shots':>5}  {'summary':>9}  note"]
    for record in records:
        name = record.input if len(record.input) <= width else "..." + record.input[-(width - 3) :]
        duration = f"{record.duration:8.1f}s" if record.duration is not None else f"{'-':>9}"
        shots = f"{record.shots:5d}" if record.shots is not None else f"{'-':>5}"
        summary = f"{record.summary_seconds:8.1f}s" if record.summary_seconds is not None else f"{'-':>9}"
        lines.append(f"{name:<{width}}  {record.status:<8}  {duration}  {shots}  {summary}  {record.message}")
    counts = {
        status: sum(record.status == status for record in records) for status in ("ok", "trimmed", "skipped", "failed")
    }
    lines.append(", ".join(f"{count} {status}" for status, count in counts.items()) + f" of {len(records)} inputs")
    return "\n".join(lines)
