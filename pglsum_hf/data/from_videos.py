"""``pglsum make-dataset``: build a SumMe/TVSum-style benchmark from raw video files and their annotations.

Every video goes through the same code as ``pglsum summarize`` (:mod:`pglsum_hf.video`): decoding keeps every
``sample_rate``-th frame from frame 0 (the picks), GoogLeNet pool5 turns them into 1024-d L2-normalised
features, and KTS on those features gives the shots (inclusive frame ranges covering 0..n_frames-1 exactly).
The annotations become ``gtscore``, ``gtsummary`` and ``user_summary`` by the conventions written down in
:mod:`pglsum_hf.data.video_annotations`. The output folder then holds:

- ``NAME.h5``: the standard layout (plus ``user_scores`` for TVSum-style data), so ``pglsum convert`` and
  ``pglsum train`` take it unchanged; its root attribute ``provenance`` (JSON) records how it was made;
- ``NAME_splits.json``: the splits given with ``--splits``, or ``--n_splits`` random ones;
- ``NAME_dataset/``: the ``datasets`` folder ``pglsum convert`` writes, whose card records the extractor and
  its weights' hash, the sample rate, the KTS parameters, the annotation source and the splits seed;
- ``.pglsum_cache/``: one file per finished video (features, picks, shots), written atomically, so an
  interrupted run resumes where it stopped; a cached video is reused only while its file (size, modification
  time), the weights, the sample rate and the KTS parameters are unchanged.

Videos are keyed ``video_1`` .. ``video_N``: in annotation-file order for ``tvsum`` (the standard convention:
block i of ``ydata-anno.tsv`` is ``video_i``), in natural order of the video names otherwise (the order of the
standard SumMe file). The original name is kept as ``video_name``.

Nothing final is written unless every video succeeded, or ``--skip_bad`` lists the bad ones and leaves them out.
``--num_processes N`` (or ``accelerate launch``) splits the videos across processes (or GPUs); the result is the
same file as one process writes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import OutputFolderLock, atomic_file, check_free_space, check_output_dir, reporting_disk_full
from ..console import configure_logging
from ..errors import OptionError, PGLSumError
from ..options import MAX_SEED, CommandParser, add_hub_options, check_device, hub_repo_id
from ..paths import describe_missing
from .constants import FEATURE_DIM
from .errors import describe_array
from .h5 import video_sort_key
from .video_annotations import (
    ANNOTATION_FORMATS,
    DEFAULT_FRAME_TOLERANCE,
    AnnotationMismatchError,
    RawAnnotation,
    annotation_fields,
    fit_frame_count,
    match_videos,
    read_annotations,
)

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".pglsum_cache"
STAGING_PREFIX = ".pglsum_staging."  # outputs being written; one left by a killed run is removed by the next
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".flv", ".mpg", ".mpeg", ".wmv", ".ts", ".3gp")
# The benchmarks use 5 splits; 100 bounds the splits file and the work of checking it.
MAX_SPLITS = 100
DEFAULT_SAMPLE_RATE = 15  # the benchmarks' 2 fps for 30 fps video (pglsum_hf.video.decode uses the same)
# Bump when the cached arrays change meaning, so that old caches are recomputed rather than misread.
_CACHE_VERSION = 1
# What a cache file holds (see `extract_video`); one without all of them is computed again.
CACHED_ARRAYS = ("features", "picks", "n_frames", "timestamps", "duration", "fps", "shots")


class DatasetBuildError(PGLSumError):
    """Some videos or annotations are bad; the message lists them by name (``--skip_bad`` leaves them out)."""


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


@dataclass
class BuildResult:
    """What ``make-dataset`` wrote."""

    h5: Path
    splits: Path
    dataset_dir: Path
    video_ids: dict[str, str]  # video_id -> video file
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why
    computed: list[str] = field(default_factory=list)  # videos whose features were computed in this run
    notes: list[str] = field(default_factory=list)  # frame-count fits


# ----- inputs ------------------------------------------------------------------------------------------------------


def find_videos(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Video files from files, folders (their video files, not recursive) and glob patterns, without repeats.

    Raises:
        OptionError: an input that is neither an existing file, a folder, nor a pattern matching a file.
    """
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text).expanduser()
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
        elif path.is_file():
            found.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(os.path.expanduser(text)) if Path(p).is_file())
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


def _output_is_resumable(output_dir: Path) -> bool:
    """The folder holds nothing but a cache of an earlier, unfinished run: resume without ``--overwrite``."""
    if not output_dir.is_dir():
        return False
    names = {p.name for p in output_dir.iterdir() if not p.name.startswith(STAGING_PREFIX)}
    return names == {CACHE_FOLDER}


# ----- features and shots of one video (cached) --------------------------------------------------------------------


def _cache_path(cache_dir: Path, video: Path, settings: ExtractionSettings) -> Path:
    return cache_dir / f"{video.stem}-{settings.cache_key(video)}.npz"


def _remove_partial_files(cache_dir: Path) -> None:
    """Create the cache folder, or clear the temporary files a killed run left in it (only ours: ``.*.partial.npz``)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for leftover in cache_dir.glob(".*.partial.npz"):
        leftover.unlink(missing_ok=True)


def load_cached(cache_dir: Path, video: Path, settings: ExtractionSettings) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``video``, or None when there are none for these settings or they do not read back
    (then one warning names the file: `extract_all` computes the video again and replaces it)."""
    path = _cache_path(cache_dir, video, settings)
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
    with atomic_file(_cache_path(cache_dir, video, settings)) as temporary:
        np.savez(temporary, **arrays)
    return arrays


def _weights_sha256(network) -> str:
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


def extraction_settings(
    extractor, feature_weights: str | None, sample_rate: int, kts_vmax: float | None, max_change_points: int | None
) -> ExtractionSettings:
    from pglsum_hf.video.shots import DEFAULT_VMAX, RANDOM_FEATURES_VMAX

    if kts_vmax is None:
        kts_vmax = RANDOM_FEATURES_VMAX if extractor.is_random else DEFAULT_VMAX
    return ExtractionSettings(
        feature_weights=None if feature_weights is None else str(feature_weights),
        weights_sha256=_weights_sha256(extractor.network),
        weights_description=extractor.weights_description,
        sample_rate=sample_rate,
        kts_vmax=float(kts_vmax),
        max_change_points=max_change_points,
    )


# Worker processes of --num_processes: one extractor each, built once.
_WORKER: dict[str, Any] = {}


def _start_worker(settings: ExtractionSettings, cache_dir: str, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    logging.getLogger("pglsum_hf.video.features").setLevel(logging.ERROR)  # the main process already warned
    _WORKER.update(extractor=make_extractor(settings.feature_weights), settings=settings, cache_dir=Path(cache_dir))


def _work(video: str) -> tuple[str, str | None]:
    try:
        extract_video(Path(video), _WORKER["extractor"], _WORKER["settings"], _WORKER["cache_dir"])
    except DatasetBuildError as error:
        return video, str(error)
    return video, None


def extract_all(
    videos: Sequence[Path],
    settings: ExtractionSettings,
    cache_dir: Path,
    extractor=None,
    num_processes: int = 1,
    progress: bool = True,
) -> tuple[list[Path], dict[str, str]]:
    """Make sure every video's features and shots are in the cache.

    Returns:
        ``(computed, failures)``: the videos computed in this run (the others came from the cache) and
        ``{video: message}`` for those that failed.
    """
    from ..console import progress_bar

    todo = [video for video in videos if load_cached(cache_dir, video, settings) is None]
    failures: dict[str, str] = {}
    if len(videos) > len(todo):
        logger.info("%d of %d videos already done (cached in %s)", len(videos) - len(todo), len(videos), cache_dir)
    if not todo:
        return [], failures
    bar = progress_bar(total=len(todo), desc="videos (features + shots)", unit="video", disable=not progress)
    if num_processes <= 1 or len(todo) == 1:
        for video in todo:
            try:
                extract_video(video, extractor, settings, cache_dir, progress=progress)
            except DatasetBuildError as error:
                failures[str(video)] = str(error)
            bar.update()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        workers = min(num_processes, len(todo))
        threads = max(1, (os.cpu_count() or 1) // workers)
        context = multiprocessing.get_context("spawn")  # torch and fork do not mix
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(settings, str(cache_dir), threads)
        ) as pool:
            for future in as_completed([pool.submit(_work, str(video)) for video in todo]):
                video, error = future.result()
                if error is not None:
                    failures[video] = error
                bar.update()
    bar.close()
    return [video for video in todo if str(video) not in failures], failures


@dataclass(frozen=True)
class LaunchedWorld:
    """This process's place among those started by ``accelerate launch`` or ``torchrun`` (more than one)."""

    process_index: int
    num_processes: int
    device: str | None

    @property
    def is_main_process(self) -> bool:
        return self.process_index == 0

    def wait_for_everyone(self) -> None:
        import torch.distributed

        torch.distributed.barrier()


def launched_world() -> LaunchedWorld | None:
    """The launcher's process group (gloo: only barriers travel through it), or None for a plain single process.

    Read from the environment every launcher sets (``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``); each process
    extracts on its own GPU when there are GPUs.
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return None
    import datetime

    import torch
    import torch.distributed

    if not torch.distributed.is_initialized():
        # A process may wait for the slowest one's whole share of the videos: allow a day, not the default 30 min.
        torch.distributed.init_process_group(
            "gloo", rank=int(os.environ["RANK"]), world_size=size, timeout=datetime.timedelta(days=1)
        )
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = f"cuda:{local_rank}" if torch.cuda.is_available() else None
    return LaunchedWorld(torch.distributed.get_rank(), torch.distributed.get_world_size(), device)


# ----- assembling the benchmark ------------------------------------------------------------------------------------


def _video_order(
    pairs: dict[Path, RawAnnotation], annotations: Sequence[RawAnnotation], annotation_format: str
) -> list[Path]:
    if annotation_format == "tvsum":
        position = {annotation.name: index for index, annotation in enumerate(annotations)}
        return sorted(pairs, key=lambda video: position[pairs[video].name])
    return sorted(pairs, key=lambda video: video_sort_key(video.stem))


def assemble_video(
    video: Path, annotation: RawAnnotation, cached: dict[str, np.ndarray], frame_tolerance: int
) -> tuple[dict[str, Any], str | None]:
    """The h5 fields of one video (standard layout, plus ``user_scores`` for TVSum) and a frame-count note."""
    n_frames = int(cached["n_frames"])
    fitted, note = fit_frame_count(annotation, str(video), n_frames, frame_tolerance)
    note = note and note.replace(str(video), video.name)  # the card names files, not this machine's paths
    shots, picks = cached["shots"], cached["picks"]
    fields = annotation_fields(
        fitted, str(video), picks, n_frames, shots, cached["timestamps"], float(cached["duration"])
    )
    arrays = {
        "video_name": annotation.name,
        "features": cached["features"],
        "change_points": shots,
        "n_frame_per_seg": shots[:, 1] - shots[:, 0] + 1,
        "n_frames": n_frames,
        "picks": picks,
        "n_steps": len(picks),
        **fields,
    }
    if annotation.category is not None:
        arrays["category"] = annotation.category
    return arrays, note


def _write_h5(path: Path, rows: list[tuple[str, dict[str, Any]]], provenance: dict[str, Any], shown: Path) -> None:
    """Write the h5 at ``path`` (a staging file); a lack of disk space is reported against ``shown``, its final name."""
    import h5py

    from .h5 import write_videos

    # The arrays plus HDF5's own records (a few kB per dataset and per file): checked first, as HDF5 can crash
    # the process when the file-size limit stops it half-way.
    arrays = [np.asarray(value) for _, row in rows for value in row.values()]
    check_free_space(shown, sum(array.nbytes + 2048 for array in arrays) + 16384)
    with reporting_disk_full(shown):
        write_videos(path, rows, attrs={"provenance": json.dumps(provenance)})
        # user_scores and category are not part of the standard layout's required fields; add them for TVSum data.
        with h5py.File(path, "a") as h5:
            for video_id, arrays in rows:
                if "user_scores" in arrays:
                    h5[video_id].create_dataset("user_scores", data=arrays["user_scores"])


def _splits(
    video_ids: list[str], splits: str | None, n_splits: int, test_fraction: float, seed: int
) -> tuple[list[dict], str]:
    from .splits import make_random_splits, read_splits, validate_splits

    if splits is not None:
        split_list = read_splits(splits)
        validate_splits(split_list, video_ids, str(splits), "the videos being built")
        return split_list, f"given: {Path(splits).name}"
    if len(video_ids) < 2:
        raise DatasetBuildError(
            f"only {len(video_ids)} video to build: random train/test splits need at least 2 (or pass --splits)"
        )
    return make_random_splits(
        video_ids, n_splits, test_fraction, seed
    ), f"random: {n_splits} splits, test_fraction {test_fraction}, seed {seed}"


def _problem_line(problems: dict[str, str], what: str) -> str:
    listed = "; ".join(list(problems.values())[:5]) + (
        f"; ... and {len(problems) - 5} more" if len(problems) > 5 else ""
    )
    return f"{len(problems)} {what}: {listed}"


def build_dataset(
    videos: Sequence[str | os.PathLike],
    annotations: str | os.PathLike,
    annotation_format: str,
    output_dir: str | os.PathLike,
    *,
    name: str | None = None,
    splits: str | os.PathLike | None = None,
    n_splits: int = 5,
    test_fraction: float = 0.2,
    seed: int = 0,
    feature_weights: str | os.PathLike | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    kts_vmax: float | None = None,
    max_change_points: int | None = None,
    frame_tolerance: int = DEFAULT_FRAME_TOLERANCE,
    num_processes: int = 1,
    skip_bad: bool = False,
    overwrite: bool = False,
    push_to_hub: str | None = None,
    private: bool | None = None,
    device: str | None = None,
    progress: bool = True,
) -> BuildResult | None:
    """Build ``NAME.h5``, ``NAME_splits.json`` and ``NAME_dataset/`` in ``output_dir`` (see the module doc).

    Returns the :class:`BuildResult` (None in the non-main processes of ``accelerate launch``).

    Raises:
        OptionError / OutputExistsError: a bad option or output folder (before any work).
        DataFormatError: an annotation file that cannot be read.
        DatasetBuildError: bad videos or annotations (all of them named), unless ``skip_bad``.
    """
    _check_options(
        annotation_format,
        n_splits,
        test_fraction,
        sample_rate,
        kts_vmax,
        max_change_points,
        frame_tolerance,
        num_processes,
        splits,
        seed,
    )
    check_device("--device", device)
    video_paths = find_videos(videos)
    annotations = Path(annotations)
    if not annotations.exists():
        raise OptionError("--annotations", f"{annotations}: no such file or folder")
    output_dir = Path(output_dir).expanduser()
    output_dir = check_output_dir(
        output_dir, overwrite=overwrite, inputs=[*video_paths, annotations], owned=_output_is_resumable(output_dir)
    )
    name = name or output_dir.name
    if not name or "/" in name or name.startswith("."):
        raise OptionError("--name", f"a plain file name for NAME.h5, got {name!r}")

    raw, problems = read_annotations(annotations, annotation_format)
    pairs, match_problems = match_videos(video_paths, raw, annotation_format, annotations)
    problems = {**{f"annotation {key}": message for key, message in problems.items()}, **match_problems}
    if problems and not skip_bad:
        raise DatasetBuildError(
            _problem_line(problems, "bad inputs (pass --skip_bad to leave them out)") + "; nothing was written"
        )
    if not pairs:
        raise DatasetBuildError(_problem_line(problems, "bad inputs, and no video left to build"))
    ordered = _video_order(pairs, raw, annotation_format)

    world = launched_world()
    # The folder is held to the end (by the main process): a second build into it stops at once.
    holder = OutputFolderLock(output_dir) if world is None or world.is_main_process else contextlib.nullcontext()
    with holder:
        extractor = make_extractor(
            None if feature_weights is None else str(feature_weights), device=world.device if world else device
        )
        settings = extraction_settings(extractor, feature_weights, sample_rate, kts_vmax, max_change_points)
        if extractor.is_random and (world is None or world.is_main_process):
            print(
                "NOTE: --feature_weights random: SYNTHETIC features from an untrained GoogLeNet, for tests and demos only",
                file=sys.stderr,
            )
        cache_dir = output_dir / CACHE_FOLDER
        if world is None or world.is_main_process:
            _remove_partial_files(cache_dir)
        if world is not None:
            cached_before = {video for video in ordered if _cache_path(cache_dir, video, settings).is_file()}
            world.wait_for_everyone()  # the cleanup above must not race another process's first write
            mine = ordered[world.process_index :: world.num_processes]
            _, failures = extract_all(mine, settings, cache_dir, extractor, 1, progress and world.is_main_process)
            world.wait_for_everyone()
            if not world.is_main_process:
                return None
            # Failures of the other processes: their videos are simply missing from the cache.
            failures.update(
                {
                    str(v): f"{v}: failed in another process (see its output)"
                    for v in ordered
                    if str(v) not in failures and load_cached(cache_dir, v, settings) is None
                }
            )
            computed = [video for video in ordered if video not in cached_before and str(video) not in failures]
        else:  # computed: also a cached video whose file did not read back
            computed, failures = extract_all(ordered, settings, cache_dir, extractor, num_processes, progress)

        rows, notes, included = [], [], {}
        for video in ordered:
            if str(video) in failures:
                continue
            try:
                arrays, note = assemble_video(
                    video, pairs[video], load_cached(cache_dir, video, settings), frame_tolerance
                )
            except AnnotationMismatchError as error:
                failures[str(video)] = str(error)
                continue
            if note:
                logger.warning("frame count fitted: %s", note)
                notes.append(note)
            video_id = f"video_{len(rows) + 1}"
            rows.append((video_id, arrays))
            included[video_id] = str(video)
        if failures:
            problems.update(failures)
            if not skip_bad:
                raise DatasetBuildError(
                    _problem_line(failures, "videos failed (pass --skip_bad to leave them out)")
                    + f"; nothing final was written (finished videos stay cached in {cache_dir})"
                )
        if not rows:
            raise DatasetBuildError(_problem_line(problems, "bad inputs, and no video left to build"))
        if problems:
            print(f"skipped: {_problem_line(problems, 'bad inputs left out')}", file=sys.stderr)

        video_ids = [video_id for video_id, _ in rows]
        split_list, splits_text = _splits(
            video_ids, None if splits is None else str(splits), n_splits, test_fraction, seed
        )
        provenance = _provenance(
            settings,
            annotation_format,
            annotations,
            splits_text,
            notes,
            problems,
            extractor.is_random,
            frame_tolerance,
        )
        result = _write_outputs(
            output_dir,
            name,
            rows,
            split_list,
            provenance,
            annotation_format,
            annotations,
            push_to_hub,
            progress,
            private,
        )
        result.video_ids, result.skipped, result.notes = included, problems, notes
        result.computed = [str(video) for video in computed]
        return result


def _provenance(
    settings, annotation_format, annotations, splits_text, notes, problems, random_features, frame_tolerance
) -> dict[str, Any]:
    from pglsum_hf import __version__

    return {
        "tool": f"pglsum make-dataset (pglsum-hf {__version__})",
        "extractor": "GoogLeNet pool5 (torchvision GoogLeNet up to global average pooling), whole frame scaled to 224x224, features L2-normalised",
        "feature_weights": settings.weights_description,
        "feature_weights_sha256": settings.weights_sha256,
        "random_features": random_features,
        "sample_rate": settings.sample_rate,
        "shot_detection": "KTS (pglsum_hf.video.detect_shots, the summarize code) on the sampled-frame features",
        "kts_vmax": settings.kts_vmax,
        "max_change_points": settings.max_change_points,
        "annotation_format": annotation_format,
        "annotation_source": annotations.name,
        "frame_tolerance": frame_tolerance,
        "frame_count_fits": notes,
        "splits": splits_text,
        "left_out": [key if key.startswith("annotation ") else Path(key).name for key in problems],
    }


def _write_outputs(
    output_dir, name, rows, split_list, provenance, annotation_format, annotations, push_to_hub, progress, private
) -> BuildResult:
    """Write everything into a staging folder, then move the three outputs into place."""
    from ..hub import push_dataset_folder
    from .annotations import VideoAnnotation, write_tvsum_annotations
    from .convert import convert_h5_to_dataset
    from .splits import write_splits

    h5_path, splits_path, dataset_dir = (
        output_dir / f"{name}.h5",
        output_dir / f"{name}_splits.json",
        output_dir / f"{name}_dataset",
    )
    for leftover in output_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=output_dir))
    try:
        _write_h5(staging / h5_path.name, rows, provenance, shown=h5_path)
        write_splits(split_list, staging / splits_path.name)
        tvsum_annotations = None
        if annotation_format == "tvsum":  # convert adds the raw scores from a ydata-anno.tsv of exactly these videos
            tvsum_annotations = staging / annotations.name
            write_tvsum_annotations(
                [VideoAnnotation(a["video_name"], a.get("category", ""), a["user_scores"]) for _, a in rows],
                tvsum_annotations,
            )
        convert_h5_to_dataset(staging / h5_path.name, staging / splits_path.name, staging / dataset_dir.name, name=name,
                              annotations=tvsum_annotations, show_progress=progress)  # fmt: skip
        # The old dataset folder (this command's own, from an earlier build) is set aside inside the staging
        # folder and goes with it, after the new one is in place.
        if dataset_dir.exists():
            os.replace(dataset_dir, staging / f"{dataset_dir.name}.old")
        os.replace(staging / h5_path.name, h5_path)
        os.replace(staging / splits_path.name, splits_path)
        os.replace(staging / dataset_dir.name, dataset_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if push_to_hub:
        push_dataset_folder(dataset_dir, push_to_hub, private=private)
    return BuildResult(h5=h5_path, splits=splits_path, dataset_dir=dataset_dir, video_ids={})


def _check_options(
    annotation_format,
    n_splits,
    test_fraction,
    sample_rate,
    kts_vmax,
    max_change_points,
    frame_tolerance,
    num_processes,
    splits,
    seed,
) -> None:
    checks = [
        (
            "--annotation_format",
            annotation_format in ANNOTATION_FORMATS,
            f"one of {', '.join(ANNOTATION_FORMATS)}",
            annotation_format,
        ),
        (
            "--n_splits",
            isinstance(n_splits, int) and 1 <= n_splits <= MAX_SPLITS,
            f"an integer from 1 to {MAX_SPLITS}",
            n_splits,
        ),
        ("--seed", isinstance(seed, int) and 0 <= seed <= MAX_SEED, f"an integer from 0 to {MAX_SEED}", seed),
        ("--test_fraction", 0 < test_fraction < 1, "a number in (0, 1)", test_fraction),
        (
            "--sample_rate",
            isinstance(sample_rate, int) and sample_rate >= 1,
            "an integer >= 1 (keep every N-th frame)",
            sample_rate,
        ),
        ("--kts_vmax", kts_vmax is None or (np.isfinite(kts_vmax) and kts_vmax > 0), "a finite number > 0", kts_vmax),
        (
            "--max_change_points",
            max_change_points is None or max_change_points >= 1,
            "an integer >= 1",
            max_change_points,
        ),
        ("--frame_tolerance", frame_tolerance >= 0, "an integer >= 0", frame_tolerance),
        ("--num_processes", num_processes >= 1, "an integer >= 1", num_processes),
    ]
    for option, ok, expected, found in checks:
        if not ok:
            raise OptionError(option, f"expected {expected}, got {found!r}")
    if splits is not None and not Path(splits).is_file():
        raise OptionError("--splits", f"{splits}: no such file")


# ----- command line ------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum make-dataset",
        description="Build a SumMe/TVSum-style benchmark (NAME.h5, NAME_splits.json and the datasets folder NAME_dataset/) "
        "from raw videos and their annotations, with the same features and shots as `pglsum summarize`.",
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEOS", help="video files, folders of videos, or glob patterns")
    parser.add_argument(
        "--annotations",
        required=True,
        help="tvsum: ydata-anno.tsv; summe: the folder of <video>.mat files; intervals: the CSV",
    )
    parser.add_argument(
        "--annotation_format", required=True, choices=ANNOTATION_FORMATS, help="how --annotations is written"
    )
    parser.add_argument(
        "--output_dir", required=True, help="folder for NAME.h5, NAME_splits.json, NAME_dataset/ and the cache"
    )
    parser.add_argument("--name", help="dataset name (default: the output folder's name)")
    parser.add_argument("--splits", help="splits JSON over the keys video_1..video_N (default: random splits)")
    parser.add_argument("--n_splits", type=int, default=5, help="random splits to make (default 5)")
    parser.add_argument(
        "--test_fraction", type=float, default=0.2, help="share of test videos per random split (default 0.2)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random splits (default 0)")
    parser.add_argument(
        "--feature_weights",
        help="GoogLeNet weights: a local state dict (googlenet-1378be20.pth), or `random` (SYNTHETIC features, for tests); "
        "default: torchvision's ImageNet weights",
    )
    parser.add_argument(
        "--sample_rate", type=int, default=DEFAULT_SAMPLE_RATE, help="keep every N-th frame from frame 0 (default 15)"
    )
    parser.add_argument(
        "--kts_vmax", type=float, help="KTS penalty weight (default 1.0; 0.05 with random weights, as summarize)"
    )
    parser.add_argument("--max_change_points", type=int, help="most shot boundaries KTS considers (default: no limit)")
    parser.add_argument(
        "--frame_tolerance", type=int, default=DEFAULT_FRAME_TOLERANCE,
        help=f"frames an annotation may count more or fewer than the decoded video; fitted and reported (default {DEFAULT_FRAME_TOLERANCE})",
    )  # fmt: skip
    parser.add_argument(
        "--num_processes", type=int, default=1, help="worker processes for feature extraction (default 1)"
    )
    parser.add_argument(
        "--skip_bad", action="store_true", help="leave out (and list) bad videos and annotations instead of failing"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of an earlier run in --output_dir"
    )
    add_hub_options(parser, "the dataset folder as a dataset repository")
    parser.add_argument("--device", help="torch device of the feature network (default: cuda when available)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    repo_id = hub_repo_id(args)
    configure_logging()
    result = build_dataset(
        args.videos,
        args.annotations,
        args.annotation_format,
        args.output_dir,
        name=args.name,
        splits=args.splits,
        n_splits=args.n_splits,
        test_fraction=args.test_fraction,
        seed=args.seed,
        feature_weights=args.feature_weights,
        sample_rate=args.sample_rate,
        kts_vmax=args.kts_vmax,
        max_change_points=args.max_change_points,
        frame_tolerance=args.frame_tolerance,
        num_processes=args.num_processes,
        skip_bad=args.skip_bad,
        overwrite=args.overwrite,
        push_to_hub=repo_id,
        private=args.hub_private_repo or None,
        device=args.device,
    )
    if result is None:
        return 0
    print(f"{len(result.video_ids)} videos ({len(result.computed)} computed now, the rest from the cache)")
    print(f"  {result.h5}\n  {result.splits}\n  {result.dataset_dir}")
    method = "max" if args.annotation_format == "summe" else "avg"  # the SumMe / TVSum protocols' reduction over users
    print(
        f"train on it: pglsum train --dataset {result.h5} --batch_size {max(1, round(0.8 * len(result.video_ids)))} --eval_method {method}"
    )
    if repo_id:
        print(f'pushed: datasets.load_dataset("{repo_id}", "split_0")')
    return 0


if __name__ == "__main__":
    sys.exit(main())
