"""The paths a command reads: collected once, resolved through symlinks, walked without looping.

Every path a command reads (videos, models, base models, splits, annotations, weights, datasets, checkpoints) is an
input, whichever option names it; :func:`local_inputs` turns a command's values into the resolved paths that its
outputs are checked against (:mod:`pglsum_hf.atomic`): no output file is an input or lies inside an input folder,
and no output folder is, or lies inside, one.
"""

from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import OutputExistsError


def local_inputs(*items: str | os.PathLike | Iterable[str | os.PathLike] | None) -> list[Path]:
    """The values among ``items`` (or lists of them) that name something here, resolved through symlinks.

    ``None``, Hub ids and words such as ``random`` or ``latest`` name nothing on this machine and are skipped.
    """
    found: dict[Path, None] = {}
    for item in items:
        if item is None:
            continue
        values = [item] if isinstance(item, (str, os.PathLike)) else list(item)
        for value in values:
            if value is None:
                continue
            path = Path(value).expanduser()
            if path.exists():
                found.setdefault(path.resolve(), None)
    return list(found)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def refuse_output_on_input(path: Path, inputs: Iterable[Path], option: str) -> None:
    """Refuse an output ``path`` (resolved) that is one of ``inputs`` or lies inside an input folder.

    Raises:
        OutputExistsError: naming ``option``, the output and the input; ``--overwrite`` does not lift it.
    """
    for source in inputs:
        source = Path(source).expanduser().resolve()
        if path == source:
            raise OutputExistsError(
                f"{option}: {path} is an input of this command; --overwrite never replaces an input, choose another output"
            )
        if source.is_dir() and _within(path, source):
            raise OutputExistsError(
                f"{option}: {path} lies inside the input folder {source}; --overwrite never writes into an input "
                "folder, choose an output outside it"
            )


def describe_missing(path: str | os.PathLike, missing: str = "not found") -> str:
    """Why ``path`` names nothing readable: a symlink loop, a dangling symlink, or else ``missing``."""
    path = Path(path).expanduser()
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop this way
        return "is a symlink loop (it points back to itself)"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a symlink loop (it points back to itself)"
        if path.is_symlink():
            return f"is a symlink to {os.readlink(path)}, which does not exist"
        return missing
    return missing


def walk_files(root: Path) -> Iterator[Path]:
    """Every file under ``root``, following symlinks but entering each real folder once (a ``..`` link ends)."""
    visited: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            info = folder.stat()
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in visited:
            continue
        visited.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                pending.append(entry)
            elif entry.is_file():
                yield entry


def glob_files(pattern: str) -> list[Path]:
    """Files matching a glob pattern; ``**`` spans any number of folders, each real folder entered once."""
    pattern = os.path.expanduser(pattern)
    if "**" not in pattern:
        import glob

        return sorted(Path(match) for match in glob.glob(pattern) if Path(match).is_file())
    pattern = str(Path(pattern))  # `./a//b` and `a/b` match the same paths
    parts = Path(pattern).parts
    first_magic = next(index for index, part in enumerate(parts) if set(part) & set("*?["))
    root = Path(*parts[:first_magic]) if first_magic else Path(".")
    # fnmatch's `*` crosses folders; `**/` may also stand for no folder at all.
    variants = {pattern, pattern.replace("**/", "").replace("/**", "")}
    return sorted(path for path in walk_files(root) if any(fnmatch.fnmatchcase(str(path), v) for v in variants))
