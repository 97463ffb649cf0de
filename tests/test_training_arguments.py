"""`pglsum train` arguments: the original names and defaults, dataset-dependent defaults, clear errors."""

from __future__ import annotations

import pytest

from pglsum_hf.training.arguments import PGLSumTrainingArguments, parse_args


def test_original_defaults_and_dataset_dependent_ones() -> None:
    summe = parse_args(["--video_type", "data/synthetic_summe.h5"])
    assert (summe.n_epochs, summe.lr, summe.l2_req, summe.clip, summe.seed, summe.init_type) == (200, 5e-5, 1e-5, 5.0, 12345, "xavier")
    assert (summe.heads, summe.n_segments, summe.fusion, summe.pos_enc) == (8, 4, "add", "absolute")
    assert (summe.batch_size, summe.eval_method, summe.output_dir) == (20, "max", "pglsum-synthetic_summe-split0")
    tvsum = parse_args(["--dataset", "org/tvsum", "--split_index", "3"])
    assert (tvsum.batch_size, tvsum.eval_method, tvsum.output_dir) == (40, "avg", "pglsum-tvsum-split3")
    assert parse_args(["--dataset", "org/tvsum", "--batch_size", "8", "--eval_method", "max"]).batch_size == 8


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "features.h5"], "--batch_size is needed: the dataset name 'features.h5'"),
        (["--dataset", "features.h5", "--batch_size", "4"], "cannot tell the eval_method of dataset 'features.h5'"),
        (["--dataset", "summe", "--split_index", "5"], "--split_index must be 0..4, found 5"),
        (["--dataset", "summe", "--push_to_hub"], "--push_to_hub needs --hub_model_id"),
        (["--dataset", "summe", "--fusion", "sum"], "invalid choice: 'sum'"),
    ],
)
def test_bad_arguments_exit_with_a_message(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_python_arguments_raise_value_errors() -> None:
    with pytest.raises(ValueError, match="--clip must be > 0, found 0"):
        PGLSumTrainingArguments(dataset="summe", clip=0)
