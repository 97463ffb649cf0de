"""The video files a ``make-dataset`` build reads: from files, folders and glob patterns, each once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import OptionError
from ..paths import describe_missing, glob_files

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".flv", ".mpg", ".mpeg", ".wmv", ".ts", ".3gp")
_GLOB_CHARACTERS = frozenset("*?[")


def find_videos(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Video files from files, folders (their video files, not recursive) and glob patterns, without repeats.

    Annotations match videos by name, so two videos may not share a file stem.

    Raises:
        OptionError: an input that is neither an existing file, a folder, nor a pattern matching a file; no video
            at all; two videos with the same name.
    """
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
        elif path.is_file():
            found.append(path)
        elif _GLOB_CHARACTERS & set(text):
            matches = glob_files(text)
            if not matches:
                raise OptionError("VIDEOS", f"the pattern {text!r} matches no file")
            found += matches
        else:
            raise OptionError("VIDEOS", f"{text}: {describe_missing(path, missing='no such file or folder')}")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise OptionError("VIDEOS", f"no video file ({', '.join(VIDEO_EXTENSIONS)}) in {[str(i) for i in inputs]}")
    stems: dict[str, Path] = {}
    for video in unique:
        if video.stem in stems:
            raise OptionError(
                "VIDEOS",
                f"{stems[video.stem]} and {video} have the same name {video.stem!r}; annotations match videos by name",
            )
        stems[video.stem] = video
    return unique
