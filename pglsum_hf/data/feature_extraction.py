"""Features and shots of the videos of a ``make-dataset`` build, made by the ``pglsum summarize`` code and cached.

Every video goes through :mod:`pglsum_hf.video`: decoding keeps every ``sample_rate``-th frame from frame 0 (the
picks), GoogLeNet pool5 turns them into 1024-d L2-normalised features, and KTS on those features gives the shots
(inclusive frame ranges covering 0..n_frames-1 exactly). Each finished video goes into the cache
(:mod:`pglsum_hf.data.feature_cache`) at once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import OptionError, PGLSumError
from .feature_cache import ExtractionSettings, load_cached, save_cached

if TYPE_CHECKING:
    from ..video.settings import SummarySettings

logger = logging.getLogger(__name__)


class DatasetBuildError(PGLSumError):
    """Some videos or annotations are bad; the message lists them by name (``--skip_bad`` leaves them out)."""


def weights_sha256(network) -> str:
    """SHA-256 of the network's parameters and buffers, in name order: the same weights give the same hash
    whatever file (or cache) they were loaded from."""
    digest = hashlib.sha256()
    for name, tensor in sorted(network.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def make_extractor(feature_weights: str | None, device=None):
    """The GoogLeNet feature extractor; the last one built is reused while the weights (file) and device stay the same."""
    weights = None if feature_weights is None else str(feature_weights)
    path = Path(weights) if weights not in (None, "random") else None
    stamp = (path.stat().st_size, path.stat().st_mtime_ns) if path is not None and path.is_file() else None
    return _cached_extractor(weights, None if device is None else str(device), stamp)


@functools.lru_cache(maxsize=1)
def _cached_extractor(weights: str | None, device: str | None, stamp):
    from pglsum_hf.video import GoogLeNetFeatures

    try:
        return GoogLeNetFeatures(weights, device=device)
    except RuntimeError as error:  # FeatureWeightsError: the message already says what to do
        raise OptionError("--feature_weights", str(error)) from error


def extraction_settings(extractor, feature_weights: str | None, shots: SummarySettings) -> ExtractionSettings:
    """The settings a build records and keys its cache with: the extractor's weights, and the sample rate and KTS
    parameters of ``shots`` (an unset ``kts_vmax`` takes summarize's default for these features)."""
    return ExtractionSettings(
        feature_weights=None if feature_weights is None else str(feature_weights),
        weights_sha256=weights_sha256(extractor.network),
        weights_description=extractor.weights_description,
        sample_rate=shots.sample_rate,
        kts_vmax=float(shots.kts_vmax_for(extractor.is_random)),
        max_change_points=shots.max_change_points,
    )


def extract_video(
    video: Path, extractor, settings: ExtractionSettings, cache_dir: Path, progress: bool = False
) -> dict[str, np.ndarray]:
    """Features, picks, frame times and shots of one video, computed with the ``summarize`` code and cached atomically.

    Raises:
        DatasetBuildError: the file cannot be decoded (names the file and what went wrong).
    """
    from pglsum_hf.video import VideoDecoder, detect_shots

    from ..console import progress_bar

    try:
        decoder = VideoDecoder(video, settings.sample_rate, (extractor.input_size,) * 2)
        with progress_bar(
            total=decoder.expected_frames,
            desc=f"{video.name}: decode + features",
            unit="frame",
            leave=False,
            disable=not progress,
        ) as bar:
            features = extractor.encode(decoder.batches(extractor.batch_size, progress=bar))
        info = decoder.info
        shots = detect_shots(
            features, info.picks, info.n_frames, max_change_points=settings.max_change_points, vmax=settings.kts_vmax
        )
    except (OSError, ValueError, RuntimeError) as error:
        message = str(error)
        raise DatasetBuildError(message if str(video) in message else f"{video}: {message}") from error
    arrays = {  # the names of CACHED_ARRAYS
        "features": features.astype(np.float32),
        "picks": info.picks.astype(np.int64),
        "n_frames": np.int64(info.n_frames),
        "timestamps": info.timestamps.astype(np.float64),
        "duration": np.float64(info.duration),
        "fps": np.float64(info.fps),
        "shots": np.asarray(shots, dtype=np.int64),
    }
    save_cached(cache_dir, video, settings, arrays)
    return arrays


def extract_videos(
    videos: Sequence[Path], extractor, settings: ExtractionSettings, cache_dir: Path, progress: bool = True
) -> tuple[list[Path], dict[str, str]]:
    """Make sure every one of ``videos`` has its features and shots in the cache, one video after another.

    Returns:
        ``(computed, failures)``: the videos computed now (a cached video whose file did not read back included;
        the others came from the cache) and ``{video: message}`` for those that failed.
    """
    from ..console import progress_bar

    todo = [video for video in videos if load_cached(cache_dir, video, settings) is None]
    if len(videos) > len(todo):
        logger.info("%d of %d videos already done (cached in %s)", len(videos) - len(todo), len(videos), cache_dir)
    failures: dict[str, str] = {}
    if not todo:
        return [], failures
    with progress_bar(total=len(todo), desc="videos (features + shots)", unit="video", disable=not progress) as bar:
        for video in todo:
            try:
                extract_video(video, extractor, settings, cache_dir, progress=progress)
            except DatasetBuildError as error:
                failures[str(video)] = str(error)
            bar.update()
    return [video for video in todo if str(video) not in failures], failures
