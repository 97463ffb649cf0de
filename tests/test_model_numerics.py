"""PGLSumModel computes exactly what the original PGL-SUM computes, one video or a padded batch at a time."""

from __future__ import annotations

import math

import pytest
import torch
from reference_pglsum import ReferencePGLSum, absolute_matrix, relative_matrix

from pglsum_hf import PGLSumConfig, PGLSumModel
from pglsum_hf.modeling_pglsum import (
    absolute_position_matrices,
    relative_position_matrices,
)
from pglsum_hf.release.original_checkpoint import convert_state_dict

# small enough for the whole pos_enc x fusion sweep to stay fast, with several heads in every cell
SMALL = {"input_size": 48, "hidden_size": 64, "num_heads": 4, "num_segments": 4, "local_heads": 2}
LENGTHS = (1, 2, 3, 4, 5, 9, 13, 64, 701)


def converted_pair(seed: int, attn_implementation: str = "sdpa", **settings) -> tuple[ReferencePGLSum, PGLSumModel]:
    """A randomised literal reference and the PGLSumModel converted from its (original-layout) state dict."""
    config = PGLSumConfig(**settings)
    config._attn_implementation = attn_implementation
    reference = ReferencePGLSum(
        input_size=config.input_size,
        output_size=config.hidden_size,
        heads=config.num_heads,
        num_segments=config.num_segments,
        local_heads=config.local_heads,
        fusion=config.fusion,
        pos_enc=config.pos_enc,
    )
    reference.randomize_(torch.Generator().manual_seed(seed)).eval()
    model = PGLSumModel(config).eval()
    model.load_state_dict(convert_state_dict(reference.state_dict(), config))
    return reference, model


@pytest.mark.parametrize("pos_enc", ["absolute", "relative", None])
@pytest.mark.parametrize("fusion", ["add", "mult", "avg", "max", None])
def test_matches_the_literal_reference_for_every_length(pos_enc, fusion):
    reference, model = converted_pair(seed=7, pos_enc=pos_enc, fusion=fusion, **SMALL)
    generator = torch.Generator().manual_seed(1)
    padded = max(LENGTHS) + 2
    batch = torch.full((len(LENGTHS), padded, SMALL["input_size"]), 1e3)  # padding content must not matter
    expected = []
    with torch.no_grad():
        for row, length in enumerate(LENGTHS):
            features = torch.rand(length, SMALL["input_size"], generator=generator)
            batch[row, :length] = features
            expected.append(reference(features))
            for implementation in ("sdpa", "eager"):
                model.config._attn_implementation = implementation
                found = model(features).scores[0]
                assert (found - expected[-1]).abs().max() <= 1e-5, f"T={length}, {implementation}"
        mask = (torch.arange(padded)[None] < torch.tensor(LENGTHS)[:, None]).long()
        for implementation in ("sdpa", "eager"):
            model.config._attn_implementation = implementation
            scores = model(batch, attention_mask=mask).scores
            for row, length in enumerate(LENGTHS):
                assert (scores[row, :length] - expected[row]).abs().max() <= 1e-5, f"batched T={length}"
                assert (scores[row, length:] == 0).all()


def test_matches_the_reference_at_the_paper_size():
    reference, model = converted_pair(seed=3)
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for length in (1, 9, 13, 700):
            features = torch.rand(length, 1024, generator=generator)
            assert (model(features).scores[0] - reference(features)).abs().max() <= 1e-5, f"T={length}"


@pytest.mark.parametrize("pos_enc", ["absolute", "relative", None])
def test_padded_batch_equals_one_video_at_a_time(pos_enc):
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(pos_enc=pos_enc, **SMALL)).eval()
    lengths = [1, 2, 5, 9, 13, 40, 97, 96]
    padded = max(lengths) + 3  # padding beyond the longest video too
    features = torch.rand(len(lengths), padded, SMALL["input_size"])
    features[torch.arange(padded)[None] >= torch.tensor(lengths)[:, None]] = 1e3  # padding content must not matter
    mask = (torch.arange(padded)[None] < torch.tensor(lengths)[:, None]).long()
    with torch.no_grad():
        batch = model(features, attention_mask=mask, output_attentions=True)
        for video, length in enumerate(lengths):
            alone = model(features[video, :length], output_attentions=True)
            assert (batch.scores[video, :length] - alone.scores[0]).abs().max() <= 1e-5
            assert (batch.scores[video, length:] == 0).all()
            global_weights = batch.attentions[0][video]
            assert (global_weights[:, :length, :length] - alone.attentions[0][0]).abs().max() <= 1e-5
            assert global_weights[:, length:].abs().sum() == 0 and global_weights[:, :, length:].abs().sum() == 0
            size = math.ceil(length / 4)
            local_alone = alone.local_attentions[0][:, :, :size, :size]
            assert (batch.local_attentions[video][:, :, :size, :size] - local_alone).abs().max() <= 1e-5


def test_parameter_count_and_original_initialisation():
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig())
    assert model.num_parameters() == 9_443_329  # 9.44 M with the defaults
    gain = math.sqrt(2.0)
    # xavier bounds are those of each original per-head / per-segment Linear, not of the fused matrices
    cells = {
        "attention.global_attention.q_proj.weight": math.sqrt(6 / (1024 + 128)),
        "attention.global_attention.out_proj.weight": math.sqrt(6 / (1024 + 1024)),
        "attention.local_attention.3.v_proj.weight": math.sqrt(6 / (1024 + 64)),
        "attention.local_attention.0.out_proj.weight": math.sqrt(6 / (1024 + 256)),
        "regressor.linear_1.weight": math.sqrt(6 / 2048),
        "regressor.linear_2.weight": math.sqrt(6 / 1025),
    }
    parameters = dict(model.named_parameters())
    for name, bound in cells.items():
        largest = parameters[name].abs().max().item()
        assert 0.97 * gain * bound < largest <= gain * bound, name
    for name in ("linear_1.bias", "linear_2.bias", "norm_y.bias", "norm_linear.bias"):
        assert torch.all(parameters[f"regressor.{name}"] == 0.1), name
    assert torch.all(parameters["regressor.norm_y.weight"] == 1)


@pytest.mark.parametrize("init_type", ["normal", "kaiming", "orthogonal", None])
def test_other_initialisations(init_type):
    torch.manual_seed(0)
    config = PGLSumConfig(init_type=init_type, init_gain=0.02 if init_type == "normal" else None, **SMALL)
    model = PGLSumModel(config)
    query = model.attention.global_attention.q_proj.weight  # 4 heads of [16, 48]
    heads = query.view(4, 16, 48)
    if init_type == "normal":
        assert abs(query.std().item() - 0.02) < 0.003
    elif init_type == "kaiming":
        assert query.abs().max() <= math.sqrt(2) * math.sqrt(3 / 48)
    elif init_type == "orthogonal":  # each original head is orthogonal on its own: rows orthonormal * sqrt(2)
        for head in heads:
            assert torch.allclose(head @ head.T, 2 * torch.eye(16), atol=1e-4)
    else:  # PyTorch's own Linear defaults, LayerNorm bias 0
        assert query.abs().max() <= 1 / math.sqrt(48)
        assert torch.all(model.regressor.norm_y.bias == 0)


def test_positional_matrices_follow_the_formulas():
    lengths = torch.tensor([1, 2, 7, 8, 0])
    absolute = absolute_position_matrices(lengths, 9, dim=16, freq=10000)
    relative = relative_position_matrices(lengths, 9, freq=10000)
    for row, length in enumerate(lengths.tolist()):
        assert torch.equal(absolute[row, :length, :length], absolute_matrix(length, 16, 10000))
        assert torch.allclose(relative[row, :length, :length], relative_matrix(length, 10000), atol=1e-6)
    assert absolute[0].abs().sum() == 0 and relative[0].abs().sum() == 0  # one frame: all zeros
    assert absolute[2, :7, 6].abs().sum() == 0  # odd T: the last column stays 0
    # spot values straight from the formulas
    assert absolute[3, 5, 2].item() == pytest.approx(math.sin(5 / 10000 ** (2 / 16)), abs=1e-6)
    assert absolute[3, 5, 3].item() == pytest.approx(math.cos(5 / 10000 ** (2 / 16)), abs=1e-6)
    assert relative[3, 2, 5].item() == pytest.approx(math.cos((5 - 2 + 7) / 10000 ** (7 / 16)), abs=1e-6)


def test_loss_is_the_mean_of_per_video_mse_over_real_frames():
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(**SMALL)).eval()
    features = torch.rand(2, 10, 48)
    mask = torch.tensor([[1] * 10, [1] * 4 + [0] * 6])
    labels = torch.rand(2, 10)
    labels[1, 4:] = 99.0  # ignored
    out = model(features, attention_mask=mask, labels=labels)
    first = ((out.scores[0] - labels[0]) ** 2).mean()
    second = ((out.scores[1, :4] - labels[1, :4]) ** 2).mean()
    assert torch.allclose(out.video_losses, torch.stack([first, second]), atol=1e-7)
    assert torch.allclose(out.loss, (first + second) / 2, atol=1e-7)


def test_dropout_acts_only_in_training_and_gradients_stay_finite_with_empty_segments():
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(**SMALL))
    features = torch.rand(3, 9, 48)  # T = 9 gives segments of 3, 3, 3 and 0 frames; T = 1 gives 1, 0, 0, 0
    mask = torch.tensor([[1] * 9, [1] + [0] * 8, [1] * 5 + [0] * 4])
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(features, mask).scores, model(features, mask).scores)
    model.train()
    out = model(features, attention_mask=mask, labels=torch.rand(3, 9))
    out.video_losses.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    assert not torch.equal(out.scores, model(features, mask).scores)  # dropout is on


def test_tuple_output_and_unbatched_input():
    model = PGLSumModel(PGLSumConfig(**SMALL)).eval()
    features = torch.rand(6, 48)
    (scores,) = model(features, return_dict=False)
    assert scores.shape == (1, 6) and ((0 <= scores) & (scores <= 1)).all()
    loss, scores, video_losses = model(features, labels=torch.rand(6), return_dict=False)
    assert loss.shape == () and video_losses.shape == (1,)
    masked = model(features, attention_mask=torch.tensor([1, 1, 1, 1, 0, 0])).scores
    assert torch.allclose(masked[0, :4], model(features[:4]).scores[0], atol=1e-6) and (masked[0, 4:] == 0).all()


def test_bf16_autocast_on_cpu():
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(**SMALL))
    features = torch.rand(2, 30, 48)
    mask = torch.ones(2, 30)
    mask[1, 20:] = 0
    with torch.no_grad():
        full = model.eval()(features, mask).scores
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.train()(features, mask, labels=torch.rand(2, 30))
    out.loss.backward()
    assert out.loss.dtype == torch.float32 and torch.isfinite(out.loss)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        low = model.eval()(features, mask).scores
    assert (low.float() - full).abs().max() < 0.05
    assert (low[1, 20:] == 0).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(**SMALL)).eval()
    features = torch.rand(3, 50, 48)
    mask = (torch.arange(50)[None] < torch.tensor([50, 13, 1])[:, None]).long()
    with torch.no_grad():
        cpu = model(features, mask).scores
        gpu = model.cuda()(features.cuda(), mask.cuda()).scores.cpu()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            low = model(features.cuda(), mask.cuda()).scores.float().cpu()
    assert (cpu - gpu).abs().max() < 1e-4
    assert (cpu - low).abs().max() < 0.05


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_training_step_in_fp32_and_bf16_autocast():
    """The same code trains on CUDA in fp32 and under bf16 autocast: finite loss and gradients, zero at padding."""
    torch.manual_seed(0)
    model = PGLSumModel(PGLSumConfig(**SMALL)).cuda().train()
    features = torch.rand(3, 40, 48, device="cuda")
    mask = (torch.arange(40, device="cuda")[None] < torch.tensor([40, 17, 3], device="cuda")[:, None]).long()
    labels = torch.rand(3, 40, device="cuda")
    for dtype in (None, torch.bfloat16):
        model.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=dtype or torch.float32, enabled=dtype is not None):
            out = model(features, mask, labels=labels)
        out.video_losses.sum().backward()
        assert out.loss.dtype == torch.float32 and torch.isfinite(out.loss)
        assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
        assert (out.scores[1, 17:] == 0).all() and (out.scores[2, 3:] == 0).all()
