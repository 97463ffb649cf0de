"""Padded batches of whole videos for training: the split held once as tensors, cut into length-sorted batches.

PGL-SUM's recipe takes one optimizer step per group of videos; how a group goes through the model does not change
its gradient (the sum over its videos). Sorting a group longest first and cutting it into batches of at most
``max_videos`` videos and ``max_frames`` real frames keeps padding small and, on a CPU, each batch's activations
close to the caches.

    videos = PaddedVideos(split["train"])
    for indices in length_sorted_batches(videos.lengths, group, max_frames=4096):
        batch = videos.batch(indices)      # features [B, T, D], attention_mask [B, T] (right-padded), labels [B, T]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from .errors import DataFormatError


def length_sorted_batches(
    lengths: Sequence[int],
    indices: Sequence[int],
    max_videos: int | None = None,
    max_frames: int | None = None,
    min_fill: float = 0.0,
) -> list[list[int]]:
    """``indices`` longest first, cut into batches of at most ``max_videos`` videos and ``max_frames`` real frames.

    A video longer than ``max_frames`` goes alone; ``None`` means no limit. With ``min_fill`` a video joins a batch
    only if it is at least that fraction of the batch's longest video: every video is padded to that length, so the
    attention's work (quadratic in the padded length) stays within ``1 / min_fill**2`` of the real work. Ties go by
    index, so the same videos always make the same batches.
    """
    batches: list[list[int]] = []
    frames = 0
    for index in sorted(indices, key=lambda i: (-lengths[i], i)):
        full = batches and (
            (max_videos is not None and len(batches[-1]) >= max_videos)
            or (max_frames is not None and frames + lengths[index] > max_frames)
            or lengths[index] < min_fill * lengths[batches[-1][0]]
        )
        if not batches or full:
            batches.append([])
            frames = 0
        batches[-1].append(index)
        frames += lengths[index]
    return batches


def _first_bad_frame(values: np.ndarray) -> int | None:
    finite = np.isfinite(values)
    if finite.ndim > 1:
        finite = finite.all(axis=tuple(range(1, finite.ndim)))
    bad = np.flatnonzero(~finite)
    return int(bad[0]) if bad.size else None


class PaddedVideos:
    """A split's videos as float32 tensors, checked once, from which any subset pads into one batch.

    Each video's ``features`` must be ``[n_steps, D]`` with one ``D`` for all, and ``gtscore`` ``[n_steps]``; both
    must be finite. A failure raises :class:`DataFormatError` naming the video, the field and the first bad frame,
    so that the model never sees a batch it cannot score.

    Args:
        rows: videos with ``video_id``, ``features`` and ``gtscore`` (a ``datasets`` split in numpy format, or dicts).
        source: what the rows come from, for the error messages (a file or dataset name).
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], source: str = "the dataset") -> None:
        self.video_ids: list[str] = []
        self.features: list[torch.Tensor] = []
        self.labels: list[torch.Tensor] = []
        for position in range(len(rows)):
            row = rows[position]
            video = str(row.get("video_id", position))
            features = np.asarray(row["features"], dtype=np.float32)
            if (
                features.ndim != 2
                or features.shape[0] == 0
                or (self.features and features.shape[1] != self.input_size)
            ):
                width = self.input_size if self.features else "D"
                raise DataFormatError(source, video, "features", f"[n_steps >= 1, {width}]", list(features.shape))
            labels = np.asarray(row["gtscore"], dtype=np.float32)
            if labels.shape != (features.shape[0],):
                raise DataFormatError(source, video, "gtscore", f"[n_steps={features.shape[0]}]", list(labels.shape))
            for name, values in (("features", features), ("gtscore", labels)):
                frame = _first_bad_frame(values)
                if frame is not None:
                    raise DataFormatError(source, video, name, "finite numbers", f"NaN or inf at step {frame}")
            self.video_ids.append(video)
            self.features.append(torch.from_numpy(features.copy()))
            self.labels.append(torch.from_numpy(labels.copy()))
        self.lengths = [len(features) for features in self.features]

    @property
    def input_size(self) -> int:
        return int(self.features[0].shape[1])

    def __len__(self) -> int:
        return len(self.features)

    def batch(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        """The videos ``indices`` right-padded to the longest: ``features``, ``attention_mask`` and ``labels``."""
        from torch.nn.utils.rnn import pad_sequence

        lengths = torch.tensor([self.lengths[i] for i in indices])
        features = pad_sequence([self.features[i] for i in indices], batch_first=True)
        labels = pad_sequence([self.labels[i] for i in indices], batch_first=True)
        attention_mask = (torch.arange(features.shape[1]) < lengths[:, None]).long()
        return {"features": features, "attention_mask": attention_mask, "labels": labels}
