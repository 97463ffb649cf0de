"""One command-line dialect: every option in snake and kebab case, one `--push_to_hub`, quiet libraries."""

from __future__ import annotations

import logging
import re

import pytest

from pglsum_hf import __version__, cli
from pglsum_hf.commands.train import parse_args

UPLOADING_COMMANDS = ["convert", "make-dataset", "convert-checkpoint", "app", "train"]
EVERY_COMMAND = [name for name in cli.COMMANDS if name != "benchmark"] + [
    f"benchmark {name}" for name in cli.BENCHMARKS
]


def _help(command: str, capsys) -> str:
    assert cli.main([*command.split(), "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_option_has_a_kebab_case_spelling(command, capsys):
    # The spellings argparse lists at the start of each option's help entry (not options named in prose).
    entries = re.findall(r"^  (-.*?)(?:  |$)", _help(command, capsys), re.M)
    spelled = {option for entry in entries for option in re.findall(r"--[a-z0-9_-]+", entry)}
    missing = sorted(option for option in spelled if "_" in option and option.replace("_", "-") not in spelled)
    assert not missing, f"pglsum {command}: no kebab-case spelling for {missing}"


@pytest.mark.parametrize("command", UPLOADING_COMMANDS)
def test_every_upload_speaks_as_training_arguments(command, capsys):
    text = _help(command, capsys)
    for option in ("--push_to_hub", "--hub_model_id", "--hub_private_repo"):
        assert option in text, f"pglsum {command} lacks {option}"
    # A flag (train's, as transformers', may also read `--push_to_hub true`): no repository id after it.
    assert re.search(r"\[--push_to_hub( \[PUSH_TO_HUB\])?\]", text), f"pglsum {command}: --push_to_hub takes a value"


def test_old_push_forms_stay_accepted_by_train():
    old = parse_args(["--dataset", "summe", "--push_to_hub", "me/model", "--private"])
    new = parse_args(["--dataset", "summe", "--push-to-hub", "--hub-model-id", "me/model", "--hub_private_repo"])
    for args in (old, new):
        assert (args.push_to_hub, args.hub_model_id, args.hub_private_repo) == (True, "me/model", True)


def test_push_without_a_repository_is_refused_before_any_work(tmp_path, capsys, tiny_h5):
    output = tmp_path / "dataset"
    splits = tiny_h5.with_name(tiny_h5.stem + "_splits.json")
    argv = ["convert", "--h5", str(tiny_h5), "--splits", str(splits), "--output-dir", str(output)]
    assert cli.main([*argv, "--push_to_hub"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pglsum convert: --push_to_hub: needs --hub_model_id ORG/NAME (the repository to upload to)"
    )
    assert cli.main([*argv, "--hub_private_repo"]) == 2
    assert "--hub_private_repo: only applies with --push_to_hub" in capsys.readouterr().err
    assert not output.exists()


def test_the_new_and_the_old_push_forms_upload_the_same_way(tmp_path, tiny_h5, hub_repo_id):
    import datasets

    splits = tiny_h5.with_name(tiny_h5.stem + "_splits.json")
    base = ["convert", "--h5", str(tiny_h5), "--splits", str(splits)]
    new = [*base, "--output-dir", str(tmp_path / "new"), "--push-to-hub", "--hub-model-id", hub_repo_id]
    assert cli.main(new) == 0
    old = [*base, "--output_dir", str(tmp_path / "old"), "--push_to_hub", f"{hub_repo_id}-old", "--private"]
    assert cli.main(old) == 0
    for repo in (hub_repo_id, f"{hub_repo_id}-old"):
        assert len(datasets.load_dataset(repo, "all", split="full")) > 0


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pglsum {__version__}"


@pytest.fixture
def root_logger_state():
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    yield lambda: (list(root.handlers), root.level)
    for handler in root.handlers[:]:
        if handler not in before[0]:
            root.removeHandler(handler)
    root.setLevel(before[1])


def test_commands_leave_the_root_logger_alone(tmp_path, capsys, root_logger_state):
    before = root_logger_state()
    # summarize configures its logging before it reads the inputs; the missing model folder then stops it.
    argv = ["summarize", str(tmp_path / "missing.mp4"), "--model", str(tmp_path / "no-model")]
    assert cli.main([*argv, "--output_dir", str(tmp_path / "out"), "--feature_weights", "random"]) != 0
    assert root_logger_state() == before
    package = logging.getLogger("pglsum_hf")
    assert package.getEffectiveLevel() == logging.INFO  # the command's own messages still show


def test_progress_bars_follow_tqdm_disable(tmp_path, capsys, monkeypatch):
    argv = ["make-synthetic", "--profile", "tiny", "--output_dir"]
    assert cli.main([*argv, str(tmp_path / "shown")]) == 0
    assert "synthetic tiny videos" in capsys.readouterr().err  # the bar, without the switch
    for switch in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        with monkeypatch.context() as patch:
            patch.setenv(switch, "1")
            assert cli.main([*argv, str(tmp_path / switch)]) == 0
            assert "synthetic tiny videos" not in capsys.readouterr().err, switch
