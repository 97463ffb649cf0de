"""The allocator setting of `pglsum train`: applied by the command only, off with PGLSUM_KEEP_FREED_MEMORY=0."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from pglsum_hf.cli import main as cli_main
from pglsum_hf.training import cpu_memory
from pglsum_hf.training.train import train

TINY = ["--batch_size", "2", "--eval_method", "max", "--hidden_size", "64", "--n_segments", "2", "--report_to", "none"]


def test_only_the_train_command_changes_the_allocator(tiny_h5: Path, tmp_path: Path, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(cpu_memory, "keep_freed_memory", lambda: calls.append("applied") or True)
    monkeypatch.delenv(cpu_memory.DISABLE_VARIABLE, raising=False)
    train(dataset=str(tiny_h5), n_epochs=1, output_dir=str(tmp_path / "python"), batch_size=2, eval_method="max",
          hidden_size=64, num_segments=2, report_to="none")  # fmt: skip
    assert calls == []  # a train() called from Python leaves its host process alone

    def command(name: str) -> int:
        return cli_main(["train", "--dataset", str(tiny_h5), "--n_epochs", "1", "--output_dir", str(tmp_path / name),
                         *TINY])  # fmt: skip

    assert command("cli") == 0 and calls == ["applied"]
    monkeypatch.setenv(cpu_memory.DISABLE_VARIABLE, "0")
    assert command("cli_off") == 0 and calls == ["applied"]


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only"
)
def test_mallopt_applies_on_glibc() -> None:
    # in a child process: the test process keeps its own allocator settings
    code = "from pglsum_hf.training.cpu_memory import keep_freed_memory; print(keep_freed_memory())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
