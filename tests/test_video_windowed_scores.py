"""Opt-in windowed scoring (``--score_window``): exact scores when the video fits in one window; otherwise every
step gets the score that the window whose centre is nearest gives it when scored alone.

A narrow model and a few hundred random steps keep this fast; speed is ``pglsum benchmark video --long``'s.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pglsum_hf import PGLSumConfig, PGLSumModel
from pglsum_hf.video import VideoSummarizer, windowed_scores
from pglsum_hf.video.windowed_scores import MIN_SCORE_WINDOW, score_in_windows, window_starts

SIZE = 32


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = PGLSumConfig(input_size=SIZE, hidden_size=SIZE, num_heads=2, local_heads=2)
    return PGLSumModel(config).eval()


@pytest.fixture(scope="module")
def summarizer(model):
    # score() needs no frames decoded: a stand-in extractor that only says its feature size.
    extractor = SimpleNamespace(feature_size=SIZE, is_random=True, weights_description="none (test)")
    return VideoSummarizer(model, extractor, model_name="tiny")


def features(steps, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(steps, SIZE, generator=generator).abs(), dim=-1)


def exact(model, x):
    with torch.inference_mode():
        return model(x[None]).scores[0]


def nearest_centre_windows(steps, window):
    """The rule, written independently of the module: windows of ``window`` steps every window - window // 4 steps
    (the last one ending at the last step); each step belongs to the window whose centre is nearest, the
    earlier on a tie."""
    stride = window - window // 4
    starts = list(range(0, steps - window, stride)) + [steps - window]
    centres = np.array(starts) + (window - 1) / 2
    owner = [int(np.argmin(np.abs(step - centres))) for step in range(steps)]  # argmin: the first on a tie
    return starts, owner


@pytest.mark.parametrize("steps", [1, 50, 127, 128])
def test_a_video_that_fits_in_the_window_gets_the_exact_scores(model, summarizer, steps):
    x = features(steps)
    assert torch.equal(score_in_windows(model, x, 128), exact(model, x))
    whole = summarizer.score(x.numpy()).scores
    assert np.array_equal(summarizer.score(x.numpy(), score_window=128).scores, whole)
    assert summarizer.scoring_parameters(steps, 128) is None  # the JSON says: scored whole


@pytest.mark.parametrize(
    ("steps", "window", "batch_steps"),
    [
        (300, 64, 16_384),  # 6 windows in one call
        (300, 64, 128),  # 2 windows per call, 3 calls
        (129, 128, 16_384),  # one step too many: two windows overlapping by all but one step
        (224, 64, 64),  # (T - W) a multiple of the stride; one window per call
        (500, 100, 16_384),  # centres 75 steps apart: a step exactly between two of them (a tie)
    ],
)
def test_each_step_gets_the_score_of_its_nearest_centred_window_scored_alone(
    model, monkeypatch, steps, window, batch_steps
):
    monkeypatch.setattr(windowed_scores, "BATCH_STEPS", batch_steps)
    x = features(steps, seed=steps)
    scores = score_in_windows(model, x, window)
    assert scores.shape == (steps,) and torch.isfinite(scores).all()

    starts, owner = nearest_centre_windows(steps, window)
    assert window_starts(steps, window).tolist() == starts
    alone = [exact(model, x[start : start + window]) for start in starts]
    expected = torch.stack([alone[k][step - starts[k]] for step, k in enumerate(owner)])
    torch.testing.assert_close(scores, expected, rtol=0, atol=1e-6)
    # Each step's window gives it context on both sides: (overlap - 1) // 2 steps at least, unless the video ends first.
    context = (window // 4 - 1) // 2
    for step, k in enumerate(owner):
        assert step - starts[k] >= min(step, context)
        assert starts[k] + window - 1 - step >= min(steps - 1 - step, context)


def test_windows_cover_the_video_with_a_fixed_least_overlap():
    for steps in (65, 200, 1000, 24_000):
        for window in (64, 100, 4096):
            starts = window_starts(steps, window)
            if steps <= window:
                assert starts.tolist() == [0]
                continue
            assert starts[0] == 0 and starts[-1] == steps - window
            assert np.all(np.diff(starts) > 0) and np.all(np.diff(starts) <= window - window // 4)


def test_the_summarizer_scores_long_videos_in_windows_only_when_asked(model, summarizer, caplog):
    x = features(300, seed=3)
    whole = summarizer.score(x.numpy(), "long.mp4").scores
    np.testing.assert_array_equal(whole, exact(model, x).numpy())  # the default is still exact

    windowed = VideoSummarizer(model, summarizer.feature_extractor, model_name="tiny", score_window=64)
    with caplog.at_level("INFO", logger="pglsum_hf.video.summarizer"):
        scoring = windowed.score(x.numpy(), "long.mp4")
    scores = scoring.scores
    np.testing.assert_allclose(scores, score_in_windows(model, x, 64).numpy(), rtol=0, atol=1e-6)
    assert not np.allclose(scores, whole)  # steps attend only to their window: other scores
    assert "long.mp4: 300 steps scored in 6 windows of 64 steps (overlap 16)" in caplog.text
    assert windowed.scoring_parameters(300) == {
        "method": "PGL-SUM on overlapping windows, each step scored by the window whose centre is nearest",
        "window": 64,
        "overlap": 16,
        "windows": 6,
    }
    assert summarizer.scoring_parameters(300) is None


@pytest.mark.parametrize("window", [0, MIN_SCORE_WINDOW - 1, -64, 64.0, True, "64"])
def test_bad_windows_are_refused(model, summarizer, window):
    with pytest.raises(ValueError, match="score_window must be None"):
        VideoSummarizer(model, summarizer.feature_extractor, score_window=window)
    with pytest.raises(ValueError, match="score_window must be None"):
        summarizer.score(features(10).numpy(), score_window=window)
    with pytest.raises(ValueError, match="score_window must be None"):
        score_in_windows(model, features(10), window)


def test_score_says_how_it_scored_and_the_summary_records_it(model, summarizer, monkeypatch):
    from pglsum_hf.video import settings
    from pglsum_hf.video.decode import VideoInfo

    checks = []
    check = settings.check_score_window
    monkeypatch.setattr(settings, "check_score_window", lambda window: checks.append(window) or check(window))
    x = features(300, seed=3)
    scoring = summarizer.score(x.numpy(), "long.mp4", score_window=64)  # one setting changed: checked once
    assert checks == [64]
    assert scoring.window == 64 and scoring.parameters() == windowed_scores.scoring_parameters(300, 64)
    np.testing.assert_allclose(scoring.scores, score_in_windows(model, x, 64).numpy(), rtol=0, atol=1e-6)
    frames = 300 * 15
    info = VideoInfo(
        path="long.mp4", n_frames=frames, fps=30.0, duration=frames / 30, picks=np.arange(300) * 15,
        timestamps=np.arange(frames) / 30, width=64, height=48, has_audio=False, sample_rate=15,
    )  # fmt: skip
    shots = np.array([[0, 1499], [1500, 2999], [3000, frames - 1]])
    summary = summarizer.select(info, None, scoring, shots=shots)  # no score_window again: the scoring says it
    assert summary.score_window == scoring.parameters() and summary.score_window["windows"] == 6
    assert checks == [64]  # the summarizer's own settings were checked when it was built, not again
    assert summarizer.select(info, None, summarizer.score(x.numpy()), shots=shots).score_window is None
