"""Score a PGL-SUM model on the test videos of one split, as the original ``inference/inference.py`` does.

The original reads each test video's features, runs the model on that one video (eval mode, no gradient, float32),
turns the scores into a keyshot summary (``generate_summary``) and compares it with the users' summaries
(``evaluate_summary``: SumMe ``max``, TVSum ``avg``); the split's figure is the mean over its test videos, printed as
"Trained for split: k achieved an F-score of xx.xx%". Here the same steps run through `compute_metrics`, which also
gives rank correlations where the data has them and diversity.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PGLSumError
from ..metrics import compute_metrics, resolve_eval_method

# Correlation results of `compute_metrics`: against each user's scores (TVSum), else against the gtscore curve.
CORRELATIONS = ("kendall_tau", "spearman_rho", "kendall_tau_gtscore", "spearman_rho_gtscore")


@dataclass
class SplitEvaluation:
    """One model on one split's test videos: the mean F-score (percent) and each video's."""

    dataset: str
    split_index: int
    eval_method: str
    f_score: float
    videos: list[dict[str, Any]]
    correlations: dict[str, float] = field(default_factory=dict)
    diversity: float | None = None

    def original_line(self) -> str:
        """The line the original inference script prints for this split."""
        return f"Trained for split: {self.split_index} achieved an F-score of {self.f_score:.2f}%"

    def to_json(self, model: str) -> dict[str, Any]:
        return {"model": model, **asdict(self)}


def dataset_eval_method(dataset: str | os.PathLike, eval_method: str | None) -> str:
    """``eval_method`` if given, else the benchmark's convention read from the dataset's name (summe/tvsum)."""
    try:
        return resolve_eval_method(eval_method, Path(str(dataset).rstrip("/")).name)
    except ValueError as error:
        raise PGLSumError(f"--eval_method: {error}") from None


def score_videos(model: Any, features: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each video's scores from the model run on that video alone, as the original does (no padding, float32)."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    scores = []
    with torch.no_grad():
        for array in features:
            video = torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)[None]
            scores.append(model(video).scores[0].float().cpu().numpy())
    return scores


def load_test_videos(
    dataset: str | os.PathLike,
    split_index: int,
    splits: str | os.PathLike | None = None,
    show_progress: bool = False,
) -> list[dict[str, Any]]:
    """The test videos of split ``split_index`` of ``dataset`` (h5, dataset folder or Hub id), as numpy rows."""
    from ..data.loading import load_split

    test = load_split(dataset, split_index, splits=splits, show_progress=show_progress)["test"]
    return [test[index] for index in range(len(test))]


def evaluate_videos(
    model: Any,
    rows: list[dict[str, Any]],
    dataset: str | os.PathLike,
    split_index: int,
    eval_method: str,
) -> SplitEvaluation:
    """The original inference procedure on ``rows`` (the test videos of split ``split_index`` of ``dataset``).

    ``eval_method`` is ``max`` or ``avg`` (`dataset_eval_method` resolves a dataset's convention once, before).

    Raises:
        PGLSumError: a video's features do not fit the model (the message names the video).
    """
    from ..data.collator import VideoCollator

    input_size = model.config.input_size
    for row in rows:
        shape = tuple(np.shape(row["features"]))
        if len(shape) != 2 or shape[1] != input_size:
            raise PGLSumError(
                f"{dataset}: video {row['video_id']} has features of shape {list(shape)}; the model expects "
                f"[n_steps, {input_size}]"
            )
    references = [VideoCollator().reference(row, np.asarray(row["features"], dtype=np.float32)) for row in rows]
    predictions = score_videos(model, [reference["features"] for reference in references])
    result = compute_metrics(predictions, references, eval_method=eval_method)
    videos = [
        {"video_id": reference["video_id"], "f_score": float(score)}
        for reference, score in zip(references, result["f_scores"])
    ]
    return SplitEvaluation(
        dataset=str(dataset),
        split_index=split_index,
        eval_method=eval_method,
        f_score=float(np.mean([video["f_score"] for video in videos])),
        videos=videos,
        correlations={name: float(result[name]) for name in CORRELATIONS if name in result},
        diversity=float(result["diversity"]) if "diversity" in result else None,
    )


def evaluate_on_split(
    model: Any,
    dataset: str | os.PathLike,
    split_index: int,
    eval_method: str,
    *,
    splits: str | os.PathLike | None = None,
    show_progress: bool = False,
) -> SplitEvaluation:
    """The original inference procedure for split ``split_index`` of ``dataset`` (h5, dataset folder or Hub id);
    ``eval_method`` as for `evaluate_videos`."""
    rows = load_test_videos(dataset, split_index, splits, show_progress)
    return evaluate_videos(model, rows, dataset, split_index, eval_method)
