"""What `pglsum train` does with the environment it finds: missing extras, and launchers' process counts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pglsum_hf.training.processes import process_count_note

TINY = ["--batch_size", "2", "--eval_method", "max", "--n_epochs", "1", "--hidden_size", "64"]


def _train_in_a_fresh_interpreter(prelude: str, argv: list[str], cwd: Path, env: dict | None = None):
    code = textwrap.dedent(f"""
        import sys
        {prelude}
        from pglsum_hf.cli import main
        sys.exit(main({["train", *argv]!r}))
    """)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=cwd, env=env, check=False
    )


def test_a_missing_extra_is_skipped_with_one_line_after_the_work(tiny_h5: Path, tmp_path: Path) -> None:
    # `import matplotlib` / `import tensorboard` fail as in a base install without the `train` extra.
    hidden = "sys.modules['matplotlib'] = None; sys.modules['tensorboard'] = None"
    output = tmp_path / "run"
    done = _train_in_a_fresh_interpreter(
        hidden, ["--dataset", str(tiny_h5), *TINY, "--output_dir", str(output)], tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "written to" in done.stdout
    assert (output / "model.safetensors").is_file() and (output / "metrics.json").is_file()
    assert not (output / "training_curves.png").exists() and not (output / "logs").exists()
    lines = done.stderr.splitlines()
    plot = [line for line in lines if "matplotlib" in line]
    logs = [line for line in lines if "tensorboard" in line]
    assert plot == ["WARNING pglsum_hf.training.reporting: training_curves.png not written: matplotlib is not installed "
                    "(pip install 'pglsum-hf[train]')"]  # fmt: skip
    assert logs == ["WARNING pglsum_hf.training.reporting: no tensorboard logs written: tensorboard is not installed "
                    "(pip install 'pglsum-hf[train]')"]  # fmt: skip
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("environ", "started", "said"),
    [
        ({}, 1, None),
        ({"WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1"}, 2, None),  # torchrun, ACCELERATE_USE_CPU=true
        ({"WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1"}, 1, "started 2 processes (WORLD_SIZE)"),
        ({"ACCELERATE_USE_CPU": "True", "MASTER_ADDR": "127.0.0.1"}, 1, "asked for several processes but started 1"),
        ({"ACCELERATE_USE_CPU": "True"}, 1, None),  # accelerate launch --cpu, one process asked for
    ],
)
def test_the_process_count_note(environ, started, said):
    note = process_count_note(started, environ)
    if said is None:
        assert note is None
    else:
        assert said in note and "ACCELERATE_USE_CPU=true torchrun --nproc_per_node N" in note


def test_accelerate_launch_cpu_with_two_processes_says_it_runs_one(tiny_h5: Path, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "pglsum_hf.commands.train",
        "--dataset", str(tiny_h5), *TINY, "--report_to", "none", "--output_dir", str(tmp_path / "run"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    notes = [line for line in done.stderr.splitlines() if "asked for several processes" in line]
    assert len(notes) == 1, done.stderr[-3000:]
    assert notes[0].startswith("WARNING pglsum_hf.training.processes: accelerate launch asked for several processes")
