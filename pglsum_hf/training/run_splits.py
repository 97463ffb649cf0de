"""Train all 5 splits of a dataset and write the results table beside the paper's numbers.

    pglsum run-splits --dataset synthetic_summe.h5 --output_dir runs/summe [--num_processes 2] [train options]

Every option that ``pglsum train`` knows (``--n_epochs``, ``--lr``, ...) is passed on to each split's
run; split ``k`` trains into ``<output_dir>/split_<k>``. With ``--num_processes N`` the splits run as N
parallel ``pglsum train`` processes (CPU threads shared out between them), else one after another in
this process. The table (``results.md`` / ``results.json``) gives per split and on average the
loss-selected and best-epoch F-scores, rank correlations where the data has them, and the F-score of
random scores on the same test videos, so that "better than chance" can be read off directly.

``--paper_protocol table3`` trains one video per update (``--batch_size 1``) and compares the best test epoch with
the paper's Table III only (that figure peeks at the test set); ``--paper_protocol table4`` keeps the full-batch
default and compares the loss-selected epoch with Table IV only. Without it both figures stand beside both columns.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import OutputFolderLock, write_atomic, write_json
from ..data.origin import data_origin
from ..errors import OptionError, PGLSumError
from ..evaluation.paper_tables import PAPER_F_SCORES as PAPER_TABLE_F_SCORES
from ..evaluation.paper_tables import TABLE_TITLES
from ..options import CommandParser
from ..paths import local_inputs
from .arguments import DEFAULT_BATCH_SIZE, dataset_family, parse_args
from .output_dir import (
    check_run_output_dir,
    finish_run_output_dir,
    start_run_output_dir,
)

N_SPLITS = 5
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
# Rank correlations of the loss-selected model and their column titles: against each user's scores (Otani et al.)
# where the data has raw user scores (TVSum), else against the gtscore curve (not comparable with the former).
RANK_COLUMNS = {"kendall_tau": "Kendall tau", "spearman_rho": "Spearman rho"}
GTSCORE_RANK_COLUMNS = {
    "kendall_tau_gtscore": "Kendall tau vs gtscore",
    "spearman_rho_gtscore": "Spearman rho vs gtscore",
}


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum run-splits",
        description="Train PGL-SUM on all 5 splits and write a results table; other options go to `pglsum train`.",
    )
    parser.add_argument("--dataset", "--video_type", required=True, help="As for `pglsum train`.")
    parser.add_argument(
        "--output_dir", required=True, help="Split k trains into <output_dir>/split_<k>; the table goes here."
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Replace an existing non-empty --output_dir (removed only once every split succeeded).",
    )
    parser.add_argument(
        "--split_indices", type=int, nargs="+", default=list(range(N_SPLITS)), help="Which splits (default: all 5)."
    )
    parser.add_argument(
        "--num_processes",
        type=int,
        default=1,
        help="Splits trained at once in parallel processes (default 1: in turn).",
    )
    parser.add_argument(
        "--random_trials", type=int, default=100, help="Draws of random scores per split for the chance baseline."
    )
    parser.add_argument(
        "--paper_protocol",
        choices=sorted(PROTOCOL_COLUMNS),
        default=None,
        help="the recipe of one table of the paper, compared with that table's figure only: table3 = one video per "
        "update and the best test epoch (peeks at the test set); table4 = full-batch and the loss-selected epoch",
    )
    parser.add_argument(
        "--data_note",
        default=None,
        help="Line naming the data in the table (default: derived from the dataset name; synthetic data is named as such).",
    )
    return parser


def split_arguments(dataset: str, split: int, output_dir: Path, train_argv: list[str]) -> list[str]:
    return [
        "--dataset",
        dataset,
        "--split_index",
        str(split),
        "--output_dir",
        str(output_dir / f"split_{split}"),
        *train_argv,
    ]


def run_in_turn(dataset: str, splits: list[int], output_dir: Path, train_argv: list[str]) -> None:
    from .train import train

    for split in splits:
        print(f"=== split {split} ===", flush=True)
        train(parse_args(split_arguments(dataset, split, output_dir, train_argv)))


def run_in_parallel(
    dataset: str, splits: list[int], output_dir: Path, train_argv: list[str], num_processes: int
) -> None:
    """``num_processes`` ``pglsum train`` processes at a time, the CPU threads split evenly between them."""
    threads = max(1, (os.cpu_count() or 1) // num_processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    pending, running, failed = list(splits), {}, []
    while pending or running:
        while pending and len(running) < num_processes:
            split = pending.pop(0)
            log_path = output_dir / f"split_{split}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            command = [
                sys.executable,
                "-m",
                "pglsum_hf.training.train",
                *split_arguments(dataset, split, output_dir, train_argv),
            ]
            with open(log_path, "w") as log:
                running[split] = (subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env), log_path)
            print(f"split {split}: started (pid {running[split][0].pid}, log {log_path})", flush=True)
        time.sleep(1.0)
        for split, (process, log_path) in list(running.items()):
            if process.poll() is not None:
                del running[split]
                print(f"split {split}: finished with exit code {process.returncode}", flush=True)
                if process.returncode != 0:
                    failed.append(f"split {split} (exit code {process.returncode}, see {log_path})")
    if failed:
        raise PGLSumError(f"training failed for {', '.join(failed)}")


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, train_argv = parser.parse_known_args(argv)
    output_dir = Path(args.output_dir)
    if args.num_processes < 1:
        raise OptionError("--num_processes", f"must be an integer >= 1, found {args.num_processes}")
    if args.random_trials < 1:
        raise OptionError("--random_trials", f"must be an integer >= 1, found {args.random_trials}")
    bad = [k for k in args.split_indices if not 0 <= k < N_SPLITS]
    if bad or len(set(args.split_indices)) != len(args.split_indices):
        raise OptionError(
            "--split_indices", f"must be distinct values in 0..{N_SPLITS - 1}, found {args.split_indices}"
        )
    if "--overwrite" in train_argv:
        raise OptionError("--overwrite", "belongs to run-splits here (the split folders inside --output_dir are new)")
    if args.paper_protocol == "table3" and any(
        arg.split("=")[0] in ("--batch_size", "--batch-size") for arg in train_argv
    ):
        raise OptionError("--batch_size", "is set by --paper_protocol table3 (one video per update); leave it out")
    train_argv = [*train_argv, *PROTOCOL_TRAIN_OPTIONS.get(args.paper_protocol, [])]
    # Validate the pass-through options once, up front, with split 0 standing in.
    template = parse_args(split_arguments(args.dataset, 0, output_dir, train_argv), prog="pglsum run-splits")
    family = dataset_family(args.dataset)
    if args.paper_protocol == "table4" and family and template.batch_size != DEFAULT_BATCH_SIZE[family]:
        raise OptionError(
            "--batch_size",
            f"--paper_protocol table4 trains full-batch ({DEFAULT_BATCH_SIZE[family]} {family} videos per update), "
            f"found {template.batch_size}; leave it out",
        )
    resuming = template.resume_from_checkpoint == "latest"
    owned = check_run_output_dir(
        output_dir,
        overwrite=args.overwrite,
        inputs=local_inputs(args.dataset, template.model_name_or_path, template.splits),
        resuming=resuming,
        marker=RUN_SPLITS_MARKER,
        finished=RESULTS_FILE,
    )
    from ..data.loading import load_split

    load_split(args.dataset, args.split_indices[0], splits=template.splits)  # a bad dataset stops before any output
    with OutputFolderLock(output_dir):  # held to the end: a second run into the folder stops at once
        replaced = start_run_output_dir(output_dir, owned=owned, marker=RUN_SPLITS_MARKER,
                                        record={"dataset": args.dataset, "train_options": train_argv})  # fmt: skip
        started = time.perf_counter()
        if args.num_processes > 1:
            run_in_parallel(args.dataset, args.split_indices, output_dir, train_argv, args.num_processes)
        else:
            run_in_turn(args.dataset, args.split_indices, output_dir, train_argv)
        wall = time.perf_counter() - started
        random_f = {
            split: split_random_baseline(
                args.dataset, split, template.splits, template.eval_method, args.random_trials
            )
            for split in args.split_indices
        }
        results = results_table(
            args.dataset,
            output_dir,
            args.split_indices,
            random_f,
            args.data_note or describe_data(args.dataset),
            args.paper_protocol,
        )
        results["wall_seconds"] = wall
        results["training_arguments"] = {
            k: v for k, v in template.to_dict().items() if k not in ("split_index", "output_dir")
        }
        write_json(output_dir / RESULTS_FILE, results)
        markdown = markdown_table(results)
        write_atomic(output_dir / "results.md", markdown)
        finish_run_output_dir(replaced)
    print(markdown)
    return 0


__all__ = ["PAPER_F_SCORES", "main", "markdown_table", "results_table", "split_random_baseline"]

if __name__ == "__main__":
    sys.exit(main())
