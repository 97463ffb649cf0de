"""`pglsum train` arguments: the original names and defaults, dataset-dependent defaults, clear errors."""

from __future__ import annotations

import pytest

from pglsum_hf.errors import OptionError
from pglsum_hf.training.arguments import PGLSumTrainingArguments, build_help_parser, build_parser, parse_args


def test_original_defaults_and_dataset_dependent_ones() -> None:
    summe = parse_args(["--video_type", "data/synthetic_summe.h5"])
    assert (summe.n_epochs, summe.lr, summe.l2_req, summe.clip, summe.seed) == (200, 5e-5, 1e-5, 5.0, 12345)
    assert summe.architecture() == {"hidden_size": 1024, "heads": 8, "n_segments": 4, "fusion": "add", "pos_enc": "absolute",
                                    "init_type": "xavier", "init_gain": None}  # fmt: skip
    assert summe.heads is None, "unset: a base model's config may set it"
    assert (summe.batch_size, summe.eval_method, summe.output_dir) == (20, "max", "pglsum-synthetic_summe-split0")
    tvsum = parse_args(["--dataset", "org/tvsum", "--split_index", "3"])
    assert (tvsum.batch_size, tvsum.eval_method, tvsum.output_dir) == (40, "avg", "pglsum-tvsum-split3")
    assert parse_args(["--dataset", "org/tvsum", "--batch_size", "8", "--eval_method", "max"]).batch_size == 8


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "features.h5"], "--batch_size: needed: the dataset name 'features.h5'"),
        (["--dataset", "features.h5", "--batch_size", "4"], "cannot tell the eval_method of dataset 'features.h5'"),
        (["--dataset", "summe", "--split_index", "5"], "--split_index: must be 0..4, found 5"),
        (["--dataset", "summe", "--push_to_hub"], "--push_to_hub: needs --hub_model_id"),
        (["--dataset", "summe", "--lr", "inf"], "--lr: must be a finite number > 0, found inf"),
        (["--dataset", "summe", "--clip", "0"], "--clip: must be a finite number > 0, found 0.0"),
        (
            ["--dataset", "summe", "--attention_dropout", "-0.1"],
            "--attention_dropout: must be a probability in [0, 1]",
        ),
        (["--dataset", "summe", "--n_segments", "1"], "--n_segments: must be an integer >= 2, found 1"),
        (["--dataset", "summe", "--heads", "3"], "--heads: must divide --hidden_size 1024"),
        (["--dataset", "summe", "--init_type", "normal"], "--init_gain: is needed with --init_type normal"),
        (["--dataset", "summe", "--n_epochs", "0"], "--n_epochs: must be an integer >= 1, found 0"),
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
    with pytest.raises(OptionError, match="--clip: must be a finite number > 0, found 0"):
        PGLSumTrainingArguments(dataset="summe", clip=0)


def _described(action) -> tuple:
    """What an argparse action shows in --help (its value type aside, which only parsing uses)."""
    return (action.option_strings, action.dest, action.nargs, action.const, action.default, action.required,
            action.choices, action.help, action.metavar)  # fmt: skip


@pytest.mark.parametrize("prog", ["pglsum train", "pglsum run-splits"])
@pytest.mark.parametrize("columns", ["100", "60"])
def test_help_without_transformers_is_the_parsers_help(prog: str, columns: str, monkeypatch) -> None:
    # `--help` is printed by a plain argparse parser built from the dataclass (no transformers import); it must
    # show exactly what HfArgumentParser, which parses every run, would.
    monkeypatch.setenv("COLUMNS", columns)
    light, parser = build_help_parser(prog), build_parser(prog)
    assert [_described(action) for action in light._actions] == [_described(action) for action in parser._actions]
    assert light.format_help() == parser.format_help()


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--dataset", "summe", "--lr", "1", "--help"]])
def test_help_exits_zero_with_the_help(argv: list[str], capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == build_parser().format_help()


def test_help_after_double_dash_is_not_an_option(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--dataset", "summe", "--", "--help"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err
