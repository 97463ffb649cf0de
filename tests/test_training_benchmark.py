"""The training benchmark times both modes and saves what it printed (no speed is asserted)."""

from __future__ import annotations

import json

import torch

from pglsum_hf.benchmarks.training import main
from pglsum_hf.training.arguments import CPU_MICRO_BATCH_FRAMES


def test_benchmark_times_batched_and_per_video_epochs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the CPU rows only, on any machine
    output = tmp_path / "benchmark_training.json"
    assert main(["--profiles", "tiny", "--epochs", "2", "--warmup", "0", "--threads", "1", "--output", str(output)]) == 0
    payload = json.loads(output.read_text())
    rows = payload["results"]
    assert [(row["profile"], row["device"], row["mode"]) for row in rows] == [("tiny", "cpu", "per_video"), ("tiny", "cpu", "batched")]
    for row in rows:
        assert row["seconds_per_epoch"] > 0 and row["cpu_seconds_per_epoch"] > 0 and row["epochs_timed"] == len(row["seconds_each_epoch"]) == 2
    assert payload["machine"]["threads"] == 1
    assert rows[1]["micro_batch_frames"] == CPU_MICRO_BATCH_FRAMES and rows[0]["micro_batch_frames"] is None
    printed = capsys.readouterr().out
    assert "speed-up batched vs per_video" in printed and f"saved {output}" in printed
