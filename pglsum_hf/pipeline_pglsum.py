"""The ``video-summarization`` pipeline of a PGL-SUM model used as remote code.

This file travels with saved models (the config's ``custom_pipelines`` names it), so that
``pipeline(model=REPO, trust_remote_code=True)`` finds the task without ``import pglsum_hf``. Decoding videos,
GoogLeNet features, shots and keyshots are pglsum-hf's: this file hands over to its pipeline where pglsum-hf is
installed, and otherwise says in one line what to install.
"""

from __future__ import annotations

INSTALL_HINT = (
    "the video-summarization pipeline of PGL-SUM needs the pglsum-hf library: pip install 'pglsum-hf[video]', "
    "then `import pglsum_hf` (or keep trust_remote_code=True)"
)

try:  # try-blocks are skipped by transformers' check of a remote-code file's imports
    from pglsum_hf.video.pipeline import VideoSummarizationPipeline
except ImportError as error:
    _REASON = str(error)

    class VideoSummarizationPipeline:
        """Stands in for the pipeline where pglsum-hf is not installed: building it says what to install."""

        # what transformers' pipeline() reads before building the pipeline: no tokenizer or processor to load
        _load_processor = _load_image_processor = _load_video_processor = False
        _load_feature_extractor = _load_tokenizer = False

        def __init__(self, *args, **kwargs):
            raise ImportError(f"{INSTALL_HINT} ({_REASON})")


__all__ = ["VideoSummarizationPipeline"]
