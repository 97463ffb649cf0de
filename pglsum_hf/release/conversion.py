"""The authors' whole release as Hub-ready folders, optionally scored on the data first.

    DIR/pglsum-summe-table3/README.md           the table/dataset card (see :mod:`.card`)
    DIR/pglsum-summe-table3/split_0/ ... split_4/   one complete model folder per split
    ... pglsum-tvsum-table3, pglsum-summe-table4, pglsum-tvsum-table4
    DIR/results.md, DIR/results.json            with --evaluate_on: each split's F-score beside the paper's figure

``pglsum convert-checkpoint`` (:mod:`pglsum_hf.commands.convert_checkpoint`) reads and checks every checkpoint
(:func:`.archive.read_release`) and runs every evaluation (`evaluate_release`) before `write_release` writes anything;
the folder is built under a temporary name and moved into place (`atomic_directory`), so a failure leaves nothing
that looks complete.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..atomic import atomic_directory, write_atomic, write_json
from ..data.origin import data_origin
from ..evaluation.paper_tables import DATASET_NAMES, PAPER_F_SCORES, TABLE_TITLES
from ..metrics import DATASET_EVAL_METHODS
from ..model_card import save_card
from ..model_folder import save_model_files
from .archive import Release
from .card import release_card, split_card


def _is_synthetic(data: str) -> bool:
    """What the data says of itself (an h5 attribute, a dataset card's tag), never its name."""
    return data_origin(data).synthetic


def evaluate_release(
    release: Release, evaluate_on: Mapping[str, str], report: Callable[[str], Any] = lambda line: None
) -> dict[str, list[Any]]:
    """Score every split model of the datasets in ``evaluate_on`` on its split's test videos (original protocol).

    ``report`` gets a line as each result comes: the table/dataset started, the original script's line per split and
    each table's mean beside the paper's figure. Returns each table/dataset folder's `SplitEvaluation` per split.
    """
    from ..evaluation.on_split import evaluate_videos, load_test_videos

    evaluations: dict[str, list[Any]] = {}
    test_videos: dict[tuple[str, int], list[dict[str, Any]]] = {}  # both tables score the same test videos
    for folder, models in release.groups().items():
        dataset, table = models[0].dataset, models[0].table
        if dataset not in evaluate_on:
            continue
        report(f"{folder}: the {DATASET_NAMES[dataset]} models of {TABLE_TITLES[table]} on {evaluate_on[dataset]}")
        results = []
        for model in models:
            key = (dataset, model.split)
            if key not in test_videos:
                test_videos[key] = load_test_videos(evaluate_on[dataset], model.split)
            result = evaluate_videos(
                model.model, test_videos[key], evaluate_on[dataset], model.split, DATASET_EVAL_METHODS[dataset]
            )
            report(f"  {result.original_line()}")
            results.append(result)
        mean = sum(result.f_score for result in results) / len(results)
        paper = PAPER_F_SCORES[table][dataset]
        report(f"  mean over {len(results)} splits: {mean:.2f} (paper, {TABLE_TITLES[table]}: {paper})")
        evaluations[folder] = results
    return evaluations


def results_markdown(evaluations: dict[str, list[Any]], evaluate_on: Mapping[str, str]) -> str:
    lines = ["# The authors' PGL-SUM models, measured", ""]
    for dataset, data in evaluate_on.items():
        note = " **SYNTHETIC data**: these figures say nothing about the models." if _is_synthetic(data) else ""
        lines.append(f"- {DATASET_NAMES[dataset]}: `{data}`.{note}")
    lines += ["", "| models | " + " | ".join(f"split {k}" for k in range(5)) + " | mean | paper |", "|---" * 8 + "|"]
    for folder, results in evaluations.items():
        table, dataset = folder.split("-")[2], folder.split("-")[1]
        mean = sum(result.f_score for result in results) / len(results)
        cells = [f"{result.f_score:.2f}" for result in results]
        lines.append(f"| {folder} | " + " | ".join(cells) + f" | **{mean:.2f}** | {PAPER_F_SCORES[table][dataset]} |")
    lines += [
        "",
        "Each split's model on its split's test videos, scored as the original `inference/inference.py` does "
        "(SumMe: max over users, TVSum: average), mean over the test videos.",
    ]
    return "\n".join(lines) + "\n"


def write_release(
    release: Release,
    output_dir: str | os.PathLike,
    evaluations: dict[str, list[Any]],
    evaluate_on: Mapping[str, str],
    *,
    owner: str | None = None,
    overwrite: bool = False,
) -> None:
    """Write the release's folders, cards and (with ``evaluations``) results into ``output_dir``, all or nothing.

    Args:
        evaluations, evaluate_on: what `evaluate_release` measured, and on which data.
        owner: the Hub owner the folders go to (``OWNER/pglsum-summe-table4`` ...), named in the cards' snippets.
        overwrite: replace an existing non-empty ``output_dir`` (never one that is or holds an input).
    """
    inputs = [release.source, *evaluate_on.values()]
    with atomic_directory(output_dir, overwrite=overwrite, inputs=inputs) as staging:
        _write(release, staging, evaluations, evaluate_on, owner)


def _write(
    release: Release,
    staging: Path,
    evaluations: dict[str, list[Any]],
    evaluate_on: Mapping[str, str],
    owner: str | None,
) -> None:
    from transformers.utils import logging as transformers_logging

    if transformers_logging.is_progress_bar_enabled():  # twenty "Writing model shards" bars say nothing
        transformers_logging.disable_progress_bar()
        try:
            return _write(release, staging, evaluations, evaluate_on, owner)
        finally:
            transformers_logging.enable_progress_bar()
    for folder, models in release.groups().items():
        repo_id = f"{owner}/{folder}" if owner else folder
        for model in models:
            save_card(split_card(model, repo_id), save_model_files(model.model, staging / folder / model.subfolder))
        data = evaluate_on.get(models[0].dataset)
        card = release_card(repo_id, models, evaluations.get(folder), data_origin(data) if data else None)
        save_card(card, staging / folder)
    if evaluations:
        write_atomic(staging / "results.md", results_markdown(evaluations, evaluate_on))
        write_json(
            staging / "results.json",
            {folder: [result.to_json(f"{folder}/split_{result.split_index}") for result in results]
             for folder, results in evaluations.items()},
        )  # fmt: skip
