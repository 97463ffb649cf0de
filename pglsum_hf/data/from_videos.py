"""A SumMe/TVSum-style benchmark built from raw video files and their annotations (``pglsum make-dataset``).

The output folder then holds:

- ``NAME.h5``: the standard layout (plus ``user_scores`` for TVSum-style data), so ``pglsum convert`` and
  ``pglsum train`` take it unchanged; its root attribute ``provenance`` (JSON) records how it was made;
- ``NAME_splits.json``: the splits given with ``splits``, or ``n_splits`` random ones;
- ``NAME_dataset/``: the ``datasets`` folder ``pglsum convert`` writes, whose card records the extractor and
  its weights' hash, the sample rate, the KTS parameters, the annotation source and the splits seed;
- ``.pglsum_cache/``: one file per finished video (:mod:`pglsum_hf.data.feature_cache`), so an interrupted
  build resumes where it stopped.

A build has three steps, each in its own module: :func:`plan_build` finds the videos, reads and matches the
annotations and checks the output folder (before any work); :mod:`pglsum_hf.data.feature_extraction` puts every
video's features and shots in the cache (the command shares the videos among its processes); :func:`finish_build`
assembles the benchmark (:mod:`pglsum_hf.data.benchmark_assembly`) and writes it
(:mod:`pglsum_hf.data.staged_outputs`). Nothing final is written unless every video succeeded, or ``skip_bad``
lists the bad ones and leaves them out. :func:`build_planned` runs the last two in one process or in a pool of
processes; :func:`build_dataset` runs all three in one process.

The sample rate and KTS parameters come as :class:`~pglsum_hf.video.settings.SummarySettings` (checked where they
are built, as for ``pglsum summarize``); counts and fractions are checked by ``pglsum make-dataset``
(:mod:`pglsum_hf.commands.make_dataset`) and trusted here.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import OutputFolderLock, check_output_dir
from ..errors import OptionError
from ..video.decode import DEFAULT_SAMPLE_RATE
from ..video.settings import SummarySettings
from .benchmark_assembly import assemble_video, choose_splits, problem_line, provenance, video_order
from .feature_cache import CACHE_FOLDER, ExtractionSettings, clear_partial_files, load_cached
from .feature_extraction import DatasetBuildError, extract_videos, extraction_settings, make_extractor
from .staged_outputs import output_is_resumable, write_outputs
from .video_annotations import (
    DEFAULT_FRAME_TOLERANCE,
    AnnotationMismatchError,
    RawAnnotation,
    match_videos,
    read_annotations,
)
from .video_files import find_videos

if TYPE_CHECKING:
    from ..video.workers import WorkerPool

logger = logging.getLogger(__name__)


@dataclass
class BuildPlan:
    """What a build reads and writes, checked before any work (:func:`plan_build`)."""

    videos: list[Path]  # the annotated videos, in video_1 .. video_N order
    pairs: dict[Path, RawAnnotation]
    problems: dict[str, str]  # bad inputs left out (skip_bad): name -> why
    annotations: Path
    annotation_format: str
    output_dir: Path
    name: str
    splits: str | None = None
    n_splits: int = 5
    test_fraction: float = 0.2
    seed: int = 0
    frame_tolerance: int = DEFAULT_FRAME_TOLERANCE
    skip_bad: bool = False

    @property
    def cache_dir(self) -> Path:
        return self.output_dir / CACHE_FOLDER


@dataclass
class BuildResult:
    """What a build wrote."""

    h5: Path
    splits: Path
    dataset_dir: Path
    video_ids: dict[str, str]  # video_id -> video file
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why
    computed: list[str] = field(default_factory=list)  # videos whose features were computed in this run
    notes: list[str] = field(default_factory=list)  # frame-count fits


def plan_build(
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
    frame_tolerance: int = DEFAULT_FRAME_TOLERANCE,
    skip_bad: bool = False,
    overwrite: bool = False,
) -> BuildPlan:
    """Find the videos, read and match their annotations and check the output folder, before any work.

    Raises:
        OptionError / OutputExistsError: a missing input or a bad output folder.
        DataFormatError: an annotation file that cannot be read.
        DatasetBuildError: bad videos or annotations (all of them named), unless ``skip_bad``.
    """
    video_paths = find_videos(videos)
    annotations = Path(annotations)
    if not annotations.exists():
        raise OptionError("--annotations", f"{annotations}: no such file or folder")
    output_dir = Path(output_dir).expanduser()
    output_dir = check_output_dir(
        output_dir, overwrite=overwrite, inputs=[*video_paths, annotations], owned=output_is_resumable(output_dir)
    )
    name = name or output_dir.name
    if not name or "/" in name or name.startswith("."):
        raise OptionError("--name", f"a plain file name for NAME.h5, got {name!r}")

    raw, problems = read_annotations(annotations, annotation_format)
    pairs, match_problems = match_videos(video_paths, raw, annotation_format, annotations)
    problems = {**{f"annotation {key}": message for key, message in problems.items()}, **match_problems}
    if problems and not skip_bad:
        raise DatasetBuildError(
            problem_line(problems, "bad inputs (pass --skip_bad to leave them out)") + "; nothing was written"
        )
    if not pairs:
        raise DatasetBuildError(problem_line(problems, "bad inputs, and no video left to build"))
    return BuildPlan(
        videos=video_order(pairs, raw, annotation_format),
        pairs=pairs,
        problems=problems,
        annotations=annotations,
        annotation_format=annotation_format,
        output_dir=output_dir,
        name=name,
        splits=None if splits is None else str(splits),
        n_splits=n_splits,
        test_fraction=test_fraction,
        seed=seed,
        frame_tolerance=frame_tolerance,
        skip_bad=skip_bad,
    )


def finish_build(
    plan: BuildPlan,
    settings: ExtractionSettings,
    computed: Sequence[Path],
    failures: dict[str, str],
    random_features: bool,
    progress: bool = True,
) -> BuildResult:
    """Assemble the benchmark from the cache and write it, once every video's extraction has ended.

    ``computed`` and ``failures`` are what the extraction reported (:func:`extract_videos`, merged over the
    processes that shared the videos).

    Raises:
        DatasetBuildError: videos failed or do not fit their annotations (all named), unless ``plan.skip_bad``.
    """
    failures, problems = dict(failures), dict(plan.problems)
    rows, notes, included = [], [], {}
    for video in plan.videos:
        if str(video) in failures:
            continue
        try:
            arrays, note = assemble_video(
                video, plan.pairs[video], load_cached(plan.cache_dir, video, settings), plan.frame_tolerance
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
        if not plan.skip_bad:
            raise DatasetBuildError(
                problem_line(failures, "videos failed (pass --skip_bad to leave them out)")
                + f"; nothing final was written (finished videos stay cached in {plan.cache_dir})"
            )
    if not rows:
        raise DatasetBuildError(problem_line(problems, "bad inputs, and no video left to build"))

    video_ids = [video_id for video_id, _ in rows]
    split_list, splits_text = choose_splits(video_ids, plan.splits, plan.n_splits, plan.test_fraction, plan.seed)
    made = provenance(settings, plan.annotation_format, plan.annotations, splits_text, notes, problems,
                      random_features, plan.frame_tolerance)  # fmt: skip
    written = write_outputs(plan.output_dir, plan.name, rows, split_list, made, plan.annotation_format,
                            plan.annotations, progress)  # fmt: skip
    return BuildResult(
        h5=written.h5,
        splits=written.splits,
        dataset_dir=written.dataset_dir,
        video_ids=included,
        skipped=problems,
        computed=[str(video) for video in computed],
        notes=notes,
    )


def build_planned(
    plan: BuildPlan,
    feature_weights: str | os.PathLike | None,
    shots: SummarySettings,
    *,
    device: str | None = None,
    pool: WorkerPool | None = None,
    progress: bool = True,
) -> BuildResult | None:
    """Extract the planned videos and write the benchmark: the one build path of one process or of a pool.

    Each process of ``pool`` (:mod:`pglsum_hf.video.workers`) extracts its share of the videos into the cache; the
    main process, which holds the output folder from start to end, assembles and writes the same files one process
    writes. Without a pool this process does everything. ``shots`` gives the sample rate and the KTS parameters
    (checked where it was built). Returns the result in the main process, None in the others.
    """
    main = pool is None or pool.is_main_process
    if pool is not None:
        pool.wait_for_everyone()  # every process has checked the inputs before the main one changes the folder
    # The folder is held to the end by the main process: a second build into it stops at once.
    with OutputFolderLock(plan.output_dir) if main else contextlib.nullcontext():
        weights = None if feature_weights is None else str(feature_weights)
        extractor = make_extractor(weights, device=device or (pool.device if pool is not None else None))
        settings = extraction_settings(extractor, feature_weights, shots)
        if main:
            clear_partial_files(plan.cache_dir)
        if pool is None:
            computed, failures = extract_videos(plan.videos, extractor, settings, plan.cache_dir, progress)
        else:
            pool.wait_for_everyone()  # the clean-up above must not race another process's first write
            mine = extract_videos(pool.share(plan.videos), extractor, settings, plan.cache_dir, main and progress)
            shares = pool.gather([([str(video) for video in mine[0]], mine[1])])
            if not main:
                return None
            computed = [Path(video) for done, _ in shares for video in done]
            failures = {video: message for _, failed in shares for video, message in failed.items()}
        return finish_build(plan, settings, computed, failures, extractor.is_random, progress)


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
    skip_bad: bool = False,
    overwrite: bool = False,
    device: str | None = None,
    progress: bool = True,
) -> BuildResult:
    """Build ``NAME.h5``, ``NAME_splits.json`` and ``NAME_dataset/`` in ``output_dir`` in this process (module doc).

    Raises:
        SummarySettingError: a sample rate or KTS parameter out of range.
        OptionError / OutputExistsError: a bad input or output folder (before any work).
        DataFormatError: an annotation file that cannot be read.
        DatasetBuildError: bad videos or annotations (all of them named), unless ``skip_bad``.
    """
    shots = SummarySettings(sample_rate=sample_rate, kts_vmax=kts_vmax, max_change_points=max_change_points)
    plan = plan_build(videos, annotations, annotation_format, output_dir, name=name, splits=splits, n_splits=n_splits,
                      test_fraction=test_fraction, seed=seed, frame_tolerance=frame_tolerance, skip_bad=skip_bad,
                      overwrite=overwrite)  # fmt: skip
    return build_planned(plan, feature_weights, shots, device=device, progress=progress)
