"""`pglsum run-splits`: all splits trained, then the results table beside the paper's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pglsum_hf.commands.run_splits import main as run_splits_main
from pglsum_hf.data.synthetic import make_synthetic_h5, write_synthetic_splits
from pglsum_hf.errors import OutputExistsError
from pglsum_hf.training.run_splits import markdown_table


def _crafted_results(dataset: str) -> dict:
    rows = [
        {"split": k, "selected_epoch": 20 + k, "selected_f_score": 50.0 + k, "best_epoch": 100 + k, "best_f_score": 55.0 + k,
         "kendall_tau": 0.1, "spearman_rho": 0.2, "random_f_score": 40.0}
        for k in range(5)
    ]  # fmt: skip
    return {
        "dataset": dataset,
        "data_note": "Data: synthetic_summe.h5, SYNTHETIC features",
        "splits": rows,
        "mean": {
            "selected_f_score": 52.0,
            "best_f_score": 57.0,
            "kendall_tau": 0.1,
            "spearman_rho": 0.2,
            "random_f_score": 40.0,
        },
        "paper": {"selected": 55.6, "best": 57.1},
        "margin_over_random": 12.0,
        "wall_seconds": 600.0,
    }


def test_markdown_table_has_splits_mean_paper_and_random_baseline() -> None:
    table = markdown_table(_crafted_results("data/synthetic_summe.h5"))
    lines = table.splitlines()
    assert lines[0] == "# PGL-SUM results: synthetic_summe.h5"
    assert "SYNTHETIC" in table
    assert "| 3 | 53.0 (23) | 58.0 (103) | 0.100 | 0.200 | 40.0 |" in lines
    assert "| **mean** | **52.0** | **57.0** | **0.100** | **0.200** | **40.0** |" in lines
    assert "| paper (PGL-SUM, ISM 2021) | 55.6 | 57.1 | – | – | – |" in lines
    assert "+12.0 F-score points" in table and "10.0 min for 5 splits" in table
    # Every table row has the header's number of cells.
    widths = {line.count("|") for line in lines if line.startswith("|")}
    assert widths == {7}


def test_table_falls_back_to_rank_correlations_against_gtscore() -> None:
    results = _crafted_results("data/synthetic_summe.h5")
    for row in [*results["splits"], results["mean"]]:
        row["kendall_tau_gtscore"], row["spearman_rho_gtscore"] = (
            row.pop("kendall_tau") + 0.5,
            row.pop("spearman_rho") + 0.5,
        )
    lines = markdown_table(results).splitlines()
    assert "| Kendall tau vs gtscore | Spearman rho vs gtscore |" in lines[4]
    assert "| 3 | 53.0 (23) | 58.0 (103) | 0.600 | 0.700 | 40.0 |" in lines
    # with per-user correlations present, those are the ones shown
    for row in [*results["splits"], results["mean"]]:
        row["kendall_tau"], row["spearman_rho"] = 0.1, 0.2
    lines = markdown_table(results).splitlines()
    assert (
        "| Kendall tau | Spearman rho |" in lines[4]
        and "| 3 | 53.0 (23) | 58.0 (103) | 0.100 | 0.200 | 40.0 |" in lines
    )


def test_run_splits_trains_each_split_in_parallel_processes_and_writes_the_table(tmp_path: Path) -> None:
    h5 = make_synthetic_h5(tmp_path / "synthetic_tiny.h5", profile="tiny", seed=0, show_progress=False)
    write_synthetic_splits(h5, profile="tiny", seed=0)
    output_dir = tmp_path / "runs"
    code = run_splits_main([
        "--dataset", str(h5), "--output_dir", str(output_dir), "--split_indices", "0", "1", "--num_processes", "2",
        "--random_trials", "3",
        # passed on to every split's `pglsum train`:
        "--n_epochs", "1", "--batch_size", "2", "--eval_method", "max", "--hidden_size", "64", "--report_to", "none",
    ])  # fmt: skip
    assert code == 0
    results = json.loads((output_dir / "results.json").read_text())
    assert [row["split"] for row in results["splits"]] == [0, 1]
    for row in results["splits"]:
        metrics = json.loads((output_dir / f"split_{row['split']}" / "metrics.json").read_text())
        assert row["selected_f_score"] == metrics["selected_f_score"]
        assert 0.0 <= row["random_f_score"] <= 100.0
    assert results["mean"]["selected_f_score"] == pytest.approx(
        sum(r["selected_f_score"] for r in results["splits"]) / 2
    )
    assert results["paper"] is None  # a tiny file is neither SumMe nor TVSum: no paper row
    assert results["training_arguments"]["n_epochs"] == 1
    table = (output_dir / "results.md").read_text()
    assert "SYNTHETIC" in table and "| **mean** |" in table and "paper" not in table.split("\n\n")[2]
    # the folder is now ours and not empty: a second run is refused without --overwrite, before any training
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        run_splits_main(["--dataset", str(h5), "--output_dir", str(output_dir), "--n_epochs", "1", "--batch_size", "2",
                         "--eval_method", "max"])  # fmt: skip


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--num_processes", "0"], "--num_processes: must be an integer >= 1, got 0"),
        (["--split_indices", "5"], "--split_indices: must be distinct values in 0..4, found [5]"),
        (["--lr", "nan"], "--lr: must be a finite number > 0, got nan"),
    ],
)
def test_bad_values_are_refused_before_any_work(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    from pglsum_hf.cli import main as cli_main

    output_dir = tmp_path / "runs"
    code = cli_main(["run-splits", "--dataset", "synthetic_summe.h5", "--output_dir", str(output_dir), *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == f"pglsum run-splits: {message}"
    assert not output_dir.exists()


def test_a_user_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError):
        run_splits_main(["--dataset", "synthetic_summe.h5", "--output_dir", str(tmp_path)])
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_paper_protocol_compares_with_its_own_table_only() -> None:
    results = _crafted_results("data/synthetic_summe.h5")
    table3 = markdown_table({**results, "paper_protocol": "table3"})
    assert "| paper, Table III (PGL-SUM, ISM 2021) | – | 57.1 | – | – | – |" in table3.splitlines()
    assert "PEEKS AT THE TEST SET" in table3 and "55.6" not in table3
    table4 = markdown_table({**results, "paper_protocol": "table4"})
    assert "| paper, Table IV (PGL-SUM, ISM 2021) | 55.6 | – | – | – | – |" in table4.splitlines()
    assert "57.1" not in table4 and "Table IV (full-batch" in table4


class Stop(Exception):
    pass


def test_paper_protocol_table3_trains_one_video_per_update(tiny_h5, tmp_path, monkeypatch) -> None:
    from pglsum_hf import cli
    from pglsum_hf.commands import run_splits

    seen = {}

    def record(dataset, splits, output_dir, train_argv):
        seen["train_argv"] = train_argv
        raise Stop

    monkeypatch.setattr(run_splits, "run_in_turn", record)
    with pytest.raises(Stop):
        run_splits_main(["--dataset", str(tiny_h5), "--output_dir", str(tmp_path / "t3"), "--paper_protocol", "table3",
                         "--n_epochs", "1", "--eval_method", "max"])  # fmt: skip
    assert seen["train_argv"][-2:] == ["--batch_size", "1"]
    code = cli.main(["run-splits", "--dataset", str(tiny_h5), "--output_dir", str(tmp_path / "t3b"),
                     "--paper_protocol", "table3", "--batch_size", "4"])  # fmt: skip
    assert code == 2 and not (tmp_path / "t3b").exists()


def test_paper_protocol_table4_keeps_the_full_batch(tmp_path, capsys) -> None:
    from pglsum_hf import cli

    code = cli.main(["run-splits", "--dataset", "synthetic_summe.h5", "--output_dir", str(tmp_path / "t4"),
                     "--paper_protocol", "table4", "--batch_size", "1"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and not (tmp_path / "t4").exists()
    assert err == (
        "pglsum run-splits: --batch_size: --paper_protocol table4 trains full-batch (20 summe videos per update), "
        "found 1; leave it out"
    )
