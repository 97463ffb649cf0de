"""PyTorch PGL-SUM: global and local multi-head attention with positional matrices, then a frame-score regressor.

The numerics are those of the original PGL-SUM (Apostolidis et al., IEEE ISM 2021): attention energies are
``Q K^T`` with no ``1/sqrt(d)`` scaling plus a ``[T, T]`` sinusoidal positional matrix, dropout acts on the
attention weights only where they multiply ``V``, the global and per-segment (local) outputs are L2-normalised per
frame and fused, and a two-layer regressor turns ``features + attention`` into scores in [0, 1].

What differs is only how it is computed. The original runs one video at a time, one small ``Linear`` per head and
one module per segment. Here a padded batch of videos is *packed* (real frames only) for every frame-wise layer, the
heads of an attention are one matrix product, all segments share one batched attention over a
``[videos * segments, segment length]`` grid, and every video keeps its own positional matrices and segment
boundaries, so a batch gives each video what it gets alone.

This file travels with saved models as remote code: it imports only torch, transformers and the configuration.
"""

from __future__ import annotations

import functools
import math
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from huggingface_hub import HfApi
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_pglsum import PGLSumConfig

# ---------------------------------------------------------------------------------------------------------------
# Positional matrices
# ---------------------------------------------------------------------------------------------------------------


def absolute_position_matrices(lengths: torch.Tensor, size: int, dim: int, freq: float) -> torch.Tensor:
    """The original absolute positional matrix of each sequence, zero-padded to ``[size, size]``.

    For a sequence of ``T`` frames: ``P[p, 2i] = sin(p / freq^(2i/dim))`` and ``P[p, 2i+1] = cos(p / freq^(2i/dim))``
    for ``i < T // 2``; every other entry is 0 (the last column when ``T`` is odd).

    Args:
        lengths: ``[G]`` int64, the length ``T`` of each sequence (0 allowed: an all-zero matrix).
        size: side of the padded matrices, at least ``lengths.max()``.
        dim: ``d`` of the formula (the model's ``input_size``).
        freq: frequency base.

    Returns:
        ``[G, size, size]`` float32 on ``lengths.device``.
    """
    positions = torch.arange(size, device=lengths.device)
    rows, cols = positions[:, None], positions[None, :]
    # int64 / float32 tensors, in this order, as the original computes them: the closest agreement in float32
    angles = rows / freq ** ((2 * (cols // 2)) / dim)
    values = torch.where(cols % 2 == 0, angles.sin(), angles.cos())
    filled = cols < 2 * (lengths // 2)[:, None, None]
    return torch.where(filled, values, 0.0)


def relative_position_matrices(lengths: torch.Tensor, size: int, freq: float) -> torch.Tensor:
    """The original relative positional matrix of each sequence, zero-padded to ``[size, size]``.

    For ``T`` frames, with ``d = 2T`` and ``r(p, c) = c - p + T - 1``: ``P[p, c] = sin(r / freq^((p + c) / d))``
    for even ``c`` and ``cos(...)`` for odd ``c``, for columns ``c < 2 * (T // 2)``; every other entry is 0.

    Args:
        lengths: ``[G]`` int64, the length ``T`` of each sequence (0 allowed: an all-zero matrix).
        size: side of the padded matrices, at least ``lengths.max()``.
        freq: frequency base.

    Returns:
        ``[G, size, size]`` float32 on ``lengths.device``.
    """
    positions = torch.arange(size, device=lengths.device)
    rows, cols = positions[:, None], positions[None, :]
    length = lengths[:, None, None]
    relative = cols - rows + length - 1
    # integer tensors divided as in the original; a length of 0 divides by 0 here and is masked out below
    angles = relative / freq ** ((rows + cols) / (2 * length))
    values = torch.where(cols % 2 == 0, angles.sin(), angles.cos())
    filled = (cols < 2 * (length // 2)) & (rows < length)
    return torch.where(filled, values, 0.0)


class AttentionBiasCache:
    """Additive attention biases (positional matrix on real keys, a huge negative number on padded keys), by lengths.

    Videos come back every epoch with the same lengths, so the biases are kept, least recently used first out, up to
    ``max_bytes``. Entries are built outside inference mode so that a bias built during evaluation can still be used
    by a training step.
    """

    def __init__(self, pos_enc: str | None, dim: int, freq: float, max_bytes: int = 256 * 2**20):
        self.pos_enc = pos_enc
        self.dim = dim
        self.freq = freq
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, torch.Tensor] = OrderedDict()
        self._bytes = 0

    def __call__(self, lengths: torch.Tensor, size: int) -> torch.Tensor:
        """``[G, 1, size, size]`` (``[G, 1, 1, size]`` without positional encoding) float32 bias for ``lengths`` ``[G]``."""
        key = (tuple(lengths.tolist()), size, lengths.device)
        bias = self._entries.get(key)
        if bias is not None:
            self._entries.move_to_end(key)
            return bias
        with torch.inference_mode(False):
            bias = self._build(lengths.clone(), size)
        if bias.nbytes <= self.max_bytes:
            self._entries[key] = bias
            self._bytes += bias.nbytes
            while self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1].nbytes
        return bias

    def _build(self, lengths: torch.Tensor, size: int) -> torch.Tensor:
        real_keys = torch.arange(size, device=lengths.device) < lengths[:, None, None]  # [G, 1, size]
        if self.pos_enc == "absolute":
            position = absolute_position_matrices(lengths, size, self.dim, self.freq)
        elif self.pos_enc == "relative":
            position = relative_position_matrices(lengths, size, self.freq)
        else:
            position = torch.zeros((), device=lengths.device)
        return torch.where(real_keys, position, torch.finfo(torch.float32).min)[:, None]


# ---------------------------------------------------------------------------------------------------------------
# Where the frames of a padded batch go
# ---------------------------------------------------------------------------------------------------------------


MAX_TILES = 4


@functools.lru_cache(maxsize=4096)
def tile_boundaries(lengths: tuple[int, ...], max_tiles: int = MAX_TILES) -> tuple[int, ...]:
    """Split videos sorted longest first into at most ``max_tiles`` runs, each padded to its longest video.

    Attention costs ``count * longest^2`` per run, so one grid padded to the longest video wastes most of its work
    on a batch of mixed lengths (SumMe: 4x the exact area). The split minimises the padded area plus one average
    video's area per extra run (the cost of one more set of kernel calls), by dynamic programming.

    Returns:
        The end index (exclusive) of each run, increasing; the last is ``len(lengths)``.
    """
    count = len(lengths)
    per_tile = (sum(lengths) / count) ** 2
    # best[k][i]: cost of videos i.. in at most k runs; choice[k][i]: end of the first of those runs
    best = [[math.inf] * count + [0.0] for _ in range(max_tiles + 1)]
    choice = [[count] * (count + 1) for _ in range(max_tiles + 1)]
    for k in range(1, max_tiles + 1):
        for i in range(count - 1, -1, -1):
            for end in range(i + 1, count + 1):
                cost = (end - i) * lengths[i] ** 2 + per_tile + best[k - 1][end]
                if cost < best[k][i]:
                    best[k][i], choice[k][i] = cost, end
    ends, i, k = [], 0, max_tiles
    while i < count:
        i = choice[k][i]
        ends.append(i)
        k -= 1
    return tuple(ends)


def pads_attention_tiles(device: torch.device) -> bool:
    """Whether attention on ``device`` groups videos of different lengths into a few padded tiles.

    An accelerator pays per kernel launch, so a few tiles with a little padding win there. A CPU pays for every padded
    slot and next to nothing per call, so it gets one tile per distinct length: no padding in the global attention
    (local attention still pads each video's last, shorter segment to ``ceil(T / S)``).
    """
    return device.type != "cpu"


def unpadded_tile_boundaries(lengths: tuple[int, ...]) -> tuple[int, ...]:
    """Split videos sorted longest first into runs of equal length (no padding); same return as `tile_boundaries`."""
    return tuple(end for end in range(1, len(lengths) + 1) if end == len(lengths) or lengths[end] != lengths[end - 1])


@dataclass
class AttentionTile:
    """One zero-padded ``[count, size]`` grid of sequences that attend in a single batched computation.

    Attributes:
        sequences: ``[count]`` int64 ids of its sequences (video ``b``, or segment ``s`` of video ``b`` as
            ``b * S + s``).
        lengths: ``[count]`` int64 real frames of each of its sequences.
        size: padded length (its longest sequence).
        start: where its ``count * size`` slots begin in the grid's flat slot space.
    """

    sequences: torch.Tensor
    lengths: torch.Tensor
    size: int
    start: int

    @property
    def query_mask(self) -> torch.Tensor:
        """``[count, 1, size, 1]`` bool, True on real rows."""
        return (torch.arange(self.size, device=self.lengths.device) < self.lengths[:, None])[:, None, :, None]


@dataclass
class AttentionGrid:
    """How packed frames (the real frames of a batch, video by video) are laid out for one attention module.

    The module's sequences (whole videos, or video segments) are grouped into tiles of similar length. Frames are
    handed to the module in *cell order* (grouped by the attention cell that owns them: one cell for global
    attention, one per segment for local attention).

    Attributes:
        tiles: the padded grids, their slots one after the other.
        num_sequences: ``G``, sequences in all (ids ``0 .. G-1``).
        size: longest sequence.
        slot_index: ``[N]`` int64, slot of each frame, in cell order.
        cell_order: ``[N]`` int64 permutation taking frame order to cell order (``None``: already in cell order).
        cell_counts: frames per cell, in cell order.
        slots_are_frames: the slots hold the frames in cell order one to one, so no scatter into slots is needed.
            True for the global attention of unpadded tiles (CPU) whose videos come longest first (as training
            sorts them; one video always qualifies); for local attention only for one video with ``T % S == 0``.
    """

    tiles: list[AttentionTile]
    num_sequences: int
    size: int
    slot_index: torch.Tensor
    cell_order: torch.Tensor | None
    cell_counts: list[int]
    slots_are_frames: bool

    @property
    def num_slots(self) -> int:
        last = self.tiles[-1]
        return last.start + last.lengths.numel() * last.size


@dataclass
class VideoTiling:
    """Videos grouped into tiles, shared by global and local attention: a few padded ones on accelerators
    (`tile_boundaries`), one per distinct length on a CPU (`unpadded_tile_boundaries`; see `pads_attention_tiles`).

    Attributes:
        tiles: the videos of each tile, longest first.
        tile_of_video: ``[B]`` int64 tile of each video.
        rank_in_tile: ``[B]`` int64 place of each video in its tile.
    """

    tiles: list[list[int]]
    tile_of_video: torch.Tensor
    rank_in_tile: torch.Tensor

    @classmethod
    def from_lengths(cls, lengths: list[int], device: torch.device) -> "VideoTiling":
        by_length = sorted(range(len(lengths)), key=lambda video: -lengths[video])
        sorted_lengths = tuple(lengths[video] for video in by_length)
        ends = tile_boundaries(sorted_lengths) if pads_attention_tiles(device) else unpadded_tile_boundaries(sorted_lengths)
        tiles = [by_length[begin:end] for begin, end in zip((0, *ends[:-1]), ends)]
        tile_of, rank = [0] * len(lengths), [0] * len(lengths)
        for number, videos in enumerate(tiles):
            for place, video in enumerate(videos):
                tile_of[video], rank[video] = number, place
        return cls(tiles, torch.tensor(tile_of, device=device), torch.tensor(rank, device=device))

    def grid(
        self,
        sizes: list[int],
        per_video: int,
        sequence_lengths: torch.Tensor,
        video_index: torch.Tensor,
        part: torch.Tensor | int,
        offset: torch.Tensor,
        cell_order: torch.Tensor | None,
        cell_counts: list[int],
    ) -> AttentionGrid:
        """The grid of ``per_video`` sequences per video (sequence ``b * per_video + part``), tile ``k`` padded to
        ``sizes[k]``; frame ``n`` is at ``offset[n]`` in sequence ``part[n]`` of video ``video_index[n]``."""
        device = video_index.device
        tiles, starts, start = [], [], 0
        for videos, size in zip(self.tiles, sizes):
            ids = torch.tensor([video * per_video + p for video in videos for p in range(per_video)], device=device)
            tiles.append(AttentionTile(ids, sequence_lengths[ids], size, start))
            starts.append(start)
            start += ids.numel() * size
        frame_tile = self.tile_of_video[video_index]
        frame_size = torch.tensor(sizes, device=device)[frame_tile]
        sequence_in_tile = self.rank_in_tile[video_index] * per_video + part
        slots = torch.tensor(starts, device=device)[frame_tile] + sequence_in_tile * frame_size + offset
        slot_index = slots if cell_order is None else slots[cell_order]
        return AttentionGrid(
            tiles=tiles,
            num_sequences=len(self.tile_of_video) * per_video,
            size=max(sizes),
            slot_index=slot_index,
            cell_order=cell_order,
            cell_counts=cell_counts,
            slots_are_frames=start == len(slot_index)
            and torch.equal(slot_index, torch.arange(start, device=device)),
        )


@dataclass
class FrameLayout:
    """Index maps of a right-padded batch of ``B`` videos with ``N`` real frames in total.

    Attributes:
        lengths: ``[B]`` int64 real frames per video.
        video_index: ``[N]`` int64 video of each packed frame (packed order: video by video, in time order).
        frame_index: ``[N]`` int64 position of each packed frame in the flattened ``[B * T]`` padded batch.
        global_grid: layout of the global attention (one sequence per video).
        local_grid: layout of the local attention (``num_segments`` sequences per video), or ``None``.
    """

    lengths: torch.Tensor
    video_index: torch.Tensor
    frame_index: torch.Tensor
    global_grid: AttentionGrid
    local_grid: AttentionGrid | None

    @classmethod
    def from_mask(cls, mask: torch.Tensor, num_segments: int | None) -> "FrameLayout":
        """Build the index maps from a right-padded ``[B, T]`` bool mask (every row has a real frame)."""
        padded_length = mask.shape[1]
        lengths = mask.sum(dim=1)
        video_index, position = mask.nonzero(as_tuple=True)
        host_lengths = lengths.tolist()
        tiling = VideoTiling.from_lengths(host_lengths, mask.device)
        longest = [host_lengths[videos[0]] for videos in tiling.tiles]
        global_grid = tiling.grid(longest, 1, lengths, video_index, 0, position, None, [video_index.numel()])
        local_grid = None
        if num_segments is not None:
            # the original's segment size ceil(T / S), per video; segment s holds frames [s*m, min((s+1)*m, T))
            segment_size = (lengths + num_segments - 1) // num_segments  # [B]
            frame_segment_size = segment_size[video_index]
            segment = position // frame_segment_size
            starts = torch.arange(num_segments, device=mask.device) * segment_size[:, None]  # [B, S]
            segment_lengths = (lengths[:, None] - starts).clamp(min=0).minimum(segment_size[:, None])
            local_grid = tiling.grid(
                [math.ceil(length / num_segments) for length in longest],
                num_segments,
                segment_lengths.flatten(),
                video_index,
                segment,
                position - segment * frame_segment_size,
                torch.argsort(segment, stable=True),
                torch.bincount(segment, minlength=num_segments).tolist(),
            )
        return cls(
            lengths=lengths,
            video_index=video_index,
            frame_index=video_index * padded_length + position,
            global_grid=global_grid,
            local_grid=local_grid,
        )


# ---------------------------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------------------------


def apply_dropout(values: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``F.dropout(values, p, training)``: zero each value with probability ``p``, scale the rest by ``1 / (1 - p)``.

    On a CPU the mask comes from a float32 ``rand`` (several times faster there than the ``bernoulli_`` that
    ``F.dropout`` draws it with: the model's three dropouts took a fifth of a CPU training step; float32 so that the
    drop rate stays exact under bf16 autocast). Elsewhere, and for p = 0 or 1, it is ``F.dropout`` itself.
    """
    if not training or p in (0.0, 1.0) or values.device.type != "cpu":
        return F.dropout(values, p, training)
    keep = torch.rand(values.shape, device=values.device).ge_(p).to(values.dtype).div_(1.0 - p)
    return values * keep


class PGLSumAttention(nn.Module):
    """``num_cells`` independent multi-head self-attention cells of the original (``SelfAttention``), stacked.

    Global attention is one cell over whole videos; local attention is one cell per segment, each with its own
    weights. Cell ``c``'s weights are the original's, heads stacked along the output rows:

    - ``query``, ``key``, ``value``: ``[num_cells, num_heads * head_size, input_size]``; rows
      ``h * head_size : (h + 1) * head_size`` of cell ``c`` are the original ``W{q,k,v}.{h}.weight`` of that cell.
    - ``output``: ``[num_cells, input_size, num_heads * head_size]``, the original ``out.weight`` of each cell.
    """

    def __init__(self, num_cells: int, input_size: int, hidden_size: int, num_heads: int, dropout: float):
        super().__init__()
        self.num_cells = num_cells
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.dropout = dropout
        self.query = nn.Parameter(torch.empty(num_cells, hidden_size, input_size))
        self.key = nn.Parameter(torch.empty(num_cells, hidden_size, input_size))
        self.value = nn.Parameter(torch.empty(num_cells, hidden_size, input_size))
        self.output = nn.Parameter(torch.empty(num_cells, input_size, hidden_size))

    def _per_cell(self, frames: torch.Tensor, weight: torch.Tensor, counts: list[int]) -> torch.Tensor:
        """``frames`` ``[N, in]`` in cell order through each cell's own ``weight[c]`` ``[out, in]``: ``[N, out]``."""
        if self.num_cells == 1:
            return F.linear(frames, weight[0])
        return torch.cat([F.linear(chunk, w) for chunk, w in zip(frames.split(counts), weight)])

    def forward(
        self,
        frames: torch.Tensor,
        grid: AttentionGrid,
        biases: list[torch.Tensor],
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend within each sequence of ``grid``.

        Args:
            frames: ``[N, input_size]`` packed frames (frame order).
            grid: where each frame sits.
            biases: per tile, the ``[count, 1, size, size]`` (or ``[count, 1, 1, size]``) float32 additive bias
                from ``AttentionBiasCache``.
            output_attentions: also return the attention weights.

        Returns:
            ``[N, input_size]`` attention output in frame order, and the weights ``[G, num_heads, M, M]`` of the
            ``G`` sequences padded to the longest (before dropout; zero on padding), or ``None``.
        """
        if grid.cell_order is not None:
            frames = frames.index_select(0, grid.cell_order)
        hidden = self.num_heads * self.head_size
        weight = torch.cat((self.query, self.key, self.value), dim=1)  # one matrix product for q, k, v of all heads
        qkv = self._per_cell(frames, weight, grid.cell_counts)  # [N, 3 * hidden]
        if not grid.slots_are_frames:
            qkv = qkv.new_zeros(grid.num_slots, 3 * hidden).index_copy(0, grid.slot_index, qkv)

        contexts, all_weights = [], None
        if output_attentions:
            all_weights = qkv.new_zeros(grid.num_sequences, self.num_heads, grid.size, grid.size, dtype=torch.float32)
        # split (not slicing) so the backward pass concatenates the tiles' gradients instead of zero-filling a
        # grid-sized tensor per tile
        tiles_qkv = qkv.split([tile.lengths.numel() * tile.size for tile in grid.tiles])
        for tile, bias, rows in zip(grid.tiles, biases, tiles_qkv):
            count, size = tile.lengths.numel(), tile.size
            rows = rows.view(count, size, 3, self.num_heads, self.head_size)
            query, key, value = rows.permute(2, 0, 3, 1, 4)  # each [count, heads, size, head_size]
            # no 1/sqrt(d) scaling: the original's energies are plain Q K^T (plus the positional matrix)
            weights = (query @ key.transpose(-1, -2) + bias).softmax(dim=-1)
            context = apply_dropout(weights, self.dropout, self.training).to(value.dtype) @ value
            contexts.append(context.transpose(1, 2).reshape(count * size, hidden))
            if output_attentions:
                all_weights[tile.sequences, :, :size, :size] = weights * tile.query_mask
        context = torch.cat(contexts)
        if not grid.slots_are_frames:
            context = context.index_select(0, grid.slot_index)
        attended = self._per_cell(context, self.output, grid.cell_counts)  # [N, input_size], cell order
        if grid.cell_order is not None:
            attended = torch.zeros_like(attended).index_copy(0, grid.cell_order, attended)
        return attended, all_weights


class PGLSumMultiAttention(nn.Module):
    """The original ``MultiAttention``: global attention, and local attention fused into it per segment."""

    def __init__(self, config: PGLSumConfig):
        super().__init__()
        self.num_segments = config.num_segments if config.uses_local_attention else None
        self.fusion = config.fusion
        self.global_attention = PGLSumAttention(
            1, config.input_size, config.hidden_size, config.num_heads, config.attention_dropout
        )
        self.local_attention = None
        if self.num_segments is not None:
            self.local_attention = PGLSumAttention(
                self.num_segments,
                config.input_size,
                config.hidden_size // self.num_segments,
                config.local_heads,
                config.attention_dropout,
            )
        self.bias_cache = AttentionBiasCache(config.pos_enc, config.input_size, config.pos_freq)

    def forward(
        self, frames: torch.Tensor, layout: FrameLayout, output_attentions: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """``frames`` ``[N, input_size]`` → (``[N, input_size]``, global weights ``[B, H, L, L]``, local weights
        ``[B * S, local_heads, M, M]``); weights are ``None`` unless ``output_attentions``."""
        grid = layout.global_grid
        attended, global_weights = self.global_attention(frames, grid, self.biases(grid), output_attentions)
        local_weights = None
        if self.local_attention is not None:
            grid = layout.local_grid
            local, local_weights = self.local_attention(frames, grid, self.biases(grid), output_attentions)
            attended = self.fuse(F.normalize(attended, p=2, dim=-1, eps=1e-12), F.normalize(local, p=2, dim=-1, eps=1e-12))
        return attended, global_weights, local_weights

    def biases(self, grid: AttentionGrid) -> list[torch.Tensor]:
        """The additive attention bias of every tile of ``grid``."""
        return [self.bias_cache(tile.lengths, tile.size) for tile in grid.tiles]

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
        self.dropout = config.dropout
        self.norm_y = nn.LayerNorm(config.input_size, eps=config.layer_norm_eps)
        self.linear_1 = nn.Linear(config.input_size, config.input_size)
        self.norm_linear = nn.LayerNorm(config.input_size, eps=config.layer_norm_eps)
        self.linear_2 = nn.Linear(config.input_size, 1)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[N, input_size]`` → ``[N]`` scores."""
        hidden = self.norm_y(apply_dropout(hidden, self.dropout, self.training))
        hidden = self.norm_linear(apply_dropout(F.relu(self.linear_1(hidden)), self.dropout, self.training))
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
            local attention): shape `(batch_size, num_segments, local_heads, M, M)` with `M = ceil(T_b / S)` of the
            longest video; the weights of segment `s` of video `b` fill its top-left `[T_bs, T_bs]` block.
    """

    loss: torch.FloatTensor | None = None
    scores: torch.FloatTensor | None = None
    video_losses: torch.FloatTensor | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None
    local_attentions: torch.FloatTensor | None = None


def _init_stacked_linear_weights(weight: torch.Tensor, blocks: int, init_type: str | None, init_gain: float | None):
    """Initialise ``weight`` as ``blocks`` equal row blocks, each the weight of one original ``nn.Linear``.

    The fan-in/fan-out of Xavier and the orthogonality are those of each original (per-head / per-segment) layer,
    so the distribution is the original's, not that of one big fused layer.
    """
    if getattr(weight, "_is_hf_initialized", False):  # loaded from a checkpoint
        return
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

    def _init_weights(self, module: nn.Module) -> None:
        """The original ``init_weights``: weights by ``config.init_type``, every bias (LayerNorm too) 0.1."""
        init_type, init_gain = self.config.init_type, self.config.init_gain
        if isinstance(module, PGLSumAttention):
            for weight in (module.query, module.key, module.value):
                _init_stacked_linear_weights(weight, module.num_cells * module.num_heads, init_type, init_gain)
            _init_stacked_linear_weights(module.output, module.num_cells, init_type, init_gain)
        elif isinstance(module, nn.Linear):
            _init_stacked_linear_weights(module.weight, 1, init_type, init_gain)
            if init_type is None:
                bound = 1 / math.sqrt(module.in_features)
                nn.init.uniform_(module.bias, -bound, bound)
            else:
                nn.init.constant_(module.bias, 0.1)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.constant_(module.bias, 0.0 if init_type is None else 0.1)


def _model_card_content(model: "PGLSumModel", fields: dict[str, Any], citation: str) -> dict[str, Any]:
    """Metadata and ``$placeholders`` of the model card (see `PGLSumModel.model_card`)."""
    config = model.config
    fields = dict(fields)
    repo_id = fields.pop("repo_id", None) or "path/to/this/model"
    license_id = fields.pop("license", "mit")
    extra_tags = [tag for tag in fields.pop("tags", None) or [] if tag not in ("video-summarization", "pglsum")]
    settings = (
        "input_size", "hidden_size", "num_heads", "num_segments", "local_heads", "fusion", "pos_enc", "pos_freq",
        "attention_dropout", "dropout", "layer_norm_eps", "init_type",
    )
    metadata = {
        "library_name": "transformers",
        "license": license_id,
        "tags": ["video-summarization", "pglsum", "custom_code", *extra_tags],
    }
    content = {
        "title": repo_id.rsplit("/", 1)[-1] if "/" in repo_id else "PGL-SUM",
        "repo_id": repo_id,
        "weights": (
            "Weights saved with pglsum-hf. The repository history and the training command that produced them "
            "tell how they were obtained; untrained weights carry no meaning."
        ),
        "license_note": (
            f"Card metadata license: `{license_id}`. pglsum-hf (the code in this repository) is MIT-licensed. "
            "Weights trained on SumMe or TVSum inherit the terms of those datasets, which are distributed for "
            "research use: check them before any other use."
        ),
        "config_table": "\n".join(f"| `{name}` | `{getattr(config, name)}` |" for name in settings),
        "num_parameters": f"{model.num_parameters() / 1e6:.2f} M",
        "input_size": config.input_size,
        "citation": citation,
        **fields,
    }
    return {"metadata": metadata, **content}


class PGLSumModel(PGLSumPreTrainedModel):
    """PGL-SUM: frame features in, frame importance scores in [0, 1] out (the whole original network)."""

    def __init__(self, config: PGLSumConfig):
        super().__init__(config)
        self.attention = PGLSumMultiAttention(config)
        self.regressor = PGLSumRegressor(config)
        self.post_init()

    def model_card(self, **fields: Any) -> str | None:
        """The README.md of this model, from ``model_cards/model_card.md`` of pglsum-hf.

        ``fields`` override the card's defaults: ``title``, ``repo_id``, ``weights`` (where the weights come from),
        ``license`` (metadata id), ``license_note``, ``tags`` (extra Hub tags, a list). Returns ``None`` where
        pglsum-hf is not installed (a copy of this file loaded as remote code), as the template lives there.
        """
        try:  # the library, not this file's remote-code copy: try-blocks are skipped by transformers' import check
            from pglsum_hf.cards import PAPER_CITATION, render_card
        except ImportError:
            return None
        return render_card("model_card.md", **_model_card_content(self, fields, PAPER_CITATION))

    def save_pretrained(
        self,
        save_directory: str | os.PathLike,
        *args: Any,
        card_fields: dict[str, Any] | None = None,
        push_to_hub: bool = False,
        **kwargs: Any,
    ) -> None:
        """``PreTrainedModel.save_pretrained`` (config.json, model.safetensors, the code for remote loading), plus
        the README.md model card (see `model_card`; ``card_fields`` fill it). With ``push_to_hub=True`` the folder
        is then uploaded as `push_to_hub` does (``repo_id``, ``commit_message``, ``create_pr``, ``private`` and
        ``token`` are taken from ``kwargs``)."""
        hub_kwargs = {key: kwargs.pop(key) for key in ("repo_id", "commit_message", "create_pr", "private") if key in kwargs}
        super().save_pretrained(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            card = self.model_card(**(card_fields or {}))
            if card is not None:
                readme = Path(save_directory) / "README.md"
                partial = readme.with_name(".README.md.partial")
                partial.write_text(card, encoding="utf-8")
                partial.replace(readme)
            if push_to_hub:
                repo_id = hub_kwargs.pop("repo_id", Path(save_directory).name)
                self._upload_folder(save_directory, repo_id, token=kwargs.get("token"), **hub_kwargs)

    def push_to_hub(
        self,
        repo_id: str,
        *,
        commit_message: str | None = None,
        commit_description: str | None = None,
        private: bool | None = None,
        token: bool | str | None = None,
        revision: str | None = None,
        create_pr: bool = False,
        max_shard_size: int | str | None = "50GB",
        tags: list[str] | None = None,
        card_fields: dict[str, Any] | None = None,
    ) -> Any:
        """Upload config, weights, code and OUR model card to the Hub repository ``repo_id`` (created if needed).

        Same arguments as ``PreTrainedModel.push_to_hub``, plus ``card_fields`` (see `model_card`). transformers'
        own implementation replaces README.md with its generic card; this one keeps the PGL-SUM card.
        Returns the ``CommitInfo`` of the upload.
        """
        fields = {"repo_id": repo_id, **(card_fields or {})}
        fields["tags"] = [*fields.get("tags", []), *(tags or [])]
        with tempfile.TemporaryDirectory() as folder:
            self.save_pretrained(folder, max_shard_size=max_shard_size, card_fields=fields)
            return self._upload_folder(
                folder,
                repo_id,
                token=token,
                private=private,
                commit_message=commit_message,
                commit_description=commit_description,
                revision=revision,
                create_pr=create_pr,
            )

    @staticmethod
    def _upload_folder(
        folder: str | os.PathLike,
        repo_id: str,
        *,
        token: bool | str | None = None,
        private: bool | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        revision: str | None = None,
        create_pr: bool = False,
    ) -> Any:
        api = HfApi(token=token)
        repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
        if revision is not None and not create_pr:
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        return api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            commit_message=commit_message or "Upload PGL-SUM model",
            commit_description=commit_description,
            revision=revision,
            create_pr=create_pr,
        )

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
                Frame features (GoogLeNet pool5 for SumMe/TVSum), videos right-padded to a common `T`.
            attention_mask (`torch.Tensor` of shape `(batch_size, T)`, *optional*):
                1 for real frames, 0 for padding (padding after the real frames). Default: all frames real.
            labels (`torch.FloatTensor` of shape `(batch_size, T)` or `(T,)`, *optional*):
                Target scores (gtscore); values at padded frames are ignored.
            output_attentions (`bool`, *optional*):
                Also return the attention weights (default: `config.output_attentions`).
            return_dict (`bool`, *optional*):
                Return a [`PGLSumOutput`] (default) or a plain tuple.

        Returns:
            [`PGLSumOutput`]: `scores` `(batch_size, T)` (`(1, T)` for unbatched features); with `labels`, `loss` =
            the mean over videos of each video's MSE over its real frames and `video_losses` `(batch_size,)`.
        """
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        return_dict = self.config.return_dict if return_dict is None else return_dict
        features, mask, labels = self._check_inputs(features, attention_mask, labels)
        batch_size, padded_length, _ = features.shape

        layout = FrameLayout.from_mask(mask, self.attention.num_segments)
        frames = features.reshape(-1, features.shape[-1]).index_select(0, layout.frame_index)  # [N, input_size]
        self._check_finite(frames, layout, "features")
        attended, global_weights, local_weights = self.attention(frames, layout, output_attentions)
        frame_scores = self.regressor(frames + attended)  # [N]
        scores = frame_scores.new_zeros(batch_size * padded_length).index_copy(0, layout.frame_index, frame_scores)
        scores = scores.view(batch_size, padded_length)

        loss = video_losses = None
        if labels is not None:
            targets = labels.reshape(-1).index_select(0, layout.frame_index)
            self._check_finite(targets, layout, "labels")
            squared_errors = (frame_scores.float() - targets.float()) ** 2
            sums = squared_errors.new_zeros(batch_size).index_add(0, layout.video_index, squared_errors)
            video_losses = sums / layout.lengths
            loss = video_losses.mean()

        attentions = None
        if output_attentions:
            extra = padded_length - layout.global_grid.size
            attentions = (F.pad(global_weights, (0, extra, 0, extra)),)
            if local_weights is not None:
                local_weights = local_weights.view(batch_size, -1, *local_weights.shape[1:])
        output = PGLSumOutput(
            loss=loss, scores=scores, video_losses=video_losses, attentions=attentions, local_attentions=local_weights
        )
        return output if return_dict else output.to_tuple()

    def _check_inputs(
        self, features: torch.Tensor, attention_mask: torch.Tensor | None, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Validate the inputs; return batched features ``[B, T, D]``, a bool mask ``[B, T]`` and labels ``[B, T]``."""
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
        else:
            mask = self._check_mask(attention_mask.to(features.device), shape)
        if labels is not None and tuple(labels.shape) != shape:
            raise ValueError(
                f"labels must have shape [batch, T] = {shape}, one target per frame like the features; "
                f"found shape {tuple(labels.shape)}"
            )
        return features, mask, None if labels is None else labels.to(features.device)

    @staticmethod
    def _check_mask(attention_mask: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
        """A right-padded 0/1 ``[B, T]`` mask with a real frame in every video → bool ``[B, T]``."""
        if tuple(attention_mask.shape) != shape:
            raise ValueError(
                f"attention_mask must have shape [batch, T] = {shape} like the features; "
                f"found shape {tuple(attention_mask.shape)}"
            )
        invalid = (attention_mask != 0) & (attention_mask != 1)
        if invalid.any():
            video, frame = (int(i) for i in invalid.nonzero()[0])
            raise ValueError(
                "attention_mask must hold only 1 (real frame) and 0 (padding); "
                f"found {attention_mask[video, frame].item()!r} at video {video}, frame {frame}"
            )
        mask = attention_mask.bool()
        lengths = mask.sum(dim=1)
        if (lengths == 0).any():
            video = int((lengths == 0).nonzero()[0])
            raise ValueError(f"attention_mask of video {video} is all zeros; expected at least one real frame (1)")
        right_padded = torch.arange(shape[1], device=mask.device) < lengths[:, None]
        if not torch.equal(mask, right_padded):
            video = int((mask != right_padded).any(dim=1).nonzero()[0])
            row = mask[video].int().tolist()
            raise ValueError(
                f"attention_mask of video {video} must be its real frames (1) followed by padding (0); "
                f"found a 0 before a 1: {row[:40]}{' ...' if len(row) > 40 else ''}"
            )
        return mask

    @staticmethod
    def _check_finite(values: torch.Tensor, layout: FrameLayout, name: str) -> None:
        """Raise naming the first video and frame where packed ``values`` (``[N]`` or ``[N, D]``) hold NaN or inf."""
        finite = torch.isfinite(values)
        if finite.dim() > 1:
            finite = finite.all(dim=-1)
        if not bool(finite.all()):
            first = int((~finite).nonzero()[0])
            video = int(layout.video_index[first])
            frame = first - int((layout.video_index < video).sum())
            raise ValueError(
                f"{name} must be finite numbers; found NaN or inf at video {video}, frame {frame} "
                f"(value(s): {values[first].flatten()[:5].tolist()})"
            )


__all__ = ["PGLSumModel", "PGLSumOutput", "PGLSumPreTrainedModel"]
