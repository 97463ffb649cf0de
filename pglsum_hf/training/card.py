"""The trained model's folder: the model card with the training results, the data it names and a model-index."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from ..cards import load_template
from ..data.origin import DataOrigin
from ..model_card import model_card, save_card
from ..model_folder import save_model_files

if TYPE_CHECKING:
    from huggingface_hub import EvalResult

SECTION_TEMPLATE = "training_results.md"


def origin_of(summary: dict[str, Any]) -> DataOrigin:
    """The training data as the run recorded it (``summary["data"]``, from the data's own marks)."""
    return DataOrigin(**summary["data"])


def _number(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def training_section(summary: dict[str, Any]) -> str:
    """The "Weights" section of the card: where the weights come from and how well they do."""
    selected = summary["selected_metrics"]
    rank = [
        f"{name.replace('_', ' ')}: {selected[name]:.3f}"
        for name in ("kendall_tau", "spearman_rho")
        if name in selected
    ]
    hyperparameters = summary["hyperparameters"]
    return Template(load_template(SECTION_TEMPLATE)).substitute(
        dataset_name=_data_name(origin_of(summary)),
        split_index=summary["split_index"],
        n_epochs=summary["n_epochs"],
        batch_size=hyperparameters["batch_size"],
        clip=hyperparameters["clip"],
        selected_f_score=_number(summary["selected_f_score"]),
        selected_epoch=summary["selected_epoch"],
        best_f_score=_number(summary["best_f_score"]),
        best_epoch=summary["best_epoch"],
        initial_f_score=_number((summary.get("before_training") or {}).get("f_score", "–")),
        rank_metrics=f"Rank correlation of the released model with the annotators ({', '.join(rank)})."
        if rank
        else "",
        hyperparameters_table="\n".join(f"| `{key}` | `{value}` |" for key, value in hyperparameters.items()),
    )


def _data_name(origin: DataOrigin) -> str:
    return f"{origin.name} (SYNTHETIC)" if origin.synthetic else origin.name


def _dataset_type(origin: DataOrigin) -> str:
    """The model-index dataset type: the Hub id when there is one, never a local path."""
    if origin.hub_id:
        return origin.hub_id
    if origin.synthetic:
        return "synthetic"
    return origin.benchmark or Path(origin.name).stem


def eval_results(summary: dict[str, Any]) -> list[EvalResult]:
    """The model-index entries: loss-selected F-score (the released model) and, labelled, the best epoch's."""
    from huggingface_hub import EvalResult

    origin = origin_of(summary)
    common = dict(
        task_type="video-summarization",
        task_name="Video summarization",
        dataset_type=_dataset_type(origin),
        dataset_name=_data_name(origin),
        dataset_config=f"split_{summary['split_index']}",
        dataset_split=f"split {summary['split_index']} test",
    )
    results = [
        EvalResult(metric_type="f1", metric_value=round(summary["selected_f_score"], 4),
                   metric_name=f"F-score, loss-selected epoch {summary['selected_epoch']} (released model)", **common),
        EvalResult(metric_type="f1", metric_value=round(summary["best_f_score"], 4),
                   metric_name=f"F-score, best test epoch {summary['best_epoch']} (maximum learning capacity, not a model selection)", **common),
    ]  # fmt: skip
    names = {"kendall_tau": "Kendall's tau", "spearman_rho": "Spearman's rho"}
    results += [
        EvalResult(
            metric_type=metric,
            metric_value=round(value, 4),
            metric_name=f"{names[metric]}, loss-selected epoch",
            **common,
        )
        for metric, value in summary["selected_metrics"].items()
        if metric in names
    ]
    return results


def write_trained_card(model, output_dir: str | Path, summary: dict[str, Any], repo_id: str | None = None) -> Path:
    """Save ``model`` with its card into ``output_dir`` (config.json, model.safetensors, code, README.md).

    ``repo_id`` is the Hub id the folder will be pushed to: the card's title, model-index and usage name it
    (else the folder's name). The folder is first written under a temporary name beside the files it replaces,
    then moved in file by file, so ``output_dir`` never holds a half-saved model.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    card = model_card(
        model,
        repo_id or output_dir.resolve().name,
        weights=training_section(summary),
        data=origin_of(summary),
        base_model=summary.get("base_model"),
        eval_results=eval_results(summary),
    )
    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=output_dir))
    try:
        save_model_files(model, staging)
        save_card(card, staging, overwrite=True)  # the run's own folder: this card describes what it holds
        for path in staging.iterdir():
            os.replace(path, output_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir
