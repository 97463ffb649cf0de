"""Per-epoch records of a training run written as JSON, CSV and a PNG of loss and F-score."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

from ..atomic import write_atomic, write_json
from ..dependencies import is_installed, require

logger = logging.getLogger(__name__)

CURVES_NAME = "training_curves.png"
# Metric results that are one number per evaluation (the per-video lists stay out of the logs).
SCALAR_METRICS = ("f_score", "kendall_tau", "spearman_rho", "kendall_tau_gtscore", "spearman_rho_gtscore", "diversity")

METRICS_FILE = "metrics.json"  # written when a run completes


def write_metrics(output_dir: str | Path, summary: dict[str, Any], history: list[dict[str, Any]]) -> tuple[Path, Path]:
    """``metrics.json`` (the summary plus every epoch) and ``metrics.csv`` (one row per epoch)."""
    output_dir = Path(output_dir)
    json_path = write_json(output_dir / METRICS_FILE, {**summary, "epochs": history})
    columns = list(dict.fromkeys(key for record in history for key in record))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    return json_path, write_atomic(output_dir / "metrics.csv", buffer.getvalue())


def plan_reporting(report_to: str) -> tuple[str | None, list[str]]:
    """Accelerate's ``log_with`` for ``report_to``, and one line per optional output this environment cannot write.

    Decided before the run starts; the run goes on without those outputs and says so after its work, so a missing
    extra never fails a finished training. A tracker that is not installed is left out here (Accelerate would
    drop it with a warning of its own); a name Accelerate does not know is passed on for it to refuse.
    """
    from accelerate.tracking import get_available_trackers
    from accelerate.utils import LoggerType

    notes = []
    if not is_installed("matplotlib"):
        notes.append(f"{CURVES_NAME} not written: matplotlib is not installed (pip install 'pglsum-hf[train]')")
    log_with = None if report_to == "none" else report_to
    known = report_to in LoggerType.list() and report_to != "all"
    if known and report_to not in {str(tracker) for tracker in get_available_trackers()}:
        install = "'pglsum-hf[train]'" if report_to == "tensorboard" else report_to
        notes.append(f"no {report_to} logs written: {report_to} is not installed (pip install {install})")
        log_with = None
    return log_with, notes


def report_skipped(notes: list[str]) -> None:
    """Say, after the work, which optional outputs :func:`plan_reporting` left out: one warning line each."""
    for note in notes:
        logger.warning(note)


def plot_training_curves(
    path: str | Path,
    history: list[dict[str, Any]],
    initial_f_score: float | None,
    selected_epoch: int,
    best_epoch: int,
    title: str,
) -> Path:
    """PNG: training loss (left axis) and test F-score (right axis) per epoch, selected and best epochs marked."""
    matplotlib = require("matplotlib", extra="train", purpose="the training-curve plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [record["epoch"] for record in history]
    fig, loss_axis = plt.subplots(figsize=(8, 4.5), dpi=120)
    loss_axis.plot(epochs, [record["loss"] for record in history], color="tab:blue", label="training loss (mean MSE)")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_ylabel("training loss", color="tab:blue")
    f_axis = loss_axis.twinx()
    f_epochs, f_values = epochs, [record["f_score"] for record in history]
    if initial_f_score is not None:  # the evaluation before training, drawn at epoch -1
        f_epochs, f_values = [-1, *f_epochs], [initial_f_score, *f_values]
    f_axis.plot(f_epochs, f_values, color="tab:orange", label="test F-score (%)")
    f_axis.set_ylabel("test F-score (%)", color="tab:orange")
    loss_axis.axvline(selected_epoch, color="tab:green", linestyle="--", label=f"loss-selected epoch {selected_epoch}")
    f_axis.scatter(
        [best_epoch],
        [history[best_epoch]["f_score"]],
        color="tab:red",
        zorder=3,
        label=f"best test epoch {best_epoch}",
    )
    handles = [h for axis in (loss_axis, f_axis) for h in axis.get_legend_handles_labels()[0]]
    loss_axis.legend(handles=handles, loc="lower right", fontsize="small")
    loss_axis.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return write_atomic(path, buffer.getvalue())
