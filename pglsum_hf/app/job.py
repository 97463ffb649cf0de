"""One summarization request from the page: check it, run the summarizer, describe the result.

This is the page's whole logic and holds no Gradio, so it is tested directly. The work is the
:class:`~pglsum_hf.video.VideoSummarizer` call that ``pglsum summarize`` makes (features, scores, shots,
keyshots, then the summary video, JSON and plot written by its ``save``), into a fresh folder per job.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import PGLSumError
from ..video.settings import SummarySettingError, SummarySettings

logger = logging.getLogger(__name__)

# The page's budget modes, as its radio shows them (and as an API client sends them).
BUDGET_PROPORTION = "proportion of the video"
BUDGET_SECONDS = "maximum seconds"
BUDGET_MODES = (BUDGET_PROPORTION, BUDGET_SECONDS)
DEFAULT_MAX_MINUTES = 30.0
# Job folders are served by Gradio (which copies the files it shows into its own cache), so an hour is ample.
JOB_FOLDER_LIFETIME_S = 3600
# Written into every job folder the page makes: pruning removes only folders that hold it.
JOB_MARKER = ".pglsum_app_job"
SEGMENT_HEADERS = ["#", "start frame", "end frame", "start (s)", "end (s)", "score"]


class JobError(PGLSumError):
    """A request the page refuses or a video it cannot summarize; the message is shown on the page."""


@dataclass
class JobResult:
    """What the page shows for one summarized video.

    Attributes:
        summary: the :class:`~pglsum_hf.video.VideoSummary`, as ``pglsum summarize`` returns it.
        files: the written ``video`` (H.264 MP4), ``json`` and ``plot`` (PNG).
        rows: the selected segments, one row per segment under :data:`SEGMENT_HEADERS`.
        message: one Markdown line: shots, selected segments, summary length.
    """

    summary: object
    files: dict[str, Path]
    rows: list[list]
    message: str


def check_budget(
    mode: str, budget: float | None, max_seconds: float | None, settings: SummarySettings | None = None
) -> SummarySettings:
    """The summary settings of one request: ``settings`` (default: the defaults) with the page's budget controls.

    Raises:
        JobError: the mode is unknown, or the budget of that mode is missing or out of range (named by the control).
    """
    settings = settings or SummarySettings()
    if mode not in BUDGET_MODES:
        raise JobError(f"budget: expected one of {', '.join(BUDGET_MODES)}, got {mode!r}")
    if mode == BUDGET_SECONDS:
        if max_seconds is None:
            raise JobError("maximum seconds: must be a finite number of seconds > 0, got None")
        changes, label = {"max_seconds": float(max_seconds)}, "maximum seconds"  # as `pglsum summarize --max_seconds`
    else:
        changes, label = {"budget": None if budget is None else float(budget), "max_seconds": None}, "budget"
    try:
        return settings.replace(**changes)
    except SummarySettingError as error:
        raise JobError(f"{label}: {error.reason}") from None


def video_duration(path: Path) -> float | None:
    """Seconds the container announces for its video stream (None when it announces none); cheap, decodes nothing."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        return container.duration / 1_000_000 if container.duration else None


def check_upload(path: str | os.PathLike, uploads_in: Sequence[str | os.PathLike]) -> None:
    """Refuse a file the page did not receive: one outside ``uploads_in`` (Gradio's upload folder, the example
    videos). An API client could otherwise send a server path in place of an upload and get that file summarized,
    or learn whether it exists: the answer is the same for any path outside, existing or not."""
    real = Path(os.path.realpath(path))  # symlinks resolved: a link in the upload folder to elsewhere is elsewhere
    for place in uploads_in:
        place = Path(os.path.realpath(place))
        if real == place or real.is_relative_to(place):
            return
    raise JobError("this page summarizes only videos uploaded to it or its examples; upload the video file")


def check_video(path: str | os.PathLike | None, max_minutes: float) -> Path:
    """Refuse, before any work, a missing upload, a file that is not a video, or one longer than ``max_minutes``."""
    from pglsum_hf.video import VideoDecoder

    if not path:
        raise JobError("no video: upload a video file or pick an example")
    path = Path(path)
    try:
        VideoDecoder(path)  # opens the container: not a video, no video stream, unreadable
        seconds = video_duration(path)
    except (OSError, ValueError) as error:
        raise JobError(_short_paths(str(error), path)) from error
    if seconds is not None and seconds > max_minutes * 60:
        raise JobError(_too_long(f"{path.name}: the video lasts {seconds / 60:.1f} minutes", max_minutes))
    return path


def _too_long(what: str, max_minutes: float) -> str:
    return (
        f"{what}; this page summarizes videos of at most {max_minutes:g} minutes (`pglsum app --max_minutes`), "
        "or use `pglsum summarize` for long ones"
    )


def _short_paths(message: str, path: Path) -> str:
    """Uploads live in a cache folder with a long random name: the user knows the file by its name."""
    return message.replace(str(path), path.name)


def segment_rows(summary) -> list[list]:
    """The selected segments as table rows: number, frames, times (s, 2 decimals), score (4 decimals)."""
    return [
        [
            number,
            segment.start_frame,
            segment.end_frame,
            round(segment.start_time, 2),
            round(segment.end_time, 2),
            round(segment.score, 4),
        ]
        for number, segment in enumerate(summary.segments, start=1)
    ]


def describe(summary) -> str:
    """One Markdown line about the result: shots, selected segments, lengths, budget."""
    info = summary.info
    budget = (
        f"at most {summary.max_seconds:g} s"
        if summary.max_seconds is not None
        else f"{summary.budget:.0%} of the video"
    )
    line = (
        f"**{len(summary.segments)} of {len(summary.shots)} shots selected**: a summary of "
        f"{summary.summary_duration:.1f} s from {info.duration:.1f} s of video (budget: {budget})."
    )
    # Never-empty summaries: when no whole shot fits the budget, the summarizer cuts the best window out of the
    # best shot and flags the summary as trimmed (summaries made before that flag existed have no attribute).
    if getattr(summary, "trimmed", False):
        line += " **Trimmed:** no whole shot fits the budget, so the summary is the best part of the best shot."
    return line


def new_job_folder(work_dir: Path) -> Path:
    """A fresh ``job-*`` folder in ``work_dir``, marked as this page's own with :data:`JOB_MARKER`."""
    folder = Path(tempfile.mkdtemp(prefix="job-", dir=work_dir))
    (folder / JOB_MARKER).touch()
    return folder


def prune_job_folders(work_dir: Path, older_than_s: float = JOB_FOLDER_LIFETIME_S) -> None:
    """Remove this page's job folders older than ``older_than_s``: only ``job-*`` folders holding JOB_MARKER, so a
    folder of the user's that happens to be called ``job-...`` in a ``work_dir`` they chose is never touched."""
    cutoff = time.time() - older_than_s
    for folder in work_dir.glob("job-*"):
        if folder.is_dir() and (folder / JOB_MARKER).is_file() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def run_job(
    summarizer,
    video: str | os.PathLike | None,
    budget_mode: str,
    budget: float | None,
    max_seconds: float | None,
    work_dir: str | os.PathLike,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    progress: bool = True,
    uploads_in: Sequence[str | os.PathLike] | None = None,
) -> JobResult:
    """Summarize one uploaded video into a new folder under ``work_dir``.

    Args:
        summarizer: the :class:`~pglsum_hf.video.VideoSummarizer` (see :func:`pglsum_hf.app.loading.load_summarizer`).
        video: the uploaded file.
        budget_mode: :data:`BUDGET_PROPORTION` (uses ``budget``, a fraction of the video) or :data:`BUDGET_SECONDS`
            (``max_seconds``); the other settings are the summarizer's.
        work_dir: where job folders are made (old ones are pruned).
        max_minutes: longest video accepted.
        progress: show tqdm bars (the page turns them into its progress bar).
        uploads_in: where the page's uploads and examples lie (see `check_upload`); None accepts any path.

    Raises:
        JobError: with the message the page shows (the file named by its own name).
    """
    from pglsum_hf.video.decode import VideoTooLongError

    settings = check_budget(budget_mode, budget, max_seconds, summarizer.settings)
    if video and uploads_in is not None:
        check_upload(video, uploads_in)
    path = check_video(video, max_minutes)
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    prune_job_folders(work_dir)
    output_dir = new_job_folder(work_dir)
    try:
        # The limit holds while decoding too: a raw stream (.h264) announces no duration to check up front.
        summary = summarizer(
            path, output_dir=output_dir, settings=settings, progress=progress, max_duration=max_minutes * 60
        )
    except VideoTooLongError as error:
        shutil.rmtree(output_dir, ignore_errors=True)
        raise JobError(_too_long(f"{path.name}: the video runs past {max_minutes:g} minutes", max_minutes)) from error
    except (PGLSumError, OSError, ValueError) as error:
        shutil.rmtree(output_dir, ignore_errors=True)
        raise JobError(_short_paths(str(error), path)) from error
    files = {kind: Path(file) for kind, file in summary.outputs.items()}
    logger.info("summarized %s: %d segments -> %s", path.name, len(summary.segments), output_dir)
    return JobResult(summary=summary, files=files, rows=segment_rows(summary), message=describe(summary))
