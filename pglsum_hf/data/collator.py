"""Batching videos for PGL-SUM: a padding collator that keeps the metric's per-video references.

Rows are videos as given by :func:`pglsum_hf.data.load_split` (numpy format) or any mapping with the same
columns (lists work too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Row columns that the video_summarization metric takes as references (besides video_id).
REFERENCE_COLUMNS = ("user_summary", "change_points", "picks", "n_frames", "gtscore", "user_scores", "features")


@dataclass
class VideoCollator:
    """Pad a list of videos into a batch for :class:`~pglsum_hf.PGLSumModel`.

    Returns a dict with
        ``features`` float32 [B, T_max, D] (zeros at padding),
        ``attention_mask`` int64 [B, T_max] (1 for real steps, 0 for padding),
        ``labels`` float32 [B, T_max] (``gtscore``, 0 at padding; only when rows have ``gtscore``),
        ``video_id`` list of B str,
        ``references`` list of B dicts of numpy arrays in the ``video_summarization`` metric's reference format
        (``user_summary`` int8 [n_users, n_frames], ``change_points`` [n_segments, 2], ``picks`` [n_steps],
        ``n_frames``, ``gtscore``, ``video_id``, and ``user_scores`` / ``features`` when present).

    Args:
        reference_features: put each video's ``features`` into its reference (the metric's diversity score);
            False keeps the references light.
    """

    reference_features: bool = True

    def __call__(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not rows:
            raise ValueError("VideoCollator got an empty list of videos")
        features = [np.asarray(row["features"], dtype=np.float32) for row in rows]
        for row, array in zip(rows, features):
            if array.ndim != 2 or array.shape[1] != features[0].shape[1]:
                raise ValueError(
                    f"video {row.get('video_id')!r}: features must be [n_steps, {features[0].shape[1]}], found {list(array.shape)}"
                )
        lengths = [len(array) for array in features]
        batch_size, max_length, dim = len(rows), max(lengths), features[0].shape[1]

        # Fill through numpy views of the tensors: rows from datasets are read-only arrays.
        padded = torch.zeros(batch_size, max_length, dim, dtype=torch.float32)
        attention_mask = torch.zeros(batch_size, max_length, dtype=torch.long)
        for index, (array, length) in enumerate(zip(features, lengths)):
            padded.numpy()[index, :length] = array
            attention_mask[index, :length] = 1
        batch: dict[str, Any] = {"features": padded, "attention_mask": attention_mask}

        if all("gtscore" in row for row in rows):
            labels = torch.zeros(batch_size, max_length, dtype=torch.float32)
            for index, (row, length) in enumerate(zip(rows, lengths)):
                gtscore = np.asarray(row["gtscore"], dtype=np.float32)
                if gtscore.shape != (length,):
                    raise ValueError(
                        f"video {row.get('video_id')!r}: gtscore must be [n_steps={length}], found {list(gtscore.shape)}"
                    )
                labels.numpy()[index, :length] = gtscore
            batch["labels"] = labels

        batch["video_id"] = [str(row.get("video_id", index)) for index, row in enumerate(rows)]
        batch["references"] = [self.reference(row, array) for row, array in zip(rows, features)]
        return batch

    def reference(self, row: Mapping[str, Any], features: np.ndarray | None = None) -> dict[str, Any]:
        """One video's reference dict for the metric (numpy arrays)."""
        reference: dict[str, Any] = {"video_id": str(row.get("video_id", ""))}
        for column in REFERENCE_COLUMNS:
            if column not in row or row[column] is None or (column == "features" and not self.reference_features):
                continue
            value = features if column == "features" and features is not None else np.asarray(row[column])
            if column == "user_summary":
                value = value.astype(np.int8, copy=False)
            elif column == "n_frames":
                value = int(value)
            reference[column] = value
        return reference
