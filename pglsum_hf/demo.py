"""``pglsum demo``: the whole library, offline, on data it makes itself (everything SYNTHETIC is named so).

1. make a SYNTHETIC SumMe-shaped feature file (standard h5 layout) and its 5 splits;
2. convert it into a ``datasets`` repository folder (``split_0``..``split_4`` and ``all`` configs);
3. train PGL-SUM on ``split_0`` for a short schedule with the paper's recipe (Accelerate, loss-based selection);
4. evaluate the released model with the ``evaluate`` metric, next to random scores;
5. the Hub-ready model folder (config.json, model.safetensors, README.md card) is reloaded with ``AutoModel``;
6. make a short SYNTHETIC video of distinct scenes and summarize it: summary video, JSON and plot.

Only the demo's short schedule (``--n_epochs``) differs from the paper's 200 epochs; ``pglsum train`` runs the
full recipe.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

DEFAULT_OUTPUT_DIR = "pglsum_demo_output"
DEFAULT_EPOCHS = 30
# Uneven scenes, so that some fit the 15% budget (a knapsack cannot take part of a shot).
SCENE_SECONDS = (4, 1.5, 3, 2, 5, 1, 2.5, 3.5, 2, 4, 1.5)


def _step(number: int, text: str) -> None:
    print(f"\n[{number}/6] {text}", flush=True)


def run_demo(output_dir: str | Path = DEFAULT_OUTPUT_DIR, n_epochs: int = DEFAULT_EPOCHS, seed: int = 0) -> dict:
    """Run the six steps above into ``output_dir`` and return the figures and paths it printed."""
    import evaluate
    import torch
    from transformers import AutoModel

    from .data.collator import VideoCollator
    from .data.convert import convert_h5_to_dataset
    from .data.loading import load_split
    from .data.synthetic import make_synthetic_h5, write_synthetic_splits
    from .evaluation import METRIC_PATH, random_baseline
    from .training import train
    from .video import GoogLeNetFeatures, VideoSummarizer, make_synthetic_video

    start = time.perf_counter()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)

    _step(1, "SYNTHETIC SumMe-shaped data (25 videos with the real SumMe frame counts; not real features)")
    h5_path = make_synthetic_h5(out / "synthetic_summe.h5", "summe", seed=seed)
    splits_path = write_synthetic_splits(h5_path, "summe", seed=seed)
    print(f"  {h5_path}\n  {splits_path}")

    _step(2, "convert to a datasets repository (configs split_0..split_4 and all)")
    dataset_dir = convert_h5_to_dataset(h5_path, splits_path, out / "synthetic_summe_dataset", overwrite=True)
    test = load_split(str(dataset_dir), 0)["test"]
    print(f"  {dataset_dir}  (load_dataset({str(dataset_dir)!r}, 'split_0'))")

    _step(3, f"train split_0 for {n_epochs} epochs (a short schedule; the paper trains 200) with Accelerate")
    result = train(
        dataset=str(dataset_dir), split_index=0, n_epochs=n_epochs, output_dir=str(out / "model"), seed=seed + 12345
    )
    print(f"  released: epoch {result.selected_epoch} (selected from the training loss, as the paper does)")

    _step(4, "evaluate on the 5 test videos of split_0 with the evaluate metric (SumMe protocol: max over users)")
    batch = VideoCollator()([test[i] for i in range(len(test))])
    model = AutoModel.from_pretrained(result.output_dir).eval()
    with torch.inference_mode():
        scores = model(batch["features"], attention_mask=batch["attention_mask"]).scores
    predictions = [row[: int(n)].numpy() for row, n in zip(scores, batch["attention_mask"].sum(dim=1))]
    metric = evaluate.load(METRIC_PATH)
    f_score = metric.compute(predictions=predictions, references=batch["references"], eval_method="max")["f_score"]
    baseline = random_baseline(batch["references"], eval_method="max", seed=seed)
    print(f"  PGL-SUM F-score {f_score:.2f}   random scores {baseline:.2f}   (SYNTHETIC data)")

    _step(5, "the Hub-ready model folder, reloaded with AutoModel.from_pretrained")
    trained = result.model.eval()
    with torch.inference_mode():
        difference = (trained(batch["features"], attention_mask=batch["attention_mask"]).scores - scores).abs().max().item()
    print(f"  {result.output_dir}: {', '.join(sorted(p.name for p in result.output_dir.iterdir() if p.is_file()))}")
    print(f"  AutoModel gives {type(model).__name__}; max |score difference| to the trained model: {difference:.1e}")

    _step(6, f"summarize a SYNTHETIC {sum(SCENE_SECONDS):.0f} s video of {len(SCENE_SECONDS)} distinct scenes (random GoogLeNet weights: the path, not the quality)")
    video = make_synthetic_video(out / "synthetic_scenes.mp4", scene_seconds=SCENE_SECONDS, width=320, height=180, fps=30, audio=True, seed=seed)
    summarizer = VideoSummarizer(model, GoogLeNetFeatures("random"), model_name=str(result.output_dir))
    summary = summarizer(video.path, output_dir=out / "summary")
    for segment in summary.segments:
        print(f"  frames {segment.start_frame}-{segment.end_frame}  ({segment.start_time:.2f}-{segment.end_time:.2f} s)  score {segment.score:.3g}")

    outputs = {
        "synthetic feature file": h5_path,
        "dataset folder": dataset_dir,
        "model folder (Hub-ready)": result.output_dir,
        "per-epoch metrics": result.output_dir / "metrics.csv",
        "training curves": result.output_dir / "training_curves.png",
        "tensorboard logs": result.output_dir / "logs",
        "synthetic video": video.path,
        **{f"summary {kind}": Path(path) for kind, path in summary.outputs.items()},
    }
    print("\nOutputs (everything here is SYNTHETIC):")
    width = max(len(name) for name in outputs)
    for name, path in outputs.items():
        print(f"  {name:<{width}}  {path}")
    print(
        f"\nTest F-score on SYNTHETIC split_0: PGL-SUM {f_score:.2f} vs random scores {baseline:.2f} "
        f"(paper, real SumMe: 55.6).  Done in {time.perf_counter() - start:.0f} s."
    )
    return {"f_score": f_score, "random_f_score": baseline, "selected_epoch": result.selected_epoch, "outputs": outputs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pglsum demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=DEFAULT_OUTPUT_DIR, help=f"where everything goes (default: {DEFAULT_OUTPUT_DIR})")
    parser.add_argument("--n_epochs", type=int, default=DEFAULT_EPOCHS, help=f"training epochs (default: {DEFAULT_EPOCHS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data and video (default: 0)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    np.set_printoptions(precision=3)
    run_demo(args.output_dir, args.n_epochs, args.seed)
    return 0
