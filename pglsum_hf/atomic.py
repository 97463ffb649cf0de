"""Write files and folders under a temporary name beside the target and rename only on success.

A crash or a validation error half-way through never leaves a truncated file or a partial dataset folder
where a user (or ``load_dataset``) would find it. Shared by the data, training and video code (the model code
travels as Hub remote code and stays self-contained).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it replaces ``path``, on error it is removed.

    The temporary name ends with ``path``'s own suffix, so writers that pick a format from it (PyAV,
    matplotlib) write the right one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".partial{path.suffix}", dir=path.parent)
    os.close(handle)
    temporary = Path(temporary)
    # mkstemp creates the file private (0600); give it the permissions a plain open() would.
    temporary.chmod(0o666 & ~_current_umask())
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def atomic_directory(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it becomes ``path``.

    An existing non-empty ``path`` is an error unless ``overwrite``; then it is replaced only after the new
    folder is complete.
    """
    path = Path(path)
    if path.exists() and not (path.is_dir() and not any(path.iterdir())) and not overwrite:
        raise FileExistsError(f"{path} already exists and is not an empty folder; pass overwrite=True (--overwrite) to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    temporary.chmod(0o777 & ~_current_umask())  # mkdtemp makes it private (0700), unlike a plain mkdir
    try:
        yield temporary
        if path.exists():
            previous = path.with_name(f".{path.name}.{temporary.name}.old")
            os.replace(path, previous)
            os.replace(temporary, path)
            shutil.rmtree(previous, ignore_errors=True) if previous.is_dir() else previous.unlink()
        else:
            os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    with atomic_file(path) as partial:
        partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write ``payload`` as indented JSON, atomically; NaN/inf are refused (they are not JSON)."""
    return write_atomic(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
