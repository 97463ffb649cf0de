"""`pglsum train` arguments: the original names and defaults, dataset-dependent defaults, clear errors."""

from __future__ import annotations

import pytest

from pglsum_hf.errors import OptionError
from pglsum_hf.training.arguments import PGLSumTrainingArguments, parse_args


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
