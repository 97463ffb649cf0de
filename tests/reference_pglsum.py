"""A literal, one-video-at-a-time PGL-SUM written from the formulas of issue 2, for the tests only.

One small ``nn.Linear`` per head, one attention module per segment, positional matrices built on every call, Python
loops over heads and segments: slow and obvious on purpose. Its parameter names and shapes are those of the original
PGL-SUM checkpoints (``attention.attention.Wq.0.weight``, ``attention.local_attention.3.out.weight``, ``linear_1``,
``norm_y``, ...), so its ``state_dict()`` is what ``pglsum_hf.release.original_checkpoint`` reads.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def absolute_matrix(length: int, dim: int, freq: float) -> torch.Tensor:
    """``P[p, 2i] = sin(p / f^(2i/d))``, ``P[p, 2i+1] = cos(p / f^(2i/d))`` for ``i < T // 2``, other entries 0."""
    matrix = torch.zeros(length, length)
    pairs = length // 2
    p = torch.arange(length)[:, None]
    i = torch.arange(pairs)[None, :]
    angle = p / freq ** ((2 * i) / dim)
    matrix[:, 0 : 2 * pairs : 2] = torch.sin(angle)
    matrix[:, 1 : 2 * pairs : 2] = torch.cos(angle)
    return matrix


def relative_matrix(length: int, freq: float) -> torch.Tensor:
    """``d = 2T``, ``r = c - p + T - 1``: ``sin(r / f^((p+c)/d))`` at even, ``cos`` at odd ``c < 2 * (T // 2)``."""
    matrix = torch.zeros(length, length)
    filled = 2 * (length // 2)
    p = torch.arange(length)[:, None]
    c = torch.arange(filled)[None, :]
    angle = (c - p + length - 1) / freq ** ((p + c) / (2 * length))
    matrix[:, 0:filled:2] = torch.sin(angle[:, 0::2])
    matrix[:, 1:filled:2] = torch.cos(angle[:, 1::2])
    return matrix


class ReferenceSelfAttention(nn.Module):
    def __init__(
        self, input_size: int, output_size: int, heads: int, pos_enc: str | None, freq: float, dropout: float
    ):
        super().__init__()
        self.input_size, self.pos_enc, self.freq = input_size, pos_enc, freq
        head_size = output_size // heads
        self.Wk = nn.ModuleList(nn.Linear(input_size, head_size, bias=False) for _ in range(heads))
        self.Wq = nn.ModuleList(nn.Linear(input_size, head_size, bias=False) for _ in range(heads))
        self.Wv = nn.ModuleList(nn.Linear(input_size, head_size, bias=False) for _ in range(heads))
        self.out = nn.Linear(output_size, input_size, bias=False)
        self.drop = nn.Dropout(dropout)

    def positions(self, length: int) -> torch.Tensor | None:
        if self.pos_enc == "absolute":
            return absolute_matrix(length, self.input_size, self.freq)
        if self.pos_enc == "relative":
            return relative_matrix(length, self.freq)
        return None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        heads, weights = [], []
        position = self.positions(x.shape[0])  # the same for every head
        for w_q, w_k, w_v in zip(self.Wq, self.Wk, self.Wv):
            energies = w_q(x) @ w_k(x).T
            if position is not None:
                energies = energies + position
            attention = torch.softmax(energies, dim=-1)
            heads.append(self.drop(attention) @ w_v(x))
            weights.append(attention)
        return self.out(torch.cat(heads, dim=1)), weights


class ReferenceMultiAttention(nn.Module):
    def __init__(self, input_size, output_size, heads, num_segments, local_heads, fusion, pos_enc, freq, dropout):
        super().__init__()
        self.num_segments, self.fusion = num_segments, fusion
        self.attention = ReferenceSelfAttention(input_size, output_size, heads, pos_enc, freq, dropout)
        if num_segments is not None:
            self.local_attention = nn.ModuleList(
                ReferenceSelfAttention(input_size, output_size // num_segments, local_heads, pos_enc, freq, dropout)
                for _ in range(num_segments)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        value, _ = self.attention(x)
        if self.num_segments is None or self.fusion is None:
            return value
        fused = value.clone()
        size = math.ceil(x.shape[0] / self.num_segments)
        for segment, module in enumerate(self.local_attention):
            start, stop = segment * size, min((segment + 1) * size, x.shape[0])
            if start >= stop:
                continue  # an empty segment (e.g. T = 9, S = 4 gives 3, 3, 3, 0 frames)
            local, _ = module(x[start:stop])
            g = F.normalize(value[start:stop], p=2, dim=1, eps=1e-12)
            l = F.normalize(local, p=2, dim=1, eps=1e-12)
            if self.fusion == "add":
                fused[start:stop] = g + l
            elif self.fusion == "mult":
                fused[start:stop] = g * l
            elif self.fusion == "avg":
                fused[start:stop] = (g + l) / 2
            else:
                fused[start:stop] = torch.maximum(g, l)
        return fused


class ReferencePGLSum(nn.Module):
    """PGL-SUM for one video ``[T, input_size]`` → scores ``[T]``."""

    def __init__(
        self,
        input_size: int = 1024,
        output_size: int = 1024,
        heads: int = 8,
        num_segments: int | None = 4,
        local_heads: int = 4,
        fusion: str | None = "add",
        pos_enc: str | None = "absolute",
        freq: float = 10000,
        dropout: float = 0.5,
        eps: float = 1e-6,
    ):
        super().__init__()
        self.attention = ReferenceMultiAttention(
            input_size, output_size, heads, num_segments, local_heads, fusion, pos_enc, freq, dropout
        )
        self.linear_1 = nn.Linear(input_size, input_size)
        self.linear_2 = nn.Linear(input_size, 1)
        self.drop = nn.Dropout(dropout)
        self.norm_y = nn.LayerNorm(input_size, eps=eps)
        self.norm_linear = nn.LayerNorm(input_size, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm_y(self.drop(x + self.attention(x)))
        y = self.norm_linear(self.drop(torch.relu(self.linear_1(y))))
        return torch.sigmoid(self.linear_2(y)).view(-1)

    def randomize_(self, generator: torch.Generator) -> ReferencePGLSum:
        """Give every parameter (LayerNorms included) random values, so a wrong mapping cannot go unnoticed."""
        with torch.no_grad():
            for name, param in self.named_parameters():
                if param.dim() == 2:
                    nn.init.xavier_uniform_(param, gain=math.sqrt(2.0), generator=generator)
                elif name.startswith("norm") and name.endswith("weight"):
                    param.copy_(1 + 0.1 * torch.randn(param.shape, generator=generator))
                else:
                    param.copy_(0.1 * torch.randn(param.shape, generator=generator))
        return self
