"""Weights, code and model card survive save/load, a Hub round trip, and loading where pglsum_hf is absent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from huggingface_hub import HfApi, hf_hub_download
from transformers import AutoConfig, AutoModel

from pglsum_hf import PGLSumConfig, PGLSumModel, hub, model_loading
from pglsum_hf.errors import OptionError, PGLSumError
from pglsum_hf.model_card import model_card, save_card
from pglsum_hf.model_folder import save_model_files

SMALL = {
    "input_size": 16,
    "hidden_size": 32,
    "num_heads": 2,
    "num_segments": 2,
    "local_heads": 2,
    "pos_enc": "relative",
}


def scores_of(model: PGLSumModel) -> torch.Tensor:
    features = torch.linspace(0, 1, 2 * 7 * 16).reshape(2, 7, 16)
    mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    with torch.no_grad():
        return model.eval()(features, attention_mask=mask).scores


@pytest.fixture(scope="module")
def model() -> PGLSumModel:
    torch.manual_seed(0)
    return PGLSumModel(PGLSumConfig(**SMALL)).eval()


def assert_same_weights(a: PGLSumModel, b: PGLSumModel) -> None:
    first, second = a.state_dict(), b.state_dict()
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


def test_auto_classes_resolve_after_import(tmp_path, model):
    model.save_pretrained(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "modeling_pglsum.py",
        "configuration_pglsum.py",
        "choices_pglsum.py",  # imported by configuration_pglsum.py: save_pretrained copies it along
    }
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "pglsum" and config["pos_enc"] == "relative"
    assert config["auto_map"] == {
        "AutoConfig": "configuration_pglsum.PGLSumConfig",
        "AutoModel": "modeling_pglsum.PGLSumModel",
    }
    assert isinstance(AutoConfig.from_pretrained(tmp_path), PGLSumConfig)
    loaded = AutoModel.from_pretrained(tmp_path)
    assert type(loaded) is PGLSumModel
    assert_same_weights(model, loaded)
    assert torch.equal(scores_of(model), scores_of(loaded))
    assert isinstance(AutoModel.from_config(PGLSumConfig(**SMALL)), PGLSumModel)


def test_model_card(model):
    card = str(model_card(model, "someone/pglsum-summe"))
    header, body = card.split("---\n")[1], card.split("---\n", 2)[2]
    for line in ("library_name: transformers", "- video-summarization", "- pglsum", "license: mit",
                 "pipeline_tag: video-summarization"):  # fmt: skip
        assert line in header
    assert "synthetic" not in header and body.lstrip().startswith("# someone/pglsum-summe\n")
    assert 'AutoModel.from_pretrained("someone/pglsum-summe", trust_remote_code=True)' in body
    assert "apostolidis2021pglsum" in body and "## License" in body and "`relative`" in body
    assert "$" not in body.replace("$ ", "")


def test_push_to_hub_then_load_from_a_fresh_cache(tmp_path, model, hub_repo_id, monkeypatch):
    # transformers' own push_to_hub: config, weights and the code files
    commit = model.push_to_hub(hub_repo_id, tags=["summe"])
    assert commit is not None
    files = set(HfApi().list_repo_files(hub_repo_id))
    assert {"config.json", "model.safetensors", "README.md", "modeling_pglsum.py", "configuration_pglsum.py",
            "choices_pglsum.py"} <= files  # fmt: skip
    loaded = PGLSumModel.from_pretrained(hub_repo_id, cache_dir=tmp_path / "fresh")
    assert_same_weights(model, loaded)
    assert torch.equal(scores_of(model), scores_of(loaded))

    # pglsum-hf's push: the model files and the PGL-SUM card, keeping the commit message it was given
    other = f"{hub_repo_id}-saved"
    save_card(model_card(model, other), save_model_files(model, tmp_path / "saved"))
    hub.push_model_folder(tmp_path / "saved", other, commit_message="first weights")
    readme = Path(hf_hub_download(other, "README.md", cache_dir=tmp_path / "card2")).read_text(encoding="utf-8")
    assert "apostolidis2021pglsum" in readme and "automatically generated" not in readme and other in readme
    assert (tmp_path / "saved" / "README.md").read_text(encoding="utf-8") == readme
    assert "first weights" in [commit.title for commit in HfApi().list_repo_commits(other)]


def test_push_to_hub_keeps_a_hand_edited_card(tmp_path, model, hub_repo_id):
    api = HfApi()
    api.create_repo(hub_repo_id)
    edited = "---\nlicense: apache-2.0\n---\n\n# Hand-edited card\n"
    api.upload_file(path_or_fileobj=edited.encode(), path_in_repo="README.md", repo_id=hub_repo_id)
    model.push_to_hub(hub_repo_id)
    assert {"config.json", "model.safetensors", "modeling_pglsum.py"} <= set(api.list_repo_files(hub_repo_id))
    card = Path(hf_hub_download(hub_repo_id, "README.md", cache_dir=tmp_path / "card")).read_text(encoding="utf-8")
    assert "license: apache-2.0" in card and "# Hand-edited card" in card and "license: mit" not in card


def test_saved_files_have_the_usual_permissions(tmp_path, model):
    umask = os.umask(0o022)
    try:
        save_model_files(model, tmp_path / "saved")
    finally:
        os.umask(umask)
    for path in (tmp_path / "saved").iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path.name


def test_old_stacked_layout_is_refused(tmp_path, model):
    from safetensors.torch import save_file

    model.save_pretrained(tmp_path / "old")
    old = {"attention.global_attention.query": torch.zeros(1, 32, 16), "regressor.linear_2.bias": torch.zeros(1)}
    save_file(old, tmp_path / "old" / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(ValueError, match="stacked layout.*attention.global_attention.query.*convert-checkpoint"):
        PGLSumModel.from_pretrained(tmp_path / "old")
    with pytest.raises(PGLSumError, match=r"model.safetensors: .*stacked layout"):
        model_loading.resolve_model_source(tmp_path / "old")


def test_model_source_resolution(tmp_path, model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for missing in ("./no-model", "runs/no/model", "no-model/", str(tmp_path / "absent"), "~/surely-absent-pglsum"):
        with pytest.raises(OptionError, match=r"--model: folder .* does not exist"):
            model_loading.resolve_model_source(missing)
    assert model_loading.resolve_model_source("someone/pglsum-summe") == "someone/pglsum-summe"  # left to the Hub
    model.save_pretrained("saved")
    assert model_loading.resolve_model_source("saved") == str(tmp_path / "saved")
    (tmp_path / "saved" / "model.safetensors").write_bytes(b"\x00garbage")
    with pytest.raises(PGLSumError, match=r"saved/model.safetensors: not a readable safetensors file"):
        model_loading.resolve_model_source("saved", option="--model")
    (tmp_path / "saved" / "model.safetensors").unlink()
    with pytest.raises(PGLSumError, match=r"--model: folder saved has no model.safetensors"):
        model_loading.resolve_model_source("saved")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OptionError, match="is a file"):
        model_loading.resolve_model_source("file")


def test_a_hub_listing_that_fails_leaves_the_one_line_about_the_model(monkeypatch):
    # Listing a repository's model folders is only a better message; when the listing fails in the HTTP client (its
    # errors are no OSError: a name that does not resolve, a refused connection), the config's own error remains.
    class TransportError(Exception):
        pass

    def refuse(*args, **kwargs):
        raise TransportError("Name or service not known")

    monkeypatch.setattr(HfApi, "list_repo_files", refuse)
    with pytest.raises(OptionError, match=r"--model: someone/no-such-model: cannot read the model's config"):
        model_loading.load_model_config("someone/no-such-model")


def test_remote_code_loads_without_pglsum_hf(tmp_path, model, hub_repo_id):
    model.push_to_hub(hub_repo_id)
    expected = scores_of(model)
    features = torch.linspace(0, 1, 2 * 7 * 16).reshape(2, 7, 16).tolist()
    script = textwrap.dedent(
        f"""
        import importlib.abc, json, sys

        class HidePglsumHf(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "pglsum_hf" or name.startswith("pglsum_hf."):
                    raise ModuleNotFoundError(f"No module named {{name!r}} (hidden by the test)")
                return None

        sys.meta_path.insert(0, HidePglsumHf())
        try:
            import pglsum_hf
        except ModuleNotFoundError:
            pass
        else:
            raise SystemExit("pglsum_hf should not be importable here")

        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained({hub_repo_id!r}, trust_remote_code=True).eval()
        assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
        features = torch.tensor({features})
        mask = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
        with torch.no_grad():
            print(json.dumps(model(features, attention_mask=mask).scores.tolist()))
        """
    )
    env = {**os.environ, "HF_HOME": str(tmp_path / "empty-hf-home")}
    result = subprocess.run(  # noqa: PLW1510 (the return code is asserted below)
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = torch.tensor(json.loads(result.stdout.strip().splitlines()[-1]))
    assert torch.equal(found, expected)


def test_attention_implementation_is_chosen_as_in_transformers(tmp_path, model):
    model.save_pretrained(tmp_path)
    assert PGLSumModel.from_pretrained(tmp_path).config._attn_implementation == "sdpa"
    eager = PGLSumModel.from_pretrained(tmp_path, attn_implementation="eager")
    assert eager.config._attn_implementation == "eager"
    assert torch.allclose(scores_of(eager), scores_of(model), atol=1e-6)
    eager.set_attn_implementation("sdpa")
    assert eager.config._attn_implementation == "sdpa"
    with pytest.raises(ValueError, match="Flash Attention"):
        PGLSumModel.from_pretrained(tmp_path, attn_implementation="flash_attention_2")


REMOTE_PIPELINE = """
import importlib.abc, sys

class HidePglsumHf(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pglsum_hf" or name.startswith("pglsum_hf."):
            raise ModuleNotFoundError(f"No module named {{name!r}} (hidden by the test)")
        return None

if {hide!r}:
    sys.meta_path.insert(0, HidePglsumHf())
from transformers import pipeline

try:
    summarize = pipeline(model={repo!r}, trust_remote_code=True, feature_weights="random")
except ImportError as error:
    print("ImportError:", error)
else:
    print("pipeline:", type(summarize).__module__, type(summarize).__name__)
"""


def test_the_pipeline_travels_as_remote_code(tmp_path, hub_repo_id):
    # GoogLeNet's 1024-d features in, a narrow attention
    PGLSumModel(PGLSumConfig(**{**SMALL, "input_size": 1024})).push_to_hub(hub_repo_id)
    assert "pipeline_pglsum.py" in HfApi().list_repo_files(hub_repo_id)
    last_lines = {}
    for hide in (True, False):  # pglsum_hf absent / installed but never imported
        script = REMOTE_PIPELINE.format(hide=hide, repo=hub_repo_id)
        env = {**os.environ, "HF_HOME": str(tmp_path / f"hf-home-{hide}")}
        result = subprocess.run(  # noqa: PLW1510 (the return code is asserted below)
            [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]
        last_lines[hide] = result.stdout.strip().splitlines()[-1]
    absent, installed = last_lines[True], last_lines[False]
    assert absent.startswith("ImportError: ") and "pip install 'pglsum-hf[video]'" in absent
    assert "import pglsum_hf" in absent
    assert installed == "pipeline: pglsum_hf.video.pipeline VideoSummarizationPipeline"


def test_the_installed_package_needs_no_remote_code_for_the_pipeline(tmp_path):
    from transformers import pipeline

    from pglsum_hf.video.pipeline import VideoSummarizationPipeline

    PGLSumModel(PGLSumConfig(**{**SMALL, "input_size": 1024})).save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["custom_pipelines"]["video-summarization"]
    summarize = pipeline("video-summarization", model=str(tmp_path), feature_weights="random")
    assert type(summarize) is VideoSummarizationPipeline and type(summarize.model) is PGLSumModel
