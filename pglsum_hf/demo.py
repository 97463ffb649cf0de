"""``pglsum demo``: the whole loop, offline, on SYNTHETIC videos (everything synthetic is named so).

1. make SYNTHETIC videos whose scenes alternate between two visually distinct kinds, light and dark, and
   annotations for them (an ``intervals`` CSV, three made-up annotators) that keep the light scenes: in this
   made-up world, light scenes are what matters;
2. ``make-dataset`` builds the training benchmark from those videos with the same decoding, GoogLeNet features
   and KTS shots as ``summarize``: ``NAME.h5``, its splits and the ``datasets`` folder;
3. train PGL-SUM on it with the paper's recipe (Accelerate, loss-based selection) for a short schedule;
4. reload the Hub-ready model folder with ``AutoModel``;
5. summarize a HELD-OUT synthetic video (never seen in training) through the same extractor, score its summary
   against its annotations with the ``evaluate`` metric beside random scores, and plot the importance curve
   over the annotated light scenes.

The GoogLeNet is untrained (``random`` weights: nothing can be downloaded offline); its features still tell the
two kinds of scene apart, which is all the model needs to learn the preference. Only the short schedule
(``--n_epochs``) and the group size (one video per step, for the few videos) differ from the paper's recipe.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from .atomic import atomic_directory, atomic_file, check_output_dir
from .console import configure_logging
from .errors import OptionError
from .options import MAX_SEED, CommandParser, check_int

DEFAULT_OUTPUT_DIR = "pglsum_demo_output"
DEFAULT_EPOCHS = 40
N_TRAIN_VIDEOS = 6
N_SCENES = 10  # per video, alternating light (important) and dark
SCENE_SECONDS = (1.5, 2.0, 2.5)
FPS = 30
SAMPLE_RATE = 15  # the benchmarks' 2 fps
WIDTH, HEIGHT = 160, 120
ANNOTATORS = ("annotator_a", "annotator_b", "annotator_c")
EVAL_METHOD = "avg"  # every annotator counts (TVSum's protocol), the stricter reading for a demo


def _step(number: int, text: str) -> None:
    print(f"\n[{number}/5] {text}", flush=True)


def scene_plan(rng: np.random.Generator) -> list[float]:
    """Scene lengths in seconds, drawn alike for both kinds: the knapsack alone cannot tell light from dark."""
    return [float(length) for length in rng.choice(SCENE_SECONDS, size=N_SCENES)]


def make_videos(folder: Path, names: list[str], seed: int) -> dict[str, object]:
    """Write one SYNTHETIC video per name (scenes of :func:`scene_plan`); return ``{name: SyntheticVideo}``."""
    from .video import make_synthetic_video

    rng = np.random.default_rng(seed)
    return {
        name: make_synthetic_video(
            folder / f"{name}.mp4",
            scene_seconds=scene_plan(rng),
            width=WIDTH,
            height=HEIGHT,
            fps=FPS,
            seed=seed * 1000 + i,
        )
        for i, name in enumerate(names)
    }


def light_scenes(video) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of the light scenes (even positions) of a synthetic video."""
    bounds = [start / float(video.fps) for start in video.scene_starts] + [video.duration]
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]


def annotation_rows(name: str, video, rng: np.random.Generator) -> list[str]:
    """Three made-up annotators who keep the light scenes, each in their own (imperfect) way."""
    rows = []
    scenes = light_scenes(video)
    for annotator in ANNOTATORS:
        dropped = int(rng.integers(len(scenes))) if annotator == "annotator_c" else None  # c misses one light scene
        for index, (start, end) in enumerate(scenes):
            if index == dropped:
                continue
            if annotator == "annotator_b":  # b reacts late and stops early
                start, end = start + 0.3, end - 0.2
            rows.append(f"{name},{annotator},{start:.3f},{end:.3f}")
    return rows


def write_annotations(path: Path, videos: dict, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    lines = ["video,user,start_seconds,end_seconds"] + [
        row for name, video in videos.items() for row in annotation_rows(name, video, rng)
    ]
    with atomic_file(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plot_preference(path: Path, summary, video, references_mask: np.ndarray) -> Path:
    """PNG: the held-out video's importance curve over its annotated light scenes, with the selected shots."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    info = summary.info
    times = info.timestamps[info.picks]
    figure = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for number, (start, end) in enumerate(light_scenes(video)):
        axes.axvspan(
            start,
            end,
            color="gold",
            alpha=0.35,
            lw=0,
            label="light scenes (annotated as important)" if number == 0 else None,
        )
    for number, segment in enumerate(summary.segments):
        axes.axvspan(
            segment.start_time,
            segment.end_time,
            ymin=0,
            ymax=0.06,
            color="tab:green",
            lw=0,
            label="selected shots (15% summary)" if number == 0 else None,
        )
    axes.step(
        np.append(times, info.duration),
        np.append(summary.scores, summary.scores[-1]),
        where="post",
        color="tab:blue",
        lw=2,
        label="PGL-SUM importance",
    )
    share = references_mask.mean(axis=0)[info.picks]
    axes.step(
        np.append(times, info.duration),
        np.append(share, share[-1]),
        where="post",
        color="0.4",
        lw=1,
        ls=":",
        label="share of annotators keeping the frame",
    )
    axes.set_xlim(0, info.duration)
    axes.set_ylim(0, 1.05)
    axes.set_xlabel("time (s)")
    axes.set_ylabel("importance")
    axes.set_title(
        f"SYNTHETIC held-out video {info.path.name}: the trained model prefers the light scenes (random GoogLeNet features)",
        fontsize=9,
    )
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    figure.tight_layout()
    with atomic_file(path) as temporary:
        figure.savefig(temporary, format="png")
    return path


def run_demo(
    output_dir: str | Path = DEFAULT_OUTPUT_DIR, n_epochs: int = DEFAULT_EPOCHS, seed: int = 0, overwrite: bool = False
) -> dict:
    """Run the five steps above into ``output_dir`` and return the figures and paths it printed."""
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
        raise OptionError("--n_epochs", f"expected an integer >= 1, got {n_epochs!r}")
    # The held-out video takes seed + 1 and training seed + 12345: all must stay within numpy's 32 bits.
    check_int("--seed", seed, 0, maximum=MAX_SEED - 12345)
    final = check_output_dir(output_dir, overwrite=overwrite)
    # Built beside the final folder and renamed into place once complete: a failed or killed demo leaves nothing
    # under the final name, and an old one (--overwrite) stays until the new one is whole.
    with atomic_directory(final, overwrite=overwrite) as building:
        return _run_steps(building, n_epochs, seed, final)


def _run_steps(out: Path, n_epochs: int, seed: int, final: Path) -> dict:
    import evaluate
    from transformers import AutoModel

    from .data.from_videos import build_dataset, make_extractor
    from .data.video_annotations import interval_mask, read_annotations
    from .evaluation.baselines import random_baseline
    from .metrics import METRIC_PATH
    from .training import train
    from .video import VideoSummarizer

    def shown(path: str | Path) -> Path:  # where a file will be once the folder is in place
        return final / Path(path).relative_to(out)

    start = time.perf_counter()

    _step(
        1,
        f"SYNTHETIC videos: {N_TRAIN_VIDEOS} for training + 1 held out, {N_SCENES} scenes each, light and dark in turn",
    )
    train_names = [f"synthetic_train_{i + 1}" for i in range(N_TRAIN_VIDEOS)]
    videos = make_videos(out / "videos", train_names, seed)
    annotations = write_annotations(out / "videos" / "synthetic_annotations.csv", videos, seed)
    heldout = make_videos(out / "heldout", ["synthetic_heldout"], seed + 1)["synthetic_heldout"]
    heldout_annotations = write_annotations(
        out / "heldout" / "synthetic_heldout_annotations.csv", {"synthetic_heldout": heldout}, seed + 1
    )
    print(
        f"  {shown(out / 'videos')}: {len(videos)} videos of {min(v.duration for v in videos.values()):.0f}-{max(v.duration for v in videos.values()):.0f} s; annotations {annotations.name} (3 made-up annotators keep the light scenes)"
    )
    print(f"  held out: {shown(heldout.path)} ({heldout.duration:.0f} s)")

    _step(2, "make-dataset: decoding, GoogLeNet features (random weights) and KTS shots, as summarize does")
    built = build_dataset([out / "videos"], annotations, "intervals", out / "dataset", name="synthetic_scenes", feature_weights="random",
                          sample_rate=SAMPLE_RATE, seed=seed)  # fmt: skip
    print(f"  {shown(built.h5)}\n  {shown(built.splits)}\n  {shown(built.dataset_dir)}  (card: how the data was made)")

    _step(3, f"train PGL-SUM on split_0 for {n_epochs} epochs with Accelerate (short schedule; the paper trains 200)")
    result = train(dataset=str(built.dataset_dir), split_index=0, n_epochs=n_epochs, batch_size=1, eval_method=EVAL_METHOD,
                   output_dir=str(out / "model"), seed=seed + 12345)  # fmt: skip
    print(f"  released: epoch {result.selected_epoch} (selected from the training loss, as the paper does)")

    _step(4, "the Hub-ready model folder, reloaded with AutoModel.from_pretrained")
    model = AutoModel.from_pretrained(str(result.output_dir)).eval()
    print(
        f"  {shown(result.output_dir)}: {', '.join(sorted(p.name for p in result.output_dir.iterdir() if p.is_file()))}"
    )

    _step(
        5,
        f"summarize the HELD-OUT video {heldout.path.name} with the same extractor, score it against its annotations",
    )
    extractor = make_extractor("random")
    summarizer = VideoSummarizer(model, extractor, sample_rate=SAMPLE_RATE, model_name=str(shown(result.output_dir)))
    summary = summarizer(heldout.path, output_dir=out / "summary", progress=False)
    info = summary.info
    (raw,), _ = read_annotations(heldout_annotations, "intervals")
    mask = interval_mask(raw, heldout.path.name, info.timestamps, info.duration)
    reference = {
        "user_summary": mask.astype(np.int64),
        "change_points": summary.shots,
        "picks": info.picks,
        "n_frames": info.n_frames,
    }
    metric = evaluate.load(METRIC_PATH)
    f_score = metric.compute(predictions=[summary.scores], references=[reference], eval_method=EVAL_METHOD)["f_score"]
    baseline = random_baseline([reference], eval_method=EVAL_METHOD, seed=seed)
    light = mask.any(axis=0)[info.picks]
    plot = plot_preference(out / "summary" / "heldout_importance.png", summary, heldout, mask)
    print(
        f"  mean importance: light scenes {summary.scores[light].mean():.2f}, dark scenes {summary.scores[~light].mean():.2f}"
    )
    for segment in summary.segments:
        print(
            f"  selected frames {segment.start_frame}-{segment.end_frame}  ({segment.start_time:.2f}-{segment.end_time:.2f} s)  score {segment.score:.2f}"
        )

    outputs = {
        "synthetic videos": out / "videos",
        "dataset (h5, splits, datasets folder)": built.h5.parent,
        "model folder (Hub-ready)": result.output_dir,
        "training curves": result.output_dir / "training_curves.png",
        **{f"held-out summary {kind}": Path(path) for kind, path in summary.outputs.items()},
        "held-out importance vs annotations": plot,
    }
    outputs = {name: shown(path) for name, path in outputs.items()}
    print("\nOutputs (everything here is SYNTHETIC):")
    width = max(len(name) for name in outputs)
    for name, path in outputs.items():
        print(f"  {name:<{width}}  {path}")
    print(
        f"\nHeld-out SYNTHETIC video, F-score against its 3 annotators ({EVAL_METHOD}): PGL-SUM {f_score:.1f} vs random scores "
        f"{baseline:.1f}.  Done in {time.perf_counter() - start:.0f} s."
    )
    return {
        "f_score": f_score,
        "random_f_score": baseline,
        "light_score": float(summary.scores[light].mean()),
        "dark_score": float(summary.scores[~light].mean()),
        "selected_epoch": result.selected_epoch,
        "outputs": outputs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser(
        prog="pglsum demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output_dir", default=DEFAULT_OUTPUT_DIR, help=f"where everything goes (default: {DEFAULT_OUTPUT_DIR})"
    )
    parser.add_argument(
        "--n_epochs", type=int, default=DEFAULT_EPOCHS, help=f"training epochs (default: {DEFAULT_EPOCHS})"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the synthetic videos, annotations and training (default: 0)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty --output_dir")
    args = parser.parse_args(argv)
    configure_logging(logging.WARNING)
    run_demo(args.output_dir, args.n_epochs, args.seed, overwrite=args.overwrite)
    return 0
