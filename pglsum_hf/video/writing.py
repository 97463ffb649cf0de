"""Writing a summary: the summary video (H.264/AAC in MP4), the JSON description and the importance plot.

:func:`save_summary` writes all three for one input ``IN.ext`` as ``DIR/IN.mp4``, ``DIR/IN.json`` and
``DIR/IN.png``. Every file is first written under a temporary name in ``DIR`` and renamed only when all three
are complete, so a failure leaves nothing partial behind.

The summary video keeps each selected shot's own frame timing (variable frame rates included), with the
gaps between shots removed; audio, where the input has some, is cut at the same times and re-encoded as AAC,
so sound and picture stay together. H.264 4:2:0 needs even frame sizes: an odd width or height is scaled to
the next even size below.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..atomic import reporting_disk_full
from ..dependencies import require
from .decode import VideoDecodeError, VideoInfo, open_video
from .keyshots import Segment
from .result import VideoSummary

DEFAULT_CRF = 23
# Summary videos are for viewing: a fast x264 preset (less CPU than "veryfast", somewhat larger files).
DEFAULT_PRESET = "superfast"


class _AudioCutter:
    """Keeps the parts of decoded audio frames that fall inside the selected time ranges, re-timed without gaps."""

    def __init__(self, ranges: Sequence[tuple[float, float]], start_time: float, encoder):
        self.ranges = ranges
        self.start_time = start_time  # the video's first frame: times are relative to it, as in VideoInfo
        self.encoder = encoder
        self.written = 0  # samples handed to the encoder so far: the next output pts
        self.clock = None  # time (s) where the next decoded frame is expected to start

    def add(self, frame, mux) -> float:
        """Encode the selected part of ``frame``; return the time (s) at which the frame ends."""
        av = require("av", extra="video", purpose="writing the summary video")

        rate = frame.sample_rate
        start = frame.time - self.start_time if frame.time is not None else (self.clock or 0.0)
        end = start + frame.samples / rate
        self.clock = end
        samples = None
        for range_start, range_end in self.ranges:
            first = max(0, int(round((range_start - start) * rate)))
            last = min(frame.samples, int(round((range_end - start) * rate)))
            if last <= first:
                continue
            if samples is None:
                samples = frame.to_ndarray()
            # Planar audio is [channels, samples]; packed audio interleaves the channels in one row.
            step = 1 if frame.format.is_planar else frame.layout.nb_channels
            part = np.ascontiguousarray(samples[:, first * step : last * step])
            piece = av.AudioFrame.from_ndarray(part, format=frame.format.name, layout=frame.layout.name)
            piece.sample_rate = rate
            piece.pts = self.written
            piece.time_base = Fraction(1, rate)
            mux(self.encoder.encode(piece))
            self.written += last - first
        return end


class _CannotSeek(Exception):
    """Seeking did not land where the frame count says (no pts, or a keyframe after the target)."""


def _runs(segments: Sequence[Segment]) -> list[tuple[int, int, float, float]]:
    """Touching segments merged: ``(first_frame, last_frame, start_time, end_time)`` per run of frames."""
    runs: list[list] = []
    for segment in segments:
        if runs and segment.start_frame == runs[-1][1] + 1:
            runs[-1][1], runs[-1][3] = segment.end_frame, segment.end_time
        else:
            runs.append([segment.start_frame, segment.end_frame, segment.start_time, segment.end_time])
    return [tuple(run) for run in runs]


def write_summary_video(
    info: VideoInfo,
    segments: Sequence[Segment],
    output: str | os.PathLike,
    crf: int = DEFAULT_CRF,
    preset: str = DEFAULT_PRESET,
    progress=None,
) -> int:
    """Write the selected segments of ``info.path``, in order, as an H.264 MP4 (with AAC audio where the input has audio).

    Only the selected parts are decoded: for each run of selected frames the input is sought to the keyframe
    before it. Where seeking cannot be trusted (frames without timestamps, a seek landing after its target),
    the file is written again by decoding it from the start.

    Args:
        info: the decoded video (frame count, timestamps, audio flag) from :class:`VideoDecoder`.
        segments: the shots to keep, in time order.
        output: the file to write (MP4, whatever its name).
        crf, preset: libx264 quality (lower crf = better) and speed settings.
        progress: optional tqdm bar, advanced by every written frame.

    Returns:
        The number of video frames written.
    """
    if not segments:
        raise ValueError(f"{info.path}: no segments to write, so there is no summary video")
    try:
        return _write_summary_video(info, segments, output, crf, preset, progress, seek=True)
    except _CannotSeek:
        if progress is not None:
            progress.reset()
        return _write_summary_video(info, segments, output, crf, preset, progress, seek=False)


def _write_summary_video(info, segments, output, crf, preset, progress, seek: bool) -> int:
    av = require("av", extra="video", purpose="writing the summary video")

    keep = np.zeros(info.n_frames, dtype=bool)
    # Output time (s) of each kept frame = its input time minus the gaps before it.
    shift = np.zeros(info.n_frames)
    removed = 0.0
    previous_end = 0.0
    for segment in segments:
        removed += segment.start_time - previous_end
        keep[segment.start_frame : segment.end_frame + 1] = True
        shift[segment.start_frame : segment.end_frame + 1] = removed
        previous_end = segment.end_time
    ranges = [(segment.start_time, segment.end_time) for segment in segments]

    container, video_in = open_video(info.path)
    video_in.thread_type = "AUTO"
    audio_in = container.streams.audio[0] if container.streams.audio else None
    with container, av.open(str(output), "w", format="mp4") as out:
        rate = video_in.average_rate or Fraction(info.fps).limit_denominator(1001)
        video_out = out.add_stream("libx264", rate=rate)
        video_out.width = max(2, info.width - info.width % 2)
        video_out.height = max(2, info.height - info.height % 2)
        video_out.pix_fmt = "yuv420p"
        video_out.options = {"crf": str(crf), "preset": preset}
        # A fine time base keeps every frame's own timing (variable frame rate included).
        time_base = Fraction(1, 90000)
        video_out.codec_context.time_base = time_base
        audio = None
        if audio_in is not None:
            layout = audio_in.codec_context.layout.name
            audio_out = out.add_stream("aac", rate=audio_in.codec_context.sample_rate, layout=layout)
            audio = _AudioCutter(ranges, info.start_time, audio_out)

        def write(frame, index):
            frame.pts = int(round((info.timestamps[index] - shift[index]) / time_base))
            frame.time_base = time_base
            frame.pict_type = av.video.frame.PictureType.NONE  # let x264 choose frame types
            out.mux(video_out.encode(frame))
            if progress is not None:
                progress.update(1)

        try:
            if seek:
                written = _copy_by_seeking(container, video_in, audio_in, info, _runs(segments), audio, out, write)
            else:
                written = _copy_in_order(container, video_in, audio_in, info, keep, ranges, audio, out, write)
        except av.error.FFmpegError as error:
            raise VideoDecodeError(
                f"{info.path}: the file is corrupt: decoding failed while writing the summary ({error.strerror})"
            ) from error
        out.mux(video_out.encode(None))
        if audio is not None:
            out.mux(audio.encoder.encode(None))
    return written


def _copy_in_order(container, video_in, audio_in, info, keep, ranges, audio, out, write) -> int:
    """Decode the input from the start, writing the kept frames and audio, until the last selected frame."""
    last_frame = int(np.flatnonzero(keep)[-1])
    audio_done = audio is None
    index = written = 0
    for packet in container.demux(*[stream for stream in (video_in, audio_in) if stream is not None]):
        for frame in packet.decode():
            if packet.stream.type == "audio":
                audio_done = audio.add(frame, out.mux) >= ranges[-1][1]
                continue
            if index <= last_frame and keep[index]:
                write(frame, index)
                written += 1
            index += 1
        if index > last_frame and audio_done:
            break  # everything selected is written; the rest of the file is not needed
    return written


def _copy_by_seeking(container, video_in, audio_in, info, runs, audio, out, write) -> int:
    """For each run of selected frames: seek to the keyframe before it, decode and write it, then its audio."""
    written = 0
    for first, last, start_time, end_time in runs:
        _seek(container, _stream_offset(info.start_time + info.timestamps[first], video_in), video_in)
        index, written_before = None, written
        for frame in container.decode(video_in):
            if frame.time is None:
                raise _CannotSeek
            position = int(np.searchsorted(info.timestamps, frame.time - info.start_time - 1e-6))
            if position >= info.n_frames or abs(info.timestamps[position] - (frame.time - info.start_time)) > 1e-6:
                raise _CannotSeek  # a frame the first pass did not see at this time
            if index is None and position > first:
                raise _CannotSeek  # landed after the run's first frame
            index = position
            if index > last:
                break
            if index >= first:
                write(frame, index)
                written += 1
        if written - written_before != last - first + 1:
            raise _CannotSeek  # the stream ended early or skipped frames
        if audio is not None:
            audio.ranges = [(start_time, end_time)]  # only this run: earlier audio may be decoded again after a seek
            _seek(container, _stream_offset(info.start_time + start_time, audio_in), audio_in)
            for frame in container.decode(audio_in):
                if audio.add(frame, out.mux) >= end_time:
                    break
    return written


def _seek(container, offset: int, stream) -> None:
    """Seek to the keyframe at or before ``offset``; a stream that cannot seek is written in order instead.

    Raw elementary streams (``.h264``, ``.hevc``) have no index: ffmpeg refuses the seek (EPERM).
    """
    av = require("av", extra="video", purpose="writing the summary video")
    try:
        container.seek(offset, stream=stream, backward=True, any_frame=False)
    except av.error.FFmpegError as error:
        raise _CannotSeek from error


def _stream_offset(seconds: float, stream) -> int:
    """``seconds`` in ``stream``'s time base (what ``container.seek(..., stream=stream)`` expects)."""
    return int(np.floor(seconds / stream.time_base))


def summary_to_json(summary: VideoSummary, path: str | os.PathLike) -> None:
    """Write ``summary.to_dict()`` as indented JSON."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(summary.to_dict(), handle, indent=2)
        handle.write("\n")


def plot_summary(summary: VideoSummary, path: str | os.PathLike) -> None:
    """PNG of the importance curve over time, with shot boundaries and the selected shots shaded."""
    require("matplotlib", extra="video", purpose="the summary plot")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    info = summary.info
    times = info.timestamps[info.picks]
    figure = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for number, segment in enumerate(summary.segments):
        axes.axvspan(
            segment.start_time,
            segment.end_time,
            color="tab:orange",
            alpha=0.3,
            lw=0,
            label="selected shots" if number == 0 else None,
        )
    for start, _ in summary.shots[1:]:
        axes.axvline(info.frame_start(int(start)), color="0.55", lw=0.8, ls="--")
    axes.plot([], [], color="0.55", lw=0.8, ls="--", label="shot boundaries")
    # Each sampled frame's score holds until the next sampled frame, as in the keyshot computation.
    axes.step(
        np.append(times, info.duration),
        np.append(summary.scores, summary.scores[-1]),
        where="post",
        color="tab:blue",
        label="importance",
    )
    axes.set_xlim(0, info.duration)
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("importance score")
    title = (
        f"{info.path.name}: {len(summary.segments)} of {len(summary.shots)} shots, "
        f"{summary.summary_duration:.1f} s of {info.duration:.1f} s  (model: {summary.model})"
    )
    if summary.random_features:
        title += "\nSYNTHETIC: random GoogLeNet feature weights, the scores carry no meaning"
    axes.set_title(title, fontsize=9)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8, frameon=False)
    figure.tight_layout()
    figure.savefig(path, format="png")


def output_paths(video: str | os.PathLike, output_dir: str | os.PathLike) -> dict[str, Path]:
    """Where the outputs of input ``IN.ext`` go: ``DIR/IN.mp4``, ``DIR/IN.json``, ``DIR/IN.png``."""
    stem, output_dir = Path(video).stem, Path(output_dir)
    return {
        "video": output_dir / f"{stem}.mp4",
        "json": output_dir / f"{stem}.json",
        "plot": output_dir / f"{stem}.png",
    }


def save_summary(
    summary: VideoSummary,
    output_dir: str | os.PathLike,
    write_video: bool = True,
    crf: int = DEFAULT_CRF,
    preset: str = DEFAULT_PRESET,
    progress=None,
) -> dict[str, Path]:
    """Write the summary video (unless ``write_video`` is False), JSON and plot of one input; all or nothing.

    Returns:
        The written files by kind (``video``, ``json``, ``plot``); also recorded in ``summary.outputs``.
    """
    final = output_paths(summary.info.path, output_dir)
    if not write_video:
        del final["video"]
    if final.get("video") is not None and final["video"].resolve() == Path(summary.info.path).resolve():
        raise ValueError(
            f"{summary.info.path}: the summary video would overwrite its own input; choose another output directory"
        )
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    temporary = {
        kind: path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}") for kind, path in final.items()
    }
    try:
        if "video" in temporary:
            with reporting_disk_full(final["video"]):
                write_summary_video(
                    summary.info, summary.segments, temporary["video"], crf=crf, preset=preset, progress=progress
                )
        with reporting_disk_full(final["plot"]):
            plot_summary(summary, temporary["plot"])
        summary.outputs = {kind: str(path) for kind, path in final.items()}
        with reporting_disk_full(final["json"]):
            summary_to_json(summary, temporary["json"])
        for kind, path in temporary.items():
            os.replace(path, final[kind])
    except BaseException:
        summary.outputs = {}
        for path in temporary.values():
            path.unlink(missing_ok=True)
        raise
    return final
