"""The metric folder as a Hugging Face Space: pushed to the Hub emulator, loaded where pglsum_hf is not importable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import yaml

import pglsum_hf

METRIC_FOLDER = Path(pglsum_hf.METRIC_PATH)
REFERENCE = {
    "user_summary": [[1] * 20 + [0] * 80, [0] * 50 + [1] * 15 + [0] * 35],
    "change_points": [[0, 9], [10, 24], [25, 59], [60, 99]],
    "picks": list(range(0, 100, 10)),
    "n_frames": 100,
}
SCORES = [0.9, 0.8, 0.9, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.1]


@pytest.fixture(scope="module")
def metric_space() -> str:
    """The metric folder uploaded as a Gradio Space named like its script (as evaluate expects)."""
    from huggingface_hub import create_repo, upload_folder

    repo_id = f"pglsum-tests-{uuid.uuid4().hex[:8]}/video_summarization"
    create_repo(repo_id, repo_type="space", space_sdk="gradio")
    upload_folder(
        repo_id=repo_id, repo_type="space", folder_path=METRIC_FOLDER, ignore_patterns=["__init__.py", "__pycache__*"]
    )
    return repo_id


def _run_without_pglsum_hf(code: str, tmp_path: Path, hidden: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter and cache where `import pglsum_hf` (and ``hidden``) fail."""
    shim = "".join(f"sys.modules[{name!r}] = None; " for name in ("pglsum_hf", *hidden))
    script = f"import sys; {shim}\n" + textwrap.dedent(code)
    env = {**os.environ, "HF_HOME": str(tmp_path / "fresh-hf-home")}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_card_and_files_make_a_gradio_space():
    card = (METRIC_FOLDER / "README.md").read_text(encoding="utf-8")
    metadata = yaml.safe_load(card.split("---")[1])
    assert metadata["sdk"] == "gradio" and metadata["app_file"] == "app.py"
    assert isinstance(metadata["sdk_version"], str) and metadata["sdk_version"].startswith("6.")
    assert (METRIC_FOLDER / metadata["app_file"]).is_file()
    requirements = (METRIC_FOLDER / "requirements.txt").read_text().split()
    assert {line.split(">")[0] for line in requirements} >= {"evaluate", "datasets", "numpy", "scipy"}


def test_evaluate_load_from_the_hub_without_pglsum_hf(metric_space, tmp_path):
    code = f"""
        import evaluate
        metric = evaluate.load({metric_space!r})
        print("F", round(metric.compute(predictions=[{SCORES!r}], references=[{REFERENCE!r}])["f_score"], 2))
    """
    done = _run_without_pglsum_hf(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "F 66.67" in done.stdout


def test_a_missing_scipy_is_named_with_its_pip_install(metric_space, tmp_path):
    done = _run_without_pglsum_hf(f"import evaluate; evaluate.load({metric_space!r})", tmp_path, hidden=("scipy",))
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ") and "'pip install scipy'" in last, done.stderr[-2000:]
    assert "ModuleNotFoundError" not in done.stderr


def test_the_space_page_computes_and_refuses_in_one_line(metric_space, tmp_path):
    """The Space's app.py, from the pushed repository, builds its page and answers (no server started)."""
    code = f"""
        import runpy
        from huggingface_hub import snapshot_download
        folder = snapshot_download({metric_space!r}, repo_type="space")
        page = runpy.run_path(folder + "/app.py")  # not as __main__: builds the page, launches nothing
        import json
        print("F", round(page["compute"](json.dumps([{SCORES!r}]), json.dumps([{REFERENCE!r}]), "max", 0.15)["f_score"], 2))
        try:
            page["compute"]("[1, 2", "[]", "max", 0.15)
        except Exception as error:
            print("REFUSED", type(error).__name__, error)
    """
    done = _run_without_pglsum_hf(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "F 66.67" in done.stdout
    assert 'REFUSED Error "not valid JSON: Expecting' in done.stdout  # gr.Error: the page shows its message
