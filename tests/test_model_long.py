"""Long videos: attention in query blocks gives the one-block result, with memory that grows linearly in T."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch

from pglsum_hf import PGLSumConfig, PGLSumModel, modeling_pglsum

SMALL = {"input_size": 24, "hidden_size": 32, "num_heads": 4, "num_segments": 4, "local_heads": 2}


@pytest.mark.parametrize("implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("pos_enc", ["absolute", "relative", None])
def test_query_blocks_give_the_one_block_result(pos_enc, implementation, monkeypatch):
    torch.manual_seed(0)
    config = PGLSumConfig(pos_enc=pos_enc, **SMALL)
    config._attn_implementation = implementation
    model = PGLSumModel(config).eval()
    lengths = [300, 123, 1]
    features = torch.rand(3, 301, 24)
    mask = (torch.arange(301)[None] < torch.tensor(lengths)[:, None]).long()
    with torch.no_grad():
        whole = model(features, attention_mask=mask).scores
        # a few hundred score entries per block: dozens of global and local blocks, a short last one
        monkeypatch.setattr(modeling_pglsum, "ATTENTION_BLOCK_ELEMENTS", 3 * 4 * 301 * 7)
        blocked = model(features, attention_mask=mask).scores
    assert (blocked - whole).abs().max() <= 1e-6
    assert (blocked[1, 123:] == 0).all()


def test_memory_grows_linearly_with_the_video():
    # T = 12,000 with 2 heads: one [heads, T, T] float32 matrix of energies (or of bias) would take 1.15 GB
    script = textwrap.dedent(
        """
        import json, resource, torch
        from pglsum_hf import PGLSumConfig, PGLSumModel, modeling_pglsum

        modeling_pglsum.ATTENTION_BLOCK_ELEMENTS = 2**20
        torch.manual_seed(0)
        model = PGLSumModel(PGLSumConfig(input_size=16, hidden_size=16, num_heads=2, num_segments=2, local_heads=1))
        features = torch.rand(1, 12_000, 16)
        with torch.inference_mode():
            model.eval()(features[:, :50])
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            scores = model(features).scores
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"grown_mb": (after - before) / 1024, "finite": bool(torch.isfinite(scores).all())}))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["finite"]
    assert result["grown_mb"] < 250, result
