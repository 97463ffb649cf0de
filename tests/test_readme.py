"""The README's shell examples run as written, in order, from a fresh folder; and its names lead somewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pglsum_hf.cli import main as pglsum_main
from pglsum_hf.errors import PGLSumError

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_RUN = re.compile(r"<!-- readme: not run \((?P<reason>[^)]+)\) -->")
# The sizes the README documents for real runs, made tiny here: each is replaced exactly as written, and each
# must occur in the README (so this list cannot silently stop applying).
TINY_SIZES = {
    "--n_epochs 200": "--n_epochs 1",
    "--hidden_size 1024": "--hidden_size 64",
    "--repeats 3 --videos 10": "--repeats 1 --videos 1",
}


@dataclass
class Block:
    line: int  # where the block starts in README.md (1-based), for messages
    code: str
    not_run: str | None  # the reason given by the marker before it


def readme_blocks(text: str) -> list[Block]:
    blocks, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        if lines[index].strip() == "```bash":
            start = index
            end = lines.index("```", index + 1)
            previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
            marker = NOT_RUN.fullmatch(previous.strip())
            blocks.append(Block(start + 1, "\n".join(lines[start + 1 : end]), marker and marker["reason"]))
            index = end
        index += 1
    return blocks


def test_every_marker_stands_before_a_bash_block():
    text = README.read_text(encoding="utf-8")
    markers = [number for number, line in enumerate(text.splitlines(), 1) if "readme: not run" in line]
    marked = {block.line - 1 for block in readme_blocks(text) if block.not_run}
    assert sorted(marked) == markers, "a `readme: not run (REASON)` marker must be the line before a ```bash block"
    for block in readme_blocks(text):
        if block.not_run is None:
            assert "[--" not in block.code, f"README.md:{block.line}: optional [--...] parts cannot run as written"


def test_the_sizes_made_tiny_are_the_documented_ones():
    runnable = "\n".join(
        block.code for block in readme_blocks(README.read_text(encoding="utf-8")) if not block.not_run
    )
    for documented in TINY_SIZES:
        assert documented in runnable, f"{documented!r} is no longer in the README's examples"


@pytest.mark.slow
def test_readme_examples_run_in_order(tmp_path):
    blocks = [block for block in readme_blocks(README.read_text(encoding="utf-8")) if block.not_run is None]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # this venv's pglsum
        "TQDM_DISABLE": "1",
        "OMP_NUM_THREADS": "1",
    }
    for block in blocks:
        code = block.code
        for documented, tiny in TINY_SIZES.items():
            code = code.replace(documented, tiny)
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, (
            f"README.md:{block.line} failed:\n{code}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )


@pytest.mark.parametrize("name", ["pglsum-model", "nobody/pglsum-model"])
def test_a_name_that_is_no_folder_and_no_hub_repository_says_so(name, tmp_path, monkeypatch, capsys):
    from pglsum_hf.model_loading import load_model

    monkeypatch.chdir(tmp_path)
    expected = f"folder {name} does not exist, and no Hub model repository {name} was found"
    assert pglsum_main(["train", "--dataset", "data_summe.h5", "--model_name_or_path", name]) == 2
    err = capsys.readouterr().err
    assert expected in err and "couldn't connect" not in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(PGLSumError, match=re.escape(expected)):
        load_model(name)
