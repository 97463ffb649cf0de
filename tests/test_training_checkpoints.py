"""Checkpoints and output folders: nothing is unpickled, a checkpoint resumes only its own run, user files are safe."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from pglsum_hf.cli import main as cli_main
from pglsum_hf.errors import CheckpointError, OptionError, OutputExistsError
from pglsum_hf.training.checkpointing import list_checkpoints
from pglsum_hf.training.run_identity import RUN_MARKER
from pglsum_hf.training.train import train

TINY = dict(batch_size=2, eval_method="max", report_to="none", hidden_size=64, num_segments=2)


@pytest.fixture(scope="module")
def finished_run(tiny_h5: Path, tmp_path_factory) -> Path:
    output_dir = tmp_path_factory.mktemp("runs") / "run"
    train(dataset=str(tiny_h5), n_epochs=2, output_dir=str(output_dir), checkpointing_epochs=1, **TINY)
    return output_dir


class Payload:
    """Unpickling this creates ``marker``: proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_checkpoint_files_need_no_pickle(finished_run: Path) -> None:
    checkpoint = list_checkpoints(finished_run)[-1]
    names = sorted(path.name for path in checkpoint.iterdir())
    assert names == [
        "model.safetensors",
        "optimizer.json",
        "optimizer.safetensors",
        "rng_0.json",
        "selection.safetensors",
        "trainer_state.json",
    ]


@pytest.mark.parametrize(
    "planted",
    [
        "model.safetensors",
        "optimizer.json",
        "optimizer.safetensors",
        "rng_0.json",
        "selection.safetensors",
        "trainer_state.json",
    ],
)
def test_a_pickle_payload_in_any_checkpoint_file_never_runs(
    tiny_h5: Path, finished_run: Path, tmp_path: Path, planted: str
) -> None:
    checkpoint = tmp_path / "epoch_0001"
    shutil.copytree(list_checkpoints(finished_run)[0], checkpoint)
    marker = tmp_path / "payload_ran"
    (checkpoint / planted).write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError, match=rf"{planted}: not a readable (JSON|safetensors) file"):
        train(
            dataset=str(tiny_h5),
            n_epochs=2,
            output_dir=str(tmp_path / "out"),
            resume_from_checkpoint=str(checkpoint),
            **TINY,
        )
    assert not marker.exists()


def test_foreign_pickle_files_are_ignored(tiny_h5: Path, finished_run: Path, tmp_path: Path) -> None:
    checkpoint = tmp_path / "epoch_0001"
    shutil.copytree(list_checkpoints(finished_run)[0], checkpoint)
    marker = tmp_path / "payload_ran"
    for name in (
        "custom_checkpoint_0.pkl",
        "random_states_0.pkl",
        "optimizer.bin",
        "pytorch_model.bin",
        "scheduler.bin",
    ):
        (checkpoint / name).write_bytes(pickle.dumps(Payload(marker)))
    result = train(
        dataset=str(tiny_h5),
        n_epochs=2,
        output_dir=str(tmp_path / "out"),
        resume_from_checkpoint=str(checkpoint),
        **TINY,
    )
    assert not marker.exists()
    reference = json.loads((finished_run / "metrics.json").read_text())
    assert [r["loss"] for r in result.history] == [r["loss"] for r in reference["epochs"]]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"split_index": 2}, ["split_index (checkpoint 0, given 2)", "dataset (checkpoint 'sha256:"]),
        (
            {"lr": 1e-3, "num_heads": 4},
            ["lr (checkpoint 5e-05, given 0.001)", "config.num_heads (checkpoint 8, given 4)"],
        ),
        ({"batch_size": 4}, ["batch_size (checkpoint 2, given 4)"]),
        ({"n_epochs": 1}, ["n_epochs (checkpoint 2, given 1; it may only grow)"]),
        ({"seed": 1}, ["seed (checkpoint 12345, given 1)"]),
    ],
)
def test_a_checkpoint_resumes_only_its_own_run(
    tiny_h5: Path, finished_run: Path, tmp_path: Path, changes, expected
) -> None:
    options = {**dict(dataset=str(tiny_h5), n_epochs=2, **TINY), **changes}
    with pytest.raises(CheckpointError, match="belongs to another run") as error:
        train(
            output_dir=str(tmp_path / "out"), resume_from_checkpoint=str(list_checkpoints(finished_run)[0]), **options
        )
    for part in expected:
        assert part in str(error.value)
    assert not (tmp_path / "out").exists(), "refused before anything was written"


def test_training_longer_and_other_output_options_may_resume(
    tiny_h5: Path, finished_run: Path, tmp_path: Path
) -> None:
    result = train(dataset=str(tiny_h5), n_epochs=3, output_dir=str(tmp_path / "longer"), checkpointing_epochs=5, checkpoints_total_limit=1,
                   resume_from_checkpoint=str(list_checkpoints(finished_run)[-1]), **TINY)  # fmt: skip
    assert [r["epoch"] for r in result.history] == [0, 1, 2]


def test_output_folder_rules(tiny_h5: Path, finished_run: Path, tmp_path: Path) -> None:
    common = dict(dataset=str(tiny_h5), n_epochs=1, **TINY)
    user = tmp_path / "user"
    user.mkdir()
    (user / "README.md").write_text("mine")
    with pytest.raises(OutputExistsError, match="already exists and is not empty; pass --overwrite"):
        train(output_dir=str(user), **common)
    assert (user / "README.md").read_text() == "mine"
    # a file, and a folder holding the dataset, are refused even with --overwrite
    with pytest.raises(OptionError, match="exists and is a file"):
        train(output_dir=str(user / "README.md"), overwrite=True, **common)
    with pytest.raises(OutputExistsError, match="holds the input"):
        train(output_dir=str(tiny_h5.parent), overwrite=True, **common)
    # our own run folder: refused without --resume_from_checkpoint latest or --overwrite
    with pytest.raises(OutputExistsError):
        train(output_dir=str(finished_run), **common)
    assert (finished_run / RUN_MARKER).is_file()
    # --overwrite replaces the user's folder once the run has succeeded
    train(output_dir=str(user), overwrite=True, **common)
    assert not (user / "README.md").exists() and (user / RUN_MARKER).is_file()  # the library writes no card
    assert not any(p.name.startswith(".user.") for p in tmp_path.iterdir()), "the old content is gone after success"


def test_resume_latest_continues_its_own_folder(tiny_h5: Path, tmp_path: Path) -> None:
    common = dict(dataset=str(tiny_h5), checkpointing_epochs=1, **TINY)
    output_dir = tmp_path / "run"
    train(output_dir=str(output_dir), n_epochs=1, **common)
    result = train(output_dir=str(output_dir), n_epochs=2, resume_from_checkpoint="latest", **common)
    assert [r["epoch"] for r in result.history] == [0, 1]
    assert [p.name for p in list_checkpoints(output_dir)] == ["epoch_0001", "epoch_0002"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--lr", "nan"], "pglsum train: --lr: must be a finite number > 0, got nan"),
        (["--lr", "-1"], "pglsum train: --lr: must be a finite number > 0, got -1.0"),
        (["--l2_req", "-5"], "pglsum train: --l2_req: must be a finite number >= 0, got -5.0"),
        (["--dropout", "2"], "pglsum train: --dropout: must be a finite number >= 0 and <= 1, got 2.0"),
        (["--heads", "3"], "pglsum train: --num_heads (--heads): must divide --hidden_size 64"),
        (["--heads", "0"], "pglsum train: --num_heads (--heads): must be an integer >= 1, got 0"),
        (
            ["--resume_from_checkpoint", "CORRUPT"],
            "pglsum train: {corrupt}/trainer_state.json: not a readable JSON file",
        ),
        (
            ["--resume_from_checkpoint", "MISSING"],
            "pglsum train: --resume_from_checkpoint: {missing}: no such checkpoint folder",
        ),
        (["--model_name_or_path", "MISSING"], "pglsum train: --model_name_or_path: folder {missing} does not exist"),
    ],
)
def test_bad_values_give_one_line_before_any_work(tiny_h5: Path, tmp_path: Path, capsys, extra, message) -> None:
    corrupt, missing = tmp_path / "corrupt", tmp_path / "missing"
    corrupt.mkdir()
    (corrupt / "trainer_state.json").write_text("{not json")
    extra = [{"CORRUPT": str(corrupt), "MISSING": str(missing)}.get(arg, arg) for arg in extra]
    output_dir = tmp_path / "out"
    argv = ["train", "--dataset", str(tiny_h5), "--batch_size", "2", "--eval_method", "max", "--hidden_size", "64",
            "--report_to", "none", "--n_epochs", "1", "--output_dir", str(output_dir), *extra]  # fmt: skip
    code = cli_main(argv)
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err
    assert message.format(corrupt=corrupt, missing=missing) in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not output_dir.exists()


def test_overwrite_never_removes_a_folder_set_aside_earlier(tiny_h5: Path, tmp_path: Path) -> None:
    """A run with --overwrite sets the old content aside under a new name: what an earlier failed run left aside (or
    a folder of the user's with such a name) stays."""
    output_dir = tmp_path / "runs"
    output_dir.mkdir()
    (output_dir / "notes.txt").write_text("old content")
    earlier = tmp_path / ".runs.replaced"  # the name the set-aside folder used to have
    earlier.mkdir()
    (earlier / "kept.txt").write_text("set aside by an earlier run")
    argv = ["train", "--dataset", str(tiny_h5), "--batch_size", "2", "--eval_method", "max", "--hidden_size", "64",
            "--report_to", "none", "--n_epochs", "1", "--output_dir", str(output_dir), "--overwrite"]  # fmt: skip
    assert cli_main(argv) == 0
    assert (earlier / "kept.txt").read_text() == "set aside by an earlier run"
    assert not (output_dir / "notes.txt").exists() and (output_dir / RUN_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".runs.replaced", "runs"]  # this run's own aside is gone
