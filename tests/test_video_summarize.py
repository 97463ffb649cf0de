"""Video file to summary, end to end: shots at the scene cuts, the summary video, JSON and plot, the three
interfaces (pipeline, CLI, Python API) agreeing, and bad input failing cleanly.

The videos are SYNTHETIC (scenes of distinct content, known cuts) and the GoogLeNet weights random.
"""

import json

import av
import numpy as np
import pytest
import torch
from matplotlib.image import imread
from transformers import pipeline

from pglsum_hf import PGLSumConfig, PGLSumModel
from pglsum_hf.cli import run
from pglsum_hf.commands.summarize import main as summarize_main
from pglsum_hf.video import GoogLeNetFeatures, VideoSummarizer, make_synthetic_video, raw_stream_copy, writing

SAMPLE_RATE = 15


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("video")


@pytest.fixture(scope="module")
def model_dir(workdir):
    torch.manual_seed(0)
    path = workdir / "model"
    PGLSumModel(PGLSumConfig()).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def extractor():
    return GoogLeNetFeatures("random", device="cpu")


@pytest.fixture(scope="module")
def summarizer(model_dir, extractor):
    return VideoSummarizer(PGLSumModel.from_pretrained(model_dir), extractor, model_name=str(model_dir))


@pytest.fixture(scope="module")
def videos(workdir):
    """An odd-sized 29.97 fps video with sound, and a 24 fps one without."""
    return {
        "odd_ntsc_audio": make_synthetic_video(
            workdir / "inputs" / "odd_ntsc_audio.mp4",
            scene_seconds=[3.0, 1.5, 4.0, 2.0, 5.0, 2.5],
            width=97,
            height=61,
            fps=29.97,
            audio=True,
            seed=1,
        ),
        "film_silent": make_synthetic_video(
            workdir / "inputs" / "film_silent.mp4",
            scene_seconds=[1.5, 3.0, 1.0, 2.5, 1.5, 2.5],
            width=160,
            height=120,
            fps=24,
            seed=2,
        ),
    }


@pytest.fixture(scope="module")
def summaries(summarizer, videos, workdir):
    """Each video summarized through the Python API, with all outputs written."""
    return {name: summarizer(video.path, output_dir=workdir / "api", progress=False) for name, video in videos.items()}


@pytest.mark.parametrize("name", ["odd_ntsc_audio", "film_silent"])
def test_shot_boundaries_fall_on_the_scene_cuts(name, videos, summaries):
    video, shots = videos[name], summaries[name].shots
    assert len(shots) == len(video.scene_starts)
    for cut, start in zip(video.scene_starts[1:], shots[1:, 0]):
        assert 0 <= start - cut < SAMPLE_RATE  # the first sampled frame of the new scene
    assert shots[0, 0] == 0 and shots[-1, 1] == video.n_frames - 1
    assert np.all(shots[1:, 0] == shots[:-1, 1] + 1)


def _decode_all(path):
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        audio_seconds = float(audio.duration * audio.time_base) if audio is not None else None
        return frames, (video.codec_context.width, video.codec_context.height), audio_seconds


@pytest.mark.parametrize("name", ["odd_ntsc_audio", "film_silent"])
def test_summary_video_holds_the_selected_shots_within_budget(name, videos, summaries):
    video, summary = videos[name], summaries[name]
    frames, size, audio_seconds = _decode_all(summary.outputs["video"])

    assert summary.segments and len(frames) == summary.summary_frames
    assert summary.summary_frames <= int(0.15 * video.n_frames)
    assert summary.summary_duration <= 0.15 * video.duration + 1e-6
    assert size == (video.width - video.width % 2, video.height - video.height % 2)  # H.264 4:2:0: even sizes
    if video.has_audio:
        assert audio_seconds == pytest.approx(summary.summary_duration, abs=0.1)
    else:
        assert audio_seconds is None
    # The first summary frame is the first frame of the first selected shot.
    with av.open(str(video.path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == summary.segments[0].start_frame:
                source = frame.to_ndarray(format="rgb24", width=size[0], height=size[1])
                break
    assert np.abs(source.astype(int) - frames[0].astype(int)).mean() < 12


def test_json_and_plot_describe_the_summary(videos, summaries):
    video, summary = videos["odd_ntsc_audio"], summaries["odd_ntsc_audio"]
    record = json.loads(open(summary.outputs["json"]).read())
    fps = float(video.fps)

    shots = np.array(record["shots"])
    assert shots[0, 0] == 0 and shots[-1, 1] == video.n_frames - 1 and np.all(shots[1:, 0] == shots[:-1, 1] + 1)
    assert record["picks"] == list(range(0, video.n_frames, SAMPLE_RATE))
    assert len(record["scores"]) == len(record["picks"]) and all(0 <= s <= 1 for s in record["scores"])
    assert [[s["start_frame"], s["end_frame"]] for s in record["segments"]] == [
        record["shots"][i] for i in record["selected_shots"]
    ]
    for segment in record["segments"]:
        assert segment["start_time"] == pytest.approx(segment["start_frame"] / fps, abs=1e-3)
        assert segment["end_time"] == pytest.approx((segment["end_frame"] + 1) / fps, abs=1e-3)
        assert segment["score"] == pytest.approx(
            record["shot_scores"][record["shots"].index([segment["start_frame"], segment["end_frame"]])]
        )
    frames, _, _ = _decode_all(record["outputs"]["video"])
    assert (
        record["summary_frames"]
        == len(frames)
        == sum(s["end_frame"] - s["start_frame"] + 1 for s in record["segments"])
    )
    assert record["n_frames"] == video.n_frames and record["has_audio"] is True
    # Random feature weights are declared.
    assert record["feature_extractor"]["random"] is True and "SYNTHETIC" in record["note"]
    assert record["score_window"] is None  # the default: the whole video scored at once, as the original

    image = imread(record["outputs"]["plot"])
    assert image.shape[:2] == (400, 1000)
    assert open(record["outputs"]["plot"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_max_seconds_budget(summarizer, summaries):
    summary = summaries["odd_ntsc_audio"]
    limited = summarizer.select(summary.info, None, summary.scores, max_seconds=4.0, shots=summary.shots)
    assert limited.segments and limited.summary_duration <= 4.0
    assert limited.budget is None and limited.max_seconds == 4.0


def test_pipeline_cli_and_api_give_the_same_segments(
    model_dir, extractor, summarizer, videos, summaries, workdir, capsys
):
    path = videos["film_silent"].path
    api = summaries["film_silent"].to_dict()

    summarize = pipeline("video-summarization", model=str(model_dir), frame_features=extractor, device="cpu")
    from_pipeline = summarize(str(path))
    assert from_pipeline["segments"] == api["segments"] and from_pipeline["shots"] == api["shots"]
    assert from_pipeline["outputs"] == {}  # no output_dir: nothing written

    out = workdir / "cli"
    assert (
        summarize_main([str(path), "--model", str(model_dir), "--output_dir", str(out), "--feature_weights", "random"])
        == 0
    )
    from_cli = json.loads((out / "film_silent.json").read_text())
    assert from_cli["segments"] == api["segments"] and from_cli["shots"] == api["shots"]
    assert (out / "film_silent.mp4").is_file() and (out / "film_silent.png").is_file()
    printed = capsys.readouterr()
    assert "SYNTHETIC" in printed.err and str(out / "film_silent.mp4") in printed.out

    # The pipeline writes the same files when asked to.
    written = summarize(str(path), output_dir=str(workdir / "pipe"))
    assert written["segments"] == api["segments"] and (workdir / "pipe" / "film_silent.mp4").is_file()


def test_score_window_scores_long_videos_in_windows_and_says_so(model_dir, extractor, videos, workdir, caplog):
    # Every 3rd frame of a 12 s 24 fps video: 96 steps, 2 windows of 64.
    path, out = videos["film_silent"].path, workdir / "windowed"
    argv = [str(path), "--model", str(model_dir), "--output_dir", str(out), "--feature_weights", "random"]
    with caplog.at_level("INFO", logger="pglsum_hf.video.summarizer"):
        assert summarize_main([*argv, "--sample_rate", "3", "--score_window", "64", "--no_video"]) == 0
    record = json.loads((out / "film_silent.json").read_text())
    assert len(record["scores"]) == 96 and all(0 <= s <= 1 for s in record["scores"])
    assert {key: record["score_window"][key] for key in ("window", "overlap", "windows")} == {
        "window": 64,
        "overlap": 16,
        "windows": 2,
    }
    assert "film_silent.mp4: 96 steps scored in 2 windows of 64 steps" in caplog.text
    report = json.loads((out / "summarize_report.json").read_text())
    assert report["settings"]["score_window"] == 64

    # The pipeline takes the same option, and gives the same scores.
    summarize = pipeline("video-summarization", model=str(model_dir), frame_features=extractor, device="cpu")
    result = summarize(str(path), sample_rate=3, score_window=64)
    assert result["score_window"] == record["score_window"]
    np.testing.assert_allclose(result["scores"], record["scores"], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="score_window must be None"):
        summarize(str(path), score_window=10)


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cli_errors_name_the_file_and_leave_nothing(model_dir, videos, workdir, capsys):
    out = workdir / "errors"
    missing = str(workdir / "missing.mp4")
    assert (
        run("summarize", lambda: summarize_main([missing, "--model", str(model_dir), "--output_dir", str(out)])) == 2
    )
    assert f"pglsum summarize: INPUT: {missing}: video file not found" in capsys.readouterr().err and not out.exists()

    damaged = workdir / "inputs" / "damaged.mp4"
    source = videos["film_silent"].path
    with av.open(str(source)) as container:
        positions = [packet.pos for packet in container.demux(video=0) if packet.pos is not None and packet.pos >= 0]
    data = bytearray(source.read_bytes())
    data[positions[len(positions) // 2] : positions[-1]] = bytes(positions[-1] - positions[len(positions) // 2])
    damaged.write_bytes(bytes(data))
    code = summarize_main(
        [str(source), str(damaged), "--model", str(model_dir), "--output_dir", str(out), "--feature_weights", "random"]
    )
    assert code == 1
    assert "damaged.mp4: the file is corrupt" in capsys.readouterr().err
    assert _files(out) == ["film_silent.json", "film_silent.mp4", "film_silent.png", "summarize_report.json"]


@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_a_raw_elementary_stream_is_summarized_into_an_mp4(codec, model_dir, videos, workdir, capsys):
    """A raw stream has no index to seek in (ffmpeg refuses with EPERM): the summary is written by decoding in order."""
    if codec == "hevc" and "libx265" not in av.codecs_available:
        pytest.skip("this PyAV build has no libx265 encoder")
    raw = raw_stream_copy(videos["film_silent"].path, workdir / "raw" / f"film.{codec}", codec)
    out = workdir / f"raw_{codec}"
    argv = [str(raw), "--model", str(model_dir), "--output_dir", str(out), "--feature_weights", "random"]
    assert run("summarize", lambda: summarize_main(argv)) == 0, capsys.readouterr().err
    summary = json.loads((out / "film.json").read_text())
    with av.open(str(out / "film.mp4")) as container:
        assert container.format.name.startswith("mov,mp4")
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == sum(segment["end_frame"] - segment["start_frame"] + 1 for segment in summary["segments"]) > 0


def test_failures_while_writing_leave_nothing_partial(summaries, workdir, monkeypatch):
    summary = summaries["film_silent"]

    def broken_plot(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "plot_summary", broken_plot)
    out = workdir / "broken"
    with pytest.raises(RuntimeError, match="disk full"):
        writing.save_summary(summary, out)
    assert _files(out) == [] and summary.outputs == {}


def test_overwriting_the_input_is_refused(summaries):
    summary = summaries["film_silent"]
    with pytest.raises(ValueError, match="would overwrite its own input"):
        writing.save_summary(summary, summary.info.path.parent)


def test_model_input_size_must_match_the_features(extractor, summarizer, summaries):
    model = PGLSumModel(PGLSumConfig(input_size=512))
    with pytest.raises(
        ValueError, match=r"the feature extractor: the model small-model expects 512-d frame features .* gets 1024-d"
    ):
        VideoSummarizer(model, extractor, model_name="small-model")
    # Features from elsewhere are checked too, naming their video.
    with pytest.raises(ValueError, match=r"clip\.mp4: the model .* expects 1024-d frame features .* gets 512-d"):
        summarizer.score(np.zeros((4, 512), dtype=np.float32), "clip.mp4")
