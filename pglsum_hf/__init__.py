"""pglsum-hf: PGL-SUM video summarization as a first-class citizen of the Hugging Face ecosystem.

Importing the package registers ``pglsum`` with ``AutoConfig`` / ``AutoModel`` and the
``video-summarization`` task with transformers' pipeline registry.
"""

__version__ = "0.1.0"

# --- model room (issue 2): config, model, Auto* registration ---

# --- evaluation room (issue 4): generate_summary, METRIC_PATH ---

# --- video room (issue 6): pipeline registration ---
