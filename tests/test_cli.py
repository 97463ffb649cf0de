import subprocess
import sys

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
