"""Every valid video gets a summary: when no whole shot fits the budget, the best window of the best shot.

Short SYNTHETIC clips whose shots all exceed the 15% budget (a single take, a still, three equal scenes, half a
second, one frame) go through the whole path with random weights. The benchmark metric is unchanged: its
knapsack still selects nothing for them, which it scores as an empty summary.
"""

import json
import logging
from fractions import Fraction

import av
import numpy as np
import pytest
import torch

from pglsum_hf import PGLSumConfig, PGLSumModel
from pglsum_hf.errors import PGLSumError
from pglsum_hf.metrics import frame_scores_from_steps, select_keyshots
from pglsum_hf.video import GoogLeNetFeatures, VideoSummarizer, make_synthetic_video
from pglsum_hf.video.decode import VideoInfo
from pglsum_hf.video.keyshots import best_window, select_segments

FPS = 25


def _still_video(path, seconds, width=64, height=48):
    """A video whose frames are all the same picture."""
    image = np.random.default_rng(0).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(int(seconds * FPS)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def summarizer():
    torch.manual_seed(0)
    return VideoSummarizer(PGLSumModel(PGLSumConfig()), GoogLeNetFeatures("random", device="cpu"), model_name="random")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    small = {"width": 64, "height": 48, "fps": FPS}
    return {
        "single_take_10s": make_synthetic_video(folder / "single_take_10s.mp4", scene_seconds=[10.0], **small).path,
        "still_6s": _still_video(folder / "still_6s.mp4", 6.0),
        "three_equal_4s": make_synthetic_video(
            folder / "three_equal_4s.mp4", scene_seconds=[4.0, 4.0, 4.0], seed=3, **small
        ).path,
        "half_second": make_synthetic_video(folder / "half_second.mp4", scene_seconds=[0.5], **small).path,
        "one_frame": make_synthetic_video(folder / "one_frame.mp4", scene_seconds=[1 / FPS], **small).path,
    }


@pytest.mark.parametrize("name", ["single_take_10s", "still_6s", "three_equal_4s", "half_second", "one_frame"])
def test_a_clip_whose_shots_exceed_the_budget_gets_a_trimmed_summary(name, clips, summarizer, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="pglsum_hf.video.keyshots"):
        summary = summarizer(clips[name], output_dir=tmp_path, progress=False)
    info = summary.info
    # The protocol's knapsack finds no whole shot: the benchmark metric would see an empty summary.
    assert not select_keyshots(summary.scores, info.picks, info.n_frames, summary.shots, proportion=0.15).any()

    budget = max(1, int(0.15 * info.n_frames))
    (segment,) = summary.segments
    assert summary.trimmed and segment.trimmed and segment.n_frames == budget
    shot = summary.shots[np.flatnonzero(summary.selected)[0]]
    assert shot[0] <= segment.start_frame and segment.end_frame <= shot[1]
    assert summary.shot_scores[np.flatnonzero(summary.selected)[0]] == summary.shot_scores.max()  # the best shot
    assert "trimmed" in caplog.text and info.path.name in caplog.text

    record = json.loads((tmp_path / f"{name}.json").read_text())
    assert record["trimmed"] is True and record["segments"][0]["trimmed"] is True
    assert record["summary_frames"] == budget
    with av.open(str(tmp_path / f"{name}.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == budget
    if name == "one_frame":
        assert info.n_frames == 1 and segment.start_frame == segment.end_frame == 0


def _info(n_frames, sample_rate=1):
    return VideoInfo(
        path="clip.mp4", n_frames=n_frames, fps=10.0, duration=n_frames / 10, picks=np.arange(0, n_frames, sample_rate),
        timestamps=np.arange(n_frames) / 10, width=8, height=8, has_audio=False, sample_rate=sample_rate,
    )  # fmt: skip


def test_the_window_is_the_best_one_of_the_best_shot():
    info = _info(40)
    scores = np.zeros(40)
    scores[3:8] = 0.9  # the first shot holds a short peak, but the second shot is better on average
    scores[20:40] = 0.5
    scores[31:35] = 0.8
    shots = np.array([[0, 19], [20, 39]])
    values, selected, segments = select_segments(scores, info, shots, budget=0.1)
    assert selected.tolist() == [False, True] and values[1] > values[0]
    assert [(s.start_frame, s.end_frame, s.trimmed) for s in segments] == [(31, 34, True)]
    assert segments[0].score == pytest.approx(0.8) and segments[0].end_time == pytest.approx(3.5)
    # Whole shots that fit are chosen as before, untrimmed.
    _, selected, segments = select_segments(scores, info, np.array([[0, 3], [4, 7], [8, 39]]), budget=0.25)
    assert selected.tolist() == [True, True, False] and not any(s.trimmed for s in segments)


def test_best_window_ties_and_bounds():
    frame_scores = frame_scores_from_steps(np.array([0.2, 0.7, 0.7, 0.1]), np.arange(4) * 5, 20)
    assert best_window(frame_scores, 0, 19, 5) == (5, 9)  # the earliest of equal windows
    assert best_window(frame_scores, 0, 19, 0) == (5, 5)  # at least one frame
    assert best_window(frame_scores, 12, 14, 50) == (12, 14)  # never beyond the shot


def test_max_seconds_beyond_the_video_is_clamped(summarizer, clips):
    features, info = summarizer.extract_features(clips["three_equal_4s"])
    scores = summarizer.score(features)
    summary = summarizer.select(info, features, scores, max_seconds=1e9)  # once a 186 GiB knapsack table
    assert summary.summary_frames == info.n_frames and not summary.trimmed


def test_scores_that_are_not_finite_are_an_error(summarizer):
    features = np.random.default_rng(0).normal(size=(30, 1024)).astype(np.float32) * 1e30
    with pytest.raises(
        PGLSumError,
        match=r"huge\.mp4: the model gave NaN or infinite importance scores; the features reach 4\.\d+e\+30",
    ):
        summarizer.score(features, "huge.mp4")
    features[3, 5] = np.nan
    with pytest.raises(PGLSumError, match=r"huge\.mp4: the frame features hold NaN"):
        summarizer.score(features, "huge.mp4")
