"""The ``pglsum`` command: dispatch only. ``pglsum NAME ...`` runs ``main(rest)`` of the module named for NAME in
``COMMANDS`` (one module per command in :mod:`pglsum_hf.commands`) under :func:`run`, which turns an expected error
into one line; the scripts in ``scripts/`` call the same :func:`main`.

A command's module is imported only when that command runs, so ``pglsum --help`` stays fast; and no command imports
torch or transformers to print its ``--help``.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import traceback

# One line per command (name: module, help), kept unwrapped so that each command is one line to read and merge.
# fmt: off
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("pglsum_hf.commands.demo", "offline end-to-end demo: SYNTHETIC videos -> make-dataset -> train -> summarize a held-out video"),
    "make-synthetic": ("pglsum_hf.commands.make_synthetic", "write a SYNTHETIC feature file in the standard SumMe/TVSum h5 layout"),
    "make-dataset": ("pglsum_hf.commands.make_dataset", "build a SumMe/TVSum-style dataset (h5, splits, datasets folder) from raw videos and annotations"),
    "convert": ("pglsum_hf.commands.convert", "convert a SumMe/TVSum h5 file and its splits into a datasets repository"),
    "convert-checkpoint": ("pglsum_hf.commands.convert_checkpoint", "convert an original PGL-SUM .pt checkpoint into a Hub-ready folder"),
    "train": ("pglsum_hf.commands.train", "train PGL-SUM on one split with Accelerate (the paper's recipe)"),
    "evaluate": ("pglsum_hf.commands.evaluate", "score a PGL-SUM model (or a release's split models) on a split's test videos, as the original inference script"),
    "run-splits": ("pglsum_hf.commands.run_splits", "train all 5 splits of a dataset and write the results table"),
    "summarize": ("pglsum_hf.commands.summarize", "summarize your own video files: summary video, JSON and plot"),
    "app": ("pglsum_hf.commands.app", "web page (Gradio) to summarize a video; --export_space DIR writes a Hugging Face Space"),
    "benchmark": ("pglsum_hf.commands.benchmark", "speed benchmarks: model | metric | training | video"),
}
# fmt: on
# `pglsum benchmark NAME ...` runs `pglsum_hf.commands.benchmark.main([NAME, ...])`; its errors read
# "pglsum benchmark NAME: ...".
BENCHMARKS = ("model", "metric", "training", "video")


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: pglsum <command> [options]  (pglsum --version: the installed version)", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run `pglsum <command> --help` for the options of one command."]
    lines += ["--debug (or PGLSUM_DEBUG=1) shows the traceback of any error, not only of bugs."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [arg for arg in argv if arg != "--debug"]
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        from .version import __version__

        print(f"pglsum {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command == "benchmark":
        usage = f"usage: pglsum benchmark {{{'|'.join(BENCHMARKS)}}} [options]"
        if rest and rest[0] in ("-h", "--help"):
            print(usage)
            return 0
        if not rest or rest[0] not in BENCHMARKS:
            found = f"unknown benchmark {rest[0]!r}" if rest else "no benchmark named"
            print(f"pglsum benchmark: {found}; expected one of {', '.join(BENCHMARKS)}\n{usage}", file=sys.stderr)
            return 2
        label = f"benchmark {rest[0]}"  # the benchmark's name stays in rest: its command module picks the benchmark
    elif command in COMMANDS:
        label = command
    else:
        print(f"pglsum: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name = COMMANDS[command][0]
    return run(label, lambda: importlib.import_module(module_name).main(rest), debug)


# Errors the operating system reports about a file the user named (missing, unreadable, a folder, disk full):
# expected, so one line; any other OSError (say, a library's "unable to open") still shows where it came from.
_USER_FILE_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.EEXIST,
                     errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENAMETOOLONG, errno.ENOTEMPTY, errno.EFBIG,
                     errno.ELOOP}  # fmt: skip


def _describe_os_error(error: OSError) -> str | None:
    """One line for an OSError about a user's file, or None when it is not one."""
    if error.errno is None:
        # Raised by our own code with a complete message (``FileNotFoundError("h5 feature file not found: x")``).
        expected = (
            FileNotFoundError,
            PermissionError,
            IsADirectoryError,
            NotADirectoryError,
            ConnectionError,
            TimeoutError,
        )
        return str(error) if isinstance(error, expected) else None
    if error.errno not in _USER_FILE_ERRNOS:
        return None
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        from .atomic import disk_full_error

        return str(disk_full_error(error, None))
    names = [name for name in (error.filename, error.filename2) if name is not None]
    return f"{' -> '.join(str(name) for name in names) or 'a file'}: {error.strerror or error}"


def run(command: str, entry, debug: bool = False) -> int:
    """Call ``entry()``; an expected error (:class:`~pglsum_hf.errors.PGLSumError`) becomes one line on stderr.

    The line reads ``pglsum <command>: <message>`` and the exit status is the error's ``exit_code`` (1, or 2 for
    usage errors). The operating system's errors about a named file (missing, unreadable, disk full) are expected
    too (exit 1). Any other exception is a bug and keeps its traceback. With ``debug`` (``--debug`` or
    ``PGLSUM_DEBUG=1``) every error shows its traceback. ``SystemExit`` (argparse's usage errors, ``--help``)
    becomes the return value, so in-process callers get the exit status instead of an exception.
    """
    from .errors import PGLSumError

    debug = debug or os.environ.get("PGLSUM_DEBUG", "") not in ("", "0")
    try:
        result = entry()
    except PGLSumError as error:
        return _report(command, str(error), error.exit_code, debug)
    except OSError as error:
        message = _describe_os_error(error)
        if message is None:
            raise
        return _report(command, message, 1, debug)
    except KeyboardInterrupt:
        return _report(command, "interrupted", 130, debug)
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    return int(result or 0)


# The longest error line: enough for two paths and the advice; a longer one (a list of thousands of names) is cut
# in the middle, keeping the start (what failed) and the end (what to do).
MAX_MESSAGE = 500


def _shorten(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    left_out = len(message) - MAX_MESSAGE
    return f"{message[: MAX_MESSAGE - 150]} ... ({left_out} characters left out) ... {message[-150:]}"


def _report(command: str, message: str, exit_code: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    # One line: a message that spans lines (a list of problems) is joined, so logs keep one record per error.
    print(f"pglsum {command}: {_shorten(' '.join(message.split()))}", file=sys.stderr)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
