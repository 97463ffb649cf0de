"""The cache of a ``make-dataset`` build: one ``.npz`` file per finished video in ``OUTPUT_DIR/.pglsum_cache/``.

A file holds a video's features, picks, frame times and shots, written atomically once the video is done, so an
interrupted build resumes where it stopped. Its name carries a key of everything that decides its content (the
video file's path, size and modification time, the feature weights' hash, the sample rate and the KTS
parameters): a cached video is reused only while all of them are unchanged. A file is never unpickled, and one
that does not read back, or whose arrays break the promises a build keeps, is named in one warning and computed
again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from .constants import FEATURE_DIM
from .errors import describe_array

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".pglsum_cache"
# Bump when the cached arrays change meaning, so that old caches are recomputed rather than misread.
_CACHE_VERSION = 1
# What a cache file holds (see `pglsum_hf.data.feature_extraction.extract_video`); one without all of them is
# computed again.
CACHED_ARRAYS = ("features", "picks", "n_frames", "timestamps", "duration", "fps", "shots")


@dataclass(frozen=True)
class ExtractionSettings:
    """How features and shots are made; everything that decides a cached video's content."""

    feature_weights: str | None  # None: torchvision ImageNet weights; "random"; or a state dict path
    weights_sha256: str
    weights_description: str
    sample_rate: int
    kts_vmax: float
    max_change_points: int | None

    def cache_key(self, video: Path) -> str:
        stat = video.stat()
        text = json.dumps(
            [
                _CACHE_VERSION,
                str(video.resolve()),
                stat.st_size,
                stat.st_mtime_ns,
                self.weights_sha256,
                self.sample_rate,
                self.kts_vmax,
                self.max_change_points,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_path(cache_dir: Path, video: Path, settings: ExtractionSettings) -> Path:
    return cache_dir / f"{video.stem}-{settings.cache_key(video)}.npz"


def clear_partial_files(cache_dir: Path) -> None:
    """Create the cache folder, or clear the temporary files a killed run left in it (only ours: ``.*.partial.npz``)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for leftover in cache_dir.glob(".*.partial.npz"):
        leftover.unlink(missing_ok=True)


def save_cached(cache_dir: Path, video: Path, settings: ExtractionSettings, arrays: dict[str, np.ndarray]) -> None:
    """Write the arrays of ``video`` (the names of :data:`CACHED_ARRAYS`) atomically: whole, or not at all."""
    with atomic_file(cache_path(cache_dir, video, settings)) as temporary:
        np.savez(temporary, **arrays)


def load_cached(cache_dir: Path, video: Path, settings: ExtractionSettings) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``video``, or None when there are none for these settings or they do not read back
    (then one warning names the file: the build computes the video again and replaces it)."""
    path = cache_path(cache_dir, video, settings)
    if not path.is_file():
        return None
    try:  # never unpickled: an object array in the file is a ValueError here
        with path.open("rb") as handle:
            archive = handle.read(4) == b"PK\x03\x04"
        if not archive:  # np.load would take it for a pickle
            raise ValueError("not an .npz archive")
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:160]
    else:
        missing = [name for name in CACHED_ARRAYS if name not in arrays]
        reason = f"no {', '.join(missing)} array" if missing else _cached_arrays_problem(arrays)
        if reason is None:
            return arrays
    logger.warning("the cache file %s of %s does not read back (%s); computing the video again", path, video, reason)
    return None


def _cached_arrays_problem(arrays: dict[str, np.ndarray]) -> str | None:
    """What breaks the promises `extract_video` keeps for a cache file's arrays, or None.

    A file that reads back but was altered or damaged would otherwise fail later, in the staging folder's h5,
    where no message can name the cache file.
    """
    features, picks, shots = arrays["features"], arrays["picks"], arrays["shots"]
    if features.dtype != np.float32 or features.ndim != 2 or features.shape[0] < 1 or features.shape[1] != FEATURE_DIM:
        return f"features: expected float32 [n_steps >= 1, {FEATURE_DIM}], found {describe_array(features)}"
    if not np.isfinite(features).all():
        return "features: expected finite values, found NaN/inf"
    for name, kinds in (("n_frames", "iu"), ("duration", "f"), ("fps", "f")):
        value = arrays[name]
        if value.shape != () or value.dtype.kind not in kinds or not np.isfinite(value) or value <= 0:
            return f"{name}: expected a positive {'integer' if kinds == 'iu' else 'number'}, found {describe_array(value)}"
    n_frames = int(arrays["n_frames"])
    if picks.dtype.kind not in "iu" or picks.shape != (len(features),):
        return f"picks: expected integers [n_steps={len(features)}], found {describe_array(picks)}"
    if picks[0] < 0 or picks[-1] >= n_frames or (np.diff(picks) <= 0).any():
        return f"picks: expected increasing frame indices in [0, {n_frames})"
    timestamps = arrays["timestamps"]
    if timestamps.dtype.kind != "f" or timestamps.shape != (n_frames,) or not np.isfinite(timestamps).all():
        return f"timestamps: expected finite [n_frames={n_frames}], found {describe_array(timestamps)}"
    if shots.dtype.kind not in "iu" or shots.ndim != 2 or shots.shape[0] < 1 or shots.shape[1] != 2:
        return f"shots: expected integers [n_shots >= 1, 2], found {describe_array(shots)}"
    starts, ends = shots[:, 0], shots[:, 1]
    if starts[0] != 0 or ends[-1] != n_frames - 1 or (ends < starts).any() or (starts[1:] != ends[:-1] + 1).any():
        return f"shots: expected [start, end] frame ranges tiling frames 0..{n_frames - 1}"
    return None
