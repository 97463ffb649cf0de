"""Convert the authors' whole release into Hub-ready folders, optionally scored on the data and pushed.

    DIR/pglsum-summe-table3/README.md           the table/dataset card (see `release_card`)
    DIR/pglsum-summe-table3/split_0/ ... split_4/   one complete model folder per split
    ... pglsum-tvsum-table3, pglsum-summe-table4, pglsum-tvsum-table4
    DIR/results.md, DIR/results.json            with --evaluate_on: each split's F-score beside the paper's figure

Every checkpoint is read and checked, and every evaluation run, before anything is written; the folder is built under
a temporary name and moved into place (`atomic_directory`), so a failure leaves nothing that looks complete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_directory, check_output_dir, write_atomic, write_json
from .errors import OptionError
from .original_release import Release, read_release
from .paper_tables import DATASET_NAMES, PAPER_F_SCORES, TABLE_TITLES


@dataclass
class ReleaseConversion:
    release: Release
    output_dir: Path
    evaluations: dict[str, list[Any]]  # table/dataset folder -> its splits' SplitEvaluation
    pushed: dict[str, str]  # table/dataset folder -> Hub repository id


def parse_evaluate_on(values: list[str] | None) -> dict[str, str]:
    """``["summe=PATH", "tvsum=PATH"]`` -> ``{"summe": PATH, ...}``; anything else is an `OptionError`."""
    data = {}
    for value in values or []:
        dataset, _, path = value.partition("=")
        if dataset.lower() not in DATASET_NAMES or not path:
            raise OptionError("--evaluate_on", f"expected summe=DATA or tvsum=DATA (an h5, a dataset folder or a Hub id), found {value!r}")  # fmt: skip
        if dataset.lower() in data:
            raise OptionError("--evaluate_on", f"{dataset.lower()} is given twice")
        data[dataset.lower()] = path
    return data


def _is_synthetic(data: str) -> bool:
    """What the data says of itself (an h5 attribute, a dataset card's tag), never its name."""
    from .data.origin import data_origin

    return data_origin(data).synthetic


def evaluate_release(release: Release, evaluate_on: Mapping[str, str]) -> dict[str, list[Any]]:
    """Score every split model of the datasets in ``evaluate_on`` on its split's test videos (original protocol),
    printing the original script's line per split and each table's mean beside the paper's figure."""
    from .evaluation.on_split import evaluate_videos, load_test_videos
    from .metrics.video_summarization.fscore import DATASET_EVAL_METHODS

    evaluations: dict[str, list[Any]] = {}
    test_videos: dict[tuple[str, int], list[dict[str, Any]]] = {}  # both tables score the same test videos
    for folder, models in release.groups().items():
        dataset, table = models[0].dataset, models[0].table
        if dataset not in evaluate_on:
            continue
        print(
            f"{folder}: the {DATASET_NAMES[dataset]} models of {TABLE_TITLES[table]} on {evaluate_on[dataset]}",
            flush=True,
        )
        results = []
        for model in models:
            key = (dataset, model.split)
            if key not in test_videos:
                test_videos[key] = load_test_videos(evaluate_on[dataset], model.split)
            result = evaluate_videos(
                model.model, test_videos[key], evaluate_on[dataset], model.split, DATASET_EVAL_METHODS[dataset]
            )
            print(f"  {result.original_line()}", flush=True)
            results.append(result)
        mean = sum(result.f_score for result in results) / len(results)
        paper = PAPER_F_SCORES[table][dataset]
        print(f"  mean over {len(results)} splits: {mean:.2f} (paper, {TABLE_TITLES[table]}: {paper})")
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


def convert_release(
    release_path: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    overwrite: bool = False,
    evaluate_on: Mapping[str, str] | None = None,
    push_to_hub: str | None = None,
    private: bool | None = None,
    token: str | None = None,
    overwrite_card: bool = False,
) -> ReleaseConversion:
    """Convert the release at ``release_path`` (zip or unzipped folder) into ``output_dir``.

    Args:
        evaluate_on: ``{"summe": DATA, "tvsum": DATA}`` (either or both): score each split model on its split and put
            the figures into the cards and ``results.md``.
        push_to_hub: a Hub owner (user or organization): each table/dataset folder becomes ``OWNER/<folder>``, its
            split folders uploaded as they are; a README.md already in such a repository stays unless ``overwrite_card``.
    """
    evaluate_on = dict(evaluate_on or {})
    if push_to_hub is not None and (not push_to_hub or "/" in push_to_hub):
        raise OptionError(
            "--push_to_hub",
            f"for a whole release, give the owner (user or organization) of the four repositories "
            f"(OWNER/pglsum-summe-table4 ...), found {push_to_hub!r}",
        )
    check_output_dir(output_dir, overwrite=overwrite, inputs=[release_path, *evaluate_on.values()])
    release = read_release(release_path)
    for name in release.ignored:
        print(f"ignored (not a checkpoint of the release): {name}")
    evaluations = evaluate_release(release, evaluate_on)
    owner = push_to_hub
    with atomic_directory(output_dir, overwrite=overwrite, inputs=[release_path, *evaluate_on.values()]) as staging:
        _write(release, staging, evaluations, evaluate_on, owner)
    output_dir = Path(output_dir)
    pushed = {}
    if push_to_hub:
        from .hub import keeps_hub_card, upload_folder

        for folder in release.groups():
            repo_id = f"{owner}/{folder}"
            keep_card = keeps_hub_card(repo_id, overwrite_card=overwrite_card, token=token)
            upload_folder(output_dir / folder, repo_id, token=token, private=private,
                          commit_message=f"Convert the authors' {folder} models",
                          ignore_patterns=["README.md"] if keep_card else None)  # fmt: skip
            pushed[folder] = repo_id
    return ReleaseConversion(release, output_dir, evaluations, pushed)


def _write(
    release: Release,
    staging: Path,
    evaluations: dict[str, list[Any]],
    evaluate_on: Mapping[str, str],
    owner: str | None,
) -> None:
    from transformers.utils import logging as transformers_logging

    from .data.origin import data_origin
    from .model_card import save_card
    from .model_folder import save_model_files
    from .release_card import release_card, split_card

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
