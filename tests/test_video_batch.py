"""``pglsum summarize`` on many files: folders and globs, failures that do not stop the job, the final table and
report, resuming with --skip_existing, the output-folder rules, option checks before decoding, and two processes.

The videos are tiny SYNTHETIC clips and the GoogLeNet weights random.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from matplotlib.image import imsave

from pglsum_hf import PGLSumConfig, PGLSumModel
from pglsum_hf.cli import run
from pglsum_hf.commands.summarize import main as summarize_main
from pglsum_hf.video import make_synthetic_video


def cli(*argv):
    return run("summarize", lambda: summarize_main([str(arg) for arg in argv]))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model")
    PGLSumModel(PGLSumConfig()).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A folder with three good clips, a PNG renamed .mp4, and a note that is not a video."""
    folder = tmp_path_factory.mktemp("library")
    for number, scenes in enumerate([[1.0, 2.0, 1.5], [2.0, 1.0], [1.5, 1.5, 1.0]]):
        make_synthetic_video(
            folder / f"clip{number}.mp4", scene_seconds=scenes, width=64, height=48, fps=20, seed=number
        )
    imsave(folder / "picture.mp4", np.random.default_rng(0).random((24, 32, 3)), format="png")
    (folder / "notes.txt").write_text("not a video")
    return folder


def _options(model_dir, out, *extra):
    return ["--model", model_dir, "--output_dir", out, "--feature_weights", "random", "--no_video", *extra]


def test_a_folder_with_a_bad_file_is_summarized_and_reported(library, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(library, *_options(model_dir, out)) == 1
    captured = capsys.readouterr()
    assert f"{library / 'picture.mp4'}: not a video: ffmpeg reads this file as a still image" in captured.err
    assert "Traceback" not in captured.err
    table = captured.out[captured.out.index("input ") :]
    # These clips' scenes are all longer than 15% of the clip: their summaries are trimmed windows.
    for name, status in [
        ("clip0.mp4", "trimmed"),
        ("clip1.mp4", "trimmed"),
        ("clip2.mp4", "trimmed"),
        ("picture.mp4", "failed"),
    ]:
        assert any(name in line and f" {status} " in line for line in table.splitlines())
    assert "0 ok, 3 trimmed, 0 skipped, 1 failed of 4 inputs" in table and "notes.txt" not in table

    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"clip{n}.{ext}" for n in range(3) for ext in ("json", "png")] + ["summarize_report.json"]
    )
    report = json.loads((out / "summarize_report.json").read_text())
    assert report["counts"] == {"ok": 0, "trimmed": 3, "skipped": 0, "failed": 1}
    assert [entry["input"] for entry in report["inputs"]] == [
        str(library / n) for n in ("clip0.mp4", "clip1.mp4", "clip2.mp4", "picture.mp4")
    ]

    # Running again is refused before any work (nothing is replaced without asking) ...
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert cli(library, *_options(model_dir, out)) == 1
    assert "already exist(s); pass --overwrite to replace them, or --skip_existing" in capsys.readouterr().err
    # ... --skip_existing resumes: complete inputs are skipped, the failed one is tried again.
    (out / "clip1.json").unlink()  # as if the job had stopped while writing clip1's files
    assert cli(library, *_options(model_dir, out, "--skip_existing")) == 1
    assert "clip1.png (incomplete: an earlier run stopped half way)" in capsys.readouterr().err
    assert cli(library, *_options(model_dir, out, "--skip_existing", "--overwrite")) == 1
    report = json.loads((out / "summarize_report.json").read_text())
    assert [entry["status"] for entry in report["inputs"]] == ["skipped", "trimmed", "skipped", "failed"]
    assert (out / "clip0.json").stat().st_mtime_ns == before["clip0.json"] and (out / "clip1.json").is_file()


def test_globs_and_files_together_and_a_user_file_is_never_replaced(library, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "holiday.txt").write_text("mine")
    assert cli(str(library / "clip[01].mp4"), library / "clip0.mp4", *_options(model_dir, out)) == 0
    captured = capsys.readouterr().out
    assert "0 ok, 2 trimmed, 0 skipped, 0 failed of 2 inputs" in captured
    assert (out / "holiday.txt").read_text() == "mine"
    # --overwrite replaces this job's own outputs only.
    assert cli(library / "clip0.mp4", *_options(model_dir, out, "--overwrite")) == 0
    assert (out / "holiday.txt").read_text() == "mine" and (out / "clip1.json").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kts_vmax", "nan"], "--kts_vmax: must be a finite number > 0, got nan"),
        (["--kts_vmax", "-1"], "--kts_vmax: must be a finite number > 0, got -1.0"),
        (["--max_change_points", "-2"], "--max_change_points: must be >= 1 (omit it for no limit), got -2"),
        (["--max_change_points", "0"], "--max_change_points: must be >= 1 (omit it for no limit), got 0"),
        (["--budget", "0"], "--budget: must be a fraction of the video in (0, 1], got 0.0"),
        (["--max_seconds", "inf"], "--max_seconds: must be a finite number of seconds > 0, got inf"),
        (["--sample_rate", "0"], "--sample_rate: must be a number of frames >= 1, got 0"),
        (["--kts_overlap", "1200"], "--kts_overlap: must be in [0, kts_window) = [0, 1200), got 1200"),
        (["--num_processes", "0"], "--num_processes: must be >= 1, got 0"),
        (["--feature_weights", "missing.pth"], "--feature_weights: missing.pth: file not found"),
    ],
)
def test_bad_options_are_refused_before_anything_is_decoded(extra, message, library, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [library / "clip0.mp4", "--model", model_dir, "--output_dir", out, "--no_video", *extra]
    if "--feature_weights" not in extra:
        argv += ["--feature_weights", "random"]
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pglsum summarize: {message}") and len(err.strip().splitlines()) == 1 and not out.exists()


def test_inputs_are_checked_before_any_work(library, model_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli(tmp_path / "empty_pattern_*.mp4", *_options(model_dir, out)) == 2
    assert "INPUT: " in capsys.readouterr().err and not out.exists()
    # A flag before the inputs stays a flag: the INPUT is not read as its value.
    assert cli("--recursive", tmp_path / "empty_pattern_*.mp4", *_options(model_dir, out)) == 2
    assert "INPUT: " in capsys.readouterr().err and not out.exists()
    (tmp_path / "empty").mkdir()
    assert cli(tmp_path / "empty", *_options(model_dir, out)) == 2
    assert "the folder holds no video file" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(library / "clip0.mp4", other / "clip0.mp4")
    assert cli(library / "clip0.mp4", other / "clip0.mp4", *_options(model_dir, out)) == 2
    assert "would both write" in capsys.readouterr().err
    # The summary video would replace its input.
    assert cli(other / "clip0.mp4", "--model", model_dir, "--output_dir", other, "--feature_weights", "random") == 2
    assert "would replace the input" in capsys.readouterr().err and sorted(os.listdir(other)) == ["clip0.mp4"]
    (tmp_path / "a_file").write_text("x")
    assert cli(library / "clip0.mp4", *_options(model_dir, tmp_path / "a_file")) == 2
    assert "exists and is a file, not a folder" in capsys.readouterr().err


def test_a_run_where_everything_fails_leaves_no_folder(library, model_dir, tmp_path, capsys):
    out = tmp_path / "new" / "out"
    assert cli(library / "picture.mp4", *_options(model_dir, out)) == 1
    assert "not a video" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_two_processes_split_the_inputs_and_write_one_report(library, model_dir, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [
        sys.executable,
        "-m",
        "pglsum_hf.cli",
        "summarize",
        str(library),
        *map(str, _options(model_dir, out)),
        "--num_processes",
        "2",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 1, result.stderr[-3000:]  # picture.mp4 fails, the others do not
    assert "Traceback" not in result.stderr  # a failed input is expected: the launcher prints no traceback
    report = json.loads((out / "summarize_report.json").read_text())
    assert report["num_processes"] == 2
    assert [entry["status"] for entry in report["inputs"]] == ["trimmed", "trimmed", "trimmed", "failed"]
    assert {entry["process"] for entry in report["inputs"]} == {0, 1}
    assert result.stdout.count("0 ok, 3 trimmed, 0 skipped, 1 failed of 4 inputs") == 1  # one merged table


def test_a_missing_model_folder_is_one_line(library, tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        cli(
            library / "clip0.mp4", "--model", tmp_path / "no_model", "--output_dir", out, "--feature_weights", "random"
        )
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(
        f"pglsum summarize: --model: folder {tmp_path / 'no_model'} does not exist"
    ) and "Traceback" not in "\n".join(err)
    assert not out.exists()


def test_a_failure_while_writing_removes_the_folders_the_job_created(
    library, model_dir, tmp_path, monkeypatch, capsys
):
    from pglsum_hf.video import writing

    def broken_plot(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "plot_summary", broken_plot)
    (tmp_path / "kept").mkdir()
    out = tmp_path / "kept" / "new" / "out"
    assert cli(library / "clip0.mp4", *_options(model_dir, out)) == 1
    assert "disk full" in capsys.readouterr().err
    assert not (tmp_path / "kept" / "new").exists() and (tmp_path / "kept").is_dir()


def test_one_file_through_a_folder_link_is_one_input_and_globs_end_at_parent_links(library, tmp_path):
    from pglsum_hf.video.batch import expand_inputs

    folder = tmp_path / "videos"
    folder.mkdir()
    shutil.copy2(library / "clip0.mp4", folder / "clip.mp4")
    (tmp_path / "link").symlink_to(folder)  # the same folder under a second name
    (folder / "up").symlink_to("..")  # two ways back up: a glob that followed them would never end
    (folder / "here").symlink_to(".")
    both = expand_inputs([str(folder / "clip.mp4"), str(tmp_path / "link" / "clip.mp4")])
    assert both == [folder / "clip.mp4"]  # not "two inputs would write the same files"
    assert expand_inputs([str(tmp_path / "videos" / "**" / "*.mp4")]) == [folder / "clip.mp4"]
    assert expand_inputs([str(folder)], recursive=True) == [folder / "clip.mp4"]


def test_the_pipeline_refuses_an_output_dir_that_is_a_file_before_decoding(tmp_path):
    import transformers.pipelines  # noqa: F401 - first, as `pipeline(...)` users do: it registers the task

    from pglsum_hf.errors import OptionError
    from pglsum_hf.video.pipeline import VideoSummarizationPipeline

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OptionError, match=r"output_dir: .*notes.txt exists and is a file"):
        VideoSummarizationPipeline._sanitize_parameters(None, output_dir=tmp_path / "notes.txt")
