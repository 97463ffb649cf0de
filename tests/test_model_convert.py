"""Original PGL-SUM state dicts convert into PGLSumModel folders that give the original's scores."""

from __future__ import annotations

import json
import os

import pytest
import torch
from huggingface_hub import HfApi
from reference_pglsum import ReferencePGLSum

from pglsum_hf import PGLSumModel, cli
from pglsum_hf.commands.convert_checkpoint import main
from pglsum_hf.errors import CheckpointError, OptionError, OutputExistsError
from pglsum_hf.release.original_checkpoint import convert_checkpoint, expected_original_shapes

SMALL = {"input_size": 24, "output_size": 32, "heads": 4, "num_segments": 2, "local_heads": 2}


def convert_into(checkpoint, output_dir, *options: str) -> int:
    """``pglsum convert-checkpoint`` in-process, its expected errors raised rather than printed."""
    return main(["--checkpoint", str(checkpoint), "--output_dir", str(output_dir), *options])


def write_reference(tmp_path, seed=0, name="pgl_sum.pt", **settings):
    reference = ReferencePGLSum(**{**SMALL, **settings}).randomize_(torch.Generator().manual_seed(seed)).eval()
    path = tmp_path / name
    torch.save(reference.state_dict(), path)
    return reference, path


def test_default_original_layout_has_the_documented_keys():
    shapes = expected_original_shapes(1024, 1024, heads=8, n_segments=4, local_heads=4)
    assert shapes["attention.attention.Wq.7.weight"] == (128, 1024)
    assert shapes["attention.attention.out.weight"] == (1024, 1024)
    assert shapes["attention.local_attention.3.Wv.3.weight"] == (64, 1024)
    assert shapes["attention.local_attention.0.out.weight"] == (1024, 256)
    assert shapes["linear_2.weight"] == (1, 1024) and shapes["norm_linear.bias"] == (1024,)
    assert set(shapes) == set(ReferencePGLSum().state_dict())
    assert len(shapes) == 3 * 8 + 1 + 4 * (3 * 4 + 1) + 8


def test_cli_converts_infers_heads_and_segments_and_writes_a_hub_folder(tmp_path, capsys):
    reference, checkpoint = write_reference(tmp_path, pos_enc="relative", fusion="max")
    output = tmp_path / "converted"
    assert (
        cli.main(
            [
                "convert-checkpoint",
                "--checkpoint",
                str(checkpoint),
                "--output_dir",
                str(output),
                "--fusion",
                "max",
                "--pos_enc",
                "relative",
            ]
        )
        == 0
    )
    assert "heads=4, n_segments=2" in capsys.readouterr().out
    assert {p.name for p in output.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "README.md",
        "modeling_pglsum.py",
    }
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    config = json.loads((output / "config.json").read_text())
    assert (config["num_heads"], config["num_segments"], config["local_heads"]) == (4, 2, 2)
    readme = (output / "README.md").read_text()
    assert "license: other" in readme and "non-commercial" in readme and "pgl_sum.pt" in readme
    model = PGLSumModel.from_pretrained(output).eval()
    features = torch.rand(23, 24)
    with torch.no_grad():
        assert (model(features).scores[0] - reference(features)).abs().max() <= 1e-5


def test_global_only_checkpoint_and_unused_local_weights(tmp_path):
    reference, checkpoint = write_reference(tmp_path, num_segments=None, fusion=None)
    model = convert_checkpoint(checkpoint, fusion=None)
    assert model.config.num_segments is None and model.attention.local_attention is None
    # the original builds (but never uses) local modules when n_segments is set and fusion is None
    reference, checkpoint = write_reference(tmp_path, name="unused.pt", fusion=None)
    model = convert_checkpoint(checkpoint, fusion=None)
    features = torch.rand(11, 24)
    with torch.no_grad():
        assert (model(features).scores[0] - reference(features)).abs().max() <= 1e-5


def test_every_bad_key_is_listed_in_one_error(tmp_path):
    state = ReferencePGLSum(**SMALL).state_dict()
    del state["attention.attention.Wk.1.weight"], state["norm_y.bias"]
    state["attention.attention.extra.weight"] = torch.zeros(3)
    state["linear_1.bias"] = torch.zeros(5)
    torch.save(state, tmp_path / "broken.pt")
    with pytest.raises(ValueError) as error:
        convert_checkpoint(tmp_path / "broken.pt")
    message = str(error.value)
    assert (
        "broken.pt" in message and "2 missing" in message and "1 unexpected" in message and "1 mis-shaped" in message
    )
    for fragment in (
        "attention.attention.Wk.1.weight",
        "norm_y.bias",
        "attention.attention.extra.weight",
        "linear_1.bias: expected [24], found [5]",
    ):
        assert fragment in message


def test_explicit_heads_that_do_not_match_the_keys_fail(tmp_path):
    _, checkpoint = write_reference(tmp_path)
    with pytest.raises(ValueError, match="missing"):
        convert_checkpoint(checkpoint, heads=8)
    with pytest.raises(ValueError, match="unexpected"):
        convert_checkpoint(checkpoint, n_segments=None)


def test_files_that_are_not_state_dicts_are_refused_without_running_code(tmp_path):
    torch.save([torch.zeros(2)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match=r"list.pt: expected a state dict .*found list"):
        convert_checkpoint(tmp_path / "list.pt")
    torch.save({"epoch": 3, "lr": 0.1}, tmp_path / "meta.pt")
    with pytest.raises(ValueError, match=r"values are all tensors.*'epoch' \(int\)"):
        convert_checkpoint(tmp_path / "meta.pt")
    torch.save(ReferencePGLSum(**SMALL), tmp_path / "module.pt")  # a pickled model object, not a state dict
    with pytest.raises(ValueError, match=r"module.pt: .*weights_only=True.*never executed"):
        convert_checkpoint(tmp_path / "module.pt")
    (tmp_path / "text.pt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="text.pt"):
        convert_checkpoint(tmp_path / "text.pt")


def test_wrapped_state_dict_and_push_to_hub(tmp_path, hub_repo_id):
    reference = ReferencePGLSum(**SMALL).randomize_(torch.Generator().manual_seed(5)).eval()
    torch.save({"state_dict": reference.state_dict()}, tmp_path / "wrapped.pt")
    assert (
        main(
            [
                "--checkpoint",
                str(tmp_path / "wrapped.pt"),
                "--output_dir",
                str(tmp_path / "out"),
                "--push_to_hub",
                hub_repo_id,
            ]
        )
        == 0
    )
    assert "README.md" in HfApi().list_repo_files(hub_repo_id)
    model = PGLSumModel.from_pretrained(hub_repo_id, cache_dir=tmp_path / "cache").eval()
    features = torch.rand(9, 24)
    with torch.no_grad():
        assert (model(features).scores[0] - reference(features)).abs().max() <= 1e-5


class Payload:
    """Unpickling this runs ``open(marker, "w")``: the conversion must never do that."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickled_payload_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    state = ReferencePGLSum(**SMALL).state_dict()
    torch.save({**state, "extra": Payload(marker)}, tmp_path / "planted.pt")
    torch.save(Payload(marker), tmp_path / "bare.pt")
    for name in ("planted.pt", "bare.pt"):
        with pytest.raises(CheckpointError, match=f"{name}: not a PyTorch state dict readable with torch.load"):
            convert_checkpoint(tmp_path / name)
        assert not marker.exists()


def test_bad_checkpoints_give_one_line_naming_the_file(tmp_path, capsys):
    (tmp_path / "text.pt").write_text("not a checkpoint at all")
    state = ReferencePGLSum(**SMALL).state_dict()
    state["linear_1.weight"][3, 4] = float("nan")
    torch.save(state, tmp_path / "nan.pt")
    # 3 segments of a 32-wide attention: 10 columns for 2 heads of 4, which the original crashes on in forward
    write_reference(tmp_path, name="three.pt", num_segments=3, local_heads=4)
    cases = {"text.pt": "text.pt: not a PyTorch state dict", "nan.pt": "nan.pt: weight 'linear_1.weight' holds NaN",
             "three.pt": "three.pt: these weights describe a network that cannot run"}  # fmt: skip
    for name, words in cases.items():
        assert (
            cli.main(
                ["convert-checkpoint", "--checkpoint", str(tmp_path / name), "--output_dir", str(tmp_path / name[:-3])]
            )
            == 1
        )
        error = capsys.readouterr().err
        assert error.startswith("pglsum convert-checkpoint: ") and words in error and "Traceback" not in error
        assert len(error.strip().splitlines()) == 1, error
        assert not (tmp_path / name[:-3]).exists()
    assert (
        cli.main(
            ["convert-checkpoint", "--checkpoint", str(tmp_path / "absent.pt"), "--output_dir", str(tmp_path / "x")]
        )
        == 2
    )
    assert "--checkpoint: " in capsys.readouterr().err


def test_bad_options_are_refused_before_reading(tmp_path):
    _, checkpoint = write_reference(tmp_path)
    with pytest.raises(OptionError, match="--heads: must be a positive integer"):
        convert_into(checkpoint, tmp_path / "out", "--heads", "0")
    with pytest.raises(OptionError, match="--n_segments"):
        convert_into(checkpoint, tmp_path / "out", "--n_segments", "1")
    assert (
        cli.main(
            [
                "convert-checkpoint",
                "--checkpoint",
                str(checkpoint),
                "--output_dir",
                str(tmp_path / "o"),
                "--heads",
                "0",
            ]
        )
        == 2
    )


def test_output_folders_holding_inputs_or_user_files_are_never_wiped(tmp_path, monkeypatch):
    _, checkpoint = write_reference(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    for output, overwrite in ((".", False), (".", True), (str(tmp_path), True)):
        with pytest.raises(OutputExistsError):
            convert_into(checkpoint, output, *(["--overwrite"] if overwrite else []))
    assert checkpoint.is_file() and (tmp_path / "notes.txt").read_text() == "mine"
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("keep")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        convert_into(checkpoint, other)
    assert (other / "keep.txt").exists()
    umask = os.umask(0o022)
    try:
        convert_into(checkpoint, other, "--overwrite")
    finally:
        os.umask(umask)
    assert not (other / "keep.txt").exists() and (other / "model.safetensors").is_file()
    assert other.stat().st_mode & 0o777 == 0o755
    assert {path.name: path.stat().st_mode & 0o777 for path in other.iterdir()} == {
        path.name: 0o644 for path in other.iterdir()
    }


def test_converted_weights_give_the_original_scores_in_a_batch(tmp_path):
    reference, checkpoint = write_reference(tmp_path, seed=4)
    model = convert_checkpoint(checkpoint)
    lengths = [23, 7, 1, 12]
    features = torch.rand(len(lengths), 25, 24)
    mask = (torch.arange(25)[None] < torch.tensor(lengths)[:, None]).long()
    with torch.no_grad():
        scores = model(features, attention_mask=mask).scores
        for row, length in enumerate(lengths):
            assert (scores[row, :length] - reference(features[row, :length])).abs().max() <= 1e-5
