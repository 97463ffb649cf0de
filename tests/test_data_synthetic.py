"""Synthetic SumMe/TVSum-like files: the standard layout, realistic annotations, learnable importance."""

import json

import h5py
import numpy as np
import pytest

from pglsum_hf.commands import make_synthetic
from pglsum_hf.data import constants, synthetic
from pglsum_hf.data.h5 import iter_videos
from pglsum_hf.data.splits import read_splits, validate_splits
from pglsum_hf.metrics import compute_metrics

LAYOUT = {
    "features": (np.float32, 2),
    "gtscore": (np.float32, 1),
    "gtsummary": (np.float32, 1),
    "user_summary": (np.float32, 2),
    "change_points": (np.int64, 2),
    "n_frame_per_seg": (np.int64, 1),
    "n_frames": (np.int64, 0),
    "picks": (np.int64, 1),
    "n_steps": (np.int64, 0),
}


@pytest.fixture(scope="module")
def summe_videos():
    return synthetic.generate_videos("summe", seed=0, show_progress=False)


@pytest.fixture(scope="module")
def tvsum_videos():
    return synthetic.generate_videos("tvsum", seed=0, show_progress=False)


@pytest.fixture(scope="module")
def tiny_h5(tmp_path_factory):
    return synthetic.make_synthetic_h5(
        tmp_path_factory.mktemp("tiny") / "synthetic_tiny.h5", "tiny", seed=3, show_progress=False
    )


def test_tiny_file_has_exactly_the_standard_layout(tiny_h5):
    with h5py.File(tiny_h5, "r") as h5:
        assert h5.attrs["synthetic"]
        assert list(h5) == [f"video_{i}" for i in range(1, 6)]
        for video in h5.values():
            assert set(video) == set(LAYOUT) | {"video_name"}
            for field, (dtype, ndim) in LAYOUT.items():
                assert video[field].dtype == dtype and video[field].ndim == ndim, field
            n_steps, n_frames = int(video["n_steps"][()]), int(video["n_frames"][()])
            assert video["features"].shape == (n_steps, constants.FEATURE_DIM)
            assert video["gtscore"].shape == video["gtsummary"].shape == (n_steps,)
            np.testing.assert_array_equal(video["picks"][()], np.arange(0, n_frames, 15))
            assert video["user_summary"].shape == (5, n_frames)
            assert video["video_name"][()].decode().startswith("synthetic_tiny_")
    # The package's own validator accepts it.
    assert len(list(iter_videos(tiny_h5))) == 5


def test_same_seed_same_file_other_seed_other_data(tmp_path, tiny_h5):
    again = synthetic.make_synthetic_h5(tmp_path / "again.h5", "tiny", seed=3, show_progress=False)
    other = synthetic.make_synthetic_h5(tmp_path / "other.h5", "tiny", seed=4, show_progress=False)
    for (_, a), (_, b), (_, c) in zip(iter_videos(tiny_h5), iter_videos(again), iter_videos(other)):
        for field in LAYOUT:
            np.testing.assert_array_equal(a[field], b[field])
        assert not np.array_equal(a["features"][:10], c["features"][:10])


@pytest.mark.parametrize(
    "profile, frames, users",
    [("summe", constants.SUMME_N_FRAMES, constants.SUMME_N_USERS), ("tvsum", constants.TVSUM_N_FRAMES, (20,) * 50)],
)
def test_profiles_use_the_real_frame_and_annotator_counts(profile, frames, users, summe_videos, tvsum_videos):
    videos = summe_videos if profile == "summe" else tvsum_videos
    assert [v.video_id for v in videos] == [f"video_{i}" for i in range(1, len(frames) + 1)]
    assert [int(v.arrays["n_frames"]) for v in videos] == list(frames)
    assert [v.arrays["user_summary"].shape[0] for v in videos] == list(users)


def test_frame_count_constants_match_the_real_annotation_files(shared_data):
    summe, tvsum = {}, {}
    for line in (shared_data / "summe_user_summaries.tsv").read_text().splitlines():
        video, _, values = line.split("\t")
        summe.setdefault(video, []).append(values.count(",") + 1)
    for line in (shared_data / "ydata-anno.tsv").read_text().splitlines():
        video, category, values = line.split("\t")
        tvsum.setdefault((video, category), []).append(values.count(",") + 1)
    assert tuple(lengths[0] for lengths in summe.values()) == constants.SUMME_N_FRAMES
    assert tuple(len(lengths) for lengths in summe.values()) == constants.SUMME_N_USERS
    assert tuple(lengths[0] for lengths in tvsum.values()) == constants.TVSUM_N_FRAMES
    assert {len(lengths) for lengths in tvsum.values()} == {constants.TVSUM_N_USERS}
    assert tuple(category for _, category in tvsum) == constants.TVSUM_VIDEO_CATEGORIES


def test_shots_tile_the_video_and_last_a_few_seconds(summe_videos):
    for video in summe_videos:
        cps = video.arrays["change_points"]
        assert cps[0, 0] == 0 and cps[-1, 1] == video.arrays["n_frames"] - 1
        np.testing.assert_array_equal(cps[1:, 0], cps[:-1, 1] + 1)
        np.testing.assert_array_equal(video.arrays["n_frame_per_seg"], cps[:, 1] - cps[:, 0] + 1)
        seconds = video.arrays["n_frame_per_seg"] / 30
        assert seconds.min() >= 1.5 and seconds.max() <= 10


def test_annotators_pick_about_15_percent_and_disagree(summe_videos):
    pair_f = []
    for video in summe_videos:
        users = video.arrays["user_summary"]
        assert 0.09 < users.mean(axis=1).min() and users.mean(axis=1).max() < 0.17
        for i in range(len(users)):
            for j in range(i + 1, len(users)):
                pair_f.append(2 * (users[i] & users[j]).sum() / (users[i].sum() + users[j].sum()))
        # gtscore is the fraction of annotators who kept each sampled frame (as in the SumMe file).
        np.testing.assert_allclose(video.arrays["gtscore"], users[:, video.arrays["picks"]].mean(axis=0), rtol=1e-6)
        assert 0.1 < video.arrays["gtsummary"].mean() <= 0.16
    assert 0.15 < np.mean(pair_f) < 0.7  # partial agreement, like real annotators


def test_tvsum_profile_has_raw_scores_that_drive_the_summaries(tvsum_videos):
    for video in tvsum_videos[:10]:
        scores = video.annotation.user_scores
        assert scores.shape == (20, video.arrays["n_frames"]) and scores.dtype == np.uint8
        assert scores.min() >= 1 and scores.max() <= 5 and len(np.unique(scores)) >= 4
        np.testing.assert_allclose(
            video.arrays["gtscore"], (scores[:, video.arrays["picks"]].mean(axis=0) - 1) / 4, rtol=1e-6
        )
        assert np.all(video.arrays["user_summary"].mean(axis=1) <= 0.15)
        assert "synthetic" in video.annotation.video_name


def test_importance_is_carried_by_the_features_so_a_learner_beats_random(summe_videos):
    """A small linear read-out fit on 20 videos scores the 5 others far better than random scores."""
    train, test = summe_videos[:20], summe_videos[20:]
    features = np.concatenate([v.arrays["features"] for v in train])
    target = np.concatenate([v.arrays["gtscore"] for v in train])
    # Keep the 32 dimensions most correlated with gtscore, then least squares on them.
    centred = features - features.mean(axis=0)
    correlation = centred.T @ (target - target.mean()) / (np.linalg.norm(centred, axis=0) + 1e-9)
    dims = np.argsort(-np.abs(correlation))[:32]
    design = lambda x: np.c_[x[:, dims], np.ones(len(x))]  # noqa: E731
    weights, *_ = np.linalg.lstsq(design(features), target, rcond=None)
    references = [
        {
            "user_summary": v.arrays["user_summary"].astype(np.int8),
            **{k: v.arrays[k] for k in ("change_points", "picks", "n_frames")},
        }
        for v in test
    ]
    learned = compute_metrics([design(v.arrays["features"]) @ weights for v in test], references)["f_score"]
    rng = np.random.default_rng(0)
    chance = np.mean(
        [compute_metrics([rng.random(v.arrays["n_steps"]) for v in test], references)["f_score"] for _ in range(5)]
    )
    assert learned > chance + 10, (learned, chance)


def test_cli_writes_file_splits_and_annotations(tmp_path, capsys):
    assert make_synthetic.main(["--profile", "tiny", "--output_dir", str(tmp_path), "--seed", "1"]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    splits = json.loads((tmp_path / "synthetic_tiny_splits.json").read_text())
    assert len(splits) == 5
    for split in splits:
        assert len(split["train_keys"]) == 4 and len(split["test_keys"]) == 1
        assert not set(split["train_keys"]) & set(split["test_keys"])
    assert (tmp_path / "synthetic_tiny.h5").is_file() and not list(tmp_path.glob("*anno*"))


def test_summe_and_tvsum_splits_are_80_20_and_test_every_video_once(tmp_path, shared_data):
    for profile, n in (("summe", 25), ("tvsum", 50)):
        path = synthetic.write_synthetic_splits(tmp_path / f"synthetic_{profile}.h5", profile)
        splits = read_splits(path)
        keys = [f"video_{i}" for i in range(1, n + 1)]
        assert sorted(k for s in splits for k in s["test_keys"]) == sorted(keys)
        assert all(len(s["train_keys"]) == n * 4 // 5 for s in splits)
        validate_splits(splits, keys, str(path), "synthetic")
        # The paper's real splits use the same keys, so they apply to synthetic files too.
        validate_splits(read_splits(shared_data / f"{profile}_splits.json"), keys, profile, "synthetic")


def test_annotations_only_for_the_tvsum_style_profile(tmp_path):
    with pytest.raises(ValueError, match="only for 'tvsum'"):
        synthetic.make_synthetic_h5(
            tmp_path / "x.h5", "tiny", annotations_path=tmp_path / "anno.tsv", show_progress=False
        )
    with pytest.raises(ValueError, match="unknown synthetic profile"):
        synthetic.generate_videos("nope")
