"""The result of summarizing one video, and its JSON form (the pipeline's output and the ``IN.json`` file)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .decode import VideoInfo
from .keyshots import Segment

# The --feature_weights value that runs an untrained GoogLeNet (tests and demos; every output says SYNTHETIC).
RANDOM_WEIGHTS = "random"
RANDOM_FEATURES_NOTE = (
    "SYNTHETIC: the frame features come from an untrained (random) GoogLeNet; the scores, shots and summary "
    "carry no meaning and only show that the path works"
)


@dataclass
class VideoSummary:
    """Everything learned while summarizing one video.

    Attributes:
        info: what decoding learned (frames, fps, duration, picks, timestamps).
        scores: float [T] importance of every sampled frame (``info.picks``), from the PGL-SUM model.
        shots: int [S, 2] inclusive ``[start, end]`` frames of every shot (KTS), covering the video.
        shot_scores: float [S] mean importance of every shot (the knapsack's values).
        selected: bool [S] the shots in the summary (when ``trimmed``, the shot the summary was cut from).
        segments: the selected shots in time order, with frames, times and scores; when no whole shot fits the
            budget, one segment trimmed out of the best shot (see :mod:`.keyshots`).
        model: name or path of the PGL-SUM model.
        feature_weights: description of the GoogLeNet weights.
        random_features: whether those weights are random (then every output says so).
        budget: summary length as a fraction of the video (None when ``max_seconds`` set it).
        max_seconds: summary length in seconds, when given.
        kts: the KTS parameters used (None when the shots were given).
        score_window: how the scores were made: None when the model scored the whole video (the original's exact
            scores), else the windowed scoring's window, overlap and number of windows (see :mod:`.windowed_scores`).
        outputs: files written for this video (``video``, ``json``, ``plot``), once saved.
    """

    info: VideoInfo
    scores: np.ndarray
    shots: np.ndarray
    shot_scores: np.ndarray
    selected: np.ndarray
    segments: list[Segment]
    model: str
    feature_weights: str
    random_features: bool
    budget: float | None
    max_seconds: float | None
    kts: dict | None
    score_window: dict | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def trimmed(self) -> bool:
        """Whether the summary is a window cut out of a shot longer than the budget (no whole shot fitted)."""
        return any(segment.trimmed for segment in self.segments)

    @property
    def summary_frames(self) -> int:
        return sum(segment.n_frames for segment in self.segments)

    @property
    def summary_duration(self) -> float:
        return sum(segment.end_time - segment.start_time for segment in self.segments)

    def to_dict(self) -> dict:
        """JSON-ready description: ``segments``, ``shots``, ``picks``, ``scores`` and the metadata around them."""
        info = self.info
        result = {
            "video": str(info.path),
            "n_frames": info.n_frames,
            "fps": info.fps,
            "duration": info.duration,
            "width": info.width,
            "height": info.height,
            "has_audio": info.has_audio,
            "sample_rate": info.sample_rate,
            "model": self.model,
            "feature_extractor": {
                "network": "GoogLeNet pool5 (torchvision), 224x224, L2-normalised",
                "weights": self.feature_weights,
                "random": self.random_features,
            },
            "kts": self.kts,
            "score_window": self.score_window,
            "budget": {"proportion": self.budget, "max_seconds": self.max_seconds},
            "summary_frames": self.summary_frames,
            "summary_duration": self.summary_duration,
            "trimmed": self.trimmed,
            "segments": [segment.to_dict() for segment in self.segments],
            "shots": self.shots.tolist(),
            "shot_scores": [float(value) for value in self.shot_scores],
            "selected_shots": np.flatnonzero(self.selected).tolist(),
            "picks": info.picks.tolist(),
            "scores": [float(value) for value in self.scores],
            "outputs": dict(self.outputs),
        }
        if self.random_features:
            result["note"] = RANDOM_FEATURES_NOTE
        return result
