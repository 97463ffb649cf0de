"""Summarize your own videos: video file -> features -> shots -> scores -> keyshots -> summary video, JSON, plot.

Python API::

    from pglsum_hf.video import VideoSummarizer

    summarizer = VideoSummarizer.from_pretrained("path/or/hub-id", feature_weights="googlenet-1378be20.pth")
    summary = summarizer("my_video.mp4", output_dir="summaries")   # writes summaries/my_video.{mp4,json,png}
    print(summary.segments)

Every step is a method of its own (:meth:`~VideoSummarizer.extract_features`, :meth:`~VideoSummarizer.detect_shots`,
:meth:`~VideoSummarizer.score`, :meth:`~VideoSummarizer.select`, :meth:`~VideoSummarizer.save`) built on the
module functions of :mod:`pglsum_hf.video`, so a researcher can replace one (say, the shot detector) and keep
the rest. The ``video-summarization`` pipeline and ``pglsum summarize`` run these same methods.

Command line: ``pglsum summarize INPUT... --model M --output_dir DIR`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..atomic import OutputFolderLock, check_output_dir, check_output_file, is_empty_dir, write_json
from ..console import configure_logging, progress_bar
from ..errors import OptionError, PGLSumError
from ..model_loading import resolve_model_source
from ..options import CommandParser, check_device
from ..paths import local_inputs
from . import batch
from .decode import DEFAULT_SAMPLE_RATE, VideoDecoder, VideoInfo, prefetch
from .keyshots import DEFAULT_BUDGET, select_segments
from .result import RANDOM_FEATURES_NOTE, RANDOM_WEIGHTS, VideoSummary
from .shots import DEFAULT_OVERLAP, DEFAULT_VMAX, DEFAULT_WINDOW, detect_shots
from .windowed_scores import MIN_SCORE_WINDOW, check_score_window, score_in_windows, window_overlap, window_starts
from .workers import WorkerPool, launch_processes, launched_world_size
from .writing import save_summary

if TYPE_CHECKING:  # torch and GoogLeNet load when a summarizer is built, not for `--help`
    import torch

    from .features import GoogLeNetFeatures

logger = logging.getLogger(__name__)

# Untrained GoogLeNet features are nearly parallel (see shots.py), so KTS needs a much smaller penalty weight.
RANDOM_FEATURES_VMAX = 0.05


class VideoSummarizer:
    """A PGL-SUM model plus the GoogLeNet feature extractor, ready to summarize video files.

    Args:
        model: a :class:`~pglsum_hf.PGLSumModel` (or any model with its forward and ``config.input_size``).
        feature_extractor: the frame feature extractor (:class:`GoogLeNetFeatures`).
        sample_rate: keep every ``sample_rate``-th frame (default 15: 2 fps for 30 fps video).
        kts_vmax: KTS penalty weight; default 1.0 for ImageNet features, 0.05 for random ones.
        max_change_points: largest number of shot boundaries KTS considers per window (default: no limit).
        kts_window, kts_overlap: KTS runs over windows of ``kts_window`` sampled frames sharing ``kts_overlap``
            with their neighbours (default 1200 and 240; exact KTS for videos up to ``kts_window`` steps).
        model_name: how the model is named in the outputs (default: its ``name_or_path``).
        score_window: None (default) scores every video whole, exactly as the original PGL-SUM; an integer
            >= 64 scores videos longer than that many steps in overlapping windows, in time linear in their length
            but with other scores (see :mod:`.windowed_scores`).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        feature_extractor: GoogLeNetFeatures,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        kts_vmax: float | None = None,
        max_change_points: int | None = None,
        model_name: str | None = None,
        kts_window: int = DEFAULT_WINDOW,
        kts_overlap: int = DEFAULT_OVERLAP,
        score_window: int | None = None,
    ):
        check_score_window(score_window)
        self.model = model.eval()
        self.feature_extractor = feature_extractor
        self.sample_rate = sample_rate
        default_vmax = RANDOM_FEATURES_VMAX if feature_extractor.is_random else DEFAULT_VMAX
        self.kts_vmax = default_vmax if kts_vmax is None else kts_vmax
        self.max_change_points = max_change_points
        self.kts_window = kts_window
        self.kts_overlap = kts_overlap
        self.score_window = score_window
        self.model_name = model_name or getattr(model, "name_or_path", "") or type(model).__name__
        self._check_feature_size(feature_extractor.feature_size, "the feature extractor")

    def _check_feature_size(self, size: int, source: str) -> None:
        expected = self.model.config.input_size
        if size != expected:
            raise ValueError(
                f"{source}: the model {self.model_name} expects {expected}-d frame features (config.input_size) but "
                f"gets {size}-d features (GoogLeNet pool5 is 1024-d)"
            )

    @classmethod
    def from_pretrained(
        cls,
        model_name_or_path: str | os.PathLike,
        feature_weights: str | os.PathLike | None = None,
        device: str | torch.device | None = None,
        subfolder: str | None = None,
        **kwargs,
    ) -> VideoSummarizer:
        """Load a PGL-SUM model (local folder or Hub id) and the GoogLeNet feature extractor.

        Args:
            model_name_or_path: the PGL-SUM model.
            feature_weights: None (torchvision's ImageNet weights), a local state dict path, or ``"random"``.
            device: where both networks run (default: CUDA when available).
            subfolder: the model folder inside ``model_name_or_path`` when it holds several (``split_0`` ...).
            **kwargs: the other arguments of :class:`VideoSummarizer`.
        """
        from pglsum_hf.model_loading import load_model

        from .features import GoogLeNetFeatures

        # The model first: a wrong one (e.g. a repository of split folders) stops before GoogLeNet is built or fetched.
        model = load_model(model_name_or_path, subfolder=subfolder)
        feature_extractor = GoogLeNetFeatures(feature_weights, device=device)
        model = model.to(feature_extractor.device)
        name = f"{model_name_or_path}/{subfolder}" if subfolder else str(model_name_or_path)
        return cls(model, feature_extractor, model_name=name, **kwargs)

    # ----- the steps -------------------------------------------------------------------------------------

    def extract_features(
        self,
        video: str | os.PathLike,
        progress: bool = False,
        sample_rate: int | None = None,
        max_duration: float | None = None,
    ) -> tuple[np.ndarray, VideoInfo]:
        """Decode ``video`` and return (float32 [T, 1024] features of the sampled frames, :class:`VideoInfo`).

        ``sample_rate`` overrides the summarizer's for this call; decoding stops with
        :class:`~pglsum_hf.video.decode.VideoTooLongError` past ``max_duration`` seconds.
        """
        sample_rate = self.sample_rate if sample_rate is None else sample_rate
        decoder = VideoDecoder(video, sample_rate, (self.feature_extractor.input_size,) * 2, max_duration)
        with progress_bar(
            total=decoder.expected_frames, desc="decode + features", unit="frame", leave=False, disable=not progress
        ) as bar:
            # Decoding runs in a thread, a batch ahead of the network.
            features = self.feature_extractor.encode(
                prefetch(decoder.batches(self.feature_extractor.batch_size, progress=bar))
            )
        return features, decoder.info

    def shot_parameters(self, kts_vmax: float | None = None, max_change_points: int | None = None) -> dict:
        """The shot detector and its settings (with this call's overrides), as recorded in the JSON and dataset cards."""
        return {
            "method": "KTS over overlapping windows (exact KTS when the video has at most `window` sampled frames)",
            "vmax": self.kts_vmax if kts_vmax is None else kts_vmax,
            "max_change_points": self.max_change_points if max_change_points is None else max_change_points,
            "window": self.kts_window,
            "overlap": self.kts_overlap,
        }

    def detect_shots(
        self,
        features: np.ndarray,
        info: VideoInfo,
        kts_vmax: float | None = None,
        max_change_points: int | None = None,
    ) -> np.ndarray:
        """int64 [S, 2] inclusive shots covering the video, by windowed KTS on the sampled-frame features.

        ``kts_vmax`` and ``max_change_points`` override the summarizer's for this call. Deterministic.
        """
        kts = self.shot_parameters(kts_vmax, max_change_points)
        return detect_shots(
            features,
            info.picks,
            info.n_frames,
            max_change_points=kts["max_change_points"],
            vmax=kts["vmax"],
            window=kts["window"],
            overlap=kts["overlap"],
        )

    def scoring_parameters(self, steps: int, score_window: int | None = None) -> dict | None:
        """How :meth:`score` scores ``steps`` steps (with this call's ``score_window``), as recorded in the JSON:
        None when the video is scored whole (exact scores: no window, or a video that fits in one), else the
        window, the overlap and the number of windows."""
        check_score_window(score_window)
        window = self.score_window if score_window is None else int(score_window)
        if window is None or steps <= window:
            return None
        return {
            "method": "PGL-SUM on overlapping windows, each step scored by the window whose centre is nearest",
            "window": int(window),
            "overlap": window_overlap(window),
            "windows": len(window_starts(steps, window)),
        }

    def score(
        self,
        features: np.ndarray | torch.Tensor,
        video: str | os.PathLike = "<features>",
        score_window: int | None = None,
    ) -> np.ndarray:
        """float [T] importance of every sampled frame, from the PGL-SUM model.

        ``score_window`` overrides the summarizer's for this call: videos longer than that many steps are scored
        in overlapping windows (:func:`~.windowed_scores.score_in_windows`); None keeps the summarizer's setting.

        Raises:
            PGLSumError: the features or the scores are not finite numbers (e.g. features far from unit norm).
        """
        import torch

        check_score_window(score_window)
        window = self.score_window if score_window is None else score_window
        self._check_feature_size(features.shape[-1], str(video))
        parameter = next(self.model.parameters())
        tensor = torch.as_tensor(features).to(device=parameter.device, dtype=parameter.dtype)
        if not torch.isfinite(tensor).all():
            raise PGLSumError(f"{video}: the frame features hold NaN or infinite values")
        windowed = self.scoring_parameters(len(tensor), window)
        if windowed is None:
            with torch.inference_mode():
                scores = self.model(tensor[None]).scores[0].float().cpu().numpy()
        else:
            logger.info(
                "%s: %d steps scored in %d windows of %d steps (overlap %d), not as one video: scores differ from "
                "exact PGL-SUM scoring",
                video, len(tensor), windowed["windows"], window, windowed["overlap"],
            )  # fmt: skip
            scores = score_in_windows(self.model, tensor, window).float().cpu().numpy()
        if not np.isfinite(scores).all():
            largest = float(tensor.abs().max())
            raise PGLSumError(
                f"{video}: the model gave NaN or infinite importance scores; the features reach {largest:.3g} in "
                "absolute value, expected L2-normalised GoogLeNet pool5 features (values in [-1, 1])"
            )
        return scores

    def select(
        self,
        info: VideoInfo,
        features: np.ndarray | None,
        scores: np.ndarray,
        budget: float = DEFAULT_BUDGET,
        max_seconds: float | None = None,
        kts_vmax: float | None = None,
        max_change_points: int | None = None,
        shots: np.ndarray | None = None,
        score_window: int | None = None,
    ) -> VideoSummary:
        """Shots, keyshots and segments of one video, as a :class:`VideoSummary`.

        Args:
            info: the decoded video.
            features: [T, D] sampled-frame features, for KTS (not needed when ``shots`` is given).
            scores: [T] importance of the sampled frames.
            budget: summary length as a fraction of the video; ``max_seconds`` replaces it with seconds. When no
                whole shot fits, the summary is the best window of that length inside the best shot
                (``summary.trimmed``; see :mod:`.keyshots`), so it is never empty.
            kts_vmax, max_change_points: override the summarizer's KTS settings for this call.
            shots: [S, 2] inclusive frames covering the video, replacing KTS (e.g. another shot detector).
            score_window: the ``score_window`` given to :meth:`score` for these scores, if any; the summary records
                how they were made (:meth:`scoring_parameters`).
        """
        kts = None  # shots from elsewhere: no KTS parameters to report
        if shots is None:
            kts = self.shot_parameters(kts_vmax, max_change_points)
            shots = self.detect_shots(features, info, kts["vmax"], kts["max_change_points"])
        shot_values, selected, segments = select_segments(scores, info, shots, budget=budget, max_seconds=max_seconds)
        return VideoSummary(
            info=info,
            scores=np.asarray(scores, dtype=np.float64),
            shots=shots,
            shot_scores=shot_values,
            selected=selected,
            segments=segments,
            model=self.model_name,
            feature_weights=self.feature_extractor.weights_description,
            random_features=self.feature_extractor.is_random,
            budget=None if max_seconds is not None else budget,
            max_seconds=max_seconds,
            kts=kts,
            score_window=self.scoring_parameters(len(scores), score_window),
        )

    def save(
        self, summary: VideoSummary, output_dir: str | os.PathLike, write_video: bool = True, progress: bool = False
    ) -> dict[str, Path]:
        """Write ``DIR/IN.mp4`` (unless ``write_video`` is False), ``DIR/IN.json`` and ``DIR/IN.png``."""
        total = summary.summary_frames if write_video else 0
        with progress_bar(
            total=total, desc="summary video", unit="frame", leave=False, disable=not progress or not total
        ) as bar:
            return save_summary(summary, output_dir, write_video=write_video, progress=bar)

    # ----- all of it -------------------------------------------------------------------------------------

    def __call__(
        self,
        video: str | os.PathLike,
        output_dir: str | os.PathLike | None = None,
        budget: float = DEFAULT_BUDGET,
        max_seconds: float | None = None,
        write_video: bool = True,
        progress: bool = True,
        max_duration: float | None = None,
    ) -> VideoSummary:
        """Summarize one video file; with ``output_dir``, also write its summary video, JSON and plot.

        ``max_duration`` (seconds) stops the work once decoding passes it (see `extract_features`).

        With ``progress``, a bar per video shows the stage, and the long stages (decoding with feature
        extraction, writing the summary video) have a bar of their own.
        """
        if output_dir is not None:  # a file there, or an unwritable folder, is found before the decoding
            check_output_dir(output_dir, inputs=[video], owned=True, option="output_dir")
        stages = ["features", "scores", "shots + keyshots"] + (["outputs"] if output_dir is not None else [])
        with progress_bar(total=len(stages), desc=Path(video).name, unit="stage", disable=not progress) as bar:
            bar.set_postfix_str(stages[0])
            features, info = self.extract_features(video, progress=progress, max_duration=max_duration)
            bar.update()
            bar.set_postfix_str(stages[1])
            scores = self.score(features, video)
            bar.update()
            bar.set_postfix_str(stages[2])
            summary = self.select(info, features, scores, budget=budget, max_seconds=max_seconds)
            bar.update()
            if output_dir is not None:
                bar.set_postfix_str(stages[3])
                self.save(summary, output_dir, write_video=write_video, progress=progress)
                bar.update()
        return summary


# ----- command line --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum summarize",
        description="Summarize video files with a PGL-SUM model: for each INPUT `IN.ext`, write DIR/IN.mp4 "
        "(the selected shots), DIR/IN.json (segments, shots, picks, scores) and DIR/IN.png (importance plot). "
        "A failed input never stops the others; a final table lists every input, the exit status is 1 when any "
        "failed, and DIR/summarize_report.json records the job.",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="video files, folders of videos, or glob patterns (quote them)"
    )
    parser.add_argument("--model", required=True, help="PGL-SUM model: a local folder or a Hub id")
    parser.add_argument(
        "--subfolder",
        default=None,
        help="the model folder inside --model when it holds several (a converted release: split_0 ... split_4)",
    )
    parser.add_argument("--output_dir", required=True, help="folder for the outputs (created if missing)")
    parser.add_argument(
        "--feature_weights",
        default=None,
        help="GoogLeNet weights: a local state dict (e.g. googlenet-1378be20.pth), or `random` for tests/demos "
        "(SYNTHETIC, marked in every output); default: torchvision's ImageNet weights (cache or download)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET,
        help="summary length as a fraction of the video, in (0, 1] (default 0.15)",
    )
    parser.add_argument(
        "--max_seconds", type=float, default=None, help="summary length in seconds (replaces --budget)"
    )
    parser.add_argument(
        "--sample_rate", type=int, default=DEFAULT_SAMPLE_RATE, help="keep every N-th frame (default 15)"
    )
    parser.add_argument(
        "--kts_vmax", type=float, default=None, help="KTS penalty weight, > 0 (default 1.0; 0.05 with random weights)"
    )
    parser.add_argument(
        "--max_change_points",
        type=int,
        default=None,
        help="most shot boundaries KTS considers per window, >= 1 (default: no limit)",
    )
    parser.add_argument(
        "--kts_window",
        type=int,
        default=DEFAULT_WINDOW,
        help=f"KTS window in sampled frames (default {DEFAULT_WINDOW}; exact KTS below it)",
    )
    parser.add_argument(
        "--kts_overlap",
        type=int,
        default=DEFAULT_OVERLAP,
        help=f"sampled frames shared by neighbouring KTS windows (default {DEFAULT_OVERLAP})",
    )
    parser.add_argument(
        "--score_window",
        type=int,
        default=None,
        metavar="STEPS",
        help=f"score videos longer than STEPS sampled frames in overlapping windows of STEPS (>= {MIN_SCORE_WINDOW}): "
        "time linear in the length, but scores that differ from the original's; default: off, every video scored "
        "whole (exact, time ~ length^2)",
    )
    parser.add_argument("--no_video", action="store_true", help="write only the JSON and the plot")
    parser.add_argument(
        "--recursive", action="store_true", help="a folder INPUT contributes the videos of its sub-folders too"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing output files of these inputs (never anything else)"
    )
    parser.add_argument(
        "--skip_existing", action="store_true", help="skip inputs whose outputs are complete (resume a job)"
    )
    parser.add_argument("--report", default=None, help=f"the job's JSON report (default DIR/{batch.REPORT_NAME})")
    parser.add_argument(
        "--num_processes",
        type=int,
        default=1,
        help="split the inputs across N processes (GPUs when present) with accelerate; same as "
        "`accelerate launch --num_processes N -m pglsum_hf.video.summarize ...`",
    )
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    return parser


def validate_args(args: argparse.Namespace) -> None:
    """Refuse bad option values before anything is loaded or decoded (one line naming the option)."""
    if not (math.isfinite(args.budget) and 0 < args.budget <= 1):
        raise OptionError("--budget", f"must be a fraction of the video in (0, 1], got {args.budget}")
    if args.max_seconds is not None and not (math.isfinite(args.max_seconds) and args.max_seconds > 0):
        raise OptionError("--max_seconds", f"must be a finite number of seconds > 0, got {args.max_seconds}")
    if args.sample_rate < 1:
        raise OptionError("--sample_rate", f"must be a number of frames >= 1, got {args.sample_rate}")
    if args.kts_vmax is not None and not (math.isfinite(args.kts_vmax) and args.kts_vmax > 0):
        raise OptionError("--kts_vmax", f"must be a finite number > 0, got {args.kts_vmax}")
    if args.max_change_points is not None and args.max_change_points < 1:
        raise OptionError("--max_change_points", f"must be >= 1 (omit it for no limit), got {args.max_change_points}")
    if args.kts_window < 2:
        raise OptionError("--kts_window", f"must be >= 2 sampled frames, got {args.kts_window}")
    if not 0 <= args.kts_overlap < args.kts_window:
        raise OptionError(
            "--kts_overlap", f"must be in [0, --kts_window) = [0, {args.kts_window}), got {args.kts_overlap}"
        )
    if args.score_window is not None and args.score_window < MIN_SCORE_WINDOW:
        raise OptionError(
            "--score_window", f"must be a number of sampled frames >= {MIN_SCORE_WINDOW}, got {args.score_window}"
        )
    if args.num_processes < 1:
        raise OptionError("--num_processes", f"must be >= 1, got {args.num_processes}")
    check_device("--device", args.device)
    if args.feature_weights not in (None, RANDOM_WEIGHTS) and not Path(args.feature_weights).is_file():
        raise OptionError(
            "--feature_weights",
            f"{args.feature_weights}: file not found (expected a GoogLeNet state dict, or `random`)",
        )


def _summarize_one(summarizer: VideoSummarizer, video: Path, args: argparse.Namespace, process: int) -> batch.Record:
    """Summarize one input; an error becomes its record's message (the job goes on)."""
    try:
        summary = summarizer(
            video,
            output_dir=args.output_dir,
            budget=args.budget,
            max_seconds=args.max_seconds,
            write_video=not args.no_video,
        )
    except (PGLSumError, OSError, ValueError, RuntimeError) as error:
        return batch.Record(
            str(video), "failed", str(error).splitlines()[0] if str(error) else type(error).__name__, process=process
        )
    except Exception as error:  # a bug: keep its traceback in the log, and go on with the other inputs
        logger.exception("%s: unexpected error", video)
        return batch.Record(str(video), "failed", f"{type(error).__name__}: {error}", process=process)
    info = summary.info
    return batch.Record(
        str(video),
        "trimmed" if summary.trimmed else "ok",
        "no whole shot fits the budget: best window of the best shot" if summary.trimmed else "",
        n_frames=info.n_frames,
        duration=info.duration,
        shots=len(summary.shots),
        summary_seconds=summary.summary_duration,
        outputs=dict(summary.outputs),
        process=process,
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    configure_logging()
    validate_args(args)
    resolve_model_source(
        args.model, subfolder=args.subfolder
    )  # a missing or broken model folder is found before any output is planned
    videos = batch.expand_inputs(args.inputs, recursive=args.recursive)
    inputs = local_inputs(videos, args.model, args.feature_weights)
    # Summaries are files written into the folder beside what it holds; the folder may not be (in) an input folder.
    output_dir = check_output_dir(args.output_dir, inputs=inputs, owned=True)
    report = Path(args.report) if args.report else output_dir / batch.REPORT_NAME
    report = check_output_file(report, overwrite=True, inputs=inputs, option="--report")
    plan = batch.plan_outputs(videos, output_dir, not args.no_video, args.overwrite, args.skip_existing, report)
    existing_ancestor = next(folder for folder in (output_dir, *output_dir.parents) if folder.exists())
    if launched_world_size() > 1:  # one of the launched processes: the launcher holds the folder
        return _run_job(args, videos, report, plan)
    with OutputFolderLock(output_dir):
        if args.num_processes > 1:
            return launch_processes(args.num_processes, "pglsum_hf.cli", ["summarize", *argv])
        code = _run_job(args, videos, report, plan)
    # A job that wrote nothing leaves none of the folders it (or its lock) created behind; the lock file is gone.
    folder = output_dir
    while folder != existing_ancestor and (not folder.exists() or is_empty_dir(folder)):
        if folder.exists():
            folder.rmdir()
        folder = folder.parent
    return code


def _run_job(
    args: argparse.Namespace,
    videos: list[Path],
    report: Path,
    plan: batch.Plan,
) -> int:
    """Summarize the planned videos (this process's share of them), print the table and write the report."""
    pool = WorkerPool()
    pool.wait_for_everyone()  # every process has checked the outputs before any of them writes one
    summarizer = VideoSummarizer.from_pretrained(
        args.model,
        subfolder=args.subfolder,
        feature_weights=args.feature_weights,
        device=args.device or pool.device,
        sample_rate=args.sample_rate,
        kts_vmax=args.kts_vmax,
        max_change_points=args.max_change_points,
        kts_window=args.kts_window,
        kts_overlap=args.kts_overlap,
        score_window=args.score_window,
    )
    if args.feature_weights == RANDOM_WEIGHTS and pool.is_main_process:
        print(f"NOTE: {RANDOM_FEATURES_NOTE}", file=sys.stderr)

    records = []
    mine = pool.share(plan.todo)
    for video in progress_bar(mine, desc=f"videos (process {pool.process_index})" if pool.num_processes > 1 else "videos",
                              unit="video", disable=len(mine) < 2):  # fmt: skip
        record = _summarize_one(summarizer, video, args, pool.process_index)
        if record.status == "failed":
            print(f"pglsum summarize: {record.message}", file=sys.stderr)
        else:
            print(
                f"{video}: {record.n_frames} frames, {record.duration:.1f} s, {record.shots} shots -> summary "
                f"{record.summary_seconds:.1f} s{' (trimmed: no whole shot fits the budget)' if record.status == 'trimmed' else ''}"
            )
            for kind, path in record.outputs.items():
                print(f"  {kind:<5} {path}")
        records.append(record)
    records = pool.gather(records)
    failed = any(record.status == "failed" for record in records)
    if pool.is_main_process:
        order = {video: position for position, video in enumerate(videos)}
        records += [
            batch.Record(str(video), "skipped", "outputs complete (--skip_existing)") for video in plan.skipped
        ]
        records.sort(key=lambda record: order[Path(record.input)])
        print(batch.format_table(records))
        if any(record.status != "failed" for record in records):
            write_json(report, _report(args, records, pool.num_processes))
            print(f"report: {report}")
    pool.wait_for_everyone()
    return 1 if failed else 0


def _report(args: argparse.Namespace, records: list[batch.Record], num_processes: int) -> dict:
    return {
        "command": "pglsum summarize",
        "model": args.model,
        "output_dir": str(Path(args.output_dir)),
        "num_processes": num_processes,
        "settings": {
            "budget": None if args.max_seconds is not None else args.budget,
            "max_seconds": args.max_seconds,
            "sample_rate": args.sample_rate,
            "kts_vmax": args.kts_vmax,
            "max_change_points": args.max_change_points,
            "kts_window": args.kts_window,
            "kts_overlap": args.kts_overlap,
            "score_window": args.score_window,
            "write_video": not args.no_video,
        },
        "counts": {
            status: sum(r.status == status for r in records) for status in ("ok", "trimmed", "skipped", "failed")
        },
        "inputs": [record.to_dict() for record in records],
    }


if __name__ == "__main__":
    from pglsum_hf.cli import run

    sys.exit(run("summarize", main))
