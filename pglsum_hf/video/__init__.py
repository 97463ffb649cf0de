"""Summarize your own video files: decoding, GoogLeNet features, KTS shots, keyshots, outputs.

One module per step, each usable on its own (swap any of them):

- :mod:`.decode` -- :class:`VideoDecoder` streams a file with PyAV, keeping every ``sample_rate``-th frame.
- :mod:`.features` -- :class:`GoogLeNetFeatures`: pool5 features (1024-d, L2-normalised).
- :mod:`.shots` -- :func:`detect_shots`: KTS over overlapping windows (:func:`kernel_temporal_segmentation`
  is the exact KTS each window runs; the whole video is one window up to ``window`` steps).
- :mod:`.windowed_scores` -- :func:`score_in_windows`: opt-in PGL-SUM scoring of long videos in overlapping
  windows (time linear in the length; the whole video, exactly, when it fits in one window).
- :mod:`.keyshots` -- :func:`select_segments`: the metric's knapsack, budget as a fraction or in seconds; when no
  whole shot fits, the best window of the best shot (``trimmed``), so a summary is never empty.
- :mod:`.writing` -- :func:`save_summary`: summary video (H.264/AAC MP4), JSON and PNG plot, all or nothing.
- :mod:`.settings` -- :class:`SummarySettings`: budget, sample rate, KTS and scoring settings, checked once.
- :mod:`.summarizer` -- :class:`VideoSummarizer`, the whole path (``pglsum summarize`` runs it).
- :mod:`.batch` -- many inputs in one job: folders and globs, output-folder rules, resume, the final table.
- :mod:`.workers` -- :class:`WorkerPool`: one job shared by several processes (Accelerate), and their launcher.
- :mod:`.pipeline` -- the ``video-summarization`` transformers pipeline.
- :mod:`.synthetic` -- :func:`make_synthetic_video`, SYNTHETIC test videos with known scene cuts
  (:func:`raw_stream_copy`: the same as a raw ``.h264`` / ``.hevc`` stream).

av and torchvision are imported only when a video is decoded or a network is built.
"""

from ..lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "VideoDecodeError": ".decode",
        "VideoDecoder": ".decode",
        "VideoInfo": ".decode",
        "FeatureWeightsError": ".features",
        "GoogLeNetFeatures": ".features",
        "Segment": ".keyshots",
        "select_segments": ".keyshots",
        "VideoSummary": ".result",
        "SummarySettingError": ".settings",
        "SummarySettings": ".settings",
        "detect_shots": ".shots",
        "kernel_temporal_segmentation": ".shots",
        "windowed_kts": ".shots",
        "Scoring": ".windowed_scores",
        "score_in_windows": ".windowed_scores",
        "VideoSummarizer": ".summarizer",
        "WorkerPool": ".workers",
        "SyntheticVideo": ".synthetic",
        "make_synthetic_video": ".synthetic",
        "raw_stream_copy": ".synthetic",
        "plot_summary": ".writing",
        "save_summary": ".writing",
        "summary_to_json": ".writing",
        "write_summary_video": ".writing",
    },
)

__all__ = [
    "FeatureWeightsError",
    "GoogLeNetFeatures",
    "Scoring",
    "Segment",
    "SummarySettingError",
    "SummarySettings",
    "SyntheticVideo",
    "VideoDecodeError",
    "VideoDecoder",
    "VideoInfo",
    "VideoSummarizer",
    "VideoSummary",
    "WorkerPool",
    "detect_shots",
    "kernel_temporal_segmentation",
    "make_synthetic_video",
    "raw_stream_copy",
    "plot_summary",
    "save_summary",
    "score_in_windows",
    "select_segments",
    "summary_to_json",
    "windowed_kts",
    "write_summary_video",
]
