"""The documented shell examples run as written, in order; the README's links lead somewhere; and its names do.

The examples are the ```bash blocks of README.md and of every page of docs/ (docs/pages/, in the order of the nav
in docs/mkdocs.yml). README.md runs in a fresh folder of its own; the pages run one after another in one shared
folder, because later pages use what earlier ones make (the Datasets page's data, the Training page's model). A
block preceded by `<!-- readme: not run (REASON) -->` is not run; a REASON of the form `runs on PAGE.md` says the
block repeats commands that PAGE runs, and each of its lines must be in a runnable block of that page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pglsum_hf.cli import main as pglsum_main
from pglsum_hf.errors import PGLSumError

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MKDOCS = ROOT / "docs" / "mkdocs.yml"
NOT_RUN = re.compile(r"<!-- readme: not run \((?P<reason>[^)]+)\) -->")
RUNS_ON = re.compile(r"runs on (?P<page>\S+\.md)")
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# The sizes the documentation gives for real runs, made tiny here: each is replaced exactly as written, and each
# must occur in a runnable example (so this list cannot silently stop applying).
TINY_SIZES = {
    "--n_epochs 200": "--n_epochs 1",
    "--hidden_size 1024": "--hidden_size 64",
    "--repeats 3 --videos 10": "--repeats 1 --videos 1",
}


@dataclass
class Block:
    document: Path
    line: int  # where the block starts in its document (1-based), for messages
    code: str
    not_run: str | None  # the reason given by the marker before it

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def readme_blocks(text: str, document: Path = README) -> list[Block]:
    blocks, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        if lines[index].strip() == "```bash":
            start = index
            end = lines.index("```", index + 1)
            previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
            marker = NOT_RUN.fullmatch(previous.strip())
            blocks.append(Block(document, start + 1, "\n".join(lines[start + 1 : end]), marker and marker["reason"]))
            index = end
        index += 1
    return blocks


def docs_pages() -> list[Path]:
    """The pages of the documentation site, in the order of its nav."""
    config = yaml.safe_load(MKDOCS.read_text(encoding="utf-8"))
    pages_dir = MKDOCS.parent / config["docs_dir"]

    def walk(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            yield from walk(value) if isinstance(value, list) else [pages_dir / value]

    return list(walk(config["nav"]))


def documents() -> list[Path]:
    return [README, *docs_pages()]


def blocks_of(document: Path) -> list[Block]:
    return readme_blocks(document.read_text(encoding="utf-8"), document)


def runnable(document: Path) -> list[Block]:
    return [block for block in blocks_of(document) if block.not_run is None]


def test_every_page_is_in_the_nav():
    pages = set(docs_pages())
    on_disk = set((MKDOCS.parent / yaml.safe_load(MKDOCS.read_text(encoding="utf-8"))["docs_dir"]).rglob("*.md"))
    assert all(page.is_file() for page in pages), f"the nav names missing pages: {sorted(pages - on_disk)}"
    assert on_disk <= pages, f"pages left out of the nav in docs/mkdocs.yml: {sorted(on_disk - pages)}"


@pytest.mark.parametrize("document", documents(), ids=lambda path: path.name)
def test_every_marker_stands_before_a_bash_block(document):
    text = document.read_text(encoding="utf-8")
    markers = [number for number, line in enumerate(text.splitlines(), 1) if "readme: not run" in line]
    marked = {block.line - 1 for block in readme_blocks(text, document) if block.not_run}
    assert sorted(marked) == markers, "a `readme: not run (REASON)` marker must be the line before a ```bash block"
    for block in readme_blocks(text, document):
        if block.not_run is None:
            assert "[--" not in block.code, f"{block.where}: optional [--...] parts cannot run as written"


def test_blocks_shown_from_a_page_are_the_pages_own():
    shown = [
        (block, RUNS_ON.fullmatch(block.not_run))
        for document in documents()
        for block in blocks_of(document)
        if block.not_run and RUNS_ON.fullmatch(block.not_run)
    ]
    assert shown, "README.md's tour shows commands that its pages run"
    for block, match in shown:
        page = (block.document.parent / match["page"]).resolve()
        assert page in docs_pages(), f"{block.where}: {match['page']} is not a page of the documentation"
        lines_run = {line for run in runnable(page) for line in run.code.splitlines()}
        for line in block.code.splitlines():
            assert line in lines_run, f"{block.where}: {line!r} is not run on {match['page']}"


def test_the_sizes_made_tiny_are_the_documented_ones():
    code = "\n".join(block.code for document in documents() for block in runnable(document))
    for documented in TINY_SIZES:
        assert documented in code, f"{documented!r} is no longer in the documentation's examples"


def _slug(heading: str) -> str:
    """The anchor of a heading, as mkdocs' table of contents makes it."""
    text = unicodedata.normalize("NFKD", heading.replace("`", "")).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def _anchors(page: Path) -> set[str]:
    anchors, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        fenced ^= line.startswith("```")
        if not fenced and re.match(r"#{1,6} ", line):
            anchors.add(_slug(line.lstrip("#").strip()))
    return anchors


def test_every_relative_link_of_the_readme_leads_somewhere():
    targets = [match["target"] for match in LINK.finditer(README.read_text(encoding="utf-8"))]
    relative = [target for target in targets if "://" not in target and not target.startswith(("mailto:", "#"))]
    assert relative, "README.md links to its pages"
    for target in relative:
        path, _, anchor = target.partition("#")
        assert (README.parent / path).exists(), f"README.md links to {path}, which does not exist"
        if anchor:
            assert anchor in _anchors(README.parent / path), f"README.md links to {target}: {path} has no such heading"


def _run_blocks(blocks: list[Block], folder: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # this venv's pglsum
        "TQDM_DISABLE": "1",
        "OMP_NUM_THREADS": "1",
    }
    folder.mkdir(exist_ok=True)
    for block in blocks:
        code = block.code
        for documented, tiny in TINY_SIZES.items():
            code = code.replace(documented, tiny)
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", code],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, f"{block.where} failed:\n{code}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"


@pytest.mark.slow
def test_documented_examples_run_in_order(tmp_path):
    _run_blocks(runnable(README), tmp_path / "readme")
    pages = [block for page in docs_pages() for block in runnable(page)]
    assert pages, "the pages have examples to run"
    _run_blocks(pages, tmp_path / "docs")


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
