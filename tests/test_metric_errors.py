"""Bad input: clear errors naming the video and the field, with what was expected and found."""

from __future__ import annotations

import numpy as np
import pytest

from pglsum_hf.metrics import compute_metrics, generate_summary


def _reference(**changes):
    reference = {
        "user_summary": np.zeros((2, 100), dtype=np.int8),
        "change_points": np.array([[0, 9], [10, 49], [50, 99]]),
        "picks": np.arange(0, 100, 10),
        "n_frames": 100,
        "user_scores": np.tile(np.arange(100.0), (2, 1)),
        "gtscore": np.linspace(0, 1, 10),
        "features": np.eye(10),
        "video_id": "video_3",
    }
    reference["user_summary"][:, :20] = 1
    reference.update(changes)
    return reference


GOOD_SCORES = np.linspace(1, 0.1, 10)


@pytest.mark.parametrize(
    ("scores", "changes", "message"),
    [
        (GOOD_SCORES[:9], {}, r"predictions \(scores\) has 9 entries but picks has 10"),
        (np.r_[GOOD_SCORES[:9], np.nan], {}, r"predictions \(scores\) contains NaN"),
        (
            GOOD_SCORES,
            {"user_summary": np.zeros((2, 90))},
            r"user_summary must have shape \(n_users >= 1, n_frames=100\), found shape \(2, 90\)",
        ),
        (GOOD_SCORES, {"user_summary": np.full((2, 100), 2)}, r"user_summary must be binary"),
        (
            GOOD_SCORES,
            {"change_points": np.array([[0, 49], [50, 100]])},
            r"change_points out of range: shots span frames 0..100 but the video has frames 0..99",
        ),
        (
            GOOD_SCORES,
            {"change_points": np.array([[0, 49], [40, 99]])},
            r"change_points shots must be increasing and non-overlapping, but shot 1 \[40, 99\]",
        ),
        (GOOD_SCORES, {"change_points": np.array([[50, 99], [0, 49]])}, r"change_points shots must be increasing"),
        (GOOD_SCORES, {"change_points": np.array([[0, 49], [60, 55]])}, r"change_points shot 1 ends before it starts"),
        (
            GOOD_SCORES,
            {"change_points": np.array([0, 49, 50, 99])},
            r"change_points must be a 2-D array, found shape \(4,\)",
        ),
        (GOOD_SCORES, {"picks": np.arange(0, 100, 10)[::-1]}, r"picks must be strictly increasing"),
        (GOOD_SCORES, {"picks": np.arange(10, 110, 10)}, r"picks must be frame indices in \[0, 99\]"),
        (GOOD_SCORES, {"n_frames": 0}, r"n_frames must be positive"),
        (
            GOOD_SCORES,
            {"user_scores": np.ones((2, 99))},
            r"user_scores must have shape \(n_users >= 1, n_frames=100\)",
        ),
        (GOOD_SCORES, {"gtscore": np.ones(9)}, r"gtscore has 9 entries but picks has 10"),
        (GOOD_SCORES, {"features": np.ones((9, 4))}, r"features has 9 rows but picks has 10"),
        (GOOD_SCORES, {"features": np.ones(10)}, r"features must be a 2-D array"),
        (GOOD_SCORES, {"picks": None}, r"reference is missing required field\(s\) \['picks'\]"),
    ],
)
def test_bad_reference_errors_name_the_video_and_the_field(scores, changes, message):
    with pytest.raises(ValueError, match=r"^video 1 \('video_3'\): " + message):
        compute_metrics([GOOD_SCORES, scores], [_reference(video_id="video_2"), _reference(**changes)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eval_method": "mean"}, r"eval_method must be one of \('max', 'avg'\), found 'mean'"),
        ({"proportion": 0.0}, r"proportion must be in \(0, 1\], found 0.0"),
        ({"proportion": 1.5}, r"proportion must be in \(0, 1\], found 1.5"),
        ({"dataset": "youtube"}, r"cannot tell the eval_method of dataset 'youtube'"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compute_metrics([GOOD_SCORES], [_reference()], **kwargs)


def test_mismatched_video_counts():
    with pytest.raises(ValueError, match="got 2 predictions but 1 references"):
        compute_metrics([GOOD_SCORES, GOOD_SCORES], [_reference()])


def test_video_without_an_id_is_named_by_its_index():
    reference = {key: value for key, value in _reference().items() if key != "video_id"}
    with pytest.raises(ValueError, match=r"^video 0: predictions \(scores\) has 3 entries"):
        compute_metrics([GOOD_SCORES[:3]], [reference])


def test_generate_summary_checks_its_inputs():
    with pytest.raises(ValueError, match=r"^input: predictions \(scores\) has 3 entries but picks has 10"):
        generate_summary(GOOD_SCORES[:3], np.arange(0, 100, 10), 100, np.array([[0, 99]]))
    with pytest.raises(ValueError, match="proportion must be in"):
        generate_summary(GOOD_SCORES, np.arange(0, 100, 10), 100, np.array([[0, 99]]), proportion=-0.1)
