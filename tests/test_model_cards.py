"""Model cards and uploads: remote code in any import order, cards that never lie or clobber, only the model uploaded."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import yaml
from huggingface_hub import HfApi, ModelCard, hf_hub_download

from pglsum_hf import PGLSumConfig, PGLSumModel, hub
from pglsum_hf.app.space import space_requirements
from pglsum_hf.commands.train import TrainArguments, train_and_publish
from pglsum_hf.data.convert import convert_h5_to_dataset
from pglsum_hf.data.origin import data_origin
from pglsum_hf.model_card import model_card, save_card
from pglsum_hf.model_folder import save_model_files

SMALL = dict(input_size=16, hidden_size=32, num_heads=2, num_segments=2, local_heads=2)
TINY_TRAINING = dict(batch_size=2, eval_method="max", report_to="none", hidden_size=64, n_epochs=2, split_index=0)
# What a training folder holds besides the model: none of it may leave the machine.
NOT_THE_MODEL = ("checkpoints/", "logs/", ".pglsum_train_run.json", "run.replaced")

IMPORT_ORDERS = {
    "transformers, then the package": "from transformers import AutoModel\nimport pglsum_hf\nfrom pglsum_hf import PGLSumModel, PGLSumConfig",
    "transformers, then the names": "import transformers.models.auto.modeling_auto\nfrom pglsum_hf import PGLSumConfig, PGLSumModel",
    "the package first": "import pglsum_hf\nfrom transformers import AutoModel\nfrom pglsum_hf import PGLSumConfig, PGLSumModel",
    "the modules directly": "from pglsum_hf.modeling_pglsum import PGLSumModel\nfrom pglsum_hf.configuration_pglsum import PGLSumConfig",
}  # fmt: skip


@pytest.fixture(scope="module")
def model() -> PGLSumModel:
    torch.manual_seed(0)
    return PGLSumModel(PGLSumConfig(**SMALL)).eval()


def test_every_import_order_saves_the_code_and_auto_map(tmp_path):
    runs = {}
    for index, (order, imports) in enumerate(IMPORT_ORDERS.items()):
        folder = tmp_path / f"order{index}"
        script = f"{imports}\nPGLSumModel(PGLSumConfig(**{SMALL!r})).save_pretrained({str(folder)!r})\n"
        runs[order] = (folder, subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True))
    for order, (folder, process) in runs.items():
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, f"{order}: {stderr[-2000:]}"
        assert {"modeling_pglsum.py", "configuration_pglsum.py", "choices_pglsum.py"} <= {
            p.name for p in folder.iterdir()
        }, order
        assert json.loads((folder / "config.json").read_text())["auto_map"] == {
            "AutoConfig": "configuration_pglsum.PGLSumConfig",
            "AutoModel": "modeling_pglsum.PGLSumModel",
        }, order


def test_the_model_file_knows_nothing_of_the_hub(tmp_path, model):
    source = Path(sys.modules[PGLSumModel.__module__].__file__).read_text(encoding="utf-8")
    assert "pglsum_hf" not in source and "save_pretrained" not in vars(PGLSumModel)
    assert "push_to_hub" not in vars(PGLSumModel)
    # save_pretrained leaves a README.md of the user's alone, as transformers does
    (tmp_path / "README.md").write_text("my notes\n", encoding="utf-8")
    model.save_pretrained(tmp_path)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my notes\n"
    assert not save_card(model_card(model, "someone/x"), tmp_path)  # a card is written only when asked
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my notes\n"
    assert save_card(model_card(model, "someone/x"), tmp_path, overwrite=True)
    assert "# someone/x" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_synthetic_is_read_from_the_data_not_its_name(tiny_h5, tmp_path):
    copied = shutil.copy(tiny_h5, tmp_path / "summe.h5")
    assert data_origin(copied).synthetic and data_origin(copied).name == "summe.h5"
    folder = convert_h5_to_dataset(tiny_h5, tiny_h5.with_name("synthetic_tiny_splits.json"), tmp_path / "summe",
                                   show_progress=False)  # fmt: skip
    origin = data_origin(folder)
    assert origin.synthetic and origin.name == "summe" and origin.hub_id is None
    # a folder whose card does not say synthetic is not called so, whatever its name
    unmarked = tmp_path / "synthetic_but_not_really"
    shutil.copytree(folder, unmarked)
    card = (unmarked / "README.md").read_text(encoding="utf-8").replace("\n- synthetic\n", "\n")
    (unmarked / "README.md").write_text(card, encoding="utf-8")
    assert not data_origin(unmarked).synthetic


@pytest.fixture(scope="module")
def synthetic_as_summe(tiny_h5, tmp_path_factory) -> tuple[Path, str]:
    """The tiny SYNTHETIC set converted into a folder named ``summe`` and pushed as ``someone/summe``."""
    folder = convert_h5_to_dataset(tiny_h5, tiny_h5.with_name("synthetic_tiny_splits.json"),
                                   tmp_path_factory.mktemp("data") / "summe", show_progress=False)  # fmt: skip
    hub.push_dataset_folder(folder, "someone/summe")
    return folder, "someone/summe"


def _card_of(text: str) -> ModelCard:
    return ModelCard(text)


def test_train_push_names_the_hub_id_marks_synthetic_and_uploads_only_the_model(
    synthetic_as_summe, tmp_path, hub_repo_id
):
    _, dataset_id = synthetic_as_summe
    output_dir = tmp_path / "local-run-folder"
    # the command's run: the library trains and saves the model, the command writes the card and uploads
    args = TrainArguments(dataset=dataset_id, output_dir=str(output_dir), push_to_hub=True, hub_model_id=hub_repo_id,
                          **TINY_TRAINING)  # fmt: skip
    train_and_publish(args)
    assert (output_dir / "checkpoints").is_dir()  # there is something that must stay local

    files = HfApi().list_repo_files(hub_repo_id)
    assert {"config.json", "model.safetensors", "README.md", "modeling_pglsum.py", "metrics.json"} <= set(files)
    assert not [name for name in files if name.startswith(NOT_THE_MODEL)], files

    text = Path(hf_hub_download(hub_repo_id, "README.md", cache_dir=tmp_path / "cache")).read_text(encoding="utf-8")
    assert text == (output_dir / "README.md").read_text(encoding="utf-8")
    card = _card_of(text)
    assert "synthetic" in card.data.tags and card.data.pipeline_tag == "video-summarization"
    assert card.data.datasets == [dataset_id] and card.data.library_name == "transformers"
    assert card.data.model_name == f"{hub_repo_id} (SYNTHETIC data)"
    assert f"# {hub_repo_id} (SYNTHETIC data)" in card.text
    assert f'AutoModel.from_pretrained("{hub_repo_id}"' in card.text and "local-run-folder" not in text
    assert card.data.eval_results and {result.dataset_type for result in card.data.eval_results} == {dataset_id}
    assert all("SYNTHETIC" in result.dataset_name for result in card.data.eval_results)


def test_training_on_a_synthetic_folder_named_summe_gives_a_synthetic_card(synthetic_as_summe, tmp_path):
    folder, _ = synthetic_as_summe
    output_dir = tmp_path / "run"
    train_and_publish(TrainArguments(dataset=str(folder), output_dir=str(output_dir), **TINY_TRAINING))
    card = _card_of((output_dir / "README.md").read_text(encoding="utf-8"))
    assert "synthetic" in card.data.tags and "SYNTHETIC" in card.data.model_name and "SYNTHETIC" in card.text
    assert card.data.datasets is None  # a local folder is not a Hub dataset
    for result in card.data.eval_results:
        assert "SYNTHETIC" in result.dataset_name
        assert not os.path.isabs(result.dataset_type) and not Path(result.dataset_type).exists()
    assert str(folder) not in card.content


def test_a_card_on_the_hub_is_kept_unless_asked(tmp_path, model, hub_repo_id):
    api = HfApi()
    api.create_repo(hub_repo_id)
    edited = "---\nlicense: apache-2.0\n---\n\n# Hand-edited card\n"
    api.upload_file(path_or_fileobj=edited.encode(), path_in_repo="README.md", repo_id=hub_repo_id)
    folder = save_model_files(model, tmp_path / "model")
    save_card(model_card(model, hub_repo_id), folder)

    hub.push_model_folder(folder, hub_repo_id)
    assert {"config.json", "model.safetensors"} <= set(api.list_repo_files(hub_repo_id))
    kept = Path(hf_hub_download(hub_repo_id, "README.md", cache_dir=tmp_path / "first")).read_text(encoding="utf-8")
    assert kept == edited

    hub.push_model_folder(folder, hub_repo_id, overwrite_card=True)
    text = Path(hf_hub_download(hub_repo_id, "README.md", cache_dir=tmp_path / "second")).read_text(encoding="utf-8")
    assert text == (folder / "README.md").read_text(encoding="utf-8") and "license: mit" in text


def test_train_refuses_overwrite_card_without_a_push():
    from pglsum_hf.errors import OptionError

    with pytest.raises(OptionError, match="--overwrite_card: only applies with --push_to_hub"):
        TrainArguments(dataset="summe.h5", output_dir="out", overwrite_card=True)


@pytest.fixture
def training_folder(tmp_path, model) -> Path:
    """A folder as ``pglsum train`` leaves it: the model and card, plus checkpoints, logs, a marker, set-aside content."""
    folder = tmp_path / "run"
    model.save_pretrained(folder)
    (folder / "README.md").write_text("# run\n", encoding="utf-8")
    for name in ("checkpoints/checkpoint-1/optimizer.bin", "checkpoints/checkpoint-1/model.safetensors",
                 "logs/events.out.tfevents.1", ".pglsum_train_run.json", "run.replaced/model.safetensors"):  # fmt: skip
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"not the model")
    return folder


def test_a_space_takes_only_the_model_of_a_training_folder(training_folder, tmp_path, hub_repo_id):
    from pglsum_hf.commands import app as app_cli

    space = tmp_path / "space"
    argv = ["--model", str(training_folder), "--feature_weights", "random", "--export_space", str(space)]
    assert app_cli.main([*argv, "--push_to_hub", hub_repo_id]) == 0
    assert {p.name for p in (space / "model").iterdir()} == {
        "config.json", "model.safetensors", "README.md", "modeling_pglsum.py", "configuration_pglsum.py",
        "choices_pglsum.py", "pipeline_pglsum.py",
    }  # fmt: skip
    files = HfApi().list_repo_files(hub_repo_id, repo_type="space")
    assert "model/model.safetensors" in files
    assert not [name for name in files if name.startswith(tuple(f"model/{part}" for part in NOT_THE_MODEL))], files
    assert (space / "requirements.txt").read_text() == "\n".join(space_requirements()) + "\n"


def test_the_space_requirements_are_what_the_page_imports(tmp_path):
    requirements = {re.split(r"[<>=!~ ]", line)[0] for line in space_requirements()}
    assert not requirements & {"datasets", "accelerate", "evaluate", "h5py"}
    assert {"torch", "transformers", "scipy", "av", "torchvision", "gradio"} <= requirements
    # accelerate stays importable: transformers imports it when installed, and works without it
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Hide(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("datasets", "evaluate", "h5py"):
                    raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)")
                return None

        sys.meta_path.insert(0, Hide())
        from pglsum_hf.app import build_demo
        import pglsum_hf.app.job, pglsum_hf.video.summarizer, pglsum_hf.video.features, pglsum_hf.video.writing
        import pglsum_hf.metrics
        build_demo(model=None, feature_weights="random")
        """
    )
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    result = subprocess.run(  # noqa: PLW1510 (the return code is asserted below)
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_yaml_of_a_card_is_what_the_hub_reads(model):
    header = str(model_card(model, "someone/x", base_model="someone/pglsum-summe", tags=["tvsum"])).split("---\n")[1]
    metadata = yaml.safe_load(header)
    assert metadata["base_model"] == "someone/pglsum-summe" and metadata["base_model_relation"] == "finetune"
    assert metadata["tags"] == ["video-summarization", "pglsum", "custom_code", "tvsum"]
    assert "base_model" not in yaml.safe_load(str(model_card(model, "x", base_model="./local")).split("---\n")[1])
