"""Start-up cost: what the light entry points import, and that the lazy package still registers PGL-SUM.

Each check runs in a fresh interpreter and reads ``sys.modules``: an import done by any test of this process
would hide the one under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from pglsum_hf import cli

HEAVY_FOR_THE_CLI = ("torch", "transformers")
HEAVY_FOR_THE_PACKAGE = ("datasets", "evaluate", "pandas", "torchvision", "av", "matplotlib", "tensorboard")
BENCHMARK_COMMANDS = [["benchmark", name] for name in cli.BENCHMARKS]


def imported_after(code: str, cwd=None) -> set[str]:
    """The top-level modules loaded once ``code`` has run (a SystemExit from argparse counts as done)."""
    script = (
        "import json, sys\ntry:\n"
        + textwrap.indent(textwrap.dedent(code), "    ")
        + "\nexcept SystemExit:\n    pass\n"
        + 'print("\\nMODULES=" + json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))\n'
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=os.environ, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.rpartition("MODULES=")[2]))


def test_pglsum_help_imports_neither_torch_nor_transformers():
    loaded = imported_after("from pglsum_hf.cli import main; main(['--help'])")
    assert "pglsum_hf" in loaded
    assert not loaded & set(HEAVY_FOR_THE_CLI)


def help_imports(commands: list[list[str]]) -> dict[str, list[str]]:
    """For each command, the heavy modules that ``pglsum <command> --help`` imported (one fork per command)."""
    code = f"""
        import os
        from pglsum_hf.cli import main

        heavy = {{}}
        for command in {commands!r}:
            read, write = os.pipe()
            if os.fork() == 0:  # the child starts from the parent's modules: the CLI only
                try:
                    main([*command, "--help"])
                except SystemExit:
                    pass
                os.write(write, json.dumps(sorted(m for m in {HEAVY_FOR_THE_CLI!r} if m in sys.modules)).encode())
                os._exit(0)
            os.close(write)
            with os.fdopen(read) as pipe:
                heavy[" ".join(command)] = json.loads(pipe.read())
            os.wait()
        print("\\nHEAVY=" + json.dumps(heavy))
    """
    script = "import json, sys\n" + textwrap.dedent(code)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.rpartition("HEAVY=")[2])


def test_command_help_imports_neither_torch_nor_transformers():
    # Every command, `train` and `convert-checkpoint` included, and each benchmark.
    commands = [[name] for name in cli.COMMANDS] + BENCHMARK_COMMANDS
    heavy = help_imports(commands)
    assert set(heavy) == {" ".join(command) for command in commands}
    assert {command: modules for command, modules in heavy.items() if modules} == {}


def test_make_synthetic_and_convert_run_without_torch_or_transformers(tmp_path):
    code = f"""
        from pglsum_hf.cli import main

        synthetic = {str(tmp_path / "synthetic")!r}
        assert main(["make-synthetic", "--profile", "tiny", "--output_dir", synthetic]) == 0
        h5, splits = synthetic + "/synthetic_tiny.h5", synthetic + "/synthetic_tiny_splits.json"
        assert main(["convert", "--h5", h5, "--splits", splits, "--output_dir", {str(tmp_path / "dataset")!r}]) == 0
    """
    loaded = imported_after(code)
    assert (tmp_path / "dataset").is_dir()
    assert not loaded & set(HEAVY_FOR_THE_CLI)


def test_import_pglsum_hf_is_light():
    loaded = imported_after("import pglsum_hf")
    assert not loaded & set(HEAVY_FOR_THE_PACKAGE + HEAVY_FOR_THE_CLI)


def test_the_metrics_import_neither_datasets_nor_evaluate():
    loaded = imported_after("import pglsum_hf.metrics, pglsum_hf.video.keyshots")
    assert not loaded & {"datasets", "evaluate", "pandas", "torch", "transformers"}


def test_the_summary_budget_costs_no_scipy():
    # Every command reads SUMMARY_BUDGET at start-up; only the rank correlations need scipy (about a second).
    loaded = imported_after("from pglsum_hf.metrics import SUMMARY_BUDGET, generate_summary")
    assert "scipy" not in loaded


def test_import_registers_config_model_and_pipeline_without_remote_code(tmp_path):
    code = f"""
        import torch
        from pglsum_hf import PGLSumConfig, PGLSumModel

        PGLSumModel(PGLSumConfig(input_size=8, hidden_size=16, num_heads=2, num_segments=2, local_heads=2)).save_pretrained(
            {str(tmp_path / "model")!r}
        )
    """
    imported_after(code)
    checks = f"""
config = AutoConfig.from_pretrained({str(tmp_path / "model")!r})
model = AutoModel.from_pretrained({str(tmp_path / "model")!r})
assert type(config) is pglsum_hf.PGLSumConfig, type(config)
assert type(model) is pglsum_hf.PGLSumModel, type(model)
assert PIPELINE_REGISTRY.check_task("video-summarization")[0] == "video-summarization"
"""
    transformers_imports = (
        "from transformers import AutoConfig, AutoModel\nfrom transformers.pipelines import PIPELINE_REGISTRY\n"
    )
    # The package first: each registration runs when transformers loads the registry it extends.
    loaded = imported_after("import pglsum_hf\n" + transformers_imports + checks)
    assert {"torch", "transformers"} <= loaded
    # transformers first: the registries are already loaded and are extended at import.
    imported_after(transformers_imports + "import pglsum_hf\n" + checks)
