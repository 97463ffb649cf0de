"""The ``evaluate`` metric of this package, ``video_summarization``, as a folder ``evaluate.load`` accepts."""

from pathlib import Path

# The folder holding the metric script: `evaluate.load(METRIC_PATH)` works from any working directory.
METRIC_PATH = str(Path(__file__).resolve().parent / "video_summarization")
