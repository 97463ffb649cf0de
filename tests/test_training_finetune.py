"""`pglsum train --model_name_or_path`: fine-tuning a converted original checkpoint follows the original recipe."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from reference_pglsum import ReferencePGLSum

from pglsum_hf import cli
from pglsum_hf.data.loading import load_split
from pglsum_hf.errors import OptionError
from pglsum_hf.training import model_setup
from pglsum_hf.training.train import train

# The original network, narrowed for speed (the tiny synthetic profile has 1024-d features).
ORIGINAL = dict(input_size=1024, output_size=64, heads=4, num_segments=2, local_heads=2)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[Path, dict[str, torch.Tensor]]:
    """An original-layout checkpoint with random weights, converted by `pglsum convert-checkpoint`."""
    folder = tmp_path_factory.mktemp("base")
    reference = ReferencePGLSum(**ORIGINAL).randomize_(torch.Generator().manual_seed(0))
    torch.save(reference.state_dict(), folder / "pgl_sum.pt")
    assert (
        cli.main(
            ["convert-checkpoint", "--checkpoint", str(folder / "pgl_sum.pt"), "--output_dir", str(folder / "model")]
        )
        == 0
    )
    return folder / "model", reference.state_dict()


def literal_original_loop(state_dict, videos, n_epochs: int) -> list[float]:
    """The original solver with one group holding every training video: per-video MSE backward, clip 5, Adam step."""
    model = ReferencePGLSum(**ORIGINAL, dropout=0.0)
    model.load_state_dict(state_dict)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5, weight_decay=1e-5)
    criterion = torch.nn.MSELoss()
    losses = []
    for _ in range(n_epochs):
        epoch_losses = []
        for video in videos:
            features = torch.as_tensor(np.asarray(video["features"]), dtype=torch.float32)
            target = torch.as_tensor(np.asarray(video["gtscore"]), dtype=torch.float32)
            loss = criterion(model(features), target)
            loss.backward()
            epoch_losses.append(loss.item())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(np.mean(epoch_losses)))
    return losses


def test_fine_tuning_a_converted_checkpoint_follows_the_original_recipe(
    tiny_h5: Path, converted, tmp_path: Path
) -> None:
    folder, state_dict = converted
    result = train(dataset=str(tiny_h5), model_name_or_path=str(folder), batch_size=4, n_epochs=4, dropout=0.0,
                   attention_dropout=0.0, eval_method="max", report_to="none", output_dir=str(tmp_path / "tuned"))  # fmt: skip
    train_videos = load_split(str(tiny_h5), 0, show_progress=False)["train"]
    expected = literal_original_loop(state_dict, [train_videos[i] for i in range(len(train_videos))], n_epochs=4)
    losses = [record["loss"] for record in result.history]
    np.testing.assert_allclose(losses, expected, rtol=0, atol=1e-5)
    assert len(set(np.round(losses, 6))) == len(losses), "the loss must move, or the test proves nothing"
    metrics = json.loads((tmp_path / "tuned" / "metrics.json").read_text())
    assert metrics["base_model"] == str(folder) and metrics["hyperparameters"]["config.num_heads"] == 4


def test_architecture_options_must_agree_with_the_base_model(
    tiny_h5: Path, converted, tmp_path: Path, monkeypatch
) -> None:
    folder, _ = converted
    with pytest.raises(
        OptionError, match=r"--model_name_or_path: .*--num_heads 8 but the model has num_heads=4; --num_segments 4 but"
    ):
        train(dataset=str(tiny_h5), model_name_or_path=str(folder), num_heads=8, num_segments=4, batch_size=4, n_epochs=1,
              eval_method="max", report_to="none", output_dir=str(tmp_path / "out"))  # fmt: skip
    assert not (tmp_path / "out").exists()
    # agreeing options are fine; the base model is resolved and read once
    calls = []
    real = model_setup.load_model_config
    monkeypatch.setattr(model_setup, "load_model_config", lambda *args: calls.append(args) or real(*args))
    result = train(dataset=str(tiny_h5), model_name_or_path=str(folder), num_heads=4, hidden_size=64, batch_size=4, n_epochs=1,
                   eval_method="max", report_to="none", output_dir=str(tmp_path / "agree"))  # fmt: skip
    assert result.model.config.num_heads == 4 and len(calls) == 1


def test_the_card_names_a_hub_base_model(tiny_h5: Path, converted, tmp_path: Path, hub_repo_id: str) -> None:
    from huggingface_hub import ModelCard

    from pglsum_hf import PGLSumModel

    folder, _ = converted
    PGLSumModel.from_pretrained(folder).push_to_hub(hub_repo_id)
    # the card is the command's: written once the library saved the model
    argv = ["train", "--dataset", str(tiny_h5), "--model_name_or_path", hub_repo_id, "--batch_size", "4", "--n_epochs", "1",
            "--eval_method", "max", "--report_to", "none", "--output_dir", str(tmp_path / "tuned")]  # fmt: skip
    assert cli.main(argv) == 0
    card = ModelCard.load(tmp_path / "tuned" / "README.md")
    assert card.data.base_model == hub_repo_id
