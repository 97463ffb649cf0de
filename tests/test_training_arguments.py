"""`pglsum train` arguments: the original names and defaults, dataset-dependent defaults, clear errors."""

from __future__ import annotations

import typing

import pytest

from pglsum_hf.choices_pglsum import FUSIONS, INIT_TYPES, POSITIONAL_ENCODINGS
from pglsum_hf.commands.train import TrainArguments, parse_args
from pglsum_hf.errors import OptionError
from pglsum_hf.training.architecture import ARCHITECTURE_OPTIONS, config_defaults, given_architecture
from pglsum_hf.training.arguments import PGLSumTrainingArguments


def test_original_defaults_and_dataset_dependent_ones() -> None:
    summe = parse_args(["--video_type", "data/synthetic_summe.h5"])
    assert (summe.n_epochs, summe.lr, summe.l2_req, summe.clip, summe.seed) == (200, 5e-5, 1e-5, 5.0, 12345)
    assert all(getattr(summe, name) is None for name in ARCHITECTURE_OPTIONS), "unset: the config's or a base model's"
    assert given_architecture(summe) == {}
    assert (summe.batch_size, summe.eval_method, summe.output_dir) == (20, "max", "pglsum-synthetic_summe-split0")
    tvsum = parse_args(["--dataset", "org/tvsum", "--split_index", "3"])
    assert (tvsum.batch_size, tvsum.eval_method, tvsum.output_dir) == (40, "avg", "pglsum-tvsum-split3")
    assert parse_args(["--dataset", "org/tvsum", "--batch_size", "8", "--eval_method", "max"]).batch_size == 8


def test_the_architecture_options_are_the_configs_fields_with_the_configs_defaults() -> None:
    from pglsum_hf.configuration_pglsum import PGLSumConfig

    config = PGLSumConfig()
    assert config_defaults() == {name: getattr(config, name) for name in config_defaults()}
    assert set(ARCHITECTURE_OPTIONS) <= set(config_defaults())
    # the original's spellings stay as aliases of the config's names; `--pos_enc none` is the config's None
    args = parse_args(["--dataset", "summe", "--heads", "4", "--n_segments", "2", "--pos_enc", "none"])
    assert given_architecture(args) == {"num_heads": 4, "num_segments": 2, "pos_enc": None}
    assert parse_args(["--dataset", "summe", "--num-heads", "2", "--num_segments", "3"]).num_heads == 2


def test_the_choices_are_the_configs_and_the_metrics() -> None:
    from pglsum_hf.metrics import EVAL_METHODS

    hints = typing.get_type_hints(PGLSumTrainingArguments)

    def choices(name: str) -> tuple:
        (literal,) = [arg for arg in typing.get_args(hints[name]) if arg is not type(None)]
        return typing.get_args(literal)

    assert choices("fusion") == FUSIONS and choices("init_type") == INIT_TYPES
    assert choices("pos_enc") == (*POSITIONAL_ENCODINGS, "none")
    assert choices("eval_method") == tuple(EVAL_METHODS)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "features.h5"], "--batch_size: needed: the dataset name 'features.h5'"),
        (["--dataset", "features.h5", "--batch_size", "4"], "cannot tell the eval_method of dataset 'features.h5'"),
        (["--dataset", "summe", "--split_index", "5"], "--split_index: must be an integer >= 0 and <= 4, got 5"),
        (["--dataset", "summe", "--push_to_hub"], "--push_to_hub: needs --hub_model_id"),
        (["--dataset", "summe", "--lr", "inf"], "--lr: must be a finite number > 0, got inf"),
        (["--dataset", "summe", "--clip", "0"], "--clip: must be a finite number > 0, got 0.0"),
        (
            ["--dataset", "summe", "--attention_dropout", "-0.1"],
            "--attention_dropout: must be a finite number >= 0 and <= 1, got -0.1",
        ),
        (["--dataset", "summe", "--n_segments", "1"], "--num_segments (--n_segments): must be an integer >= 2, got 1"),
        (["--dataset", "summe", "--heads", "3"], "--num_heads (--heads): must divide --hidden_size 1024"),
        (["--dataset", "summe", "--init_type", "normal"], "--init_gain: is needed with --init_type normal"),
        (["--dataset", "summe", "--n_epochs", "0"], "--n_epochs: must be an integer >= 1, got 0"),
        (["--dataset", "summe", "--overwrite_card"], "--overwrite_card: only applies with --push_to_hub"),
    ],
)
def test_bad_values_raise_option_errors(argv: list[str], message: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_args(argv)
    assert message in str(error.value)
    assert error.value.exit_code == 2


def test_bad_choices_exit_the_argparse_way(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--dataset", "summe", "--fusion", "sum"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'sum'" in capsys.readouterr().err


def test_python_arguments_raise_option_errors() -> None:
    with pytest.raises(OptionError, match="--clip: must be a finite number > 0, got 0"):
        PGLSumTrainingArguments(dataset="summe", clip=0)


def test_the_library_arguments_hold_the_run_and_the_command_adds_the_upload() -> None:
    library = {item for item in PGLSumTrainingArguments.__dataclass_fields__}
    command = {item for item in TrainArguments.__dataclass_fields__}
    assert command - library == {"push_to_hub", "hub_model_id", "hub_private_repo", "overwrite_card"}
    with pytest.raises(TypeError):
        PGLSumTrainingArguments(dataset="summe", push_to_hub=True)


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--dataset", "summe", "--lr", "1", "--help"]])
def test_help_exits_zero_with_the_help(argv: list[str], capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: pglsum train ") and "--num_heads NUM_HEADS, --heads NUM_HEADS" in text
    for spelled in ("--video_type", "--heads", "--n_segments", "--n-segments", "--private", "--overwrite_card"):
        assert spelled in text
    assert "unset: 8 (PGLSumConfig.num_heads)" in " ".join(text.split())


def test_help_after_double_dash_is_not_an_option(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--dataset", "summe", "--", "--help"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err
