"""Conversion of standard h5 files into dataset folders: configs, lossless round trip, card, streaming, Hub."""

import json

import datasets
import h5py
import numpy as np
import pytest
import yaml

from pglsum_hf import hub
from pglsum_hf.commands import convert as convert_command
from pglsum_hf.data import convert, synthetic
from pglsum_hf.data.annotations import read_tvsum_annotations
from pglsum_hf.data.h5 import write_videos
from pglsum_hf.data.splits import read_splits

H5_FIELDS = (
    "features",
    "gtscore",
    "gtsummary",
    "user_summary",
    "change_points",
    "n_frame_per_seg",
    "n_frames",
    "picks",
    "n_steps",
)


def _make(folder, profile, annotations=False):
    h5 = synthetic.make_synthetic_h5(
        folder / f"synthetic_{profile}.h5",
        profile,
        annotations_path=folder / f"synthetic_{profile}_anno.tsv" if annotations else None,
        show_progress=False,
    )
    return h5, synthetic.write_synthetic_splits(h5, profile)


@pytest.fixture(scope="module")
def summe(tmp_path_factory):
    folder = tmp_path_factory.mktemp("summe")
    h5, splits = _make(folder, "summe")
    return h5, splits, convert.convert_h5_to_dataset(h5, splits, folder / "dataset", show_progress=False)


@pytest.fixture(scope="module")
def tvsum(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tvsum")
    h5, splits = _make(folder, "tvsum", annotations=True)
    anno = folder / "synthetic_tvsum_anno.tsv"
    return (
        h5,
        splits,
        anno,
        convert.convert_h5_to_dataset(h5, splits, folder / "dataset", annotations=anno, show_progress=False),
    )


def _assert_rows_equal_h5(rows, h5_path, annotations=None, subset=False):
    with h5py.File(h5_path, "r") as h5:
        if not subset:
            assert sorted(row["video_id"] for row in rows) == sorted(h5)
        for row in rows:
            group = h5[row["video_id"]]
            for field in H5_FIELDS:
                stored, original = np.asarray(row[field]), group[field][()]
                assert stored.shape == original.shape, field
                np.testing.assert_array_equal(stored, original, err_msg=field)
                if original.dtype == np.float32 and field != "user_summary":
                    assert stored.dtype == np.float32 and stored.tobytes() == original.tobytes(), field
            assert row["user_summary"].dtype == bool
            if "video_name" in group:
                assert row["video_name"] == group["video_name"][()].decode()
            if annotations is not None:
                index = int(row["video_id"].split("_")[1]) - 1
                np.testing.assert_array_equal(row["user_scores"], annotations[index].user_scores)
                assert (
                    row["video_name"] == annotations[index].video_name
                    and row["category"] == annotations[index].category
                )


@pytest.mark.parametrize("name", ["summe", "tvsum"])
def test_every_config_round_trips_losslessly(name, summe, tvsum):
    h5, splits_path, *rest, folder = summe if name == "summe" else tvsum
    annotations = read_tvsum_annotations(rest[0]) if rest else None
    assert datasets.get_dataset_config_names(str(folder)) == ["all"] + [f"split_{k}" for k in range(5)]
    # Every array of every video, bit for bit ...
    everything = datasets.load_dataset(str(folder), "all", split="full").with_format("numpy")
    _assert_rows_equal_h5(list(everything), h5, annotations)
    # ... and every split config lists exactly the JSON's videos, in its order (same shards as `all`).
    for index, split in enumerate(read_splits(splits_path)):
        loaded = datasets.load_dataset(str(folder), f"split_{index}", columns=["video_id"])
        assert set(loaded) == {"train", "test"}
        assert loaded["train"]["video_id"] == split["train_keys"]
        assert loaded["test"]["video_id"] == split["test_keys"]


def test_a_split_config_loads_whole_rows(summe):
    h5, splits_path, folder = summe
    test = datasets.load_dataset(str(folder), "split_4", split="test").with_format("numpy")
    assert test["video_id"] == read_splits(splits_path)[4]["test_keys"]
    _assert_rows_equal_h5(list(test), h5, subset=True)


def test_feature_data_is_stored_once_and_the_folder_is_small(summe, tvsum):
    for h5, *_, folder in (summe, tvsum):
        shards = sorted(p.name for p in (folder / "data").iterdir())
        with h5py.File(h5, "r") as f:
            assert shards == sorted(f"{video}.parquet" for video in f)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        assert size <= 1.2 * h5.stat().st_size, (size, h5.stat().st_size)


def test_typed_features(tvsum, summe):
    features = datasets.load_dataset_builder(str(tvsum[-1]), "split_0").info.features
    assert features["features"] == datasets.Array2D(shape=(None, 1024), dtype="float32")
    assert features["user_summary"] == datasets.List(datasets.List(datasets.Value("bool")))
    assert features["user_scores"] == datasets.List(datasets.List(datasets.Value("uint8")))
    assert features["change_points"] == datasets.Array2D(shape=(None, 2), dtype="int64")
    assert list(features)[:3] == ["video_id", "video_name", "category"]
    summe_features = datasets.load_dataset_builder(str(summe[-1]), "all").info.features
    assert "user_scores" not in summe_features and "category" not in summe_features


def test_dataset_card(summe, tvsum):
    text = (summe[-1] / "README.md").read_text()
    header = yaml.safe_load(text.split("---")[1])
    assert [c["config_name"] for c in header["configs"]] == ["all"] + [f"split_{k}" for k in range(5)]
    splits = read_splits(summe[1])
    split_0 = {entry["split"]: entry["path"] for entry in header["configs"][1]["data_files"]}
    assert split_0["test"] == [f"data/{key}.parquet" for key in splits[0]["test_keys"]]
    assert header["license"] == "mit" and "synthetic" in header["tags"]
    assert header["dataset_info"][0]["splits"][0]["num_examples"] == 25
    body = text.split("---", 2)[2]
    assert "SYNTHETIC" in body and "$" not in body.replace("$ ", "")
    for citation in ("gygli2014summe", "zhang2016vsumlstm", "apostolidis2021pglsum", "load_dataset("):
        assert citation in text
    assert "song2015tvsum" in (tvsum[-1] / "README.md").read_text()


def test_card_of_a_real_benchmark_file(tmp_path):
    """A file named like the standard SumMe features (no synthetic marker) gets the real-data card."""
    videos = synthetic.generate_videos("tiny", show_progress=False)
    h5 = write_videos(tmp_path / "eccv16_dataset_summe_google_pool5.h5", ((v.video_id, v.arrays) for v in videos))
    splits = [{"train_keys": ["video_1", "video_2", "video_3"], "test_keys": ["video_4", "video_5"]}]
    text = (
        convert.convert_h5_to_dataset(h5, splits, tmp_path / "summe", show_progress=False) / "README.md"
    ).read_text()
    header = yaml.safe_load(text.split("---")[1])
    assert header["license"] == "other" and header["pretty_name"] == "SumMe video summarization features"
    assert "summe" in header["tags"] and "synthetic" not in header["tags"]
    assert "SYNTHETIC" not in text and "Gygli et al., ECCV 2014" in text and "split_0" in text
    assert "Check the original terms" in text


def test_real_splits_and_real_tvsum_annotations_apply(tmp_path, shared_data):
    """The paper's TVSum splits and the real ydata-anno.tsv fit a synthetic file with the real frame counts."""
    videos = synthetic.generate_videos("tvsum", show_progress=False)
    # Narrow features keep this test light; the converter takes any feature size shared by all videos.
    h5 = write_videos(
        tmp_path / "synthetic_tvsum_narrow.h5",
        ((v.video_id, {**v.arrays, "features": v.arrays["features"][:, :16].copy()}) for v in videos),
    )
    folder = convert.convert_h5_to_dataset(
        h5,
        shared_data / "tvsum_splits.json",
        tmp_path / "real",
        annotations=shared_data / "ydata-anno.tsv",
        show_progress=False,
    )
    real_splits = json.loads((shared_data / "tvsum_splits.json").read_text())
    columns = ["video_id", "video_name", "category"]
    loaded = datasets.load_dataset(str(folder), "split_3", columns=columns)
    assert (
        loaded["train"]["video_id"] == real_splits[3]["train_keys"]
        and loaded["test"]["video_id"] == real_splits[3]["test_keys"]
    )
    first = datasets.load_dataset(str(folder), "all", split="full", columns=columns)[0]
    assert first == {"video_id": "video_1", "video_name": "AwmHb44_ouw", "category": "VT"}
    anno = read_tvsum_annotations(shared_data / "ydata-anno.tsv")
    shard = datasets.Dataset.from_parquet(str(folder / "data" / "video_50.parquet")).with_format("numpy")[0]
    np.testing.assert_array_equal(shard["user_scores"], anno[49].user_scores)
    assert shard["user_scores"].shape == (20, 6912) and shard["video_name"] == "-esJrBWj2d8"
    assert shard["features"].shape == (461, 16)


def test_streaming_reads_the_same_arrays(summe):
    h5, splits, folder = summe
    rows = list(datasets.load_dataset(str(folder), "split_2", split="test", streaming=True).with_format("numpy"))
    assert [row["video_id"] for row in rows] == read_splits(splits)[2]["test_keys"]
    _assert_rows_equal_h5(rows, h5, subset=True)


def test_push_to_hub_and_load_from_it(tmp_path, hub_repo_id):
    h5, splits = _make(tmp_path, "tiny")
    folder = convert.convert_h5_to_dataset(h5, splits, tmp_path / "dataset", repo_id=hub_repo_id, show_progress=False)
    hub.push_dataset_folder(folder, hub_repo_id)
    loaded = datasets.load_dataset(hub_repo_id, "split_1")
    assert loaded["test"]["video_id"] == read_splits(splits)[1]["test_keys"]
    _assert_rows_equal_h5(list(datasets.load_dataset(hub_repo_id, "all", split="full").with_format("numpy")), h5)
    streamed = next(iter(datasets.load_dataset(hub_repo_id, "split_0", split="train", streaming=True)))
    assert streamed["video_id"] == read_splits(splits)[0]["train_keys"][0]
    assert f'load_dataset("{hub_repo_id}", "split_0")' in (tmp_path / "dataset" / "README.md").read_text()


def test_output_folder_is_replaced_only_on_request(tmp_path):
    h5, splits = _make(tmp_path, "tiny")
    folder = convert.convert_h5_to_dataset(h5, splits, tmp_path / "out", show_progress=False)
    (folder / "marker").write_text("old")
    with pytest.raises(FileExistsError, match="overwrite"):
        convert.convert_h5_to_dataset(h5, splits, folder, show_progress=False)
    assert (folder / "marker").exists()
    convert.convert_h5_to_dataset(h5, splits, folder, overwrite=True, show_progress=False)
    assert not (folder / "marker").exists() and (folder / "README.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out", "synthetic_tiny.h5", "synthetic_tiny_splits.json"]
    )


def test_cli(tmp_path, capsys):
    h5, splits = _make(tmp_path, "tiny")
    assert (
        convert_command.main(
            ["--h5", str(h5), "--splits", str(splits), "--output_dir", str(tmp_path / "cli"), "--name", "tiny_demo"]
        )
        == 0
    )
    assert "load_dataset" in capsys.readouterr().out
    assert "tiny_demo" in (tmp_path / "cli" / "README.md").read_text()
