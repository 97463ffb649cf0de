"""Write files and folders under a temporary name beside the target and rename only on success.

A crash or a validation error half-way through never leaves a truncated file or a partial dataset folder
where a user (or ``load_dataset``) would find it. Shared by the data, training and video code (the model code
travels as Hub remote code and stays self-contained).
"""

from __future__ import annotations

import errno
import fcntl
import glob
import json
import os
import resource
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DiskFullError, OptionError, OutputExistsError
from .paths import local_inputs, refuse_output_on_input

_NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
# How libraries that wrap the OS error say it (HDF5 quotes the errno, safetensors Rust's error kind).
_NO_ROOM_WORDS = (
    "No space left",
    "File too large",
    "Disk quota",
    "errno = 27",
    "errno = 28",
    "FileTooLarge",
    "StorageFull",
)


def describe_free_space(path: str | os.PathLike) -> str:
    """The space left on ``path``'s disk, and the file-size limit when one is set (``ulimit -f``)."""
    folder = _nearest_existing(Path(path).expanduser().absolute())
    try:
        free = f"{shutil.disk_usage(folder).free / 1e6:.1f} MB free on its disk"
    except OSError:
        free = "free space unknown"
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return free + ("" if limit == resource.RLIM_INFINITY else f", files limited to {limit} bytes (ulimit -f)")


def disk_full_error(error: BaseException, path: str | os.PathLike | None) -> DiskFullError | None:
    """A one-line :class:`DiskFullError` when ``error`` (or its cause) is a lack of disk space, else None.

    It names ``path`` (the file as the user will know it, not the temporary name being written), or else the file
    the operating system named.
    """
    seen = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _NO_ROOM_ERRNOS:
            reason = seen.strerror or str(seen)
            break
        if any(word in str(seen) for word in _NO_ROOM_WORDS):
            reason = next(word for word in _NO_ROOM_WORDS if word in str(seen))
            reason = {"errno = 27": "File too large", "errno = 28": "No space left on device"}.get(reason, reason)
            break
        seen = seen.__cause__ or seen.__context__
    else:
        return None
    named = path if path is not None else getattr(seen, "filename", None) or "a file"
    return DiskFullError(
        f"writing {named}: {reason} ({describe_free_space(named)}); nothing was left half-written there"
    )


def check_free_space(path: str | os.PathLike, needed: int) -> None:
    """Refuse before writing when ``needed`` bytes cannot fit: past the free space or the file-size limit.

    Some writers cannot fail cleanly half-way (HDF5 under a file-size limit may crash the process), so the size
    is checked first; the write is still guarded by :func:`reporting_disk_full`.
    """
    folder = _nearest_existing(Path(path).expanduser().absolute().parent)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if (free is not None and needed > free) or (limit != resource.RLIM_INFINITY and needed > limit):
        raise DiskFullError(
            f"writing {path}: about {needed / 1e3:.0f} kB needed, more than there is free ({describe_free_space(path)}); "
            "nothing was written"
        )


@contextmanager
def reporting_disk_full(path: str | os.PathLike, building: Path | None = None) -> Iterator[None]:
    """Turn a lack of disk space while writing ``path`` into one line naming it (any other error passes unchanged).

    ``building``: the temporary folder that becomes ``path``; a message naming a file in it names it under ``path``.
    """
    try:
        yield
    except DiskFullError as error:
        if building is None:
            raise
        raise DiskFullError(str(error).replace(str(building), str(path))) from None
    except Exception as error:
        full = disk_full_error(error, path)
        if full is None:
            raise
        raise full from None


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
        with reporting_disk_full(path):
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
    - ``path`` is never one of ``inputs`` (resolved through symlinks, see :func:`pglsum_hf.paths.local_inputs`) nor
      inside an input folder, whether it is replaced or written into;
    - even with ``overwrite``, a folder is never replaced when it is, holds, or lies above one of ``inputs`` or
      the current working directory: replacing it would delete what the command reads or where the user is.

    Raises:
        OutputExistsError / OptionError: naming ``option`` and the folder.
    """
    path = Path(path).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise OptionError(option, f"{path} exists and is a file, not a folder")
    _check_writable_folder(path, path, option)
    inputs = local_inputs(inputs)
    refuse_output_on_input(path, inputs, option)
    if path.is_dir() and not is_empty_dir(path) and not owned:
        if not overwrite:
            raise OutputExistsError(
                f"{option}: {path} already exists and is not empty; pass --overwrite to replace it, or choose a new folder"
            )
        _refuse_protected(path, inputs, option)
    return path


def _refuse_protected(path: Path, inputs: Iterable[str | os.PathLike], option: str) -> None:
    """Refuse to replace ``path`` when it is, or lies above, the current working directory or one of ``inputs``."""
    protected = [("the current working directory", Path.cwd().resolve())]
    protected += [("the input", item) for item in local_inputs(inputs)]
    for what, other in protected:
        if _is_within(other, path):
            relation = "is" if other == path else "holds"
            raise OutputExistsError(
                f"{option}: {path} {relation} {what} {other}; --overwrite never replaces such a folder, choose another one"
            )


def _check_writable_folder(folder: Path, path: Path, option: str) -> None:
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise OptionError(option, f"{path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(option, f"{path}: cannot create files in {existing} (not a writable folder)")


def check_output_file(
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike] = (),
    option: str = "--output",
) -> Path:
    """Check an output file before any work starts; return it resolved.

    ``path`` must not be a folder, its folder must be (or be creatable in) a writable folder, an existing file is
    refused unless ``overwrite`` (``--overwrite``), and it is never one of ``inputs`` nor inside an input folder,
    even with ``overwrite``.

    Raises:
        OutputExistsError / OptionError: naming ``option`` and the file.
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise OptionError(option, f"{path} is a folder; give a file name")
    _check_writable_folder(path.parent, path, option)
    refuse_output_on_input(path, local_inputs(inputs), option)
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{option}: {path} already exists; pass --overwrite to replace it, or choose another name"
        )
    return path


class OutputFolderLock:
    """An exclusive lock that holds an output folder for a whole run: a second run into it stops at once.

    The lock is ``fcntl.flock`` on a hidden file beside the folder (``.NAME.pglsum-lock``, its parent is created
    if needed), so it also holds a folder that a run replaces by a rename; in a parent that takes no new files
    (the current folder in ``/``), the file goes inside the folder. The kernel drops the lock of a killed run;
    its file is reused by the next run and removed by whichever run releases it.
    """

    def __init__(self, path: str | os.PathLike, option: str = "--output_dir") -> None:
        self.path = Path(path).expanduser().resolve()
        self.option = option
        self.file: Path | None = None
        self._descriptor: int | None = None

    def _lock_file(self) -> Path:
        parent = self.path.parent
        if self.path.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
            return self.path / ".pglsum-lock"  # a folder in a read-only parent (the cwd in /): the lock goes inside
        parent.mkdir(parents=True, exist_ok=True)
        return parent / f".{self.path.name}.pglsum-lock"

    def acquire(self) -> OutputFolderLock:
        while True:
            file = self._lock_file()
            descriptor = os.open(file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(descriptor, 64).decode("ascii", "replace").strip()
                os.close(descriptor)
                raise OutputExistsError(
                    f"{self.option}: {self.path} is in use by another pglsum run"
                    f"{f' (process {holder})' if holder else ''}, which holds the lock file {file}; "
                    "wait for it to finish or choose another folder"
                ) from None
            try:
                same = os.stat(file).st_ino == os.fstat(descriptor).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file the previous holder removed just before we locked it
                break
            os.close(descriptor)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        self.file, self._descriptor = file, descriptor
        return self

    def release(self) -> None:
        if self._descriptor is None:
            return
        self.file.unlink(missing_ok=True)  # still locked: a run waiting on it sees the file gone and retries
        os.close(self._descriptor)
        self.file = self._descriptor = None

    def __enter__(self) -> OutputFolderLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def _folder_state(path: Path) -> dict[str, tuple[int, int]] | None:
    """What a folder holds at its top level (name: inode, modification time), or None when it is absent."""
    if not path.is_dir():
        return None
    return {entry.name: (entry.stat(follow_symlinks=False).st_ino, entry.stat(follow_symlinks=False).st_mtime_ns)
            for entry in os.scandir(path)}  # fmt: skip


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

    The folder is held (:class:`OutputFolderLock`) from the check to the swap, and the swap replaces only what the
    check saw: anything that appeared in ``path`` meanwhile stops it, and the new folder is left beside ``path``
    under a name the error gives.
    """
    path = check_output_dir(path, overwrite=overwrite, inputs=inputs, option=option)
    # The new folder is built beside the target, so the target's parent must take new entries too.
    _check_writable_folder(path.parent, path, option)
    with OutputFolderLock(path, option):
        seen = _folder_state(path)
        remove_marked_temporaries(path.parent, f".{glob.escape(path.name)}.*.tmp")
        temporary = marked_temporary_folder(path.parent, prefix=f".{path.name}.", suffix=".tmp")
        temporary.chmod(0o777 & ~_current_umask())  # mkdtemp makes it private (0700), unlike a plain mkdir
        try:
            with reporting_disk_full(path, building=temporary):
                yield temporary
            (temporary / TEMPORARY_MARKER).unlink()
            if _folder_state(path) != seen:
                _keep_beside(temporary, path, option)
            if is_empty_dir(path) and _is_within(Path.cwd().resolve(), path):
                # An empty current folder keeps its identity (the user's shell is in it): the entries move in.
                for entry in temporary.iterdir():
                    os.replace(entry, path / entry.name)
            elif path.exists():
                _swap(temporary, path)
            else:
                os.replace(temporary, path)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


# Marks a temporary folder as this program's own while it is being filled; a killed run leaves it behind, and the
# next run into the same folder (holding its lock, so the writer is gone) removes it. Never any other folder.
TEMPORARY_MARKER = ".pglsum-partial"


def marked_temporary_folder(parent: Path, prefix: str, suffix: str = "") -> Path:
    """A new empty folder in ``parent`` (``tempfile.mkdtemp``), marked as this program's own while it is filled."""
    temporary = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
    (temporary / TEMPORARY_MARKER).touch()
    return temporary


def is_marked_temporary(entry: Path) -> bool:
    """Whether ``entry`` is a folder `marked_temporary_folder` made (a real folder, not a link, holding the mark)."""
    return entry.is_dir() and not entry.is_symlink() and (entry / TEMPORARY_MARKER).is_file()


def remove_marked_temporaries(parent: Path, pattern: str) -> None:
    """Remove the marked temporary folders a killed run left in ``parent`` under the glob ``pattern``; call it while
    holding the folder's lock (the writer is then gone). A look-alike without the mark is left alone."""
    for leftover in parent.glob(pattern):
        if is_marked_temporary(leftover):
            shutil.rmtree(leftover, ignore_errors=True)


def _keep_beside(new: Path, path: Path, option: str) -> None:
    """``path`` changed during the run (someone else wrote there): keep it, and the new folder under a new name."""
    kept = Path(tempfile.mkdtemp(prefix=f"{path.name}.new-", dir=path.parent))
    kept.rmdir()
    os.replace(new, kept)
    raise OutputExistsError(
        f"{option}: {path} changed while this run was writing (something else created or replaced files there), so "
        f"it was not replaced; the new result is in {kept}"
    )


def set_aside(path: str | os.PathLike, suffix: str) -> Path:
    """Rename folder ``path`` to a new hidden name beside it (``.NAME.<random><suffix>``) and return that name.

    The name is fresh every time, so setting a folder aside never removes or replaces anything, not even a folder
    an earlier, failed run left aside.
    """
    path = Path(path)
    previous = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent))
    previous.rmdir()  # only the unique name is wanted: rename needs a free (or empty) target
    os.replace(path, previous)
    return previous


def _swap(new: Path, path: Path) -> None:
    """Put folder ``new`` in place of folder ``path``; the old content is removed only once ``new`` is in place."""
    previous = set_aside(path, ".old")
    try:
        os.replace(new, path)
    except BaseException:
        os.replace(previous, path)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    with atomic_file(path) as partial:
        partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write ``payload`` as indented JSON, atomically; NaN/inf are refused (they are not JSON)."""
    return write_atomic(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
