"""The data side of training: length-sorted batches under both limits, padded batches, clear errors for bad videos."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pglsum_hf.data.batching import PaddedVideos, length_sorted_batches
from pglsum_hf.data.errors import DataFormatError


def test_length_sorted_batches_respect_both_limits() -> None:
    lengths = [30, 90, 50, 90, 200, 10]
    everything = list(range(len(lengths)))
    assert length_sorted_batches(lengths, everything) == [[4, 1, 3, 2, 0, 5]]  # longest first, ties by index
    assert length_sorted_batches(lengths, everything, max_videos=4) == [[4, 1, 3, 2], [0, 5]]
    # the 200-frame video fills the budget alone; then 90 + 90 + 50 > 200, so 90 + 90, then 50 + 30 + 10
    assert length_sorted_batches(lengths, everything, max_frames=200) == [[4], [1, 3], [2, 0, 5]]
    assert length_sorted_batches(lengths, everything, 2, 200) == [[4], [1, 3], [2, 0], [5]]
    assert length_sorted_batches(lengths, [5, 0], max_videos=1) == [[0], [5]]


def test_min_fill_keeps_padding_within_its_bound() -> None:
    lengths = [30, 90, 50, 90, 200, 10, 45, 80]
    everything = list(range(len(lengths)))
    # 200 alone (90 < 0.8 * 200); 90, 90, 80 together (80 >= 72); 50, 45 (45 >= 40); 30; 10
    assert length_sorted_batches(lengths, everything, min_fill=0.8) == [[4], [1, 3, 7], [2, 6], [0], [5]]
    for min_fill in (0.5, 0.8, 0.95):
        for batch in length_sorted_batches(lengths, everything, min_fill=min_fill):
            longest = lengths[batch[0]]
            padded, real = len(batch) * longest**2, sum(lengths[i] ** 2 for i in batch)
            assert padded <= real / min_fill**2
    assert length_sorted_batches(lengths, everything, min_fill=0.0) == length_sorted_batches(lengths, everything)


def _rows(lengths, width=4):
    rng = np.random.default_rng(0)
    return [
        {
            "video_id": f"v{i}",
            "features": rng.normal(size=(n, width)).astype(np.float32),
            "gtscore": rng.random(n).astype(np.float32),
        }
        for i, n in enumerate(lengths)
    ]


def test_padded_batches_are_right_padded_copies_of_the_videos() -> None:
    rows = _rows([3, 5, 2])
    videos = PaddedVideos(rows)
    assert videos.lengths == [3, 5, 2] and videos.input_size == 4 and len(videos) == 3
    batch = videos.batch([1, 0, 2])
    assert batch["features"].shape == (3, 5, 4) and batch["labels"].shape == (3, 5)
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]
    for row, index in enumerate([1, 0, 2]):
        n = rows[index]["features"].shape[0]
        assert torch.equal(batch["features"][row, :n], torch.from_numpy(rows[index]["features"]))
        assert torch.equal(batch["labels"][row, :n], torch.from_numpy(rows[index]["gtscore"]))
        assert not batch["features"][row, n:].any() and not batch["labels"][row, n:].any()


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda rows: rows[1]["features"].__setitem__((2, 1), np.nan),
            r"video 'v1', field 'features': expected finite numbers, found NaN or inf at step 2",
        ),
        (
            lambda rows: rows[0]["gtscore"].__setitem__(0, np.inf),
            r"video 'v0', field 'gtscore': expected finite numbers, found NaN or inf at step 0",
        ),
        (
            lambda rows: rows[1].__setitem__("features", np.zeros((5, 3), np.float32)),
            r"video 'v1', field 'features': expected \[n_steps >= 1, 4\]",
        ),
        (
            lambda rows: rows[1].__setitem__("gtscore", np.zeros(4, np.float32)),
            r"video 'v1', field 'gtscore': expected \[n_steps=5\]",
        ),
    ],
)
def test_bad_videos_are_named_before_training(change, message) -> None:
    rows = _rows([3, 5])
    change(rows)
    with pytest.raises(DataFormatError, match=r"^data\.h5: " + message):
        PaddedVideos(rows, source="data.h5")
