import subprocess
import sys

from pglsum_hf import cli


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
