"""The ``video-summarization`` task for transformers' :func:`~transformers.pipeline`.

    >>> from transformers import pipeline
    >>> import pglsum_hf  # registers the task
    >>> summarize = pipeline("video-summarization", model="path/or/hub-id", feature_weights="googlenet-1378be20.pth")
    >>> result = summarize("my_video.mp4", budget=0.15, output_dir="summaries")  # output_dir: also write the files
    >>> result["segments"][0]
    {'start_frame': 0, 'end_frame': 89, 'start_time': 0.0, 'end_time': 3.0, 'score': 0.61}

The result is the JSON description of :class:`~pglsum_hf.video.result.VideoSummary` (``segments``, ``shots``,
``picks``, ``scores`` and metadata). The steps are those of :class:`~pglsum_hf.video.VideoSummarizer`:
decoding and GoogLeNet features in ``preprocess``, the PGL-SUM model in ``_forward``, shots, keyshots and the
optional files in ``postprocess``.
"""

from __future__ import annotations

from transformers import Pipeline

from .keyshots import DEFAULT_BUDGET


class VideoSummarizationPipeline(Pipeline):
    """Video file(s) in, keyshot summaries out.

    Construction arguments (besides the model): ``feature_weights`` (None = torchvision's ImageNet weights,
    a local state dict path, or ``"random"`` for tests and demos) or a ready ``frame_features``
    (:class:`~pglsum_hf.video.GoogLeNetFeatures`, to share one between pipelines).

    Call arguments (also accepted at construction): ``sample_rate`` (15), ``budget`` (0.15), ``max_seconds``,
    ``kts_vmax``, ``max_change_points``, ``output_dir`` (write ``DIR/IN.mp4``, ``.json``, ``.png``),
    ``write_video`` (True), ``progress`` (False), ``score_window`` (None: every video scored whole, as the
    original; an integer >= 64 scores longer videos in overlapping windows of that many steps, see
    :mod:`~pglsum_hf.video.windowed_scores`).
    """

    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False
    _load_tokenizer = False

    def __init__(self, *args, feature_weights=None, frame_features=None, **kwargs):
        from .features import GoogLeNetFeatures
        from .summarize import VideoSummarizer

        super().__init__(*args, **kwargs)
        if frame_features is None:
            frame_features = GoogLeNetFeatures(feature_weights, device=self.device)
        self.summarizer = VideoSummarizer(self.model, frame_features)

    def _sanitize_parameters(
        self,
        sample_rate=None,
        kts_vmax=None,
        max_change_points=None,
        budget=None,
        max_seconds=None,
        output_dir=None,
        write_video=None,
        progress=None,
        score_window=None,
    ):
        preprocess, forward, postprocess = {}, {}, {}
        if output_dir is not None:  # a file there, or an unwritable folder, is refused before any video is decoded
            from ..atomic import check_output_dir

            check_output_dir(output_dir, owned=True, option="output_dir")
        if score_window is not None:  # the scores come from _forward, the JSON's record of them from postprocess
            from .windowed_scores import check_score_window

            check_score_window(score_window)
            forward["score_window"] = postprocess["score_window"] = score_window
        for name, value in (("sample_rate", sample_rate), ("progress", progress)):
            if value is not None:
                preprocess[name] = value
        for name, value in (
            ("kts_vmax", kts_vmax),
            ("max_change_points", max_change_points),
            ("budget", budget),
            ("max_seconds", max_seconds),
            ("output_dir", output_dir),
            ("write_video", write_video),
            ("progress", progress),
        ):
            if value is not None:
                postprocess[name] = value
        return preprocess, forward, postprocess

    def __call__(self, inputs, **kwargs):
        """Summarize one video file (path) or a list of them; returns one dict per video (see the module doc)."""
        return super().__call__(inputs, **kwargs)

    def preprocess(self, video, sample_rate=None, progress=False):
        features, info = self.summarizer.extract_features(video, progress=progress, sample_rate=sample_rate)
        return {"features": features, "info": info}

    def _forward(self, model_inputs, score_window=None):
        scores = self.summarizer.score(model_inputs["features"], model_inputs["info"].path, score_window=score_window)
        return {**model_inputs, "scores": scores}

    def postprocess(
        self,
        model_outputs,
        kts_vmax=None,
        max_change_points=None,
        budget=DEFAULT_BUDGET,
        max_seconds=None,
        output_dir=None,
        write_video=True,
        progress=False,
        score_window=None,
    ):
        summary = self.summarizer.select(
            model_outputs["info"],
            model_outputs["features"],
            model_outputs["scores"],
            budget=budget,
            max_seconds=max_seconds,
            kts_vmax=kts_vmax,
            max_change_points=max_change_points,
            score_window=score_window,
        )
        if output_dir is not None:
            self.summarizer.save(summary, output_dir, write_video=write_video, progress=progress)
        return summary.to_dict()


def register_pipeline() -> None:
    """Register ``video-summarization`` (with :class:`~pglsum_hf.PGLSumModel`) in transformers' pipeline registry."""
    from transformers.pipelines import PIPELINE_REGISTRY

    from pglsum_hf.modeling_pglsum import PGLSumModel

    PIPELINE_REGISTRY.register_pipeline(
        "video-summarization", pipeline_class=VideoSummarizationPipeline, pt_model=PGLSumModel, type="video"
    )
