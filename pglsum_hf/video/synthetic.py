"""SYNTHETIC test videos: a few scenes of clearly different content, with known cut positions.

The tests, the video benchmark and ``pglsum demo`` need real video files (H.264 MP4, with or without an AAC
track, at any size and frame rate) whose scene cuts are known exactly, so that shot
detection can be checked against ground truth. Every scene is a smooth random colour field around a base
colour of its own (hues spread round the colour wheel, alternately light and dark) with its own stripe
texture; the camera pans slowly over it while a small square crosses the frame. Frames inside a scene are
similar but not identical (like a camera shot), frames of different scenes are clearly not. With audio,
each scene has its own tone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..dependencies import require

AUDIO_SAMPLE_RATE = 16000
# Pixels the camera pans over a scene; the scene canvas is this much larger than the frame.
_PAN = 12


@dataclass(frozen=True)
class SyntheticVideo:
    """A written synthetic video and its ground truth.

    Attributes:
        path: the video file.
        n_frames: number of frames written.
        fps: exact frame rate (e.g. ``Fraction(30000, 1001)`` for 29.97).
        scene_starts: first frame index of every scene (the first is 0); the cuts are ``scene_starts[1:]``.
        width, height: frame size in pixels.
        has_audio: whether an audio track was written.
    """

    path: Path
    n_frames: int
    fps: Fraction
    scene_starts: tuple[int, ...]
    width: int
    height: int
    has_audio: bool

    @property
    def duration(self) -> float:
        return self.n_frames / float(self.fps)


def _as_fraction(fps: float | int | str | Fraction) -> Fraction:
    """29.97 and "29.97" mean the NTSC rate 30000/1001, as they do in every video tool."""
    value = Fraction(str(fps)).limit_denominator(1001)
    for nominal in (24, 30, 60, 120):
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(float(value) - float(ntsc)) < 0.005:
            return ntsc
    return value


def _scene_canvas(rng: np.random.Generator, base: np.ndarray, height: int, width: int) -> np.ndarray:
    """A scene's backdrop: a smooth random colour field around ``base`` with a stripe texture of its own.

    The field is ``_PAN`` pixels larger than the frame so the camera can pan over it.

    Returns: uint8 [height + _PAN, width + _PAN, 3].
    """
    h, w = height + _PAN, width + _PAN
    grid = rng.uniform(-1, 1, size=(4, 6, 3))
    # Bilinear upsampling of the coarse grid: smooth regions of colour.
    ys = np.linspace(0, grid.shape[0] - 1, h)
    xs = np.linspace(0, grid.shape[1] - 1, w)
    y0 = np.minimum(ys.astype(int), grid.shape[0] - 2)
    x0 = np.minimum(xs.astype(int), grid.shape[1] - 2)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    field = top * (1 - fy) + bottom * fy
    angle, period = rng.uniform(0, np.pi), rng.uniform(16, 48)
    yy, xx = np.mgrid[0:h, 0:w]
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * (2 * np.pi / period))
    image = base + 50 * field + 20 * stripes[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def _scene_colours(n: int, rng: np.random.Generator) -> np.ndarray:
    """n clearly different base colours: hues spread round the colour wheel, alternating light and dark.

    Returns: float [n, 3] RGB in 0..255.
    """
    hues = (rng.uniform() + np.arange(n) * 0.618034) % 1.0  # golden-ratio steps never repeat a hue closely
    value = np.where(np.arange(n) % 2 == 0, 200.0, 110.0)
    # HSV (saturation 0.7) to RGB, vectorised.
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hues[:, None] * 6) % 6
    ramp = np.clip(np.minimum(k, 4 - k), 0, 1)
    return value[:, None] * (1 - 0.7 * ramp)


def _scene_frames(canvas: np.ndarray, n: int, height: int, width: int, colour: np.ndarray):
    """Yield the n frames of one scene: a slow diagonal pan over the canvas and a moving square."""
    side = max(2, min(height, width) // 8)
    for i in range(n):
        progress = i / max(n - 1, 1)
        offset = int(round(progress * _PAN))
        frame = canvas[offset : offset + height, offset : offset + width].copy()
        x = int(progress * (width - side))
        y = (height - side) // 2
        frame[y : y + side, x : x + side] = colour
        yield frame


def _tone(frequency: float, start_sample: int, n_samples: int) -> np.ndarray:
    """A mono sine tone, continuous in phase across calls. Returns float32 [1, n_samples]."""
    t = (np.arange(n_samples) + start_sample) / AUDIO_SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)[None, :]


def make_synthetic_video(
    path: str | os.PathLike,
    *,
    scene_seconds: float | Sequence[float] = 2.0,
    n_scenes: int = 5,
    width: int = 160,
    height: int = 120,
    fps: float | int | str | Fraction = 25,
    audio: bool = False,
    seed: int = 0,
) -> SyntheticVideo:
    """Write a SYNTHETIC video of distinct scenes (H.264 in MP4, AAC audio when ``audio``).

    Args:
        path: output file (``.mp4``); written under a temporary name and renamed when complete.
        scene_seconds: length of every scene, or one length per scene (then ``n_scenes`` is ignored).
        n_scenes: number of scenes when ``scene_seconds`` is a single number.
        width, height: frame size; odd sizes are allowed (stored as 4:4:4 H.264, which has no even-size rule).
        fps: frame rate; 29.97 / 23.976 / 59.94 are taken as the exact NTSC fractions.
        audio: add a mono AAC track with a different tone per scene.
        seed: seed of the scene contents.

    Returns:
        The :class:`SyntheticVideo` with the cut positions (first frame of every scene).
    """
    av = require("av", extra="video", purpose="writing a video")

    path = Path(path)
    rate = _as_fraction(fps)
    lengths = [float(scene_seconds)] * n_scenes if np.isscalar(scene_seconds) else [float(s) for s in scene_seconds]
    frames_per_scene = [max(1, int(round(seconds * float(rate)))) for seconds in lengths]
    scene_starts = tuple(int(s) for s in np.cumsum([0] + frames_per_scene[:-1]))
    rng = np.random.default_rng(seed)

    with atomic_file(path) as temporary, av.open(str(temporary), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=rate)
        video.width, video.height = width, height
        # 4:2:0 needs even sizes; 4:4:4 lets the tests use odd ones like 97 x 61.
        video.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
        video.options = {"preset": "veryfast", "crf": "20"}
        sound = container.add_stream("aac", rate=AUDIO_SAMPLE_RATE, layout="mono") if audio else None

        frame_index, sample_index = 0, 0
        for n, base in zip(frames_per_scene, _scene_colours(len(frames_per_scene), rng)):
            canvas = _scene_canvas(rng, base, height, width)
            colour = rng.integers(0, 256, size=3, dtype=np.uint8)
            for image in _scene_frames(canvas, n, height, width, colour):
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts = frame_index
                frame.time_base = 1 / rate
                container.mux(video.encode(frame))
                frame_index += 1
            if sound is not None:
                frequency = float(rng.uniform(200, 1200))
                n_samples = int(round(frame_index / rate * AUDIO_SAMPLE_RATE)) - sample_index
                chunk = av.AudioFrame.from_ndarray(
                    _tone(frequency, sample_index, n_samples), format="flt", layout="mono"
                )
                chunk.sample_rate = AUDIO_SAMPLE_RATE
                chunk.pts = sample_index
                chunk.time_base = Fraction(1, AUDIO_SAMPLE_RATE)
                container.mux(sound.encode(chunk))
                sample_index += n_samples
        container.mux(video.encode(None))
        if sound is not None:
            container.mux(sound.encode(None))
    return SyntheticVideo(
        path=path,
        n_frames=sum(frames_per_scene),
        fps=rate,
        scene_starts=scene_starts,
        width=width,
        height=height,
        has_audio=audio,
    )


# The encoder and the raw (elementary stream) muxer of each codec `raw_stream_copy` writes.
RAW_STREAM_FORMATS = {"h264": ("libx264", "h264"), "hevc": ("libx265", "hevc")}


def raw_stream_copy(source: str | os.PathLike, path: str | os.PathLike, codec: str = "h264") -> Path:
    """Re-encode the video of ``source`` as a raw elementary stream (``.h264`` / ``.hevc``): no container, so no
    duration, index or frame timestamps, as cameras and some tools write them. Audio is left out.

    Raises:
        ValueError: ``codec`` is not one of :data:`RAW_STREAM_FORMATS`, or PyAV here has no encoder for it.
    """
    av = require("av", extra="video", purpose="writing a video")
    if codec not in RAW_STREAM_FORMATS:
        raise ValueError(f"codec must be one of {', '.join(RAW_STREAM_FORMATS)}, got {codec!r}")
    encoder, muxer = RAW_STREAM_FORMATS[codec]
    if encoder not in av.codecs_available:
        raise ValueError(f"this PyAV build has no {encoder} encoder for a raw {codec} stream")
    path = Path(path)
    with av.open(str(source)) as container, atomic_file(path) as temporary:
        stream = container.streams.video[0]
        with av.open(str(temporary), "w", format=muxer) as output:
            video = output.add_stream(encoder, rate=stream.average_rate)
            video.width, video.height = stream.codec_context.width, stream.codec_context.height
            video.pix_fmt = "yuv420p"
            video.options = (
                {"preset": "veryfast"} if codec == "h264" else {"preset": "veryfast", "x265-params": "log-level=error"}
            )
            for frame in container.decode(stream):
                frame.pts = None  # a raw stream keeps no timestamps
                output.mux(video.encode(frame.reformat(format="yuv420p")))
            output.mux(video.encode(None))
    return path
