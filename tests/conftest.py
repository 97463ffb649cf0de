"""Test session set-up: a local Hugging Face Hub on 127.0.0.1, started before any HF library is imported.

``huggingface_hub`` reads ``HF_ENDPOINT`` and ``HF_HOME`` when it is first imported, so the emulator is
started and the environment set here, at conftest import time, which pytest guarantees to happen before
any test module (and so any ``transformers`` / ``datasets`` / ``evaluate`` import) is collected.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="pglsum-tests-"))


def _start_hub_emulator() -> tuple[subprocess.Popen, str]:
    storage = _SESSION_DIR / "hub-storage"
    proc = subprocess.Popen(
        [sys.executable, str(TESTS_DIR / "hub_emulator.py"), "--port", "0", "--storage", str(storage)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("LISTENING "):
        proc.kill()
        raise RuntimeError(f"the Hub emulator did not start; it printed {line!r}")
    return proc, line.split(" ", 1)[1]


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


_HUB_PROC, HUB_ENDPOINT = _start_hub_emulator()
atexit.register(_stop, _HUB_PROC)

os.environ.update(
    {
        "HF_ENDPOINT": HUB_ENDPOINT,
        "HF_TOKEN": "pglsum-test-token",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HOME": str(_SESSION_DIR / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
        "MPLBACKEND": "Agg",
    }
)
for _offline in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(_offline, None)


@pytest.fixture(scope="session")
def hub_endpoint() -> str:
    """URL of the local Hub emulator every HF library in this session talks to."""
    return HUB_ENDPOINT


@pytest.fixture
def hub_repo_id() -> str:
    """A fresh repository id on the emulator (owner/name), unique per test."""
    return f"pglsum-tests/repo-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project: the real SumMe/TVSum annotations and the paper's splits."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real annotations folder {SHARED_DATA} is absent (it sits beside the repository in CI)")
    return SHARED_DATA


@pytest.fixture(scope="module")
def tiny_h5(tmp_path_factory) -> Path:
    """A SYNTHETIC ``tiny`` feature file (seed 0) with its splits beside it, made once per test module."""
    from pglsum_hf.data.synthetic import make_synthetic_h5, write_synthetic_splits

    path = make_synthetic_h5(
        tmp_path_factory.mktemp("data") / "synthetic_tiny.h5", profile="tiny", seed=0, show_progress=False
    )
    write_synthetic_splits(path, profile="tiny", seed=0)
    return path


@pytest.fixture(scope="module")
def random_model_dir(tmp_path_factory) -> Path:
    """A saved PGL-SUM model with the paper's configuration and random weights (seed 0), made once per module."""
    import torch

    from pglsum_hf import PGLSumConfig, PGLSumModel

    folder = tmp_path_factory.mktemp("model") / "model"
    torch.manual_seed(0)
    PGLSumModel(PGLSumConfig()).save_pretrained(folder)
    return folder
