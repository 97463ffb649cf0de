"""The results of all five splits: each split's metrics, their mean, the paper's numbers and a chance baseline.

``pglsum run-splits`` (`pglsum_hf.commands.run_splits`) trains split ``k`` into ``<output_dir>/split_<k>``; this
module turns the runs' ``metrics.json`` into the table (``results.md`` / ``results.json``): per split and on
average the loss-selected and best-epoch F-scores, rank correlations where the data has them, and the F-score of
random scores on the same test videos, so that "better than chance" can be read off directly.

``--paper_protocol table3`` trains one video per update (``--batch_size 1``) and compares the best test epoch with
the paper's Table III only (that figure peeks at the test set); ``--paper_protocol table4`` keeps the full-batch
default and compares the loss-selected epoch with Table IV only. Without it both figures stand beside both columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..data.origin import data_origin
from ..evaluation.paper_tables import PAPER_F_SCORES as PAPER_TABLE_F_SCORES
from ..evaluation.paper_tables import TABLE_TITLES
from .arguments import dataset_family

# The marker file `pglsum run-splits` writes into its --output_dir (a folder it may resume in).
RUN_SPLITS_MARKER = ".pglsum_run_splits.json"
RESULTS_FILE = "results.json"  # written last: a folder without it holds runs that did not finish
# PGL-SUM's published F-scores (ISM 2021): with the loss-based model selection, and at the best test
# epoch ("maximum learning capacity", the figure the authors' repository also reports).
PAPER_F_SCORES = {
    family: {"selected": PAPER_TABLE_F_SCORES["table4"][family], "best": PAPER_TABLE_F_SCORES["table3"][family]}
    for family in ("summe", "tvsum")
}
# What each table's protocol compares: its column of the results and the `pglsum train` options it sets.
PROTOCOL_COLUMNS = {"table3": "best", "table4": "selected"}
PROTOCOL_TRAIN_OPTIONS = {"table3": ["--batch_size", "1"], "table4": []}
PAPER_PROTOCOLS = tuple(PROTOCOL_COLUMNS)
# Rank correlations of the loss-selected model and their column titles: against each user's scores (Otani et al.)
# where the data has raw user scores (TVSum), else against the gtscore curve (not comparable with the former).
RANK_COLUMNS = {"kendall_tau": "Kendall tau", "spearman_rho": "Spearman rho"}
GTSCORE_RANK_COLUMNS = {
    "kendall_tau_gtscore": "Kendall tau vs gtscore",
    "spearman_rho_gtscore": "Spearman rho vs gtscore",
}


def split_random_baseline(dataset: str, split: int, splits_file: str | None, eval_method: str, trials: int) -> float:
    """Mean F-score of uniformly random frame scores on the split's test videos, over ``trials`` draws."""
    from ..data.collator import VideoCollator
    from ..data.loading import load_split
    from ..evaluation.baselines import random_baseline

    test = load_split(dataset, split, splits=splits_file, show_progress=False)["test"]
    references = VideoCollator(reference_features=False)([test[i] for i in range(len(test))])["references"]
    return random_baseline(references, eval_method=eval_method, trials=trials, seed=split)


def describe_data(dataset: str) -> str:
    origin = data_origin(dataset)  # synthetic as the data marks itself, whatever its name
    if origin.synthetic:
        return (
            f"Data: {origin.name}, SYNTHETIC features and annotations (`pglsum make-synthetic`); the paper's numbers are on the real "
            "benchmark and are shown for reference only, not as a comparison."
        )
    return f"Data: {dataset}."


def results_table(
    dataset: str,
    output_dir: Path,
    splits: list[int],
    random_f: dict[int, float],
    data_note: str,
    protocol: str | None = None,
) -> dict[str, Any]:
    """Collect each split's ``metrics.json`` into the table's rows and their mean."""

    rows = []
    for split in splits:
        metrics = json.loads((output_dir / f"split_{split}" / "metrics.json").read_text())
        selected = metrics["selected_metrics"]
        rows.append(
            {
                "split": split,
                "selected_epoch": metrics["selected_epoch"],
                "selected_f_score": metrics["selected_f_score"],
                "best_epoch": metrics["best_epoch"],
                "best_f_score": metrics["best_f_score"],
                **{name: selected[name] for name in (*RANK_COLUMNS, *GTSCORE_RANK_COLUMNS) if name in selected},
                "random_f_score": random_f[split],
            }
        )
    numeric = [key for key in rows[0] if key not in ("split", "selected_epoch", "best_epoch")]
    mean = {key: float(np.mean([row[key] for row in rows])) for key in numeric}
    family = dataset_family(dataset)
    return {
        "dataset": dataset,
        "data_note": data_note,
        "splits": rows,
        "mean": mean,
        "paper": PAPER_F_SCORES.get(family),
        "paper_protocol": protocol,
        "margin_over_random": mean["selected_f_score"] - mean["random_f_score"],
    }


def markdown_table(results: dict[str, Any]) -> str:
    mean = results["mean"]
    columns = RANK_COLUMNS if any(name in mean for name in RANK_COLUMNS) else GTSCORE_RANK_COLUMNS
    rank = [name for name in columns if name in mean]
    header = ["split", "F-score, loss-selected (epoch)", "F-score, best test epoch (epoch)", *(columns[name] for name in rank),
              "random scores F-score"]  # fmt: skip
    lines = [f"# PGL-SUM results: {Path(results['dataset']).name}", "", results["data_note"], ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in results["splits"]:
        cells = [
            str(row["split"]),
            f"{row['selected_f_score']:.1f} ({row['selected_epoch']})",
            f"{row['best_f_score']:.1f} ({row['best_epoch']})",
        ]
        cells += [f"{row[name]:.3f}" for name in rank] + [f"{row['random_f_score']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**mean**", f"**{mean['selected_f_score']:.1f}**", f"**{mean['best_f_score']:.1f}**"]
    cells += [f"**{mean[name]:.3f}**" for name in rank] + [f"**{mean['random_f_score']:.1f}**"]
    lines.append("| " + " | ".join(cells) + " |")
    protocol = results.get("paper_protocol")
    if results["paper"]:
        paper = dict(results["paper"])
        title = "paper (PGL-SUM, ISM 2021)"
        if protocol:  # only the figure of the table whose recipe was run
            kept = PROTOCOL_COLUMNS[protocol]
            paper = {column: paper[column] if column == kept else None for column in ("selected", "best")}
            title = f"paper, {TABLE_TITLES[protocol]} (PGL-SUM, ISM 2021)"
        lines.append(
            f"| {title} | "
            + " | ".join(
                f"{paper[column]:.1f}" if paper[column] is not None else "–" for column in ("selected", "best")
            )
            + " | "
            + " | ".join("–" for _ in rank)
            + (" | " if rank else "")
            + "– |"
        )
    lines += [
        "",
        "Loss-selected: the epoch PGL-SUM's criterion picks from the training loss alone (the released model). "
        "Best test epoch: the highest test F-score over all epochs, i.e. the model's maximum learning capacity "
        "(most papers report this; it peeks at the test split, so it is not a model selection).",
        f"Margin of the loss-selected mean over random scores: {results['margin_over_random']:+.1f} F-score points.",
    ]
    if protocol == "table3":
        lines.append(
            "Protocol: the paper's Table III (one video per update; the best test epoch, which PEEKS AT THE TEST SET: "
            "compare the best-test-epoch column with it, not the loss-selected one)."
        )
    elif protocol == "table4":
        lines.append(
            "Protocol: the paper's Table IV (full-batch; the epoch picked from the training loss: compare the "
            "loss-selected column with it)."
        )
    if "wall_seconds" in results:
        lines.append(f"Wall time: {results['wall_seconds'] / 60:.1f} min for {len(results['splits'])} splits.")
    return "\n".join(lines) + "\n"
