"""The forward has no host syncs and no branches on tensor values: torch.compile(fullgraph=True) takes it whole."""

from __future__ import annotations

import pytest
import torch

from pglsum_hf import PGLSumConfig, PGLSumModel

SMALL = {
    "input_size": 16,
    "hidden_size": 32,
    "num_heads": 2,
    "num_segments": 3,
    "local_heads": 2,
    "pos_enc": "relative",
}


def check_compiled_matches_eager(implementation: str, backend: str, device: str) -> None:
    """Scores and every gradient of a padded training step: compiled whole (fullgraph) vs eager, within 1e-5."""
    torch.manual_seed(0)
    config = PGLSumConfig(attention_dropout=0.0, dropout=0.0, **SMALL)
    config._attn_implementation = implementation
    model = PGLSumModel(config).to(device).train()
    features = torch.rand(3, 11, 16, device=device)
    mask = (torch.arange(11, device=device)[None] < torch.tensor([11, 7, 1], device=device)[:, None]).long()
    labels = torch.rand(3, 11, device=device)

    def step(forward):
        model.zero_grad(set_to_none=True)
        out = forward(features, attention_mask=mask, labels=labels)
        out.video_losses.sum().backward()
        return out.scores.detach(), {name: p.grad.clone() for name, p in model.named_parameters()}

    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, dynamic=False, backend=backend)
    expected_scores, expected_grads = step(model)
    scores, grads = step(compiled)
    assert (scores - expected_scores).abs().max() <= 1e-5
    for name, grad in grads.items():
        assert (grad - expected_grads[name]).abs().max() <= 1e-5, name
    assert (scores[1, 7:] == 0).all() and (scores[2, 1:] == 0).all()


# Inductor (C++ code generation) for the default SDPA path; the eager attention path is captured whole by the
# cheaper aot_eager backend, which proves the same thing about graph breaks without compiling C++ again.
@pytest.mark.parametrize(
    "implementation, backend",
    [pytest.param("sdpa", "inductor", marks=pytest.mark.slow), ("eager", "aot_eager")],
)
def test_compiled_forward_and_backward_match_eager(implementation, backend):
    check_compiled_matches_eager(implementation, backend, "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("implementation", ["sdpa", "eager"])
def test_compiled_forward_and_backward_match_eager_on_cuda(implementation):
    check_compiled_matches_eager(implementation, "inductor", "cuda")
