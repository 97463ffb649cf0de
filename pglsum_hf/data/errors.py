"""The one error type for bad benchmark files, with messages that say exactly what is wrong where."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PGLSumError


class DataFormatError(PGLSumError, ValueError):
    """An input file (h5, splits JSON, annotation TSV) does not follow the expected layout.

    The message names the file, the video, the field, and what was expected versus what was found, e.g.
    ``summe.h5: video 'video_3', field 'features': expected float32 array [n_steps, 1024], found float64 [120, 1024]``.
    """

    def __init__(
        self,
        file: str | PathLike,
        video: str | None,
        field: str | None,
        expected: str,
        found: Any,
    ) -> None:
        self.file, self.video, self.field, self.expected, self.found = str(file), video, field, expected, found
        where = [f"video {video!r}"] if video is not None else []
        where += [f"field {field!r}"] if field is not None else []
        location = f"{self.file}: {', '.join(where)}: " if where else f"{self.file}: "
        super().__init__(f"{location}expected {expected}, found {found}")


def describe_array(value: Any) -> str:
    """Short description of an array for error messages: ``float64 [120, 1024]``."""
    array = np.asarray(value)
    return (
        f"{array.dtype} [{', '.join(str(n) for n in array.shape)}]"
        if array.ndim
        else f"{array.dtype} scalar {array.item()!r}"
    )


def require_file(path: str | PathLike, what: str) -> Path:
    """``path`` as a Path when it is an existing file; else an error that says whether it is missing or a folder.

    Raises:
        FileNotFoundError: ``<what> not found: <path>``.
        IsADirectoryError: ``<what> <path> is a folder, not a file``.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{what} {path} is a folder, not a file")
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path
