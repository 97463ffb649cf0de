"""After the loop: the released model's folder, the metrics and the training curves.

The model card is not written here: it names the Hub repository the folder goes to, which the caller knows
(``pglsum train`` writes it with `pglsum_hf.training.card.write_trained_card` once the model is saved).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import reporting_disk_full
from ..dependencies import is_installed
from ..model_folder import save_model_files
from .output_dir import finish_run_output_dir
from .reporting import CURVES_NAME, SCALAR_METRICS, plot_training_curves, report_skipped, write_metrics
from .run import Run, TrainingResult


def save_released_model(model: Any, output_dir: str | Path) -> Path:
    """Save ``model`` into ``output_dir`` (config.json, model.safetensors, code).

    The files are first written into a temporary folder beside the ones they replace, then moved in file by file,
    so ``output_dir`` never holds a half-saved model.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=output_dir))
    try:
        save_model_files(model, staging)
        for path in staging.iterdir():
            os.replace(path, output_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def write_outputs(run: Run) -> TrainingResult:
    """Load the selected epoch's weights, write the Hub-ready model files, metrics and plot."""
    args, accelerator, history = run.args, run.accelerator, run.state.history
    selected = run.selection.selected_epoch()
    f_scores = [record["f_score"] for record in history]
    best = int(np.argmax(f_scores))
    model = accelerator.unwrap_model(run.model)
    model.load_state_dict(run.selection.selected_state())
    hyperparameters = {key: run.record[key] for key in run.record if key not in ("dataset",)}
    summary = {
        "dataset": args.dataset,
        "data": asdict(run.data),
        "split_index": args.split_index,
        "eval_method": args.eval_method,
        "n_epochs": len(history),
        "selected_epoch": selected,
        "selected_f_score": f_scores[selected],
        "selected_metrics": {k: v for k, v in history[selected].items() if k in SCALAR_METRICS},
        "best_epoch": best,
        "best_f_score": f_scores[best],
        "before_training": run.state.initial,
        "base_model": args.model_name_or_path,
        "hyperparameters": hyperparameters,
    }
    if accelerator.is_main_process:
        with reporting_disk_full(run.output_dir / "model.safetensors"):
            save_released_model(model, run.output_dir)
        write_metrics(run.output_dir, summary, history)
        if is_installed("matplotlib"):  # else run.skipped says, after the work, that the plot was left out
            plot_training_curves(
                run.output_dir / CURVES_NAME, history, (run.state.initial or {}).get("f_score"), selected, best,
                f"PGL-SUM on {run.data.name}{' (SYNTHETIC)' if run.data.synthetic else ''}, split {args.split_index}",
            )  # fmt: skip
        finish_run_output_dir(run.replaced)
        report_skipped(run.skipped)
    accelerator.wait_for_everyone()
    return TrainingResult(
        run.output_dir, model, selected, f_scores[selected], best, f_scores[best], history, run.state.initial, summary
    )
