"""The card of a trained model: the training results, the data it names and a model-index."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from ..atomic import reporting_disk_full
from ..cards import load_template
from ..data.origin import DataOrigin
from ..model_card import model_card, save_card

if TYPE_CHECKING:
    from huggingface_hub import EvalResult

    from .run import TrainingResult

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


def write_trained_card(result: TrainingResult, repo_id: str | None = None) -> Path:
    """Write the card of a trained model into its folder (``README.md``), after ``train`` saved the model there.

    ``repo_id`` is the Hub id the folder will be pushed to: the card's title, model-index and usage name it
    (else the folder's name). The card describes what the run's own folder holds, so it replaces the one there.
    """
    output_dir = Path(result.output_dir)
    card = model_card(
        result.model,
        repo_id or output_dir.resolve().name,
        weights=training_section(result.summary),
        data=origin_of(result.summary),
        base_model=result.summary.get("base_model"),
        eval_results=eval_results(result.summary),
    )
    path = output_dir / "README.md"
    with reporting_disk_full(path):
        save_card(card, output_dir, overwrite=True)
    return path
