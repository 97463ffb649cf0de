"""The output folder of `pglsum train` and `pglsum run-splits`: checked before work, marked as ours, replaced safely.

A non-empty folder is refused unless ``--overwrite``, or unless the command resumes a run there and the folder
holds the marker file the command itself wrote. With ``--overwrite`` the old content is moved aside (to a new hidden
folder beside it) and removed only once the new run has succeeded: at no moment are both gone, and the old content of
a run that failed stays where it was set aside.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..atomic import check_output_dir, set_aside, write_json
from ..errors import OutputExistsError

logger = logging.getLogger(__name__)


def is_own_run_folder(path: str | os.PathLike, marker: str) -> bool:
    return (Path(path) / marker).is_file()


def check_run_output_dir(path: str | os.PathLike, *, overwrite: bool, inputs: Iterable[str | os.PathLike], resuming: bool,
                         marker: str, finished: str) -> bool:  # fmt: skip
    """``check_output_dir`` for a run folder; returns whether it is our own run folder being resumed.

    Our own run folder without ``finished`` (the file a run writes when it completes) is a run that was stopped:
    the way on is ``--resume_from_checkpoint latest``, which keeps its progress, not ``--overwrite``.
    """
    owned = resuming and is_own_run_folder(path, marker)
    if (
        not (owned or overwrite or resuming)
        and is_own_run_folder(path, marker)
        and not (Path(path) / finished).exists()
    ):
        raise OutputExistsError(
            f"--output_dir: {Path(path).resolve()} holds a run that did not finish; continue it with "
            "--resume_from_checkpoint latest (--overwrite would discard its progress and start again)"
        )
    check_output_dir(path, overwrite=overwrite, inputs=[p for p in inputs if Path(p).exists()], owned=owned)
    return owned


def start_run_output_dir(path: str | os.PathLike, *, owned: bool, marker: str, record: dict[str, Any]) -> Path | None:
    """Create ``path`` with the marker; move a non-empty folder aside first (only reachable with ``--overwrite``).

    Returns the folder holding the old content, for ``finish_run_output_dir``. Call on the main process only.
    """
    path = Path(path)
    replaced = None
    if not owned and path.is_dir() and any(path.iterdir()):
        replaced = set_aside(path, ".replaced")
        logger.warning("--overwrite: the previous content of %s is kept in %s until the run succeeds", path, replaced)
    path.mkdir(parents=True, exist_ok=True)
    write_json(path / marker, record)
    return replaced


def finish_run_output_dir(replaced: Path | None) -> None:
    """Remove the old content moved aside by ``start_run_output_dir`` (the new run has succeeded)."""
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
