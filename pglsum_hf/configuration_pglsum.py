"""PGL-SUM model configuration.

This file is shipped with every saved/pushed model (remote code), so it imports only ``transformers`` and
``choices_pglsum`` (which ships beside it).
"""

from __future__ import annotations

from transformers import PreTrainedConfig

from .choices_pglsum import FUSIONS, INIT_TYPES, POSITIONAL_ENCODINGS

# The video-summarization pipeline as remote code: `pipeline(model=REPO, trust_remote_code=True)` reads this entry of
# config.json and loads pipeline_pglsum.py from the repository.
CUSTOM_PIPELINES = {
    "video-summarization": {"impl": "pipeline_pglsum.VideoSummarizationPipeline", "pt": ["AutoModel"], "type": "video"}
}
# The installed package registers the task itself, so its own config class offers no remote pipeline:
# `pipeline("video-summarization", model=...)` then needs no trust_remote_code. A remote-code copy of this file
# lives in `transformers_modules` and offers it.
OFFERS_REMOTE_PIPELINE = not __name__.startswith("pglsum_hf.")


class PGLSumConfig(PreTrainedConfig):
    r"""
    Configuration of a [`PGLSumModel`]: PGL-SUM, the frame-importance regressor of Apostolidis et al., *Combining
    Global and Local Attention with Positional Encoding for Video Summarization* (IEEE ISM 2021). The defaults are
    the paper's (and the original code's) settings; with them the model has 9.44 M parameters.

    Args:
        input_size (`int`, *optional*, defaults to 1024):
            Size of one frame's feature vector (1024 for the GoogLeNet pool5 features of SumMe/TVSum).
        hidden_size (`int`, *optional*, defaults to 1024):
            Total size of the query/key/value projections of the global attention, shared by its heads (the
            original's `output_size`). Each local attention gets `hidden_size // num_segments`.
        num_heads (`int`, *optional*, defaults to 8):
            Heads of the global attention (the original's `--heads`); each has size `hidden_size / num_heads`.
        num_segments (`int` or `None`, *optional*, defaults to 4):
            Number of equal segments a video is cut into for local attention (the original's `--n_segments`);
            at least 2, or `None` for global attention only.
        local_heads (`int`, *optional*, defaults to 4):
            Heads of every local (per-segment) attention.
        fusion (`str` or `None`, *optional*, defaults to `"add"`):
            How the L2-normalised global and local outputs of a frame are combined: `"add"`, `"mult"`, `"avg"`,
            `"max"`, or `None` for global attention only.
        pos_enc (`str` or `None`, *optional*, defaults to `"absolute"`):
            Positional matrix added to the attention energies: `"absolute"`, `"relative"` or `None`.
        pos_freq (`int`, *optional*, defaults to 10000):
            Frequency base of the sinusoidal positional matrices.
        attention_dropout (`float`, *optional*, defaults to 0.5):
            Dropout on the attention weights where they multiply the values.
        dropout (`float`, *optional*, defaults to 0.5):
            Dropout of the regressor (after the residual sum and after the ReLU).
        layer_norm_eps (`float`, *optional*, defaults to 1e-6):
            Epsilon of the regressor's two LayerNorms.
        init_type (`str` or `None`, *optional*, defaults to `"xavier"`):
            Weight initialisation of a new model: `"xavier"` (uniform, gain sqrt(2)), `"normal"` (N(0,
            `init_gain`)), `"kaiming"` (uniform, fan-in, ReLU), `"orthogonal"` (gain sqrt(2)); every bias, LayerNorm
            biases included, starts at 0.1. `None` keeps PyTorch's default initialisation of each original layer.
        init_gain (`float` or `None`, *optional*):
            Standard deviation of the `"normal"` initialisation (required there, unused otherwise), as the
            original's `--init_gain`.

    Example:

    ```python
    >>> from pglsum_hf import PGLSumConfig, PGLSumModel

    >>> config = PGLSumConfig(pos_enc="relative", fusion="avg")
    >>> model = PGLSumModel(config)
    ```
    """

    model_type = "pglsum"

    input_size: int = 1024
    hidden_size: int = 1024
    num_heads: int = 8
    num_segments: int | None = 4
    local_heads: int = 4
    fusion: str | None = "add"
    pos_enc: str | None = "absolute"
    pos_freq: int | float = 10000
    attention_dropout: float = 0.5
    dropout: float = 0.5
    layer_norm_eps: float = 1e-6
    init_type: str | None = "xavier"
    init_gain: float | None = None

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        self._check_values()

    @property
    def custom_pipelines(self) -> dict:
        """`CUSTOM_PIPELINES` in a remote-code copy, nothing in the installed package (see `OFFERS_REMOTE_PIPELINE`)."""
        return {task: dict(entry) for task, entry in CUSTOM_PIPELINES.items()} if OFFERS_REMOTE_PIPELINE else {}

    @custom_pipelines.setter
    def custom_pipelines(self, value) -> None:
        """A loaded config.json's entry is ignored: this file decides it."""

    def to_dict(self) -> dict:
        """The config as saved: with the remote pipeline entry, whichever copy of this class saves it."""
        return {**super().to_dict(), "custom_pipelines": CUSTOM_PIPELINES}

    @staticmethod
    def pipeline_class() -> type:
        """The class `CUSTOM_PIPELINES` names. Its relative import also makes ``save_pretrained`` copy
        pipeline_pglsum.py beside the model, as it copies every file the model's code imports relatively."""
        from .pipeline_pglsum import VideoSummarizationPipeline

        return VideoSummarizationPipeline

    @property
    def uses_local_attention(self) -> bool:
        """Whether the model has per-segment (local) attention: `num_segments` set and `fusion` not None."""
        return self.num_segments is not None and self.fusion is not None

    def _check_values(self) -> None:
        """Raise `ValueError` naming the field, its value and what is allowed."""

        def fail(field: str, allowed: str) -> None:
            raise ValueError(f"PGLSumConfig.{field}={getattr(self, field)!r} is invalid: expected {allowed}")

        for field in ("input_size", "hidden_size", "num_heads", "local_heads"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(field, "a positive integer")
        if self.num_segments is not None and (
            isinstance(self.num_segments, bool) or not isinstance(self.num_segments, int) or self.num_segments < 2
        ):
            fail("num_segments", "None (global attention only) or an integer >= 2")
        if self.fusion not in (*FUSIONS, None):
            fail("fusion", f"one of {FUSIONS} or None")
        if self.pos_enc not in (*POSITIONAL_ENCODINGS, None):
            fail("pos_enc", f"one of {POSITIONAL_ENCODINGS} or None")
        if self.init_type not in (*INIT_TYPES, None):
            fail("init_type", f"one of {INIT_TYPES} or None")
        if isinstance(self.pos_freq, bool) or not isinstance(self.pos_freq, (int, float)) or self.pos_freq <= 0:
            fail("pos_freq", "a positive number")
        for field in ("attention_dropout", "dropout"):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                fail(field, "a probability in [0, 1]")
        if not isinstance(self.layer_norm_eps, (int, float)) or self.layer_norm_eps <= 0:
            fail("layer_norm_eps", "a positive number")
        if self.init_gain is not None and (not isinstance(self.init_gain, (int, float)) or self.init_gain <= 0):
            fail("init_gain", "None or a positive number")
        if self.init_type == "normal" and self.init_gain is None:
            fail("init_gain", "a positive number (the standard deviation) because init_type='normal'")
        if self.hidden_size % self.num_heads:
            fail("hidden_size", f"a multiple of num_heads={self.num_heads}")
        if self.uses_local_attention:
            local_size = self.hidden_size // self.num_segments
            if local_size % self.local_heads:
                fail(
                    "hidden_size",
                    f"hidden_size // num_segments (= {local_size}) to be a multiple of local_heads={self.local_heads}",
                )


# Saved and pushed configs carry their code and `auto_map`, however this module was imported (a remote-code copy
# marks itself the same way).
PGLSumConfig.register_for_auto_class()

__all__ = ["PGLSumConfig"]
