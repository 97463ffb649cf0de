"""``pglsum demo``: the whole loop, offline, on SYNTHETIC videos (everything synthetic is named so).

Each step is a library call; this module runs them in order into one folder, says what each made and plots the
result.

1. make SYNTHETIC videos whose scenes alternate between two visually distinct kinds, light and dark, and
   annotations for them (an ``intervals`` CSV, three made-up annotators) that keep the light scenes: in this
   made-up world, light scenes are what matters (:mod:`pglsum_hf.data.synthetic_scenes`);
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

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_directory, atomic_file, check_output_dir
from ..console import configure_logging
from ..errors import OptionError
from ..options import MAX_SEED, check_int, parse_arguments
from ..video.decode import DEFAULT_SAMPLE_RATE

DEFAULT_OUTPUT_DIR = "pglsum_demo_output"
DEFAULT_EPOCHS = 40
N_TRAIN_VIDEOS = 6
EVAL_METHOD = "avg"  # every annotator counts (TVSum's protocol), the stricter reading for a demo
DESCRIPTION = (
    "The whole loop, offline, on SYNTHETIC videos: make videos whose light scenes are annotated as important, build a "
    "dataset from them with make-dataset, train PGL-SUM on it (the paper's recipe, a short schedule), reload the model "
    "with AutoModel and summarize a held-out video, scored against its annotations beside random scores."
)


@dataclass
class DemoArguments:
    """The options of ``pglsum demo``, checked when built."""

    output_dir: str = field(default=DEFAULT_OUTPUT_DIR, metadata={"help": "where everything goes"})
    n_epochs: int = field(default=DEFAULT_EPOCHS, metadata={"help": "training epochs"})
    seed: int = field(default=0, metadata={"help": "seed of the synthetic videos, annotations and training"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing, non-empty --output_dir"})

    def __post_init__(self) -> None:
        n_epochs = self.n_epochs
        if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
            raise OptionError("--n_epochs", f"expected an integer >= 1, got {n_epochs!r}")
        # The held-out video takes seed + 1 and training seed + 12345: all must stay within numpy's 32 bits.
        check_int("--seed", self.seed, 0, maximum=MAX_SEED - 12345)


def _step(number: int, text: str) -> None:
    print(f"\n[{number}/5] {text}", flush=True)


def plot_preference(path: Path, summary, video, references_mask: np.ndarray) -> Path:
    """PNG: the held-out video's importance curve over its annotated light scenes, with the selected shots."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..data.synthetic_scenes import light_scenes

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
            label=f"selected shots ({summary.budget:.0%} summary)" if number == 0 else None,
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
    arguments = DemoArguments(output_dir=str(output_dir), n_epochs=n_epochs, seed=seed, overwrite=overwrite)
    return run_checked(arguments)


def run_checked(args: DemoArguments) -> dict:
    """:func:`run_demo` with options already checked (built as :class:`DemoArguments`)."""
    final = check_output_dir(args.output_dir, overwrite=args.overwrite)
    # Built beside the final folder and renamed into place once complete: a failed or killed demo leaves nothing
    # under the final name, and an old one (--overwrite) stays until the new one is whole.
    with atomic_directory(final, overwrite=args.overwrite) as building:
        return _run_steps(building, args.n_epochs, args.seed, final)


def _run_steps(out: Path, n_epochs: int, seed: int, final: Path) -> dict:
    import evaluate
    from transformers import AutoModel

    from ..data.feature_extraction import make_extractor
    from ..data.from_videos import build_dataset
    from ..data.synthetic_scenes import N_SCENES, make_videos, write_annotations
    from ..data.video_annotations import interval_mask, read_annotations
    from ..evaluation.baselines import random_baseline
    from ..metrics import METRIC_PATH
    from ..training import train, write_trained_card
    from ..video import VideoSummarizer

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
                          sample_rate=DEFAULT_SAMPLE_RATE, seed=seed)  # fmt: skip
    print(f"  {shown(built.h5)}\n  {shown(built.splits)}\n  {shown(built.dataset_dir)}  (card: how the data was made)")

    _step(3, f"train PGL-SUM on split_0 for {n_epochs} epochs with Accelerate (short schedule; the paper trains 200)")
    result = train(dataset=str(built.dataset_dir), split_index=0, n_epochs=n_epochs, batch_size=1, eval_method=EVAL_METHOD,
                   output_dir=str(out / "model"), seed=seed + 12345, on_saved=write_trained_card)  # fmt: skip
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
    summarizer = VideoSummarizer(
        model, extractor, sample_rate=DEFAULT_SAMPLE_RATE, model_name=str(shown(result.output_dir))
    )
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
    args = parse_arguments(DemoArguments, argv, prog="pglsum demo", description=DESCRIPTION)
    configure_logging(logging.WARNING)
    run_checked(args)
    return 0
