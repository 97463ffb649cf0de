"""Training end to end on the tiny synthetic profile: the recipe, resume, faults, outputs and the Hub."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from pglsum_hf import PGLSumModel
from pglsum_hf.cli import main as cli_main
from pglsum_hf.commands.train import TrainArguments, train_and_publish
from pglsum_hf.commands.train import main as train_main
from pglsum_hf.data.collator import VideoCollator
from pglsum_hf.data.loading import load_split
from pglsum_hf.metrics import compute_metrics
from pglsum_hf.training.arguments import CPU_MICRO_BATCH_FRAMES
from pglsum_hf.training.checkpointing import list_checkpoints
from pglsum_hf.training.interrupts import TrainingDiverged, TrainingInterrupted
from pglsum_hf.training.train import train

REPO_ROOT = Path(__file__).resolve().parents[1]
# The tiny profile has 5 videos: 4 for training, 1 for testing. Groups of 2 make 2 optimizer steps per epoch,
# so an interrupt can fall between two groups of one epoch.
# A narrower attention (hidden_size 64, 1.6 M parameters instead of 9.4 M) keeps the tests quick; the recipe is the same.
# One padded batch per group whatever the lengths (min_fill 0), so the tests can count forward passes.
TINY = dict(batch_size=2, eval_method="max", report_to="none", hidden_size=64, micro_batch_min_fill=0.0)


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def _assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], atol: float) -> None:
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], atol=atol, rtol=0, msg=lambda m, name=name: f"{name}: {m}")


def test_batched_training_equals_the_per_video_loop(tiny_h5: Path, tmp_path: Path) -> None:
    common = dict(
        dataset=str(tiny_h5), n_epochs=4, dropout=0.0, attention_dropout=0.0, checkpointing_epochs=100, **TINY
    )
    batched = train(output_dir=str(tmp_path / "batched"), **common)
    per_video = train(output_dir=str(tmp_path / "per_video"), per_video=True, **common)
    batched_losses = [record["loss"] for record in batched.history]
    np.testing.assert_allclose(batched_losses, [record["loss"] for record in per_video.history], rtol=0, atol=1e-5)
    assert len(set(np.round(batched_losses, 6))) == len(batched_losses), (
        "the loss must move, or the test proves nothing"
    )
    _assert_same_weights(_weights(batched.output_dir), _weights(per_video.output_dir), atol=1e-5)
    # train() saves the model; the card, which names where the model goes, is the command's
    assert (batched.output_dir / "config.json").is_file() and not (batched.output_dir / "README.md").exists()


def test_frame_budget_batches_keep_the_group_gradient(tiny_h5: Path, tmp_path: Path) -> None:
    # One group of all 4 training videos (90..120 frames each), cut into padded batches of at most 250 frames.
    common = dict(dataset=str(tiny_h5), n_epochs=3, dropout=0.0, attention_dropout=0.0, checkpointing_epochs=100,
                  **{**TINY, "batch_size": 4})  # fmt: skip
    budget = train(output_dir=str(tmp_path / "budget"), micro_batch_frames=250, **common)
    per_video = train(output_dir=str(tmp_path / "per_video"), per_video=True, **common)
    losses = [record["loss"] for record in budget.history]
    np.testing.assert_allclose(losses, [record["loss"] for record in per_video.history], rtol=0, atol=1e-5)
    _assert_same_weights(_weights(budget.output_dir), _weights(per_video.output_dir), atol=1e-5)


def test_outputs_card_and_push_to_hub(tiny_h5: Path, tmp_path: Path, hub_repo_id: str) -> None:
    output_dir = tmp_path / "run"
    # `pglsum train`'s run: the library trains and saves the model, the command writes the card and uploads
    result = train_and_publish(TrainArguments(
        dataset=str(tiny_h5), n_epochs=3, output_dir=str(output_dir), push_to_hub=True, hub_model_id=hub_repo_id,
        **{**TINY, "report_to": "tensorboard"},
    ))  # fmt: skip
    for name in (
        "config.json",
        "model.safetensors",
        "README.md",
        "metrics.json",
        "metrics.csv",
        "training_curves.png",
    ):
        assert (output_dir / name).is_file(), name
    assert list((output_dir / "logs").rglob("events.out.tfevents.*")), "no tensorboard event file"
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert [record["epoch"] for record in metrics["epochs"]] == [0, 1, 2]
    assert metrics["selected_epoch"] == result.selected_epoch == 0  # fewer than 17 epochs: no candidate, epoch 0
    assert metrics["best_f_score"] == max(record["f_score"] for record in metrics["epochs"])
    assert (
        metrics["hyperparameters"]["micro_batch_frames"] == CPU_MICRO_BATCH_FRAMES
    )  # the limit used, not the unset flag
    assert len((output_dir / "metrics.csv").read_text().strip().splitlines()) == 4

    card = (output_dir / "README.md").read_text()
    assert "model-index" in card and "split 0" in card and "12345" in card and "apostolidis2021pglsum" in card
    assert f"{result.selected_f_score:.2f}" in card and f"{result.best_f_score:.2f}" in card
    assert "maximum learning capacity" in card and "SYNTHETIC" in card

    # The pushed repository reloads and scores the test split as training recorded it for the released epoch.
    reloaded = PGLSumModel.from_pretrained(hub_repo_id).eval()
    test = load_split(str(tiny_h5), 0, show_progress=False)["test"]
    batch = VideoCollator()([test[i] for i in range(len(test))])
    with torch.no_grad():
        scores = reloaded(batch["features"], attention_mask=batch["attention_mask"]).scores
        expected = result.model.eval()(batch["features"], attention_mask=batch["attention_mask"]).scores
    torch.testing.assert_close(scores, expected, atol=1e-6, rtol=0)
    lengths = batch["attention_mask"].sum(dim=1).tolist()
    predictions = [scores[row, :length].numpy() for row, length in enumerate(lengths)]
    f_score = compute_metrics(predictions, batch["references"], eval_method="max")["f_score"]
    assert f_score == pytest.approx(result.selected_f_score, abs=1e-9)
    from huggingface_hub import HfApi

    files = set(HfApi().list_repo_files(hub_repo_id))
    assert {"config.json", "model.safetensors", "README.md", "metrics.json", "training_curves.png"} <= files
    assert not any(name.startswith("checkpoints/") for name in files)


def _interrupt_during(monkeypatch: pytest.MonkeyPatch, forward_call: int, action) -> None:
    """Run ``action`` inside the ``forward_call``-th training forward pass of PGLSumModel."""
    original = PGLSumModel.forward
    calls = {"n": 0}

    def forward(self, *args, **kwargs):
        output = original(self, *args, **kwargs)
        if self.training:
            calls["n"] += 1
            if calls["n"] == forward_call:
                output = action(output)
        return output

    monkeypatch.setattr(PGLSumModel, "forward", forward)


def test_interrupt_then_resume_equals_uninterrupted(
    tiny_h5: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dropout stays on (0.5): the resumed run must also restore the RNG streams to match. 17 epochs reach the
    # selection's candidate search (e = 15 -> 16), so the kept weights and the candidate must survive the resume too.
    common = dict(dataset=str(tiny_h5), n_epochs=17, checkpointing_epochs=5, **TINY)
    reference = train(output_dir=str(tmp_path / "reference"), **common)

    # SIGINT inside epoch 7's first group (2 forward passes per epoch): the checkpoint falls mid-epoch.
    def send_sigint(output):
        os.kill(os.getpid(), signal.SIGINT)
        return output

    with monkeypatch.context() as patch:
        _interrupt_during(patch, forward_call=2 * 7 + 1, action=send_sigint)
        with pytest.raises(TrainingInterrupted) as stopped:
            train(output_dir=str(tmp_path / "resumed"), **common)
    assert stopped.value.checkpoint.name == "epoch_0007_group_001"
    assert [p.name for p in list_checkpoints(tmp_path / "resumed")] == ["epoch_0005", "epoch_0007_group_001"]

    resumed = train(output_dir=str(tmp_path / "resumed"), resume_from_checkpoint="latest", **common)
    assert resumed.selected_epoch == reference.selected_epoch
    np.testing.assert_allclose(
        [r["loss"] for r in resumed.history], [r["loss"] for r in reference.history], rtol=0, atol=1e-7
    )
    _assert_same_weights(_weights(resumed.output_dir), _weights(reference.output_dir), atol=1e-6)


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_checkpoint(
    tiny_h5: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def poison(output):
        output.video_losses = output.video_losses * float("nan")
        return output

    _interrupt_during(monkeypatch, forward_call=2 * 3 + 2, action=poison)  # epoch 3, second group
    output_dir = tmp_path / "run"
    with pytest.raises(
        TrainingDiverged,
        match=r"epoch 3, group 1 \(.*synthetic_tiny.h5, split 0\): the training loss is not finite for video_\d+ \(nan\)",
    ) as error:
        train(dataset=str(tiny_h5), n_epochs=6, output_dir=str(output_dir), checkpointing_epochs=2, **TINY)
    assert "epoch_0002" in str(error.value)
    checkpoints = list_checkpoints(output_dir)
    assert [p.name for p in checkpoints] == ["epoch_0002"]
    assert (checkpoints[0] / "model.safetensors").is_file()
    assert not (output_dir / "model.safetensors").exists(), "no model is released from a diverged run"
    # The command turns it into exit code 1 and one line.
    _interrupt_during(monkeypatch, forward_call=1, action=poison)
    code = cli_main(["train", "--dataset", str(tiny_h5), "--output_dir", str(tmp_path / "cli"), "--n_epochs", "6",
                     "--batch_size", "2", "--eval_method", "max", "--report_to", "none", "--hidden_size", "64"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "pglsum train: training diverged at epoch 0, group 0" in err and "Traceback" not in err


def test_accelerate_launch_runs_the_script(tiny_h5: Path, tmp_path: Path) -> None:
    output_dir = tmp_path / "launched"
    command = [
        sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "1", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", str(REPO_ROOT / "scripts" / "train.py"),
        "--dataset", str(tiny_h5), "--batch_size", "2", "--eval_method", "max", "--n_epochs", "2", "--hidden_size", "64", "--output_dir", str(output_dir),
    ]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "released model: epoch 0 (loss-selected)" in done.stdout
    assert (output_dir / "model.safetensors").is_file() and (output_dir / "metrics.json").is_file()
    assert [p.name for p in list_checkpoints(output_dir)] == ["epoch_0002"]


def test_two_processes_give_the_single_process_loss_curve(tiny_h5: Path, tmp_path: Path) -> None:
    """Data-parallel training (2 CPU processes, gloo) still sums the group's gradients: same curve as one process."""
    args = ["--dataset", str(tiny_h5), "--batch_size", "2", "--eval_method", "max", "--n_epochs", "2", "--hidden_size", "64",
            "--dropout", "0", "--attention_dropout", "0", "--report_to", "none"]  # fmt: skip
    assert train_main([*args, "--output_dir", str(tmp_path / "one")]) == 0
    with socket.socket() as probe:  # a free port for the processes' rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", str(port),
               str(REPO_ROOT / "scripts" / "train.py"), *args, "--output_dir", str(tmp_path / "two")]  # fmt: skip
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("released model") == 1, "only the main process reports"
    one, two = (json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("one", "two"))
    assert two["hyperparameters"]["num_processes"] == 2
    np.testing.assert_allclose(
        [r["loss"] for r in two["epochs"]], [r["loss"] for r in one["epochs"]], rtol=0, atol=1e-5
    )
    assert two["selected_f_score"] == pytest.approx(one["selected_f_score"], abs=1e-6)
    _assert_same_weights(_weights(tmp_path / "two"), _weights(tmp_path / "one"), atol=1e-5)


def test_the_card_is_written_while_the_output_folder_is_still_held(tiny_h5: Path, tmp_path: Path) -> None:
    # The commands (train, demo) write the card in `on_saved`: a second run must still find the folder taken then.
    from pglsum_hf.atomic import OutputFolderLock
    from pglsum_hf.errors import OutputExistsError
    from pglsum_hf.training import write_trained_card

    seen = []

    def card_while_held(result) -> None:
        with pytest.raises(OutputExistsError):
            OutputFolderLock(result.output_dir).acquire()
        seen.append(write_trained_card(result))

    output_dir = tmp_path / "run"
    result = train(dataset=str(tiny_h5), n_epochs=1, output_dir=str(output_dir), on_saved=card_while_held, **TINY)
    assert seen == [output_dir / "README.md"] and (result.output_dir / "README.md").is_file()
    OutputFolderLock(output_dir).acquire().release()  # and let go once the run is over
