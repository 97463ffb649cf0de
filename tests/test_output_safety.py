"""The shared rules behind every command: output folders and files, atomic replacement, one-line errors."""

from __future__ import annotations

import errno
import importlib
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from pglsum_hf import atomic, cli
from pglsum_hf.atomic import atomic_directory, check_output_dir, check_output_file
from pglsum_hf.errors import OptionError, OutputExistsError, PGLSumError, UsageError
from pglsum_hf.options import check_int, check_number


def _user_folder(path):
    path.mkdir(parents=True, exist_ok=True)
    (path / "notes.txt").write_text("mine")
    return path


def test_a_non_empty_folder_needs_overwrite(tmp_path):
    folder = _user_folder(tmp_path / "out")
    with pytest.raises(
        OutputExistsError, match=r"--output_dir: .*out already exists and is not empty; pass --overwrite"
    ):
        check_output_dir(folder)
    assert check_output_dir(folder, overwrite=True) == folder.resolve()
    assert check_output_dir(folder, owned=True) == folder.resolve()
    assert check_output_dir(tmp_path / "new" / "deeper") == (tmp_path / "new" / "deeper").resolve()
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "empty") == (tmp_path / "empty").resolve()


@pytest.mark.parametrize("where", ["cwd", "ancestor-of-cwd", "holds-input", "is-input"])
def test_overwrite_never_replaces_the_cwd_an_input_or_what_holds_them(tmp_path, monkeypatch, where):
    folder = _user_folder(tmp_path / "project")
    inner = _user_folder(folder / "inner")
    data = folder / "data.h5"
    data.write_text("input")
    monkeypatch.chdir(folder if where == "cwd" else inner if where == "ancestor-of-cwd" else tmp_path)
    inputs = [data] if where == "holds-input" else [folder] if where == "is-input" else []
    with pytest.raises(OutputExistsError, match="--overwrite never replaces"):
        check_output_dir(folder, overwrite=True, inputs=inputs, option="--out")
    assert data.read_text() == "input" and (inner / "notes.txt").exists()


def test_a_file_or_a_path_under_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OptionError, match="exists and is a file, not a folder"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(OptionError, match=r"file is a file, not a folder"):
        check_output_dir(tmp_path / "file" / "sub", overwrite=True)


def test_atomic_directory_keeps_the_old_folder_until_the_new_one_is_complete(tmp_path):
    folder = _user_folder(tmp_path / "out")
    with pytest.raises(RuntimeError), atomic_directory(folder, overwrite=True) as partial:
        (partial / "half.txt").write_text("half")
        raise RuntimeError("failed half-way")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
    assert (folder / "notes.txt").read_text() == "mine"
    with atomic_directory(folder, overwrite=True) as partial:
        (partial / "new.txt").write_text("new")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
    assert [path.name for path in folder.iterdir()] == ["new.txt"]
    assert folder.stat().st_mode & 0o777 == 0o777 & ~atomic._current_umask()


def test_a_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    folder = _user_folder(tmp_path / "out")
    real_replace, calls = os.replace, []

    def replace(source, target):
        calls.append((source, target))
        if len(calls) == 2:  # the old folder is aside; bringing in the new one fails
            raise OSError(errno.EIO, "simulated I/O error")
        return real_replace(source, target)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(OSError, match="simulated"), atomic_directory(folder, overwrite=True) as partial:
        (partial / "new.txt").write_text("new")
    assert (folder / "notes.txt").read_text() == "mine"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_an_empty_current_folder_is_filled_in_place(tmp_path, monkeypatch):
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    with atomic_directory(".") as partial:
        (partial / "result.txt").write_text("done")
    assert os.getcwd() == str(folder) and (folder / "result.txt").read_text() == "done"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["here"]


def test_output_files(tmp_path):
    existing = tmp_path / "results.json"
    existing.write_text("{}")
    with pytest.raises(OutputExistsError, match=r"--output: .*results.json already exists; pass --overwrite"):
        check_output_file(existing)
    assert check_output_file(existing, overwrite=True) == existing.resolve()
    with pytest.raises(OutputExistsError, match="is an input of this command"):
        check_output_file(existing, overwrite=True, inputs=[existing])
    with pytest.raises(OptionError, match="is a folder; give a file name"):
        check_output_file(tmp_path)
    with pytest.raises(OptionError, match="results.json is a file, not a folder"):
        check_output_file(existing / "inner.json")


def test_expected_errors_are_one_line_and_bugs_keep_their_traceback(capsys, monkeypatch):
    monkeypatch.delenv("PGLSUM_DEBUG", raising=False)

    def fail(error):
        def entry():
            raise error

        return entry

    assert cli.run("train", fail(OptionError("--lr", "must be > 0, got nan"))) == 2
    assert capsys.readouterr().err == "pglsum train: --lr: must be > 0, got nan\n"
    assert cli.run("convert", fail(PGLSumError("two\nlines"))) == 1
    assert capsys.readouterr().err == "pglsum convert: two lines\n"
    assert cli.run("convert", fail(FileNotFoundError(errno.ENOENT, "No such file or directory", "x.h5"))) == 1
    assert capsys.readouterr().err == "pglsum convert: x.h5: No such file or directory\n"
    assert cli.run("convert", fail(IsADirectoryError("h5 feature file d is a folder, not a file"))) == 1
    assert capsys.readouterr().err == "pglsum convert: h5 feature file d is a folder, not a file\n"
    assert cli.run("demo", fail(SystemExit(2))) == 2
    with pytest.raises(OSError, match="Unable to synchronously open"):  # another library's OSError: a bug to fix
        cli.run("convert", fail(OSError("Unable to synchronously open file")))
    with pytest.raises(KeyError):
        cli.run("convert", fail(KeyError(101)))


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_debug_shows_the_traceback_of_expected_errors(capsys, monkeypatch, how):
    argv = ["benchmark", "model", "--repeats", "0"]
    if how == "flag":
        argv.append("--debug")
        monkeypatch.delenv("PGLSUM_DEBUG", raising=False)
    else:
        monkeypatch.setenv("PGLSUM_DEBUG", "1")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith(
        "pglsum benchmark model: --repeats: must be an integer >= 1, got 0\n"
    )


def test_benchmark_dispatch(capsys):
    assert cli.main(["benchmark", "--help"]) == 0
    assert "model|metric|training|video" in capsys.readouterr().out
    assert cli.main(["benchmark", "speed"]) == 2
    assert (
        "pglsum benchmark: unknown benchmark 'speed'; expected one of model, metric, training, video"
        in capsys.readouterr().err
    )


def test_value_checks():
    check_int("--repeats", 1, 1)
    check_int("--threads", None, 1, allow_none=True)
    check_number("--lr", 1e-5, 0, inclusive=False)
    check_number("--dropout", 1.0, 0, maximum=1)
    for call in (
        lambda: check_int("--repeats", 0, 1),
        lambda: check_int("--repeats", True, 0),
        lambda: check_int("--x", None, 0),
    ):
        with pytest.raises(OptionError):
            call()
    for value in (float("nan"), float("inf"), 0.0, -1.0):
        with pytest.raises(OptionError, match=r"--lr: must be a finite number > 0, got"):
            check_number("--lr", value, 0, inclusive=False)
    with pytest.raises(OptionError, match=r"--dropout: must be a finite number >= 0 and <= 1, got 2"):
        check_number("--dropout", 2, 0, maximum=1)
    assert issubclass(UsageError, ValueError) and issubclass(
        OptionError, ValueError
    )  # Python callers catch ValueError


# ----------------------------------------------------------------------------------- lock: one run per output folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Inputs every command can start from: a tiny h5 with its splits, a narrow model, a short video, a checkpoint."""
    import torch
    from reference_pglsum import ReferencePGLSum

    from pglsum_hf import PGLSumConfig, PGLSumModel
    from pglsum_hf.data.synthetic import make_synthetic_h5, write_synthetic_splits
    from pglsum_hf.video import make_synthetic_video

    root = tmp_path_factory.mktemp("tiny")
    h5 = make_synthetic_h5(root / "synthetic_tiny.h5", profile="tiny", seed=0, show_progress=False)
    splits = write_synthetic_splits(h5, profile="tiny", seed=0)
    torch.manual_seed(0)
    PGLSumModel(PGLSumConfig(hidden_size=64)).save_pretrained(root / "model")
    video = make_synthetic_video(root / "clip.mp4", scene_seconds=[1.5, 2.0], width=64, height=48, fps=10).path
    settings = {"input_size": 24, "output_size": 32, "heads": 4, "num_segments": 2, "local_heads": 2}
    reference = ReferencePGLSum(**settings).randomize_(torch.Generator().manual_seed(0))
    torch.save(reference.state_dict(), root / "pgl_sum.pt")
    return SimpleNamespace(
        h5=h5, splits=splits, model=root / "model", video=Path(video), checkpoint=root / "pgl_sum.pt"
    )


TRAIN_QUICK = [
    "--n_epochs",
    "1",
    "--batch_size",
    "2",
    "--eval_method",
    "max",
    "--report_to",
    "none",
    "--hidden_size",
    "64",
]
HELD_COMMANDS = {
    "make-synthetic": lambda t, out: ["make-synthetic", "--output_dir", out],
    "convert": lambda t, out: ["convert", "--h5", t.h5, "--splits", t.splits, "--output_dir", out],
    "convert-checkpoint": lambda t, out: ["convert-checkpoint", "--checkpoint", t.checkpoint, "--output_dir", out],
    "train": lambda t, out: ["train", "--dataset", t.h5, "--output_dir", out, *TRAIN_QUICK],
    "run-splits": lambda t, out: ["run-splits", "--dataset", t.h5, "--output_dir", out, "--split_indices", "0", *TRAIN_QUICK],
    "summarize": lambda t, out: ["summarize", t.video, "--model", t.model, "--output_dir", out, "--feature_weights", "random"],
    "demo": lambda t, out: ["demo", "--output_dir", out, "--n_epochs", "1"],
    "app": lambda t, out: ["app", "--model", t.model, "--export_space", out],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(HELD_COMMANDS))
def test_a_second_run_into_a_held_folder_stops_at_once(command, tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    option = "--export_space" if command == "app" else "--output_dir"
    with atomic.OutputFolderLock(out, option) as held:  # the first run, still working
        code = cli.main([str(part) for part in HELD_COMMANDS[command](tiny, out)])
        err = capsys.readouterr().err
        assert held.file.exists()
    assert code == 1, err[-2000:]
    assert f"pglsum {command}: {option}: {out} is in use by another pglsum run (process {os.getpid()})" in err
    assert "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # nothing written, the lock file gone


def test_a_second_training_run_into_the_folder_of_a_running_one_stops_and_the_first_finishes(
    tiny, tmp_path, monkeypatch, capsys
):
    """Two runs into one folder: the second (even with --overwrite) used to set the first's folder aside, and the first
    died at its next checkpoint (``rng_0.json: No such file or directory``)."""
    train_module = importlib.import_module("pglsum_hf.training.train")
    run = tmp_path / "run"
    argv = ["train", "--dataset", str(tiny.h5), "--output_dir", str(run), *TRAIN_QUICK]
    argv[argv.index("--n_epochs") + 1] = "2"
    real_save_checkpoint = train_module.save_checkpoint
    second = []

    def save_checkpoint(*args, **kwargs):  # the second run starts while the first is between epochs
        saved = real_save_checkpoint(*args, **kwargs)
        if not second:
            second.append(None)  # once: the second run's own checkpoints (if it ran) start no third
            second[0] = (cli.main(argv + ["--overwrite"]), capsys.readouterr().err)
        return saved

    monkeypatch.setattr(train_module, "save_checkpoint", save_checkpoint)
    assert cli.main(argv + ["--checkpointing_epochs", "1"]) == 0
    ((code, err),) = second
    assert code == 1 and f"pglsum train: --output_dir: {run} is in use by another pglsum run" in err
    assert "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]  # nothing set aside, the lock file gone
    checkpoints = sorted((run / "checkpoints").iterdir())
    assert len(checkpoints) == 2 and all((checkpoint / "rng_0.json").is_file() for checkpoint in checkpoints)
    assert (run / "model.safetensors").is_file()


@pytest.mark.parametrize("overwrite", [False, True])
def test_what_appears_in_the_folder_during_the_run_stops_the_swap(tiny, tmp_path, monkeypatch, capsys, overwrite):
    from pglsum_hf.data import convert as convert_module

    out = tmp_path / "dataset"
    if overwrite:
        _user_folder(out)
    real_write_shard = convert_module._write_shard

    def write_shard(*args, **kwargs):  # the user saves a file there while the conversion runs
        out.mkdir(exist_ok=True)
        (out / "thesis.tex").write_text("mine")
        return real_write_shard(*args, **kwargs)

    monkeypatch.setattr(convert_module, "_write_shard", write_shard)
    argv = ["convert", "--h5", str(tiny.h5), "--splits", str(tiny.splits), "--output_dir", str(out)]
    assert cli.main(argv + (["--overwrite"] if overwrite else [])) == 1
    err = capsys.readouterr().err
    assert (out / "thesis.tex").read_text() == "mine"
    assert sorted(path.name for path in out.iterdir()) == (
        ["notes.txt", "thesis.tex"] if overwrite else ["thesis.tex"]
    )
    (kept,) = [path for path in tmp_path.iterdir() if path != out]
    assert kept.name.startswith("dataset.new-") and (kept / "README.md").is_file()
    assert f"{out} changed while this run was writing" in err and str(kept) in err


# ------------------------------------------------------------------------------ cleanup: what the program made


def test_a_rerun_removes_its_own_stale_temporary_folders_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    stale = tmp_path / ".out.k1ll3d.tmp"  # left by a killed run: it carries the marker
    stale.mkdir()
    (stale / atomic.TEMPORARY_MARKER).touch()
    (stale / "shard.parquet").write_bytes(b"x" * 1000)
    users = _user_folder(tmp_path / ".out.mine.tmp")  # named alike, but not ours
    with atomic_directory(out) as partial:
        (partial / "new.txt").write_text("new")
    assert sorted(path.name for path in tmp_path.iterdir()) == [".out.mine.tmp", "out"]
    assert sorted(path.name for path in out.iterdir()) == ["new.txt"]  # the marker does not travel
    assert (users / "notes.txt").read_text() == "mine"


KILLED_CONVERT = """import os, sys
from pglsum_hf.cli import main
from pglsum_hf.data import convert
real_write_shard = convert._write_shard
def write_shard(*args, **kwargs):  # killed (no cleanup runs) once the first shard is on disk
    real_write_shard(*args, **kwargs)
    os._exit(137)
convert._write_shard = write_shard
main(sys.argv[1:])
"""


def test_a_killed_convert_overwrite_leaves_a_temporary_folder_that_the_next_run_removes(tiny, tmp_path):
    import subprocess
    import sys

    out = _user_folder(tmp_path / "dataset")
    alike = _user_folder(tmp_path / ".dataset.mine.tmp")  # named like ours, but the user's
    argv = ["convert", "--h5", str(tiny.h5), "--splits", str(tiny.splits), "--output_dir", str(out), "--overwrite"]
    killed = subprocess.run([sys.executable, "-c", KILLED_CONVERT, *argv], capture_output=True, text=True, timeout=600)
    assert killed.returncode == 137, killed.stderr[-3000:]
    (left,) = [path for path in tmp_path.iterdir() if path.name.endswith(".tmp") and path != alike]
    assert list(left.glob("**/*.parquet")) and (out / "notes.txt").read_text() == "mine"
    assert cli.main(argv) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [".dataset.mine.tmp", "dataset"]
    assert (out / "README.md").is_file() and not (out / "notes.txt").exists()
    assert (alike / "notes.txt").read_text() == "mine"


def test_a_resumed_run_that_succeeds_removes_what_its_overwrite_set_aside(tiny, tmp_path, monkeypatch):
    train_module = importlib.import_module("pglsum_hf.training.train")  # the module, not the function of that name
    run = _user_folder(tmp_path / "run")
    argv = ["train", "--dataset", str(tiny.h5), "--output_dir", str(run), *TRAIN_QUICK, "--checkpointing_epochs", "1"]

    def killed(run_):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:  # the run is stopped after its last checkpoint, before the model is written
        patch.setattr(train_module, "write_outputs", killed)
        assert cli.main(argv + ["--overwrite"]) == 130
    (aside,) = [path for path in tmp_path.iterdir() if path != run]
    assert aside.name.endswith(".replaced") and (aside / "notes.txt").read_text() == "mine"
    assert cli.main(argv + ["--resume_from_checkpoint", "latest"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]
    assert (run / "model.safetensors").is_file()


# --------------------------------------------------------------------------------------- disk: no room to write

LIMITED = """import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2)
from pglsum_hf.cli import main
sys.exit(main(sys.argv[2:]))
"""
# Each command with a file-size limit its first large file passes: (limit in bytes, argv, the file the line names).
NO_ROOM = {
    "make-synthetic": (100_000, lambda t: ["make-synthetic", "--output_dir", "out"], "out/synthetic_tiny.h5"),
    "convert": (100_000, lambda t: ["convert", "--h5", t.h5, "--splits", t.splits, "--output_dir", "out"], "out"),
    "train": (3_000_000, lambda t: ["train", "--dataset", t.h5, "--output_dir", "out", *TRAIN_QUICK], "out/checkpoints/epoch_0001"),
    "summarize": (2_000, lambda t: ["summarize", t.video, "--model", t.model, "--output_dir", "out", "--feature_weights", "random"],
                  "out/clip.mp4"),
    "make-dataset": (20_000, lambda t: ["make-dataset", t.video, t.video.with_name("clip2.mp4"), "--annotations", t.video.with_name("anno.csv"),
                                        "--annotation_format", "intervals", "--output_dir", "out", "--feature_weights", "random"], "out/out.h5"),
    "demo": (3_000_000, lambda t: ["demo", "--output_dir", "out", "--n_epochs", "1"], "out/model/checkpoints/epoch_0001"),
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(NO_ROOM))
def test_no_room_to_write_is_one_line_naming_the_file(command, tiny, tmp_path):
    import shutil
    import subprocess
    import sys

    limit, argv, named = NO_ROOM[command]
    if command == "make-dataset":
        shutil.copy2(tiny.video, tiny.video.with_name("clip2.mp4"))
        tiny.video.with_name("anno.csv").write_text(
            "video,user,start_seconds,end_seconds\nclip.mp4,1,0.0,1.0\nclip2.mp4,1,0.5,1.5\n"
        )
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf")}  # the dataset cache is written before the limit matters
    env.pop("PGLSUM_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", LIMITED, str(limit), *map(str, argv(tiny))], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    prefix = f"pglsum {command}:"  # after a progress bar's last refresh, on the same line
    lines = [line[line.index(prefix) :] for line in done.stderr.replace("\r", "\n").splitlines() if prefix in line]
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert len(lines) == 1 and f"writing {work / named}" in lines[0].replace(
        f"writing {named}", f"writing {work / named}"
    )
    assert "File too large" in lines[0] or "more than there is free" in lines[0]  # found while, or before, writing
    assert "free on its disk" in lines[0] and f"limited to {limit} bytes" in lines[0]
    # nothing half-written under a final name
    finals = {"make-synthetic": ["out/synthetic_tiny.h5"], "convert": ["out"], "summarize": ["out/clip.mp4", "out/clip.json"],
              "make-dataset": ["out/out.h5", "out/out_dataset"], "demo": ["out"], "train": ["out/model.safetensors"]}  # fmt: skip
    assert not any((work / name).exists() for name in finals[command])
