"""Bad input: every error names the file, the video, the field, and what was expected versus found."""

import json
import shutil

import h5py
import numpy as np
import pytest

from pglsum_hf.data import DataFormatError, convert, synthetic
from pglsum_hf.data.annotations import VideoAnnotation, write_tvsum_annotations


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    h5 = synthetic.make_synthetic_h5(folder / "synthetic_tiny.h5", "tiny", show_progress=False)
    return h5, synthetic.write_synthetic_splits(h5, "tiny")


def _replace(group, field, value):
    del group[field]
    group.create_dataset(field, data=value)


def _overlap(group):
    cps = group["change_points"][()]
    cps[1, 0] -= 5
    _replace(group, "change_points", cps)


def _gap(group):
    cps = group["change_points"][()]
    cps[2, 0] += 3
    _replace(group, "change_points", cps)


# (mutation of video_2, field named in the error, words of the message)
H5_CASES = {
    "missing key": (lambda g: g.__delitem__("gtscore"), "gtscore", "a dataset named 'gtscore'"),
    "features dtype": (
        lambda g: _replace(g, "features", g["features"][()].astype(np.float64)),
        "features",
        "found float64",
    ),
    "features shape": (lambda g: _replace(g, "features", g["features"][()][:, :512]), "features", "1024"),
    "n_steps disagrees": (
        lambda g: _replace(g, "n_steps", np.int64(g["n_steps"][()] + 1)),
        "n_steps",
        "number of feature rows",
    ),
    "gtscore length": (lambda g: _replace(g, "gtscore", g["gtscore"][()][:-1]), "gtscore", "n_steps="),
    "picks out of range": (
        lambda g: _replace(g, "picks", g["picks"][()] + 100000),
        "picks",
        "frame indices in [0, n_frames=",
    ),
    "picks not increasing": (
        lambda g: _replace(g, "picks", g["picks"][()][::-1].copy()),
        "picks",
        "strictly increasing",
    ),
    "change points overlap": (_overlap, "change_points", "overlap between segment 0"),
    "change points gap": (_gap, "change_points", "gap between segment 1"),
    "change points short": (
        lambda g: _replace(g, "change_points", g["change_points"][()][:-1]),
        "change_points",
        "segments covering frames 0..",
    ),
    "segment lengths": (
        lambda g: _replace(g, "n_frame_per_seg", g["n_frame_per_seg"][()] + 1),
        "n_frame_per_seg",
        "end - start + 1",
    ),
    "user summary width": (
        lambda g: _replace(g, "user_summary", g["user_summary"][()][:, :-1]),
        "user_summary",
        "n_frames=",
    ),
    "user summary not binary": (
        lambda g: _replace(g, "user_summary", g["user_summary"][()] * 2),
        "user_summary",
        "only 0/1 values",
    ),
    "integer field holds fractions": (
        lambda g: _replace(g, "n_frames", np.float64(600.5)),
        "n_frames",
        "expected an integer scalar, found float64 scalar 600.5",
    ),
    "features not finite": (
        lambda g: _replace(
            g,
            "features",
            np.where(np.eye(*g["features"].shape, dtype=bool), np.nan, g["features"][()]).astype(np.float32),
        ),
        "features",
        "NaN",
    ),
}


@pytest.mark.parametrize("case", sorted(H5_CASES))
def test_bad_h5_field_is_reported_and_nothing_is_written(case, good, tmp_path):
    mutate, field, words = H5_CASES[case]
    h5 = shutil.copy(good[0], tmp_path / "bad.h5")
    with h5py.File(h5, "r+") as f:
        mutate(f["video_2"])
    with pytest.raises(DataFormatError) as error:
        convert.convert_h5_to_dataset(h5, good[1], tmp_path / "out", show_progress=False)
    message = str(error.value)
    assert "bad.h5" in message and "'video_2'" in message and f"field '{field}'" in message, message
    assert "expected" in message and "found" in message and words in message, message
    assert (error.value.file, error.value.video, error.value.field) == (str(h5), "video_2", field)
    # Nothing half-written: no output folder, no temporary folder left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.h5"]


def _splits_with(good, tmp_path, change):
    splits = json.loads(good[1].read_text())
    change(splits)
    path = tmp_path / "bad_splits.json"
    path.write_text(json.dumps(splits))
    return path


SPLIT_CASES = {
    "key not in the h5": (
        lambda s: s[1]["test_keys"].append("video_99"),
        "video_99",
        "[1].test_keys",
        "a video of synthetic_tiny.h5",
    ),
    "video in train and test": (lambda s: s[2]["train_keys"].append(s[2]["test_keys"][0]), None, "[2]", "not both"),
    "missing test keys": (lambda s: s[0].pop("test_keys"), None, "[0].test_keys", "non-empty list of video keys"),
}


@pytest.mark.parametrize("case", sorted(SPLIT_CASES))
def test_bad_splits_are_reported(case, good, tmp_path):
    change, video, field, words = SPLIT_CASES[case]
    path = _splits_with(good, tmp_path, change)
    with pytest.raises(DataFormatError) as error:
        convert.convert_h5_to_dataset(good[0], path, tmp_path / "out", show_progress=False)
    assert "bad_splits.json" in str(error.value) and error.value.field == field and words in str(error.value)
    if video:
        assert error.value.video == video
    assert not (tmp_path / "out").exists()


def test_video_in_train_and_test_names_the_video(good, tmp_path):
    splits = json.loads(good[1].read_text())
    shared = splits[2]["test_keys"][0]
    path = _splits_with(good, tmp_path, lambda s: s[2]["train_keys"].append(shared))
    with pytest.raises(DataFormatError, match=f"video '{shared}'"):
        convert.convert_h5_to_dataset(good[0], path, tmp_path / "out", show_progress=False)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """A small TVSum-style file (5 videos) with its annotations."""
    folder = tmp_path_factory.mktemp("scored")
    videos = synthetic.generate_videos("tvsum", show_progress=False)[:5]
    from pglsum_hf.data.h5 import write_videos

    h5 = write_videos(folder / "synthetic_scored.h5", ((v.video_id, v.arrays) for v in videos))
    splits = folder / "splits.json"
    splits.write_text(
        json.dumps([{"train_keys": ["video_1", "video_2", "video_3", "video_4"], "test_keys": ["video_5"]}])
    )
    return h5, splits, [v.annotation for v in videos]


def test_annotations_with_the_wrong_number_of_videos(scored, tmp_path):
    h5, splits, annotations = scored
    anno = write_tvsum_annotations(annotations[:4], tmp_path / "anno.tsv")
    with pytest.raises(
        DataFormatError, match=r"anno.tsv: expected 5 annotated videos \(as in synthetic_scored.h5\), found 4 videos"
    ):
        convert.convert_h5_to_dataset(h5, splits, tmp_path / "out", annotations=anno, show_progress=False)
    assert not (tmp_path / "out").exists()


def test_annotations_with_the_wrong_length(scored, tmp_path):
    h5, splits, annotations = scored
    short = VideoAnnotation(annotations[2].video_name, "GA", annotations[2].user_scores[:, :-10])
    anno = write_tvsum_annotations([*annotations[:2], short, *annotations[3:]], tmp_path / "anno.tsv")
    with pytest.raises(DataFormatError) as error:
        convert.convert_h5_to_dataset(h5, splits, tmp_path / "out", annotations=anno, show_progress=False)
    assert error.value.field == "user_scores" and error.value.video.startswith("video_3 (synthetic_tvsum_03)")
    assert f"n_frames={annotations[2].user_scores.shape[1]}" in str(error.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anno.tsv"]


def test_annotation_scores_outside_1_to_5(scored, tmp_path):
    h5, splits, annotations = scored
    anno = write_tvsum_annotations(annotations, tmp_path / "anno.tsv")
    lines = anno.read_text().splitlines()
    lines[3] = lines[3].replace(",3,", ",7,", 1)
    anno.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataFormatError,
        match=r"anno.tsv: video 'synthetic_tvsum_01', field 'user_scores \(line 4\)': expected integer scores 1..5",
    ):
        convert.convert_h5_to_dataset(h5, splits, tmp_path / "out", annotations=anno, show_progress=False)


def test_missing_files_are_named(good, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        convert.convert_h5_to_dataset(tmp_path / "nope.h5", good[1], tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="nope.json"):
        convert.convert_h5_to_dataset(good[0], tmp_path / "nope.json", tmp_path / "out")


@pytest.mark.parametrize("offset", [-14, 14])
def test_last_shot_may_end_one_sampling_step_off_the_last_frame(offset, good, tmp_path):
    """Standard files put shot boundaries on the 2 fps grid; the evaluation code pads or trims to n_frames."""
    h5 = shutil.copy(good[0], tmp_path / "grid.h5")
    with h5py.File(h5, "r+") as f:
        cps = f["video_1/change_points"][()]
        cps[-1, 1] += offset
        _replace(f["video_1"], "change_points", cps)
        _replace(f["video_1"], "n_frame_per_seg", cps[:, 1] - cps[:, 0] + 1)
    folder = convert.convert_h5_to_dataset(h5, good[1], tmp_path / "out", show_progress=False)
    assert (folder / "data" / "video_1.parquet").is_file()
