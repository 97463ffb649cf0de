"""Summarize your own videos: video file -> features -> shots -> scores -> keyshots -> summary video, JSON, plot.

Python API::

    from pglsum_hf.video import SummarySettings, VideoSummarizer

    summarizer = VideoSummarizer.from_pretrained("path/or/hub-id", feature_weights="googlenet-1378be20.pth")
    summary = summarizer("my_video.mp4", output_dir="summaries")   # writes summaries/my_video.{mp4,json,png}
    print(summary.segments)

Every step is a method of its own (:meth:`~VideoSummarizer.extract_features`, :meth:`~VideoSummarizer.detect_shots`,
:meth:`~VideoSummarizer.score`, :meth:`~VideoSummarizer.select`, :meth:`~VideoSummarizer.save`) built on the
module functions of :mod:`pglsum_hf.video`, so a researcher can replace one (say, the shot detector) and keep
the rest. How a video is summarized is one :class:`~.settings.SummarySettings`; each step takes other settings
for one call as keywords (``budget=0.3``) or as a whole (``settings=...``). The ``video-summarization`` pipeline,
``pglsum summarize`` and the web page run these same methods.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import check_output_dir
from ..console import progress_bar
from ..errors import PGLSumError
from .decode import VideoDecoder, VideoInfo, prefetch
from .keyshots import select_segments
from .result import VideoSummary
from .settings import SummarySettings
from .shots import detect_shots
from .windowed_scores import Scoring, scoring_parameters, stitched_window_scores
from .writing import save_summary

if TYPE_CHECKING:  # torch and GoogLeNet load when a summarizer is built, not for `--help`
    import torch

    from .features import GoogLeNetFeatures

logger = logging.getLogger(__name__)


class VideoSummarizer:
    """A PGL-SUM model plus the GoogLeNet feature extractor, ready to summarize video files.

    Args:
        model: a :class:`~pglsum_hf.PGLSumModel` (or any model with its forward and ``config.input_size``).
        feature_extractor: the frame feature extractor (:class:`GoogLeNetFeatures`).
        settings: how videos are summarized (default: :class:`~.settings.SummarySettings`'s defaults, exact
            scoring as the original PGL-SUM).
        model_name: how the model is named in the outputs (default: its ``name_or_path``).
        **changes: settings fields changed from ``settings`` (``sample_rate=5``, ``score_window=4096``, ...).

    Raises:
        SummarySettingError: a setting out of range (a ``ValueError``).
        ValueError: the model does not take the extractor's features (``config.input_size``).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        feature_extractor: GoogLeNetFeatures,
        settings: SummarySettings | None = None,
        *,
        model_name: str | None = None,
        **changes: Any,
    ):
        self.settings = (settings or SummarySettings()).replace(**changes)
        self.model = model.eval()
        self.feature_extractor = feature_extractor
        self.model_name = model_name or getattr(model, "name_or_path", "") or type(model).__name__
        self._check_feature_size(feature_extractor.feature_size, "the feature extractor")

    def _check_feature_size(self, size: int, source: str) -> None:
        expected = self.model.config.input_size
        if size != expected:
            raise ValueError(
                f"{source}: the model {self.model_name} expects {expected}-d frame features (config.input_size) but "
                f"gets {size}-d features (GoogLeNet pool5 is 1024-d)"
            )

    def _settings(self, settings: SummarySettings | None, changes: dict[str, Any]) -> SummarySettings:
        """The settings of one call: ``settings`` (default: the summarizer's) with ``changes`` (checked once)."""
        return (settings or self.settings).replace(**changes)

    @classmethod
    def from_pretrained(
        cls,
        model_name_or_path: str | os.PathLike,
        feature_weights: str | os.PathLike | None = None,
        device: str | torch.device | None = None,
        subfolder: str | None = None,
        settings: SummarySettings | None = None,
        **changes: Any,
    ) -> VideoSummarizer:
        """Load a PGL-SUM model (local folder or Hub id) and the GoogLeNet feature extractor.

        Args:
            model_name_or_path: the PGL-SUM model.
            feature_weights: None (torchvision's ImageNet weights), a local state dict path, or ``"random"``.
            device: where both networks run (default: CUDA when available).
            subfolder: the model folder inside ``model_name_or_path`` when it holds several (``split_0`` ...).
            settings, **changes: the summary settings, as for :class:`VideoSummarizer`.
        """
        from pglsum_hf.model_loading import load_model

        from .features import GoogLeNetFeatures

        settings = (settings or SummarySettings()).replace(**changes)  # refused before anything is loaded
        # The model first: a wrong one (e.g. a repository of split folders) stops before GoogLeNet is built or fetched.
        model = load_model(model_name_or_path, subfolder=subfolder)
        feature_extractor = GoogLeNetFeatures(feature_weights, device=device)
        model = model.to(feature_extractor.device)
        name = f"{model_name_or_path}/{subfolder}" if subfolder else str(model_name_or_path)
        return cls(model, feature_extractor, settings, model_name=name)

    # ----- the steps -------------------------------------------------------------------------------------

    def extract_features(
        self,
        video: str | os.PathLike,
        progress: bool = False,
        max_duration: float | None = None,
        settings: SummarySettings | None = None,
        **changes: Any,
    ) -> tuple[np.ndarray, VideoInfo]:
        """Decode ``video`` and return (float32 [T, 1024] features of the sampled frames, :class:`VideoInfo`).

        Frames are sampled by the settings' ``sample_rate``; decoding stops with
        :class:`~pglsum_hf.video.decode.VideoTooLongError` past ``max_duration`` seconds.
        """
        sample_rate = self._settings(settings, changes).sample_rate
        decoder = VideoDecoder(video, sample_rate, (self.feature_extractor.input_size,) * 2, max_duration)
        with progress_bar(
            total=decoder.expected_frames, desc="decode + features", unit="frame", leave=False, disable=not progress
        ) as bar:
            # Decoding runs in a thread, a batch ahead of the network.
            features = self.feature_extractor.encode(
                prefetch(decoder.batches(self.feature_extractor.batch_size, progress=bar))
            )
        return features, decoder.info

    def shot_parameters(self, settings: SummarySettings | None = None, **changes: Any) -> dict:
        """The shot detector and its settings, as recorded in the JSON and dataset cards."""
        settings = self._settings(settings, changes)
        return {
            "method": "KTS over overlapping windows (exact KTS when the video has at most `window` sampled frames)",
            "vmax": settings.kts_vmax_for(self.feature_extractor.is_random),
            "max_change_points": settings.max_change_points,
            "window": settings.kts_window,
            "overlap": settings.kts_overlap,
        }

    def detect_shots(
        self, features: np.ndarray, info: VideoInfo, settings: SummarySettings | None = None, **changes: Any
    ) -> np.ndarray:
        """int64 [S, 2] inclusive shots covering the video, by windowed KTS on the sampled-frame features.

        Deterministic; the KTS settings are the summarizer's, or this call's.
        """
        kts = self.shot_parameters(settings, **changes)
        return detect_shots(
            features,
            info.picks,
            info.n_frames,
            max_change_points=kts["max_change_points"],
            vmax=kts["vmax"],
            window=kts["window"],
            overlap=kts["overlap"],
        )

    def scoring_parameters(self, steps: int, score_window: int | None = None) -> dict | None:
        """How :meth:`score` scores ``steps`` steps (with this call's ``score_window``), as recorded in the JSON:
        None when the video is scored whole, else the window, the overlap and the number of windows."""
        changes = {} if score_window is None else {"score_window": score_window}
        return scoring_parameters(steps, self._settings(None, changes).score_window)

    def score(
        self,
        features: np.ndarray | torch.Tensor,
        video: str | os.PathLike = "<features>",
        settings: SummarySettings | None = None,
        **changes: Any,
    ) -> Scoring:
        """The importance of every sampled frame, from the PGL-SUM model, and how it was scored (:class:`Scoring`).

        Videos longer than the settings' ``score_window`` steps are scored in overlapping windows
        (:func:`~.windowed_scores.score_in_windows`); ``score_window=None`` here keeps the summarizer's setting.

        Raises:
            PGLSumError: the features or the scores are not finite numbers (e.g. features far from unit norm).
        """
        import torch

        if changes.get("score_window", 0) is None:
            del changes["score_window"]
        window = self._settings(settings, changes).score_window
        self._check_feature_size(features.shape[-1], str(video))
        parameter = next(self.model.parameters())
        tensor = torch.as_tensor(features).to(device=parameter.device, dtype=parameter.dtype)
        if not torch.isfinite(tensor).all():
            raise PGLSumError(f"{video}: the frame features hold NaN or infinite values")
        windowed = scoring_parameters(len(tensor), window)
        if windowed is None:
            with torch.inference_mode():
                scores = self.model(tensor[None]).scores[0].float().cpu().numpy()
        else:
            logger.info(
                "%s: %d steps scored in %d windows of %d steps (overlap %d), not as one video: scores differ from "
                "exact PGL-SUM scoring",
                video, len(tensor), windowed["windows"], window, windowed["overlap"],
            )  # fmt: skip
            scores = stitched_window_scores(self.model, tensor, window).float().cpu().numpy()
        if not np.isfinite(scores).all():
            largest = float(tensor.abs().max())
            raise PGLSumError(
                f"{video}: the model gave NaN or infinite importance scores; the features reach {largest:.3g} in "
                "absolute value, expected L2-normalised GoogLeNet pool5 features (values in [-1, 1])"
            )
        return Scoring(scores, window)

    def select(
        self,
        info: VideoInfo,
        features: np.ndarray | None,
        scores: Scoring | np.ndarray,
        shots: np.ndarray | None = None,
        settings: SummarySettings | None = None,
        **changes: Any,
    ) -> VideoSummary:
        """Shots, keyshots and segments of one video, as a :class:`VideoSummary`.

        Args:
            info: the decoded video.
            features: [T, D] sampled-frame features, for KTS (not needed when ``shots`` is given).
            scores: what :meth:`score` returned, or [T] importance scores from elsewhere (recorded as scored
                with the settings' ``score_window``).
            shots: [S, 2] inclusive frames covering the video, replacing KTS (e.g. another shot detector).
            settings, **changes: the summary settings of this call: ``budget`` (a fraction of the video) or
                ``max_seconds``, and the KTS settings. When no whole shot fits, the summary is the best window of
                the budget's length inside the best shot (``summary.trimmed``; see :mod:`.keyshots`).
        """
        settings = self._settings(settings, changes)
        if not isinstance(scores, Scoring):
            scores = Scoring(np.asarray(scores), settings.score_window)
        kts = None  # shots from elsewhere: no KTS parameters to report
        if shots is None:
            kts = self.shot_parameters(settings)
            shots = self.detect_shots(features, info, settings)
        budget, max_seconds = settings.budget, settings.max_seconds
        shot_values, selected, segments = select_segments(
            scores.scores, info, shots, budget=budget, max_seconds=max_seconds
        )
        return VideoSummary(
            info=info,
            scores=np.asarray(scores.scores, dtype=np.float64),
            shots=shots,
            shot_scores=shot_values,
            selected=selected,
            segments=segments,
            model=self.model_name,
            feature_weights=self.feature_extractor.weights_description,
            random_features=self.feature_extractor.is_random,
            budget=None if max_seconds is not None else budget,
            max_seconds=max_seconds,
            kts=kts,
            score_window=scores.parameters(),
        )

    def save(
        self, summary: VideoSummary, output_dir: str | os.PathLike, write_video: bool = True, progress: bool = False
    ) -> dict[str, Path]:
        """Write ``DIR/IN.mp4`` (unless ``write_video`` is False), ``DIR/IN.json`` and ``DIR/IN.png``."""
        total = summary.summary_frames if write_video else 0
        with progress_bar(
            total=total, desc="summary video", unit="frame", leave=False, disable=not progress or not total
        ) as bar:
            return save_summary(summary, output_dir, write_video=write_video, progress=bar)

    # ----- all of it -------------------------------------------------------------------------------------

    def __call__(
        self,
        video: str | os.PathLike,
        output_dir: str | os.PathLike | None = None,
        write_video: bool = True,
        progress: bool = True,
        max_duration: float | None = None,
        settings: SummarySettings | None = None,
        **changes: Any,
    ) -> VideoSummary:
        """Summarize one video file; with ``output_dir``, also write its summary video, JSON and plot.

        ``settings`` / ``**changes`` (``budget=0.3``, ``max_seconds=20``, ...) apply to this video only;
        ``max_duration`` (seconds) stops the work once decoding passes it (see `extract_features`).

        With ``progress``, a bar per video shows the stage, and the long stages (decoding with feature
        extraction, writing the summary video) have a bar of their own.
        """
        settings = self._settings(settings, changes)
        if output_dir is not None:  # a file there, or an unwritable folder, is found before the decoding
            check_output_dir(output_dir, inputs=[video], owned=True, option="output_dir")
        stages = ["features", "scores", "shots + keyshots"] + (["outputs"] if output_dir is not None else [])
        with progress_bar(total=len(stages), desc=Path(video).name, unit="stage", disable=not progress) as bar:
            bar.set_postfix_str(stages[0])
            features, info = self.extract_features(
                video, progress=progress, max_duration=max_duration, settings=settings
            )
            bar.update()
            bar.set_postfix_str(stages[1])
            scores = self.score(features, video, settings)
            bar.update()
            bar.set_postfix_str(stages[2])
            summary = self.select(info, features, scores, settings=settings)
            bar.update()
            if output_dir is not None:
                bar.set_postfix_str(stages[3])
                self.save(summary, output_dir, write_video=write_video, progress=progress)
                bar.update()
        return summary
