"""Streaming video decoding with PyAV: every ``sample_rate``-th frame, resized for the feature network.

The video is never held in memory: frames are decoded one by one and only the sampled ones, already
scaled to the network's input size, are handed on in small batches.

Frame indices and variable frame rates: a frame's index is its position in decoding (presentation) order,
counted over every frame the decoder returns, so ``n_frames`` is the number of frames really in the file
(never a ``duration * fps`` estimate) and ``picks`` are ``0, sample_rate, 2 * sample_rate, ...`` in that count
-- the same convention as the SumMe/TVSum benchmark files. Times come from each frame's own presentation
timestamp (pts), not from ``index / fps``, so segment times stay right in variable-frame-rate video; only
where a frame has no pts is its time extrapolated from the previous one at the nominal rate. ``fps`` is the
stream's average rate (the container's nominal rate), reported for information.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dependencies import require
from ..errors import PGLSumError

DEFAULT_SAMPLE_RATE = 15
# Decoding is cheap next to the feature network; the batch only bounds memory between the two.
DEFAULT_BATCH_SIZE = 32
# A decoder that stops before this share of the frames the container announces has hit a damaged file.
_MIN_DECODED_SHARE = 0.9


class VideoDecodeError(PGLSumError, ValueError):
    """A file could not be read as a video; the message names the file and what was wrong."""


class VideoTooLongError(VideoDecodeError):
    """Decoding passed the longest duration accepted (``max_duration``); ``seconds`` is that limit."""

    def __init__(self, path: Path, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        super().__init__(f"{path}: the video runs past {seconds:g} s, the longest accepted; decoding stopped there")


@dataclass
class VideoInfo:
    """What decoding learned about one video.

    Attributes:
        path: the video file.
        n_frames: number of frames decoded.
        fps: nominal (average) frame rate of the video stream.
        duration: seconds from the start of the first frame to the end of the last one.
        picks: int64 [T], indices of the sampled frames (``0, sample_rate, 2 * sample_rate, ...``).
        timestamps: float64 [n_frames], start time of every frame in seconds, relative to the first frame.
        width, height: frame size of the stream.
        has_audio: whether the file has an audio stream.
        sample_rate: the frame sampling step used.
        start_time: presentation time of the first frame in the file's own clock (seconds); audio is aligned to it.
    """

    path: Path
    n_frames: int
    fps: float
    duration: float
    picks: np.ndarray
    timestamps: np.ndarray = field(repr=False)
    width: int
    height: int
    has_audio: bool
    sample_rate: int
    start_time: float = 0.0

    def frame_start(self, index: int) -> float:
        """Start time (s) of frame ``index``."""
        return float(self.timestamps[index])

    def frame_end(self, index: int) -> float:
        """End time (s) of frame ``index``: the next frame's start, or the end of the video for the last one."""
        return float(self.timestamps[index + 1]) if index + 1 < self.n_frames else self.duration


def open_video(path: str | os.PathLike):
    """Open ``path`` with PyAV and return ``(container, video_stream)``, with errors that name the file.

    Raises:
        FileNotFoundError: the path does not exist.
        VideoDecodeError: the file is not a video ffmpeg can read, or it has no video stream.
    """
    av = require("av", extra="video", purpose="decoding a video")

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"video file not found: {path}")
    if path.is_dir():
        raise VideoDecodeError(f"{path}: expected a video file, found a directory")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as error:
        raise VideoDecodeError(f"{path}: not a readable video file ({error.strerror})") from error
    if _is_image_format(container.format.name):
        what = container.format.long_name or container.format.name
        container.close()
        raise VideoDecodeError(f"{path}: not a video: ffmpeg reads this file as a still image ({what})")
    if not container.streams.video:
        found = ", ".join(stream.type for stream in container.streams) or "none"
        container.close()
        raise VideoDecodeError(f"{path}: no video stream in the file (streams found: {found})")
    return container, container.streams.video[0]


def prefetch(batches: Iterator, depth: int = 2) -> Iterator:
    """Iterate ``batches`` in a background thread, up to ``depth`` items ahead of the consumer.

    Decoding (ffmpeg, which releases the GIL) then runs while the feature network works on the previous batch,
    and memory stays bounded by ``depth`` batches. An exception in the producer is raised in the consumer; a
    consumer that stops early (or fails) stops the producer.
    """
    import queue
    import threading

    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put((done, None))
        except BaseException as error:  # noqa: BLE001 -- handed to the consumer, raised there with its traceback
            items.put((done, error))

    thread = threading.Thread(target=produce, name="video-decode", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            try:
                items.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.1)


def _is_image_format(name: str) -> bool:
    """ffmpeg's demuxers for image files (``png_pipe``, ``jpeg_pipe``, ``image2``, ...); animated GIF counts as video."""
    return any(
        part in ("image2", "image2pipe") or (part.endswith("_pipe") and part != "gif_pipe") for part in name.split(",")
    )


def nominal_fps(stream) -> float | None:
    """The stream's average frame rate, or its guessed rate, or None when the container gives neither."""
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


class VideoDecoder:
    """Decodes one video file as a stream of sampled frames.

    The file is opened and checked at construction (so a bad input fails before any work is done);
    iterate :meth:`batches` to decode; afterwards :attr:`info` holds what was learned.

    Args:
        path: the video file.
        sample_rate: keep every ``sample_rate``-th frame (15 = the benchmarks' 2 fps for 30 fps video).
        frame_size: ``(width, height)`` the kept frames are scaled to (the whole frame, no crop).
        max_duration: seconds of video to accept at most: decoding stops with `VideoTooLongError` at the first
            frame past it. A container's announced duration can be checked up front; a raw stream announces none.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        frame_size: tuple[int, int] = (224, 224),
        max_duration: float | None = None,
    ):
        if sample_rate < 1:
            raise ValueError(f"sample_rate must be a positive number of frames, got {sample_rate}")
        self.path = Path(path)
        self.max_duration = max_duration
        self.sample_rate = sample_rate
        self.frame_size = frame_size
        container, stream = open_video(self.path)
        with container:
            self.declared_frames = int(stream.frames or 0)
            fps = nominal_fps(stream)
            seconds = float(stream.duration * stream.time_base) if stream.duration else None
            if seconds is None and container.duration:
                seconds = container.duration / 1_000_000  # container duration is in AV_TIME_BASE units
        # For progress bars only: the container's frame count, or an estimate from its duration.
        self.expected_frames = self.declared_frames or (int(round(seconds * fps)) if seconds and fps else None)
        self.info: VideoInfo | None = None

    def batches(self, batch_size: int = DEFAULT_BATCH_SIZE, progress=None) -> Iterator[np.ndarray]:
        """Decode the video, yielding the sampled frames in batches.

        Args:
            batch_size: frames per yielded batch (the last one may be smaller).
            progress: optional tqdm bar, advanced by every decoded frame.

        Yields:
            uint8 [B, height, width, 3] RGB frames at ``frame_size``.

        Raises:
            VideoDecodeError: the file is damaged (decoding fails, or stops well before the frames the
                container announces) or holds no decodable frame.
        """
        import av

        width, height = self.frame_size
        container, stream = open_video(self.path)
        stream.thread_type = "AUTO"  # frame + slice threads: decoding every frame is the cost here
        fps = nominal_fps(stream)
        timestamps: list[float] = []
        batch: list[np.ndarray] = []
        first_time = last_duration = None
        with container:
            try:
                for index, frame in enumerate(container.decode(stream)):
                    time = frame.time
                    if time is None:  # no pts: extrapolate from the previous frame at the nominal rate
                        time = (timestamps[-1] + first_time + 1 / (fps or 25.0)) if timestamps else 0.0
                    if first_time is None:
                        first_time = time
                    timestamps.append(time - first_time)
                    if self.max_duration is not None and timestamps[-1] > self.max_duration:
                        raise VideoTooLongError(self.path, self.max_duration)
                    last_duration = (
                        float(frame.duration * frame.time_base) if frame.duration and frame.time_base else None
                    )
                    if index % self.sample_rate == 0:
                        batch.append(frame.to_ndarray(width=width, height=height, format="rgb24"))
                        if len(batch) == batch_size:
                            yield np.stack(batch)
                            batch = []
                    if progress is not None:
                        progress.update(1)
            except av.error.FFmpegError as error:
                raise VideoDecodeError(
                    f"{self.path}: the file is corrupt: decoding failed after frame {len(timestamps)} ({error.strerror})"
                ) from error
            if batch:
                yield np.stack(batch)
            has_audio = bool(container.streams.audio)
            width_in, height_in = stream.codec_context.width, stream.codec_context.height

        n_frames = len(timestamps)
        if n_frames == 0:
            raise VideoDecodeError(f"{self.path}: the video stream has no decodable frames")
        if self.declared_frames and n_frames < _MIN_DECODED_SHARE * self.declared_frames:
            raise VideoDecodeError(
                f"{self.path}: the file is truncated or corrupt: the container announces {self.declared_frames} "
                f"frames, only {n_frames} could be decoded"
            )
        fps = fps or (n_frames / timestamps[-1] if timestamps[-1] > 0 else 25.0)
        duration = timestamps[-1] + (last_duration or 1 / fps)
        self.info = VideoInfo(
            path=self.path,
            n_frames=n_frames,
            fps=fps,
            duration=duration,
            picks=np.arange(0, n_frames, self.sample_rate, dtype=np.int64),
            timestamps=np.asarray(timestamps, dtype=np.float64),
            width=width_in,
            height=height_in,
            has_audio=has_audio,
            sample_rate=self.sample_rate,
            start_time=float(first_time),
        )
