"""PyTorch PGL-SUM: global and local multi-head attention with positional matrices, then a frame-score regressor.

The numerics are those of the original PGL-SUM (Apostolidis et al., IEEE ISM 2021): attention energies are
``Q K^T`` with no ``1/sqrt(d)`` scaling plus a sinusoidal positional matrix, dropout acts on the attention weights
where they multiply ``V``, the global and per-segment (local) outputs are L2-normalised per frame and fused, and a
two-layer regressor turns ``features + attention`` into scores in [0, 1].

A batch is handled as transformers models handle padding: right-padded ``features [B, T, D]`` with an
``attention_mask [B, T]`` that becomes an additive attention bias (each video's own positional matrix on its real
keys, the dtype's minimum on padded keys). Local attention gathers every video's segments of ``ceil(T_b / S)``
frames into ``[B, S, M, D]`` with a bias per segment. Without attention weights requested, attention runs in blocks
of queries whose bias is built on the fly, so memory grows linearly with ``T``.

This file travels with saved models as remote code: it imports only torch, transformers and the configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils import ModelOutput

from .choices_pglsum import stacked_layout_problem
from .configuration_pglsum import PGLSumConfig

# Elements of one block of attention energies ([batch, heads, query rows, keys]): 128 MB in float32. Below it the
# whole attention is one block; above it queries are split so that peak memory stays flat in T.
ATTENTION_BLOCK_ELEMENTS = 2**25

# ---------------------------------------------------------------------------------------------------------------
# Positional matrices and the attention bias
# ---------------------------------------------------------------------------------------------------------------


def absolute_position_matrices(lengths: torch.Tensor, size: int, dim: int, freq: float, rows=None) -> torch.Tensor:
    """The original absolute positional matrix of each sequence, zero-padded to ``[size, size]`` (or given rows).

    For a sequence of ``T`` frames: ``P[p, 2i] = sin(p / freq^(2i/dim))`` and ``P[p, 2i+1] = cos(p / freq^(2i/dim))``
    for ``i < T // 2``; every other entry is 0 (the last column when ``T`` is odd).

    Args:
        lengths: ``[G]`` int64, the length ``T`` of each sequence (0 allowed: an all-zero matrix).
        size: number of columns (keys), at least ``lengths.max()``.
        dim: ``d`` of the formula (the model's ``input_size``).
        freq: frequency base.
        rows: ``[R]`` int64 query positions (default: all ``size``).

    Returns:
        ``[G, R, size]`` float32 on ``lengths.device``.
    """
    cols = torch.arange(size, device=lengths.device)[None, :]
    rows = cols[0] if rows is None else rows
    pairs = torch.arange((size + 1) // 2, device=lengths.device)
    # int64 / float32 tensors, in this order, as the original computes them: the closest agreement in float32;
    # columns 2i and 2i + 1 share one angle, so each angle is computed once
    angles = rows[:, None] / freq ** ((2 * pairs) / dim)
    values = torch.stack((angles.sin(), angles.cos()), dim=-1).flatten(-2)[:, :size]
    filled = cols < 2 * (lengths // 2)[:, None, None]
    return torch.where(filled, values, 0.0)


def relative_position_matrices(lengths: torch.Tensor, size: int, freq: float, rows=None) -> torch.Tensor:
    """The original relative positional matrix of each sequence, zero-padded to ``[size, size]`` (or given rows).

    For ``T`` frames, with ``d = 2T`` and ``r(p, c) = c - p + T - 1``: ``P[p, c] = sin(r / freq^((p + c) / d))``
    for even ``c`` and ``cos(...)`` for odd ``c``, for columns ``c < 2 * (T // 2)``; every other entry is 0.

    Args and returns as `absolute_position_matrices`.
    """
    cols = torch.arange(size, device=lengths.device)[None, :]
    rows = (cols[0] if rows is None else rows)[:, None]
    length = lengths[:, None, None]
    # integer tensors divided as in the original; an empty sequence divides by 1 instead of 0 (all masked below)
    angles = (cols - rows + length - 1) / freq ** ((rows + cols) / (2 * length.clamp(min=1)))
    values = torch.where(cols % 2 == 0, angles.sin(), angles.cos())
    filled = (cols < 2 * (length // 2)) & (rows < length)
    return torch.where(filled, values, 0.0)


def attention_bias(
    lengths: torch.Tensor, rows: torch.Tensor, size: int, config: PGLSumConfig, dtype: torch.dtype
) -> torch.Tensor:
    """Additive bias ``[G, 1, R, size]`` of query ``rows`` of ``G`` right-padded sequences of ``lengths``.

    Real keys get the sequence's own positional matrix (0 without positional encoding), padded keys the smallest
    number of ``dtype``, which the softmax turns into a weight of exactly 0.
    """
    if config.pos_enc == "absolute":
        position = absolute_position_matrices(lengths, size, config.input_size, config.pos_freq, rows)
    elif config.pos_enc == "relative":
        position = relative_position_matrices(lengths, size, config.pos_freq, rows)
    else:
        position = torch.zeros((), device=lengths.device)
    real_keys = torch.arange(size, device=lengths.device) < lengths[:, None, None]  # [G, 1, size]
    return torch.where(real_keys, position.to(dtype), torch.finfo(dtype).min)[:, None]


# ---------------------------------------------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------------------------------------------


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float = 1.0,
    dropout: float = 0.0,
    **kwargs: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(scaling * Q K^T + bias)``, dropout, times ``V``: ``([G, R, H, d], weights [G, H, R, K])``.

    The weights are returned before dropout (what the original returns); the energies and softmax run in at least
    float32 whatever the precision of ``query`` (the bias comes in float32 under autocast).
    """
    energies = torch.matmul(query, key.transpose(-1, -2))
    if scaling != 1.0:
        energies = energies * scaling
    if attention_mask is not None:
        energies = energies + attention_mask
    weights = energies.softmax(dim=-1)
    dropped = F.dropout(weights, p=dropout, training=module.training)
    output = torch.matmul(dropped.to(value.dtype), value)
    return output.transpose(1, 2).contiguous(), weights


class PGLSumAttention(nn.Module):
    """One multi-head self-attention of the original (``SelfAttention``): the global one, or one segment's.

    ``q_proj``/``k_proj``/``v_proj`` hold the heads stacked along their output rows (rows ``h * head_size`` to
    ``(h + 1) * head_size`` are the original ``W{q,k,v}.{h}``); ``out_proj`` is the original ``out``.
    """

    def __init__(self, config: PGLSumConfig, hidden_size: int, num_heads: int):
        super().__init__()
        self.config = config
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.dropout = config.attention_dropout
        self.q_proj = nn.Linear(config.input_size, hidden_size, bias=False)
        self.k_proj = nn.Linear(config.input_size, hidden_size, bias=False)
        self.v_proj = nn.Linear(config.input_size, hidden_size, bias=False)
        self.out_proj = nn.Linear(hidden_size, config.input_size, bias=False)
        for projection in (self.q_proj, self.k_proj, self.v_proj):
            projection.original_layers = num_heads  # initialised as that many per-head layers (see _init_weights)

    def forward(
        self, hidden_states: torch.Tensor, lengths: torch.Tensor, output_attentions: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend within each of ``G`` right-padded sequences.

        Args:
            hidden_states: ``[G, L, input_size]``, zero at padded positions.
            lengths: ``[G]`` int64 real frames of each sequence.
            output_attentions: also return the weights (always computed eagerly, in one block).

        Returns:
            ``[G, L, input_size]`` (padded rows hold finite values to be ignored) and the weights
            ``[G, heads, L, L]`` before dropout (zero on padded keys), or ``None``.
        """
        count, size, _ = hidden_states.shape
        shape = (count, size, self.num_heads, self.head_size)
        query = self.q_proj(hidden_states).view(shape).transpose(1, 2)  # [G, heads, L, head_size]
        key = self.k_proj(hidden_states).view(shape).transpose(1, 2)
        value = self.v_proj(hidden_states).view(shape).transpose(1, 2)

        implementation = "eager" if output_attentions else self.config._attn_implementation
        attend = ALL_ATTENTION_FUNCTIONS.get_interface(implementation, eager_attention_forward)
        eager = attend is eager_attention_forward
        # the eager softmax runs in at least float32; an SDPA mask must have the query's dtype
        bias_dtype = torch.promote_types(query.dtype, torch.float32) if eager else query.dtype
        block = size if output_attentions else max(1, ATTENTION_BLOCK_ELEMENTS // (count * self.num_heads * size))
        dropout = self.dropout if self.training else 0.0
        outputs, weights = [], None
        for start in range(0, size, block):
            rows = torch.arange(start, min(start + block, size), device=hidden_states.device)
            bias = attention_bias(lengths, rows, size, self.config, bias_dtype)
            # no 1/sqrt(d): the original's energies are plain Q K^T plus the positional matrix
            output, weights = attend(
                self,
                query[:, :, start : start + block],
                key,
                value,
                bias,
                dropout=dropout,
                scaling=1.0,
                is_causal=False,
            )
            outputs.append(output)
        context = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)
        attended = self.out_proj(context.reshape(count, size, self.num_heads * self.head_size))
        if not output_attentions:
            return attended, None
        real_rows = torch.arange(size, device=lengths.device) < lengths[:, None]
        return attended, torch.where(real_rows[:, None, :, None], weights, 0.0)


def segment_layout(lengths: torch.Tensor, padded_length: int, num_segments: int) -> tuple[torch.Tensor, ...]:
    """Where the original's segments of each video lie in a ``[B, S, M]`` grid, ``M = ceil(padded_length / S)``.

    Video ``b`` of ``T_b`` frames has segments of ``m_b = ceil(T_b / S)`` frames; segment ``s`` holds frames
    ``[s * m_b, min((s + 1) * m_b, T_b))`` (the last ones may be shorter or empty, as in the original).

    Returns:
        ``frame_of_slot [B, S * M]`` (frame index of each grid slot, clamped into range), ``segment_lengths
        [B, S]`` (real frames per segment) and ``slot_of_frame [B, T]`` (grid slot of each frame, clamped).
    """
    size = math.ceil(padded_length / num_segments)
    device = lengths.device
    per_video = ((lengths + num_segments - 1) // num_segments).clamp(min=1)[:, None]  # [B, 1]: m_b
    segments = torch.arange(num_segments, device=device)
    starts = segments * per_video  # [B, S]
    segment_lengths = (lengths[:, None] - starts).clamp(min=0).minimum(per_video)
    offsets = torch.arange(size, device=device)
    frame_of_slot = (starts[:, :, None] + offsets).clamp(max=padded_length - 1).flatten(1)
    frames = torch.arange(padded_length, device=device)
    segment = (frames // per_video).clamp(max=num_segments - 1)  # [B, T]
    slot_of_frame = (segment * size + frames - segment * per_video).clamp(max=num_segments * size - 1)
    return frame_of_slot, segment_lengths, slot_of_frame


class PGLSumMultiAttention(nn.Module):
    """The original ``MultiAttention``: global attention, and local attention fused into it per segment."""

    def __init__(self, config: PGLSumConfig):
        super().__init__()
        self.num_segments = config.num_segments if config.uses_local_attention else None
        self.fusion = config.fusion
        self.global_attention = PGLSumAttention(config, config.hidden_size, config.num_heads)
        self.local_attention = None
        if self.num_segments is not None:
            local_size = config.hidden_size // self.num_segments
            self.local_attention = nn.ModuleList(
                PGLSumAttention(config, local_size, config.local_heads) for _ in range(self.num_segments)
            )

    def forward(
        self, features: torch.Tensor, lengths: torch.Tensor, output_attentions: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """``features [B, T, D]`` (zero at padding), ``lengths [B]`` → (``[B, T, D]``, global weights
        ``[B, H, T, T]``, local weights ``[B, S, local_heads, M, M]``); weights are ``None`` unless asked for."""
        attended, global_weights = self.global_attention(features, lengths, output_attentions)
        if self.local_attention is None:
            return attended, global_weights, None
        batch_size, padded_length, dim = features.shape
        frame_of_slot, segment_lengths, slot_of_frame = segment_layout(lengths, padded_length, self.num_segments)
        slots = features.gather(1, frame_of_slot[..., None].expand(-1, -1, dim))
        slots = slots.view(batch_size, self.num_segments, -1, dim)  # [B, S, M, D]
        real_slots = torch.arange(slots.shape[2], device=lengths.device) < segment_lengths[..., None]  # [B, S, M]
        slots = torch.where(real_slots[..., None], slots, 0.0)
        local_outputs, local_weights = [], []
        for segment, attention in enumerate(self.local_attention):
            output, weights = attention(slots[:, segment], segment_lengths[:, segment], output_attentions)
            local_outputs.append(output)
            local_weights.append(weights)
        local = torch.stack(local_outputs, dim=1).flatten(1, 2)  # [B, S * M, D]
        local = local.gather(1, slot_of_frame[..., None].expand(-1, -1, dim))  # back to frame order [B, T, D]
        fused = self.fuse(F.normalize(attended, p=2, dim=-1, eps=1e-12), F.normalize(local, p=2, dim=-1, eps=1e-12))
        return fused, global_weights, torch.stack(local_weights, dim=1) if output_attentions else None

    def fuse(self, global_part: torch.Tensor, local_part: torch.Tensor) -> torch.Tensor:
        """Combine the normalised global and local outputs of each frame as ``config.fusion`` says."""
        if self.fusion == "add":
            return global_part + local_part
        if self.fusion == "mult":
            return global_part * local_part
        if self.fusion == "avg":
            return (global_part + local_part) / 2
        return torch.maximum(global_part, local_part)


class PGLSumRegressor(nn.Module):
    """The original two-layer regressor from ``features + attention`` to a score in [0, 1] (same layer names)."""

    def __init__(self, config: PGLSumConfig):
        super().__init__()
        self.drop = nn.Dropout(config.dropout)
        self.norm_y = nn.LayerNorm(config.input_size, eps=config.layer_norm_eps)
        self.linear_1 = nn.Linear(config.input_size, config.input_size)
        self.norm_linear = nn.LayerNorm(config.input_size, eps=config.layer_norm_eps)
        self.linear_2 = nn.Linear(config.input_size, 1)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[..., input_size]`` → ``[...]`` scores."""
        hidden = self.norm_y(self.drop(hidden))
        hidden = self.norm_linear(self.drop(F.relu(self.linear_1(hidden))))
        return torch.sigmoid(self.linear_2(hidden)).squeeze(-1)


# ---------------------------------------------------------------------------------------------------------------
# Pretrained model
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class PGLSumOutput(ModelOutput):
    """Output of [`PGLSumModel`].

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*, returned when `labels` are given):
            Mean over the videos of each video's mean squared error over its real frames.
        scores (`torch.FloatTensor` of shape `(batch_size, T)`):
            Frame importance scores in [0, 1]; exactly 0 at padded frames.
        video_losses (`torch.FloatTensor` of shape `(batch_size,)`, *optional*, returned when `labels` are given):
            Each video's mean squared error over its real frames (float32). The original recipe back-propagates
            every video's loss on its own and accumulates the gradients: that is `video_losses.sum().backward()`.
        attentions (`tuple(torch.FloatTensor)`, *optional*, returned when `output_attentions=True`):
            One tensor of shape `(batch_size, num_heads, T, T)`: the global attention weights of every head, before
            dropout, zero on padded rows and columns.
        local_attentions (`torch.FloatTensor`, *optional*, returned when `output_attentions=True` and the model has
            local attention): shape `(batch_size, num_segments, local_heads, M, M)` with `M = ceil(T / S)`; the
            weights of segment `s` of video `b` fill its top-left `[T_bs, T_bs]` block, zero elsewhere.
    """

    loss: torch.FloatTensor | None = None
    scores: torch.FloatTensor | None = None
    video_losses: torch.FloatTensor | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None
    local_attentions: torch.FloatTensor | None = None


def _init_linear_weight(weight: torch.Tensor, blocks: int, init_type: str | None, init_gain: float | None) -> None:
    """Initialise ``weight`` as ``blocks`` equal row blocks, each the weight of one original (per-head) ``nn.Linear``.

    The fan-in/fan-out of Xavier and the orthogonality are those of each original layer, so the distribution is the
    original's, not that of one layer holding all heads.
    """
    if getattr(weight, "_is_hf_initialized", False):  # loaded from a checkpoint
        return
    with torch.no_grad():
        for block in weight.view(blocks, -1, weight.shape[-1]):
            if init_type == "xavier":
                nn.init.xavier_uniform_(block, gain=math.sqrt(2.0))
            elif init_type == "normal":
                nn.init.normal_(block, mean=0.0, std=init_gain)
            elif init_type == "kaiming":
                nn.init.kaiming_uniform_(block, mode="fan_in", nonlinearity="relu")
            elif init_type == "orthogonal":
                nn.init.orthogonal_(block, gain=math.sqrt(2.0))
            else:  # None: what nn.Linear.reset_parameters does
                nn.init.kaiming_uniform_(block, a=math.sqrt(5))


class PGLSumPreTrainedModel(PreTrainedModel):
    """Weight initialisation and loading for PGL-SUM models."""

    config_class = PGLSumConfig
    base_model_prefix = "pglsum"
    main_input_name = "features"
    input_modalities = "video"
    _supports_sdpa = True

    def _init_weights(self, module: nn.Module) -> None:
        """The original ``init_weights``: weights by ``config.init_type``, every bias (LayerNorm too) 0.1."""
        init_type, init_gain = self.config.init_type, self.config.init_gain
        if isinstance(module, nn.Linear):
            _init_linear_weight(module.weight, getattr(module, "original_layers", 1), init_type, init_gain)
            if module.bias is None or getattr(module.bias, "_is_hf_initialized", False):
                return
            with torch.no_grad():
                if init_type is None:
                    bound = 1 / math.sqrt(module.in_features)
                    module.bias.uniform_(-bound, bound)
                else:
                    module.bias.fill_(0.1)
        elif isinstance(module, nn.LayerNorm):
            if getattr(module.weight, "_is_hf_initialized", False):
                return
            with torch.no_grad():
                module.weight.fill_(1.0)
                module.bias.fill_(0.0 if init_type is None else 0.1)

    def _adjust_missing_and_unexpected_keys(self, loading_info: Any) -> None:
        """Refuse weights saved in the old stacked layout instead of loading a model with random attention."""
        problem = stacked_layout_problem(loading_info.unexpected_keys)
        if problem:
            raise ValueError(f"these PGL-SUM {problem}")
        super()._adjust_missing_and_unexpected_keys(loading_info)


class PGLSumModel(PGLSumPreTrainedModel):
    """PGL-SUM: frame features in, frame importance scores in [0, 1] out (the whole original network)."""

    def __init__(self, config: PGLSumConfig):
        super().__init__(config)
        self.attention = PGLSumMultiAttention(config)
        self.regressor = PGLSumRegressor(config)
        self.post_init()

    def forward(
        self,
        features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> PGLSumOutput | tuple:
        r"""Score every frame of a batch of videos.

        Args:
            features (`torch.FloatTensor` of shape `(batch_size, T, input_size)` or `(T, input_size)`):
                Frame features (GoogLeNet pool5 for SumMe/TVSum), videos right-padded to a common `T`. Other floating
                dtypes are cast to the model's.
            attention_mask (`torch.Tensor` of shape `(batch_size, T)`, *optional*):
                1 for real frames, 0 for padding, padding after the real frames (the data layer checks this layout).
                Default: all frames real.
            labels (`torch.FloatTensor` of shape `(batch_size, T)` or `(T,)`, *optional*):
                Target scores (gtscore); values at padded frames are ignored.
            output_attentions (`bool`, *optional*):
                Also return the attention weights (default: `config.output_attentions`); computed eagerly.
            return_dict (`bool`, *optional*):
                Return a [`PGLSumOutput`] (default) or a plain tuple.

        Returns:
            [`PGLSumOutput`]: `scores` `(batch_size, T)` (`(1, T)` for unbatched features); with `labels`, `loss` =
            the mean over videos of each video's MSE over its real frames and `video_losses` `(batch_size,)`.
        """
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        return_dict = self.config.return_dict if return_dict is None else return_dict
        features, mask, labels = self._check_inputs(features, attention_mask, labels)
        lengths = mask.sum(dim=1)
        # zeroed padding: whatever it held (even inf or NaN) cannot reach a real frame or a gradient
        features = torch.where(mask[..., None], features, 0.0)
        attended, global_weights, local_weights = self.attention(features, lengths, output_attentions)
        scores = torch.where(mask, self.regressor(features + attended), 0.0)

        loss = video_losses = None
        if labels is not None:
            squared_errors = torch.where(mask, (scores.float() - labels.float()) ** 2, 0.0)
            video_losses = squared_errors.sum(dim=1) / lengths
            loss = video_losses.mean()
        output = PGLSumOutput(
            loss=loss,
            scores=scores,
            video_losses=video_losses,
            attentions=(global_weights,) if output_attentions else None,
            local_attentions=local_weights,
        )
        return output if return_dict else output.to_tuple()

    def _check_inputs(
        self, features: torch.Tensor, attention_mask: torch.Tensor | None, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Check shapes and dtypes (never values: no host sync); return features ``[B, T, D]`` in the model's dtype,
        a bool mask ``[B, T]`` and labels ``[B, T]``."""
        if not torch.is_tensor(features):
            raise TypeError(f"features must be a torch.Tensor [batch, T, input_size]; found {type(features).__name__}")
        if features.dim() not in (2, 3):
            raise ValueError(
                "features must have shape [batch, T, input_size] or [T, input_size]; "
                f"found a {features.dim()}-D tensor of shape {tuple(features.shape)}"
            )
        if not features.is_floating_point():
            raise TypeError(f"features must be a floating-point tensor; found dtype {features.dtype}")
        if features.dim() == 2:  # one video: [T] masks and labels become a batch of one as well
            features = features[None]
            if attention_mask is not None and attention_mask.dim() == 1:
                attention_mask = attention_mask[None]
            if labels is not None and labels.dim() == 1:
                labels = labels[None]
        batch_size, padded_length, input_size = features.shape
        if input_size != self.config.input_size:
            raise ValueError(
                f"features must have input_size={self.config.input_size} values per frame (last dimension); "
                f"found {input_size} (features shape {tuple(features.shape)})"
            )
        if batch_size == 0 or padded_length == 0:
            raise ValueError(
                f"features must hold at least one video of at least one frame; found shape {tuple(features.shape)} "
                f"(batch={batch_size}, T={padded_length})"
            )
        shape = (batch_size, padded_length)
        if attention_mask is None:
            mask = torch.ones(shape, dtype=torch.bool, device=features.device)
        elif tuple(attention_mask.shape) != shape:
            raise ValueError(
                f"attention_mask must have shape [batch, T] = {shape} like the features; "
                f"found shape {tuple(attention_mask.shape)}"
            )
        else:
            mask = attention_mask.to(device=features.device, dtype=torch.bool)
        if labels is not None and tuple(labels.shape) != shape:
            raise ValueError(
                f"labels must have shape [batch, T] = {shape}, one target per frame like the features; "
                f"found shape {tuple(labels.shape)}"
            )
        features = features.to(self.dtype)
        return features, mask, None if labels is None else labels.to(features.device)


# Saved and pushed models carry their code and `auto_map`, however this module was imported (a remote-code copy
# marks itself the same way).
PGLSumModel.register_for_auto_class("AutoModel")

__all__ = ["PGLSumModel", "PGLSumOutput", "PGLSumPreTrainedModel"]
