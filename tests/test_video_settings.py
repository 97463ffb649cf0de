"""The summary settings: one object, checked where it is built, used by the summarizer, the pipeline, the command
and the page; the budget is `budget` everywhere and defaults to the one 15% constant."""

import math

import pytest

from pglsum_hf.metrics import SUMMARY_BUDGET
from pglsum_hf.video import keyshots
from pglsum_hf.video.settings import SummarySettingError, SummarySettings


def test_the_defaults_are_the_benchmarks_and_the_original_scoring():
    settings = SummarySettings()
    assert settings.budget == SUMMARY_BUDGET and settings.max_seconds is None and settings.score_window is None
    assert (settings.sample_rate, settings.kts_window, settings.kts_overlap) == (15, 1200, 240)
    assert settings.kts_vmax_for(random_features=False) == 1.0 and settings.kts_vmax_for(random_features=True) == 0.05
    assert SummarySettings(kts_vmax=0.3).kts_vmax_for(random_features=True) == 0.3
    assert not hasattr(keyshots, "DEFAULT_BUDGET")  # one 15% constant: pglsum_hf.metrics.SUMMARY_BUDGET


@pytest.mark.parametrize(
    ("changes", "setting", "reason"),
    [
        ({"budget": 0.0}, "budget", "must be a fraction of the video in (0, 1], got 0.0"),
        ({"budget": math.nan}, "budget", "must be a fraction of the video in (0, 1], got nan"),
        ({"budget": "0.2"}, "budget", "must be a fraction of the video in (0, 1], got '0.2'"),
        ({"max_seconds": -1.0}, "max_seconds", "must be a finite number of seconds > 0, got -1.0"),
        ({"sample_rate": 2.0}, "sample_rate", "must be a number of frames >= 1, got 2.0"),
        ({"kts_vmax": math.inf}, "kts_vmax", "must be a finite number > 0, got inf"),
        ({"max_change_points": 0}, "max_change_points", "must be >= 1 (omit it for no limit), got 0"),
        ({"kts_window": 1}, "kts_window", "must be >= 2 sampled frames, got 1"),
        ({"kts_window": 10, "kts_overlap": 10}, "kts_overlap", "must be in [0, kts_window) = [0, 10), got 10"),
        ({"score_window": True}, "score_window", "must be None (exact scoring) or an integer >= 64 steps, got True"),
    ],
)
def test_each_setting_is_refused_by_name(changes, setting, reason):
    with pytest.raises(SummarySettingError) as refused:
        SummarySettings(**changes)
    assert (refused.value.setting, refused.value.reason) == (setting, reason)
    assert str(refused.value) == f"{setting} {reason}" and isinstance(refused.value, ValueError)
    with pytest.raises(SummarySettingError):  # a changed copy is checked as any new settings
        SummarySettings().replace(**changes)


def test_the_report_form_says_budget_is_unused_with_max_seconds():
    assert SummarySettings(max_seconds=20.0).to_dict()["budget"] is None
    assert SummarySettings(budget=0.3).to_dict() == {
        "budget": 0.3, "max_seconds": None, "sample_rate": 15, "kts_vmax": None, "max_change_points": None,
        "kts_window": 1200, "kts_overlap": 240, "score_window": None,
    }  # fmt: skip
    settings = SummarySettings()
    assert settings.replace() is settings


def test_the_pipeline_keeps_its_construction_settings_and_checks_a_calls_once(tmp_path):
    import torch
    from transformers import pipeline

    from pglsum_hf import PGLSumConfig, PGLSumModel
    from pglsum_hf.video import GoogLeNetFeatures

    torch.manual_seed(0)
    PGLSumModel(PGLSumConfig()).save_pretrained(tmp_path / "model")
    extractor = GoogLeNetFeatures("random", device="cpu")
    summarize = pipeline(
        "video-summarization", model=str(tmp_path / "model"), frame_features=extractor, device="cpu", budget=0.3
    )
    assert summarize.summarizer.settings == SummarySettings(budget=0.3)
    preprocess, forward, postprocess = summarize._sanitize_parameters(score_window=64, output_dir=None)
    assert preprocess["settings"] is forward["settings"] is postprocess["settings"]
    assert postprocess["settings"] == SummarySettings(budget=0.3, score_window=64)  # the call adds to them
    with pytest.raises(SummarySettingError, match="budget must be a fraction"):
        pipeline("video-summarization", model=str(tmp_path / "model"), frame_features=extractor, budget=2.0)
