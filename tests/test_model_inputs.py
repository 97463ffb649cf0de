"""Bad configurations and bad inputs fail with errors that say what was expected and what was found."""

from __future__ import annotations

import pytest
import torch

from pglsum_hf import PGLSumConfig, PGLSumModel

SMALL = {"input_size": 16, "hidden_size": 32, "num_heads": 2, "num_segments": 2, "local_heads": 2}


@pytest.fixture(scope="module")
def model() -> PGLSumModel:
    return PGLSumModel(PGLSumConfig(**SMALL)).eval()


def test_config_defaults_are_the_papers():
    config = PGLSumConfig()
    assert (config.input_size, config.hidden_size, config.num_heads, config.num_segments) == (1024, 1024, 8, 4)
    assert (config.local_heads, config.fusion, config.pos_enc, config.pos_freq) == (4, "add", "absolute", 10000)
    assert (config.attention_dropout, config.dropout, config.layer_norm_eps) == (0.5, 0.5, 1e-6)
    assert (config.init_type, config.init_gain) == ("xavier", None)
    assert PGLSumConfig.from_dict(config.to_dict()).to_dict() == config.to_dict()


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"num_segments": 1}, ["num_segments=1", "integer >= 2"]),
        ({"hidden_size": 1000}, ["hidden_size=1000", "local_heads=4"]),
        ({"hidden_size": 1020, "num_heads": 8}, ["hidden_size=1020", "multiple of num_heads=8"]),
        ({"fusion": "sum"}, ["fusion='sum'", "'add', 'mult', 'avg', 'max'"]),
        ({"pos_enc": "learned"}, ["pos_enc='learned'", "'absolute', 'relative'"]),
        ({"init_type": "uniform"}, ["init_type='uniform'", "'xavier'"]),
        ({"init_type": "normal"}, ["init_gain=None", "init_type='normal'"]),
        ({"attention_dropout": 1.5}, ["attention_dropout=1.5", "[0, 1]"]),
        ({"num_heads": 0}, ["num_heads=0", "positive integer"]),
    ],
)
def test_invalid_config_values_name_the_field(settings, words):
    with pytest.raises(ValueError) as error:
        PGLSumConfig(**settings)
    for word in words:
        assert word in str(error.value)


def test_local_attention_can_be_disabled():
    assert (
        PGLSumModel(
            PGLSumConfig(num_segments=None, **{k: v for k, v in SMALL.items() if k != "num_segments"})
        ).attention.local_attention
        is None
    )
    assert PGLSumModel(PGLSumConfig(**{**SMALL, "fusion": None})).attention.local_attention is None


@pytest.mark.parametrize(
    "features, kwargs, words",
    [
        (torch.rand(2, 5, 8), {}, ["input_size=16", "found 8", "(2, 5, 8)"]),
        (torch.rand(2, 3, 5, 16), {}, ["[batch, T, input_size]", "4-D", "(2, 3, 5, 16)"]),
        (torch.rand(16), {}, ["1-D"]),
        (torch.rand(2, 0, 16), {}, ["T=0"]),
        (torch.rand(0, 4, 16), {}, ["batch=0"]),
        (torch.ones(2, 5, 16, dtype=torch.long), {}, ["floating-point", "torch.int64"]),
        (torch.rand(2, 5, 16), {"attention_mask": torch.ones(2, 4)}, ["attention_mask", "(2, 5)", "(2, 4)"]),
        (torch.rand(2, 5, 16), {"labels": torch.rand(2, 4)}, ["labels", "(2, 5)", "(2, 4)"]),
        (torch.rand(5, 16), {"labels": torch.rand(6)}, ["labels", "(1, 5)", "(1, 6)"]),
    ],
)
def test_bad_inputs_say_what_was_expected_and_found(model, features, kwargs, words):
    with pytest.raises((ValueError, TypeError)) as error:
        model(features, **kwargs)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_other_float_dtypes_are_cast_to_the_model_dtype(model, dtype):
    features = torch.rand(2, 6, 16)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2])
    with torch.no_grad():
        expected = model(features.to(dtype).float(), attention_mask=mask).scores
        found = model(features.to(dtype), attention_mask=mask).scores
    assert found.dtype == torch.float32 and torch.equal(found, expected)


def test_non_finite_values_in_padding_are_ignored(model):
    features = torch.rand(2, 6, 16)
    features[1, 4:] = float("nan")
    labels = torch.rand(2, 6)
    labels[1, 4:] = float("nan")
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2])
    out = model(features, attention_mask=mask, labels=labels)
    assert torch.isfinite(out.scores).all() and torch.isfinite(out.loss)
    out.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    model.zero_grad(set_to_none=True)
