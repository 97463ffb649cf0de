import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pglsum_hf import cli
from pglsum_hf.dependencies import require
from pglsum_hf.errors import MissingDependencyError


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_unknown_command_fails_clearly(capsys):
    assert cli.main(["no-such-command"]) == 2
    assert "unknown command 'no-such-command'" in capsys.readouterr().err


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "pglsum_hf.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: pglsum" in result.stdout


def test_missing_optional_dependency_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now fails as if PyAV were not installed
    with pytest.raises(
        MissingDependencyError, match=r"decoding a video needs the optional dependency 'av'.*pglsum-hf\[video\]"
    ):
        require("av", extra="video", purpose="decoding a video")


def test_missing_optional_dependency_is_one_line_from_the_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not really a video")

    def decode():
        from pglsum_hf.video.decode import open_video

        open_video(video)

    assert cli.run("summarize", decode) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pglsum summarize: ") and "pip install 'pglsum-hf[video]'" in err


def test_a_broken_import_inside_a_present_dependency_keeps_its_traceback(monkeypatch):
    monkeypatch.setitem(sys.modules, "json.decoder", None)  # json is there, one of its own modules is not
    monkeypatch.delitem(sys.modules, "json")
    with pytest.raises(ModuleNotFoundError):
        require("json", extra="video")


SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_every_script_runs_a_pglsum_command(script):
    # A script is the command's entry point under another name: `pglsum_hf.cli.main` with the command's words.
    tree = ast.parse(script.read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "main"]
    assert len(calls) == 1, f"{script.name} should call pglsum_hf.cli.main once"
    words = [element.value for element in calls[0].args[0].elts if isinstance(element, ast.Constant)]
    assert words[0] in cli.COMMANDS
    if words[0] == "benchmark":
        assert words[1] in cli.BENCHMARKS
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "pglsum_hf.cli"]
    assert [alias.name for node in imports for alias in node.names] == ["main"]


def test_a_script_fails_in_one_line_as_the_command_does(tmp_path):
    # A checkpoint that is not there: one line naming it under both ways in, no traceback, the same exit status.
    missing = str(tmp_path / "missing.pt")
    script = Path(__file__).resolve().parents[1] / "scripts" / "convert_original_checkpoint.py"
    ways_in = {
        "script": [sys.executable, str(script), "--checkpoint", missing, "--output_dir", str(tmp_path / "out")],
        "pglsum": [
            sys.executable,
            "-m",
            "pglsum_hf.cli",
            "convert-checkpoint",
            "--checkpoint",
            missing,
            "--output_dir",
            str(tmp_path / "out"),
        ],  # fmt: skip
    }
    results = {way: subprocess.run(argv, capture_output=True, text=True, timeout=300) for way, argv in ways_in.items()}
    for way, result in results.items():
        assert result.returncode == 2, (way, result.stderr)  # a usage error: the option names no file
        assert "Traceback" not in result.stderr, way
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pglsum convert-checkpoint:") and "missing.pt" in lines[0], way
    assert results["script"].stderr == results["pglsum"].stderr
    assert not (tmp_path / "out").exists()


def test_every_benchmark_the_dispatcher_names_has_its_options_and_runner(capsys):
    from pglsum_hf.commands import benchmark

    assert list(benchmark.BENCHMARKS) == list(cli.BENCHMARKS)
    for name in cli.BENCHMARKS:
        assert cli.main(["benchmark", name, "--help"]) == 0
        assert capsys.readouterr().out.startswith(f"usage: pglsum benchmark {name} ")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_no_script_stands_in_for_a_library(script):
    # Python puts a script's folder first on sys.path: a script named like an installed module (evaluate.py) would
    # be imported in its place by every other script.
    import importlib.util

    assert importlib.util.find_spec(script.stem) is None, f"scripts/{script.name} hides the module {script.stem!r}"


def test_the_metric_benchmark_script_loads_the_evaluate_library(tmp_path):
    # Run as a script from scripts/, the benchmark loads the `evaluate` library, not a script of that name.
    script = Path(__file__).resolve().parents[1] / "scripts" / "benchmark_metric.py"
    argv = [sys.executable, str(script), "--repeats", "1", "--videos", "1", "--output", str(tmp_path / "metric.json")]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and (tmp_path / "metric.json").is_file()


def test_the_metric_benchmark_refuses_an_annotations_file_that_is_not_there(tmp_path, capsys):
    missing = tmp_path / "ydata-anno.tsv"
    status = cli.main(["benchmark", "metric", "--annotations", str(missing), "--output", str(tmp_path / "m.json")])
    assert status == 2
    assert capsys.readouterr().err.strip() == f"pglsum benchmark metric: --annotations: {missing}: no such file"
    assert not (tmp_path / "m.json").exists()


def test_the_metric_benchmark_never_writes_over_its_annotations(tmp_path, capsys):
    annotations = tmp_path / "ydata-anno.tsv"
    annotations.write_text("mine\n")
    argv = ["benchmark", "metric", "--annotations", str(annotations), "--output", str(annotations), "--overwrite"]
    assert cli.main(argv) == 1
    assert f"--output: {annotations} is an input of this command" in capsys.readouterr().err
    assert annotations.read_text() == "mine\n"
