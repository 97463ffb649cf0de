"""The training benchmark times both modes, counts model FLOPs and saves what it printed (no speed is asserted)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from pglsum_hf.benchmarks.training import model_flops
from pglsum_hf.commands.benchmark import main
from pglsum_hf.training.arguments import CPU_MICRO_BATCH_FRAMES


def test_model_flops_are_counted_from_the_shapes() -> None:
    global_only = SimpleNamespace(input_size=4, hidden_size=8, num_segments=None, fusion=None)
    # q/k/v/out 8*T*D*H, energies + weighted sum 4*T^2*H, regressor 2*T*D^2 + 2*T*D; x3 for forward + backward
    t = 10
    assert model_flops([t], global_only) == 3 * (8 * t * 4 * 8 + 4 * t * t * 8 + 2 * t * 16 + 2 * t * 4)
    local = SimpleNamespace(input_size=4, hidden_size=8, num_segments=4, fusion="add")
    # 10 frames in 4 segments of ceil(10/4) = 3 frames: 3, 3, 3, 1; each with hidden 8 / 4 = 2
    segments = sum(8 * m * 4 * 2 + 4 * m * m * 2 for m in (3, 3, 3, 1))
    assert model_flops([t], local) == model_flops([t], global_only) + 3 * segments
    assert model_flops([t, t], local) == 2 * model_flops([t], local)


def test_benchmark_times_batched_and_per_video_epochs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the CPU rows only, on any machine
    output = tmp_path / "benchmark_training.json"
    assert (
        main(
            [
                "training",
                "--profiles",
                "tiny",
                "--epochs",
                "2",
                "--warmup",
                "0",
                "--threads",
                "1",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    payload = json.loads(output.read_text())
    rows = payload["results"]
    assert [(row["profile"], row["device"], row["mode"]) for row in rows] == [
        ("tiny", "cpu", "per_video"),
        ("tiny", "cpu", "batched"),
    ]
    for row in rows:
        assert row["seconds_per_epoch"] > 0 and row["epochs_timed"] == len(row["seconds_each_epoch"]) == 2
        assert row["model_gflops_per_epoch"] > 0 and row["gemm_gflops_per_second"] > 0
        assert row["fraction_of_gemm_limit"] == pytest.approx(
            row["model_gflops_per_epoch"] / row["seconds_per_epoch"] / row["gemm_gflops_per_second"]
        )
    assert rows[0]["model_gflops_per_epoch"] == rows[1]["model_gflops_per_epoch"]
    assert payload["machine"]["threads"] == 1
    assert rows[1]["micro_batch_frames"] == CPU_MICRO_BATCH_FRAMES and rows[0]["micro_batch_frames"] is None
    printed = capsys.readouterr().out
    assert (
        "speed-up batched vs per_video" in printed
        and "of the fp32 GEMM limit" in printed
        and f"saved {output}" in printed
    )
