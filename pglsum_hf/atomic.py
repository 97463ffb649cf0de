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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OptionError, OutputExistsError


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


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def check_output_dir(
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike] = (),
    option: str = "--output_dir",
    owned: bool = False,
) -> Path:
    """Check an output folder before any work starts; return it resolved.

    The rules every command shares:

    - ``path`` must not be an existing file, and the nearest existing folder on its way must be writable;
    - an existing non-empty ``path`` is refused unless ``overwrite`` (``--overwrite``), or ``owned`` (the
      caller recognised the folder as its own, e.g. a training run folder it resumes);
    - even with ``overwrite``, a folder is never replaced when it is, holds, or lies above one of ``inputs`` or
      the current working directory: replacing it would delete what the command reads or where the user is.

    Raises:
        OutputExistsError / OptionError: naming ``option`` and the folder.
    """
    path = Path(path).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise OptionError(option, f"{path} exists and is a file, not a folder")
    existing = _nearest_existing(path)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(option, f"{path}: cannot create files in {existing} (not a writable folder)")
    if path.is_dir() and not is_empty_dir(path) and not owned:
        if not overwrite:
            raise OutputExistsError(
                f"{option}: {path} already exists and is not empty; pass --overwrite to replace it, or choose a new folder"
            )
        protected = [("the current working directory", Path.cwd().resolve())]
        protected += [("the input", Path(item).expanduser().resolve()) for item in inputs]
        for what, other in protected:
            if _is_within(other, path):
                raise OutputExistsError(
                    f"{option}: {path} holds {what} {other}; --overwrite never replaces such a folder, choose another one"
                )
    return path


@contextmanager
def atomic_directory(
    path: str | os.PathLike,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike] = (),
    option: str = "--output_dir",
) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it becomes ``path``.

    ``path`` is checked first by :func:`check_output_dir` (same ``overwrite``, ``inputs`` and ``option``). An
    existing folder is replaced only after the new one is complete: the old one is renamed aside, the new one
    renamed into place, then the old one removed, so at every moment one complete version exists. On error the
    temporary folder is removed and ``path`` is untouched.
    """
    path = check_output_dir(path, overwrite=overwrite, inputs=inputs, option=option)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    temporary.chmod(0o777 & ~_current_umask())  # mkdtemp makes it private (0700), unlike a plain mkdir
    try:
        yield temporary
        if path.exists():
            previous = path.with_name(f".{path.name}.{temporary.name}.old")
            os.replace(path, previous)
            os.replace(temporary, path)
            shutil.rmtree(previous, ignore_errors=True)
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
