"""Streaming decoding: frame counts, sampling, timestamps (variable frame rate too, kept in the summary video), and bad files."""

import os
from fractions import Fraction

import av
import numpy as np
import pytest

from pglsum_hf.video import Segment, VideoDecodeError, VideoDecoder, make_synthetic_video, write_summary_video


def _decode(path, sample_rate=15, batch_size=8):
    decoder = VideoDecoder(path, sample_rate=sample_rate)
    batches = list(decoder.batches(batch_size))
    return decoder.info, batches


@pytest.mark.parametrize(
    "width, height, fps, audio",
    [(97, 61, 29.97, True), (160, 120, 24, False), (98, 62, 25, True)],
)
def test_decoding_counts_samples_and_times_every_frame(tmp_path, width, height, fps, audio):
    video = make_synthetic_video(
        tmp_path / "v.mp4", scene_seconds=[1.0, 2.2], width=width, height=height, fps=fps, audio=audio
    )
    info, batches = _decode(video.path, sample_rate=7, batch_size=8)

    assert info.n_frames == video.n_frames
    assert info.fps == pytest.approx(float(video.fps))
    assert info.picks.tolist() == list(range(0, video.n_frames, 7))
    assert (info.width, info.height, info.has_audio) == (width, height, audio)
    assert info.duration == pytest.approx(video.n_frames / float(video.fps), abs=1e-3)
    assert info.timestamps[0] == 0.0
    assert np.allclose(np.diff(info.timestamps), 1 / float(video.fps), atol=1e-3)
    # Batches of 224 x 224 RGB frames, one per pick, the last one short.
    assert [len(batch) for batch in batches[:-1]] == [8] * (len(batches) - 1)
    assert sum(len(batch) for batch in batches) == len(info.picks)
    assert batches[0].shape[1:] == (224, 224, 3) and batches[0].dtype == np.uint8


DURATIONS_MS = [33, 67] * 20  # alternating frame lengths: 40 frames, 2 s


@pytest.fixture
def vfr_video(tmp_path):
    """A variable-frame-rate video: frames alternately 33 and 67 ms long."""
    path = tmp_path / "vfr.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for index, duration in enumerate(DURATIONS_MS):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 5, np.uint8), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            container.mux(stream.encode(frame))
            pts += duration
        container.mux(stream.encode(None))
    return path


def test_variable_frame_rate_times_come_from_each_frames_pts(vfr_video):
    info, _ = _decode(vfr_video, sample_rate=4)
    assert info.n_frames == 40  # counted, not duration * fps
    expected = np.cumsum([0] + DURATIONS_MS[:-1]) / 1000
    assert np.allclose(info.timestamps, expected, atol=1e-3)
    assert info.picks.tolist() == list(range(0, 40, 4))
    assert info.frame_end(1) == pytest.approx(0.1, abs=1e-3)


def test_summary_video_keeps_each_frames_timing(tmp_path, vfr_video):
    info, _ = _decode(vfr_video, sample_rate=4)
    segments = [Segment(a, b, info.frame_start(a), info.frame_end(b), 0.5) for a, b in [(4, 9), (20, 25)]]
    assert write_summary_video(info, segments, tmp_path / "summary.mp4") == 12
    with av.open(str(tmp_path / "summary.mp4")) as container:
        times = [frame.time for frame in container.decode(video=0)]
    first = info.timestamps[4:10] - info.timestamps[4]
    second = info.timestamps[20:26] - info.timestamps[20] + (info.frame_end(9) - info.frame_start(4))
    np.testing.assert_allclose(times, np.concatenate([first, second]), atol=1e-3)  # gaps removed, rhythm kept


@pytest.fixture(scope="module")
def good_video(tmp_path_factory):
    return make_synthetic_video(
        tmp_path_factory.mktemp("good") / "good.mp4", scene_seconds=[2.0, 2.0], width=128, height=96, fps=25
    )


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="video file not found: .*nope.mp4"):
        VideoDecoder(tmp_path / "nope.mp4")
    with pytest.raises(VideoDecodeError, match="expected a video file, found a directory"):
        VideoDecoder(tmp_path)


def test_a_file_that_is_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are not video frames\n" * 50)
    with pytest.raises(VideoDecodeError, match=r"notes\.mp4: not a readable video file"):
        VideoDecoder(path)


def test_a_file_without_a_video_stream(tmp_path):
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="flt", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(VideoDecodeError, match=r"sound\.m4a: no video stream in the file \(streams found: audio\)"):
        VideoDecoder(path)


def test_a_video_stream_without_frames(tmp_path):
    # Matroska keeps an empty video track (MP4 drops it); the audio makes the file otherwise valid.
    path = tmp_path / "empty.mkv"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="flt", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
        container.mux(video.encode(None))
    with pytest.raises(VideoDecodeError, match=r"empty\.mkv: the video stream has no decodable frames"):
        _decode(path)


def test_a_file_corrupt_half_way(tmp_path, good_video):
    # Overwrite the coded frames from the middle of the video on (the index at the end stays intact).
    with av.open(str(good_video.path)) as container:
        positions = [packet.pos for packet in container.demux(video=0) if packet.pos is not None and packet.pos >= 0]
    start, end = positions[len(positions) // 2], positions[-1]
    data = bytearray(good_video.path.read_bytes())
    data[start:end] = np.random.default_rng(0).integers(0, 256, end - start, dtype=np.uint8).tobytes()
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(data))
    with pytest.raises(VideoDecodeError, match=r"damaged\.mp4: the file is corrupt: decoding failed after frame \d+"):
        _decode(path)


def test_a_truncated_file(tmp_path, good_video):
    # With the index first ("faststart"), a cut file still opens, but its frames stop early.
    whole = tmp_path / "whole.mp4"
    with (
        av.open(str(good_video.path)) as source,
        av.open(str(whole), "w", options={"movflags": "faststart"}) as target,
    ):
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    data = whole.read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        VideoDecodeError, match=r"cut\.mp4: the file is truncated or corrupt: the container announces 100 frames"
    ):
        _decode(path)


def test_sample_rate_must_be_positive(good_video):
    with pytest.raises(ValueError, match="sample_rate must be a positive number of frames, got 0"):
        VideoDecoder(good_video.path, sample_rate=0)
    assert os.path.getsize(good_video.path) > 0


def test_seeking_to_the_selected_shots_writes_what_decoding_in_order_writes(tmp_path):
    from pglsum_hf.video import writing

    clip = make_synthetic_video(
        tmp_path / "clip.mp4", scene_seconds=[2.0, 3.0, 2.0, 3.0], width=64, height=48, fps=20, audio=True
    )
    info, _ = _decode(clip.path, sample_rate=5)
    # Two touching segments (one run), one later segment that starts between keyframes.
    spans = [(40, 59), (60, 69), (143, 171)]
    segments = [Segment(a, b, info.frame_start(a), info.frame_end(b), 0.5) for a, b in spans]
    results = {}
    for seek in (True, False):  # seeking raises rather than falling back, so this checks it is really used
        output = tmp_path / f"seek_{seek}.mp4"
        assert writing._write_summary_video(info, segments, output, 23, "veryfast", None, seek=seek) == 59
        with av.open(str(output)) as container:
            frames = [(frame.time, frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]
        with av.open(str(output)) as container:
            audio = sum(frame.samples for frame in container.decode(audio=0))
        results[seek] = frames, audio
    (seeked, seeked_audio), (ordered, ordered_audio) = results[True], results[False]
    assert [time for time, _ in seeked] == [time for time, _ in ordered]
    assert max(np.abs(a.astype(int) - b.astype(int)).mean() for (_, a), (_, b) in zip(seeked, ordered)) < 1.0
    assert abs(seeked_audio - ordered_audio) <= 2048  # within an AAC frame or two
