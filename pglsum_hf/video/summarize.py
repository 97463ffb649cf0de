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
import os
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .decode import DEFAULT_SAMPLE_RATE, VideoDecoder, VideoInfo
from .features import RANDOM_WEIGHTS, GoogLeNetFeatures
from .keyshots import DEFAULT_BUDGET, select_segments
from .result import RANDOM_FEATURES_NOTE, VideoSummary
from .shots import DEFAULT_VMAX, detect_shots
from .writing import output_paths, save_summary

# Untrained GoogLeNet features are nearly parallel (see shots.py), so KTS needs a much smaller penalty weight.
RANDOM_FEATURES_VMAX = 0.05


class VideoSummarizer:
    """A PGL-SUM model plus the GoogLeNet feature extractor, ready to summarize video files.

    Args:
        model: a :class:`~pglsum_hf.PGLSumModel` (or any model with its forward and ``config.input_size``).
        feature_extractor: the frame feature extractor (:class:`GoogLeNetFeatures`).
        sample_rate: keep every ``sample_rate``-th frame (default 15: 2 fps for 30 fps video).
        kts_vmax: KTS penalty weight; default 1.0 for ImageNet features, 0.05 for random ones.
        max_change_points: largest number of shot boundaries KTS considers (default: no limit).
        model_name: how the model is named in the outputs (default: its ``name_or_path``).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        feature_extractor: GoogLeNetFeatures,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        kts_vmax: float | None = None,
        max_change_points: int | None = None,
        model_name: str | None = None,
    ):
        self.model = model.eval()
        self.feature_extractor = feature_extractor
        self.sample_rate = sample_rate
        default_vmax = RANDOM_FEATURES_VMAX if feature_extractor.is_random else DEFAULT_VMAX
        self.kts_vmax = default_vmax if kts_vmax is None else kts_vmax
        self.max_change_points = max_change_points
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
        **kwargs,
    ) -> VideoSummarizer:
        """Load a PGL-SUM model (local folder or Hub id) and the GoogLeNet feature extractor.

        Args:
            model_name_or_path: the PGL-SUM model.
            feature_weights: None (torchvision's ImageNet weights), a local state dict path, or ``"random"``.
            device: where both networks run (default: CUDA when available).
            **kwargs: the other arguments of :class:`VideoSummarizer`.
        """
        from pglsum_hf import PGLSumModel

        feature_extractor = GoogLeNetFeatures(feature_weights, device=device)
        model = PGLSumModel.from_pretrained(str(model_name_or_path)).to(feature_extractor.device)
        return cls(model, feature_extractor, model_name=str(model_name_or_path), **kwargs)

    # ----- the steps -------------------------------------------------------------------------------------

    def extract_features(
        self, video: str | os.PathLike, progress: bool = False, sample_rate: int | None = None
    ) -> tuple[np.ndarray, VideoInfo]:
        """Decode ``video`` and return (float32 [T, 1024] features of the sampled frames, :class:`VideoInfo`).

        ``sample_rate`` overrides the summarizer's for this call.
        """
        sample_rate = self.sample_rate if sample_rate is None else sample_rate
        decoder = VideoDecoder(video, sample_rate, (self.feature_extractor.input_size,) * 2)
        with tqdm(total=decoder.expected_frames, desc="decode + features", unit="frame", leave=False, disable=not progress) as bar:
            features = self.feature_extractor.encode(decoder.batches(self.feature_extractor.batch_size, progress=bar))
        return features, decoder.info

    def detect_shots(
        self, features: np.ndarray, info: VideoInfo, kts_vmax: float | None = None, max_change_points: int | None = None
    ) -> np.ndarray:
        """int64 [S, 2] inclusive shots covering the video, by KTS on the sampled-frame features.

        ``kts_vmax`` and ``max_change_points`` override the summarizer's for this call.
        """
        vmax = self.kts_vmax if kts_vmax is None else kts_vmax
        limit = self.max_change_points if max_change_points is None else max_change_points
        return detect_shots(features, info.picks, info.n_frames, max_change_points=limit, vmax=vmax)

    @torch.inference_mode()
    def score(self, features: np.ndarray | torch.Tensor, video: str | os.PathLike = "<features>") -> np.ndarray:
        """float [T] importance of every sampled frame, from the PGL-SUM model."""
        self._check_feature_size(features.shape[-1], str(video))
        parameter = next(self.model.parameters())
        tensor = torch.as_tensor(features).to(device=parameter.device, dtype=parameter.dtype)
        return self.model(tensor[None]).scores[0].float().cpu().numpy()

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
    ) -> VideoSummary:
        """Shots, keyshots and segments of one video, as a :class:`VideoSummary`.

        Args:
            info: the decoded video.
            features: [T, D] sampled-frame features, for KTS (not needed when ``shots`` is given).
            scores: [T] importance of the sampled frames.
            budget: summary length as a fraction of the video; ``max_seconds`` replaces it with seconds.
            kts_vmax, max_change_points: override the summarizer's KTS settings for this call.
            shots: [S, 2] inclusive frames covering the video, replacing KTS (e.g. another shot detector).
        """
        kts = None  # shots from elsewhere: no KTS parameters to report
        if shots is None:
            kts = {
                "vmax": self.kts_vmax if kts_vmax is None else kts_vmax,
                "max_change_points": self.max_change_points if max_change_points is None else max_change_points,
            }
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
        )

    def save(self, summary: VideoSummary, output_dir: str | os.PathLike, write_video: bool = True, progress: bool = False) -> dict[str, Path]:
        """Write ``DIR/IN.mp4`` (unless ``write_video`` is False), ``DIR/IN.json`` and ``DIR/IN.png``."""
        total = summary.segments[-1].end_frame + 1 if summary.segments and write_video else 0
        with tqdm(total=total, desc="summary video", unit="frame", leave=False, disable=not progress or not total) as bar:
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
    ) -> VideoSummary:
        """Summarize one video file; with ``output_dir``, also write its summary video, JSON and plot.

        With ``progress``, a bar per video shows the stage, and the long stages (decoding with feature
        extraction, writing the summary video) have a bar of their own.
        """
        stages = ["features", "scores", "shots + keyshots"] + (["outputs"] if output_dir is not None else [])
        with tqdm(total=len(stages), desc=Path(video).name, unit="stage", disable=not progress) as bar:
            bar.set_postfix_str(stages[0])
            features, info = self.extract_features(video, progress=progress)
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
    parser = argparse.ArgumentParser(
        prog="pglsum summarize",
        description="Summarize video files with a PGL-SUM model: for each INPUT `IN.ext`, write DIR/IN.mp4 "
        "(the selected shots), DIR/IN.json (segments, shots, picks, scores) and DIR/IN.png (importance plot).",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="video files (anything ffmpeg reads)")
    parser.add_argument("--model", required=True, help="PGL-SUM model: a local folder or a Hub id")
    parser.add_argument("--output_dir", required=True, help="folder for the outputs (created if missing)")
    parser.add_argument(
        "--feature_weights",
        default=None,
        help="GoogLeNet weights: a local state dict (e.g. googlenet-1378be20.pth), or `random` for tests/demos "
        "(SYNTHETIC, marked in every output); default: torchvision's ImageNet weights (cache or download)",
    )
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help="summary length as a fraction of the video (default 0.15)")
    parser.add_argument("--max_seconds", type=float, default=None, help="summary length in seconds (replaces --budget)")
    parser.add_argument("--sample_rate", type=int, default=DEFAULT_SAMPLE_RATE, help="keep every N-th frame (default 15)")
    parser.add_argument("--kts_vmax", type=float, default=None, help="KTS penalty weight (default 1.0; 0.05 with random weights)")
    parser.add_argument("--max_change_points", type=int, default=None, help="most shot boundaries KTS considers (default: no limit)")
    parser.add_argument("--no_video", action="store_true", help="write only the JSON and the plot")
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    return parser


def _check_inputs(inputs: list[str], output_dir: str) -> None:
    """Fail before loading anything when an input is missing or two inputs would write the same outputs."""
    seen: dict[Path, str] = {}
    for video in inputs:
        if not Path(video).exists():
            raise FileNotFoundError(f"video file not found: {video}")
        target = output_paths(video, output_dir)["json"].resolve()
        if target in seen:
            raise ValueError(f"{video} and {seen[target]} would both write {target}; summarize them into different --output_dir")
        seen[target] = video


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        _check_inputs(args.inputs, args.output_dir)
        summarizer = VideoSummarizer.from_pretrained(
            args.model,
            feature_weights=args.feature_weights,
            device=args.device,
            sample_rate=args.sample_rate,
            kts_vmax=args.kts_vmax,
            max_change_points=args.max_change_points,
        )
    except (OSError, ValueError, RuntimeError) as error:
        print(f"pglsum summarize: {error}", file=sys.stderr)
        return 1
    if args.feature_weights == RANDOM_WEIGHTS:
        print(f"NOTE: {RANDOM_FEATURES_NOTE}", file=sys.stderr)
    failures = 0
    for video in tqdm(args.inputs, desc="videos", unit="video", disable=len(args.inputs) == 1):
        try:
            summary = summarizer(
                video, output_dir=args.output_dir, budget=args.budget, max_seconds=args.max_seconds, write_video=not args.no_video
            )
        except (OSError, ValueError, RuntimeError) as error:
            print(f"pglsum summarize: {error}", file=sys.stderr)
            failures += 1
            continue
        info = summary.info
        print(
            f"{video}: {info.n_frames} frames, {info.duration:.1f} s, {len(summary.shots)} shots -> "
            f"{len(summary.segments)} selected, {summary.summary_frames} frames, {summary.summary_duration:.1f} s"
        )
        for kind, path in summary.outputs.items():
            print(f"  {kind:<5} {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
