"""Expected errors: bad files, bad values, missing things.

Library code raises these with a message that names the file, video, field or option and says what was
expected and what was found. The ``pglsum`` command prints ``pglsum <command>: <message>`` for them, with no
traceback, and exits with ``exit_code``; anything else is a bug and keeps its traceback. ``--debug`` (or
``PGLSUM_DEBUG=1``) shows the traceback for every error.
"""

from __future__ import annotations


class PGLSumError(Exception):
    """An expected error whose message is complete on one line; the command exits with status 1."""

    exit_code = 1


class UsageError(PGLSumError, ValueError):
    """A bad command-line value or combination of options; the command exits with status 2, as argparse does.

    It is a ``ValueError`` too, so Python callers of the library catch bad arguments the usual way.
    """

    exit_code = 2


class OptionError(UsageError):
    """One option's value is refused: ``--lr: must be a finite number > 0, got nan``."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(f"{option}: {message}")


class OutputExistsError(PGLSumError, FileExistsError):
    """An output folder already holds something the command did not ask to replace (or may never replace)."""


class DiskFullError(PGLSumError, OSError):
    """A write failed for lack of space (disk full, quota, file-size limit); the message names the file and the space left."""


class MissingDependencyError(PGLSumError):
    """An optional dependency is not installed; the message names the extra that brings it."""


class CheckpointError(PGLSumError, ValueError):
    """A checkpoint cannot be used: a training checkpoint that is damaged or belongs to another run, or an original
    PGL-SUM checkpoint whose tensors do not make the architecture asked for. The message names the file."""
