"""Loading splits for training, the padding collator and the length-grouped sampler."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from pglsum_hf import hub
from pglsum_hf.data import VideoCollator, convert, load_split, read_splits, synthetic
from pglsum_hf.data.loading import convert_cached
from pglsum_hf.metrics import compute_metrics


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    h5 = synthetic.make_synthetic_h5(folder / "synthetic_tiny.h5", "tiny", seed=1, show_progress=False)
    return h5, synthetic.write_synthetic_splits(h5, "tiny", seed=1)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """Eight TVSum-style videos with raw scores, converted with annotations."""
    folder = tmp_path_factory.mktemp("scored")
    videos = synthetic.generate_videos("tvsum", show_progress=False)
    # Keep the loading tests fast: the 8 shortest TVSum-like videos, renumbered video_1..video_8.
    videos = sorted(videos, key=lambda v: v.arrays["n_frames"])[:8]
    from pglsum_hf.data.annotations import write_tvsum_annotations
    from pglsum_hf.data.h5 import write_videos

    h5 = write_videos(folder / "synthetic_scored.h5", ((f"video_{i + 1}", v.arrays) for i, v in enumerate(videos)))
    anno = write_tvsum_annotations([v.annotation for v in videos], folder / "anno.tsv")
    splits = [{"train_keys": [f"video_{i}" for i in range(1, 7)], "test_keys": ["video_7", "video_8"]}]
    return convert.convert_h5_to_dataset(h5, splits, folder / "dataset", annotations=anno, show_progress=False)


def test_load_split_from_h5_converts_once_and_matches_the_json(tiny, tmp_path):
    h5, splits_path = tiny
    split = load_split(h5, 3, cache_dir=tmp_path, show_progress=False)
    expected = read_splits(splits_path)[3]
    assert list(split["train"]["video_id"]) == expected["train_keys"]
    assert list(split["test"]["video_id"]) == expected["test_keys"]
    row = split["train"][0]
    assert (
        isinstance(row["features"], np.ndarray) and row["features"].dtype == np.float32 and row["features"].ndim == 2
    )
    assert row["user_summary"].dtype == bool and row["change_points"].shape[1] == 2
    # The conversion is cached: a second call reuses the same folder untouched.
    folder = convert_cached(h5, cache_dir=tmp_path, show_progress=False)
    stamp = (folder / "README.md").stat().st_mtime_ns
    load_split(h5, 0, cache_dir=tmp_path, show_progress=False)
    assert (folder / "README.md").stat().st_mtime_ns == stamp and len(list(tmp_path.iterdir())) == 1


def test_a_damaged_cached_conversion_is_converted_again(tiny, tmp_path, caplog):
    h5, splits_path = tiny
    folder = convert_cached(h5, cache_dir=tmp_path, show_progress=False)
    shard = next((folder / "data").glob("*.parquet"))
    shard.write_bytes(shard.read_bytes()[:100])  # a conversion cut short, say by a full disk
    with caplog.at_level("WARNING", logger="pglsum_hf.data.loading"):
        split = load_split(h5, 0, cache_dir=tmp_path, show_progress=False)
    assert list(split["test"]["video_id"]) == read_splits(splits_path)[0]["test_keys"]
    assert any(shard.name in record.message and "again" in record.message for record in caplog.records)


def test_load_split_from_folder_with_custom_splits(scored):
    custom = [
        {"train_keys": ["video_2", "video_5"], "test_keys": ["video_8"]},
        {"train_keys": ["video_1"], "test_keys": ["video_3", "video_4"]},
    ]
    split = load_split(scored, 1, splits=custom)
    assert list(split["train"]["video_id"]) == ["video_1"] and list(split["test"]["video_id"]) == [
        "video_3",
        "video_4",
    ]
    assert split["test"][0]["user_scores"].shape[0] == 20
    with pytest.raises(ValueError, match="out of range"):
        load_split(scored, 2, splits=custom)


def test_load_split_errors(tiny, tmp_path, scored):
    h5 = tmp_path / "lonely.h5"
    h5.write_bytes(tiny[0].read_bytes())
    with pytest.raises(FileNotFoundError, match="lonely_splits.json"):
        load_split(h5, 0)
    with pytest.raises(ValueError, match=r"no config 'split_3'; available configs: \['all', 'split_0'\]"):
        load_split(scored, 3)
    with pytest.raises(ValueError, match="non-negative integer"):
        load_split(scored, -1)
    with pytest.raises(ValueError, match="annotations apply when converting an .h5 file"):
        load_split(scored, 0, annotations=tmp_path / "ydata-anno.tsv")


def test_load_split_from_the_hub(scored, hub_repo_id):
    hub.push_dataset_folder(scored, hub_repo_id)
    split = load_split(hub_repo_id, 0)
    assert list(split["test"]["video_id"]) == ["video_7", "video_8"]
    streamed = load_split(hub_repo_id, 0, streaming=True)
    assert next(iter(streamed["test"]))["features"].shape[1] == 1024


def test_collator_pads_and_keeps_the_metric_references(scored):
    videos = load_split(scored, 0)["train"]
    rows = [videos[i] for i in range(3)]
    batch = VideoCollator()(rows)
    lengths = [len(row["features"]) for row in rows]
    assert batch["features"].shape == (3, max(lengths), 1024) and batch["features"].dtype == torch.float32
    assert batch["attention_mask"].tolist() == [[1] * n + [0] * (max(lengths) - n) for n in lengths]
    for index, row in enumerate(rows):
        n = lengths[index]
        np.testing.assert_array_equal(batch["features"][index, :n].numpy(), row["features"])
        assert not batch["features"][index, n:].any() and not batch["labels"][index, n:].any()
        np.testing.assert_array_equal(batch["labels"][index, :n].numpy(), row["gtscore"])
    assert batch["video_id"] == [row["video_id"] for row in rows]
    reference = batch["references"][0]
    assert set(reference) == {
        "video_id",
        "user_summary",
        "change_points",
        "picks",
        "n_frames",
        "gtscore",
        "user_scores",
        "features",
    }
    assert (
        reference["user_summary"].dtype == np.int8
        and reference["user_scores"].shape == reference["user_summary"].shape
    )
    # Exactly what the video_summarization metric takes as references.
    result = compute_metrics([row["gtscore"] for row in rows], batch["references"], eval_method="avg")
    assert {"f_score", "kendall_tau", "spearman_rho", "diversity"} <= set(result)
    assert "features" not in VideoCollator(reference_features=False)(rows)["references"][0]


def test_collator_rejects_mismatched_rows():
    rows = [
        {"video_id": "a", "features": np.zeros((3, 8), np.float32)},
        {"video_id": "b", "features": np.zeros((2, 4), np.float32)},
    ]
    with pytest.raises(ValueError, match=r"video 'b': features must be \[n_steps, 8\], found \[2, 4\]"):
        VideoCollator()(rows)
    with pytest.raises(ValueError, match=r"video 'a': gtscore must be \[n_steps=3\]"):
        VideoCollator()([{"video_id": "a", "features": np.zeros((3, 8), np.float32), "gtscore": np.zeros(2)}])


def test_dataloader_and_accelerator_prepare(scored):
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    videos = load_split(scored, 0)["train"]
    loader = DataLoader(videos, batch_size=2, collate_fn=VideoCollator(), shuffle=True)
    plain = list(loader)
    assert sum(len(b["video_id"]) for b in plain) == len(videos)
    try:
        accelerator = Accelerator(cpu=True)
        device = accelerator.device
        batches = list(accelerator.prepare(loader))
    finally:
        AcceleratorState._reset_state(True)
    assert sorted(v for b in batches for v in b["video_id"]) == sorted(videos["video_id"])
    for batch in batches:
        assert batch["features"].device == device and batch["features"].shape[0] == batch["attention_mask"].shape[0]
        assert isinstance(batch["references"][0]["user_summary"], np.ndarray)
        assert batch["attention_mask"].sum(1).tolist() == [len(r["picks"]) for r in batch["references"]]
