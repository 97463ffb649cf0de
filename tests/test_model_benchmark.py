"""`pglsum benchmark model` measures each length in its own process and saves what it prints."""

from __future__ import annotations

import json

from pglsum_hf import cli


def test_benchmark_reports_time_and_peak_memory_per_length(tmp_path, capsys):
    output = tmp_path / "model.json"
    assert (
        cli.main(
            [
                "benchmark",
                "model",
                "--lengths",
                "9,40",
                "--compile_max_length",
                "0",
                "--devices",
                "cpu",
                "--threads",
                "1",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    rows = json.loads(output.read_text())["lengths"]
    assert [(row["length"], row["device"], row["compiled"]) for row in rows] == [(9, "cpu", False), (40, "cpu", False)]
    for row in rows:
        assert row["seconds"] > 0 and row["peak_rss_gb"] > 0.05 and row["finite"]
    printed = capsys.readouterr().out
    assert "peak RSS GB" in printed and f"saved {output}" in printed


def test_a_length_that_runs_out_of_time_is_reported_and_the_rest_go_on(tmp_path, capsys):
    # 0.1 s is less than starting Python with torch takes: every length is stopped, and each is reported as such
    output = tmp_path / "model.json"
    argv = ["benchmark", "model", "--lengths", "9,40", "--compile_max_length", "0", "--devices", "cpu"]
    assert cli.main([*argv, "--run_timeout", "0.1", "--output", str(output)]) == 0
    rows = json.loads(output.read_text())["lengths"]
    assert [row["length"] for row in rows] == [9, 40]
    assert all(row["error"] == "stopped after --run_timeout 0.1 s" for row in rows)
    assert capsys.readouterr().out.count("stopped after --run_timeout 0.1 s") >= 2
