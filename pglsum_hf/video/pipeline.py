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

from dataclasses import fields

from transformers import Pipeline

from .settings import SummarySettings

# The call arguments that are summary settings (the others say what to write and show).
SETTING_NAMES = tuple(item.name for item in fields(SummarySettings))


class VideoSummarizationPipeline(Pipeline):
    """Video file(s) in, keyshot summaries out.

    Construction arguments (besides the model): ``feature_weights`` (None = torchvision's ImageNet weights,
    a local state dict path, or ``"random"`` for tests and demos) or a ready ``frame_features``
    (:class:`~pglsum_hf.video.GoogLeNetFeatures`, to share one between pipelines).

    Call arguments (also accepted at construction): the fields of :class:`~pglsum_hf.video.SummarySettings` --
    ``budget`` (0.15), ``max_seconds``, ``sample_rate`` (15), ``kts_vmax``, ``max_change_points``, ``kts_window``,
    ``kts_overlap``, ``score_window`` (None: every video scored whole, as the original; an integer >= 64 scores
    longer videos in overlapping windows of that many steps, see :mod:`~pglsum_hf.video.windowed_scores`) --
    checked once per call; and ``output_dir`` (write ``DIR/IN.mp4``, ``.json``, ``.png``), ``write_video``
    (True), ``progress`` (False).
    """

    _load_processor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_feature_extractor = False
    _load_tokenizer = False

    def __init__(self, *args, feature_weights=None, frame_features=None, **kwargs):
        from .features import GoogLeNetFeatures
        from .summarizer import VideoSummarizer

        # Settings given at construction are the summarizer's own; a call's settings change them for that call.
        settings = SummarySettings(
            **{name: kwargs.pop(name) for name in SETTING_NAMES if kwargs.get(name) is not None}
        )
        super().__init__(*args, **kwargs)
        if frame_features is None:
            frame_features = GoogLeNetFeatures(feature_weights, device=self.device)
        self.summarizer = VideoSummarizer(self.model, frame_features, settings)

    def _sanitize_parameters(self, output_dir=None, write_video=None, progress=None, **settings):
        unknown = sorted(set(settings) - set(SETTING_NAMES))
        if unknown:
            raise TypeError(f"video-summarization: unknown argument(s) {', '.join(unknown)}")
        # (at construction, the settings are taken before the base class asks here: there are none yet)
        if output_dir is not None:  # a file there, or an unwritable folder, is refused before any video is decoded
            from ..atomic import check_output_dir

            check_output_dir(output_dir, owned=True, option="output_dir")
        preprocess, forward, postprocess = {}, {}, {}
        given = {name: value for name, value in settings.items() if value is not None}
        if given:  # checked once here; every step of the call gets the same settings
            settings = self.summarizer.settings.replace(**given)
            preprocess["settings"] = forward["settings"] = postprocess["settings"] = settings
        if progress is not None:
            preprocess["progress"] = postprocess["progress"] = progress
        if output_dir is not None:
            postprocess["output_dir"] = output_dir
        if write_video is not None:
            postprocess["write_video"] = write_video
        return preprocess, forward, postprocess

    def __call__(self, inputs, **kwargs):
        """Summarize one video file (path) or a list of them; returns one dict per video (see the module doc)."""
        return super().__call__(inputs, **kwargs)

    def preprocess(self, video, settings=None, progress=False):
        features, info = self.summarizer.extract_features(video, progress=progress, settings=settings)
        return {"features": features, "info": info}

    def _forward(self, model_inputs, settings=None):
        scoring = self.summarizer.score(model_inputs["features"], model_inputs["info"].path, settings)
        return {**model_inputs, "scoring": scoring}

    def postprocess(self, model_outputs, settings=None, output_dir=None, write_video=True, progress=False):
        summary = self.summarizer.select(
            model_outputs["info"], model_outputs["features"], model_outputs["scoring"], settings=settings
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
