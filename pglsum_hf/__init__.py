"""pglsum-hf: PGL-SUM video summarization as a first-class citizen of the Hugging Face ecosystem.

Importing the package registers ``pglsum`` with ``AutoConfig`` / ``AutoModel`` and the
``video-summarization`` task with transformers' pipeline registry.
"""

__version__ = "0.1.0"

# --- model room (issue 2): config, model, Auto* registration ---
from transformers import AutoConfig, AutoModel

from .configuration_pglsum import PGLSumConfig
from .modeling_pglsum import PGLSumModel, PGLSumOutput

AutoConfig.register(PGLSumConfig.model_type, PGLSumConfig, exist_ok=True)
AutoModel.register(PGLSumConfig, PGLSumModel, exist_ok=True)
# saved and pushed models carry their code, so they also load where pglsum_hf is not installed
PGLSumConfig.register_for_auto_class()
PGLSumModel.register_for_auto_class("AutoModel")

# --- evaluation room (issue 4): generate_summary, METRIC_PATH ---
from .evaluation import METRIC_PATH, generate_summary

# --- video room (issue 6): pipeline registration ---
from .video.pipeline import register_pipeline as _register_video_pipeline

_register_video_pipeline()
