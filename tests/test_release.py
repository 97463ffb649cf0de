"""The authors' release of 20 models: converted whole from the zip or the folder, scored as the original inference
script scores it, refused whole when one file is bad, pushed as four repositories of split folders, and used from there.

The release is planted: 20 original-layout state dicts of the literal reference model (paper configuration: 8 heads,
4 segments; 1024-d input as the real features, a 32-wide attention to keep it small), laid out and zipped as the
authors did. The data is SYNTHETIC SumMe- and TVSum-shaped files (`pglsum make-synthetic`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import uuid
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
import yaml
from huggingface_hub import ModelCard
from metric_literal import f_score as literal_f_score
from metric_literal import generate_summary as literal_generate_summary
from reference_pglsum import ReferencePGLSum
from transformers import AutoModel

from pglsum_hf import cli
from pglsum_hf.data import synthetic
from pglsum_hf.data.annotations import write_tvsum_annotations
from pglsum_hf.data.constants import TVSUM_VIDEO_CATEGORIES
from pglsum_hf.data.synthetic import SyntheticProfile

SIZES = {"input_size": 1024, "output_size": 32, "heads": 8, "num_segments": 4, "local_heads": 4}
TABLES, DATASETS = ("table3", "table4"), {"summe": "SumMe", "tvsum": "TVSum"}
KEYS = [(table, dataset, split) for table in TABLES for dataset in DATASETS for split in range(5)]


def member(table: str, dataset: str, split: int) -> str:
    return f"pretrained_models/{table}_models/{DATASETS[dataset]}/split{split}/epoch-{40 + split}.pt"


def write_zip(folder: Path, path: Path, junk: bool = True) -> Path:
    """Zip ``folder/pretrained_models`` as a Mac does: with ``__MACOSX/`` resource entries beside the files."""
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted((folder / "pretrained_models").rglob("*")):
            if file.is_file():
                name = file.relative_to(folder).as_posix()
                archive.write(file, name)
                if junk and name.endswith(".pt"):
                    archive.writestr(f"__MACOSX/{os.path.dirname(name)}/._{os.path.basename(name)}", b"\x00\x05junk")
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    references = {}
    generator = torch.Generator().manual_seed(19)
    for key in KEYS:
        reference = ReferencePGLSum(**SIZES).randomize_(generator).eval()
        path = root / member(*key)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(reference.state_dict(), path)
        references[key] = reference
    (root / "pretrained_models" / "README.md").write_text("Trained models of PGL-SUM.\n")
    return {"folder": root / "pretrained_models", "zip": write_zip(root, root / "pretrained_models.zip"),
            "references": references}  # fmt: skip


# SumMe- and TVSum-shaped, but ten short videos each (the literal knapsack of the original is slow on real lengths):
# SumMe style with 15 users' keyshot summaries (F-score max over users), TVSum style with 20 users' 1..5 scores (avg).
SHAPES = {
    "summe": SyntheticProfile("summe", tuple(range(1200, 2200, 100)), (15,) * 10, "keyshots"),
    "tvsum": SyntheticProfile(
        "tvsum", tuple(range(1250, 2250, 100)), (20,) * 10, "scores", TVSUM_VIDEO_CATEGORIES[:10]
    ),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """SYNTHETIC SumMe- and TVSum-shaped feature files, with their splits beside them."""
    folder = tmp_path_factory.mktemp("data")
    paths = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "PROFILES", {**synthetic.PROFILES, **SHAPES})
        for dataset in DATASETS:
            path = synthetic.make_synthetic_h5(folder / f"synthetic_{dataset}.h5", profile=dataset, seed=3,
                                               show_progress=False)  # fmt: skip
            synthetic.write_synthetic_splits(path, profile=dataset, seed=3)
            paths[dataset] = path
    return paths


def convert(capsys, *arguments) -> tuple[int, str, str]:
    code = cli.main(["convert-checkpoint", *map(str, arguments)])
    printed = capsys.readouterr()
    return code, printed.out, printed.err


@pytest.fixture(scope="module")
def from_zip(planted, data, tmp_path_factory):
    """The zip converted and scored on the synthetic files: the output folder and what the command printed."""
    output = tmp_path_factory.mktemp("converted") / "release"
    evaluate_on = [f"{dataset}={path}" for dataset, path in data.items()]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli.main(["convert-checkpoint", "--checkpoint", str(planted["zip"]), "--output_dir", str(output),
                         "--evaluate_on", *evaluate_on])  # fmt: skip
    assert code == 0
    return output, printed.getvalue()


OWNER = f"pglsum-release-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def from_folder_pushed(planted, tmp_path_factory):
    output = tmp_path_factory.mktemp("converted") / "release"
    code = cli.main(["convert-checkpoint", "--checkpoint", str(planted["folder"]), "--output_dir", str(output),
                     "--push_to_hub", "--hub_model_id", OWNER])  # fmt: skip
    assert code == 0
    return output


def assert_same_scores(model, reference, seed):
    features = torch.rand(37, SIZES["input_size"], generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        assert (model.eval()(features[None]).scores[0] - reference(features)).abs().max() <= 1e-5


def test_the_whole_release_converts_from_the_zip_and_from_the_folder(planted, from_zip, from_folder_pushed):
    from_zip, printed = from_zip
    ignored = [line for line in printed.splitlines() if line.startswith("ignored")]
    assert len(ignored) == 21  # README.md and one __MACOSX entry per checkpoint
    assert any("pretrained_models/README.md" in line for line in ignored)
    assert "converted 5 split models" in printed and "pglsum-tvsum-table4" in printed
    for output in (from_zip, from_folder_pushed):
        assert sorted(path.name for path in output.iterdir() if path.is_dir()) == [
            "pglsum-summe-table3", "pglsum-summe-table4", "pglsum-tvsum-table3", "pglsum-tvsum-table4"
        ]  # fmt: skip
        for table, dataset, split in KEYS:
            folder = output / f"pglsum-{dataset}-{table}" / f"split_{split}"
            model = AutoModel.from_pretrained(folder)
            assert_same_scores(model, planted["references"][(table, dataset, split)], seed=split)
    assert not [path for path in from_zip.parent.iterdir() if path.name.startswith(".")]  # no staging left behind


def card_of(folder: Path) -> tuple[dict, str]:
    text = (folder / "README.md").read_text()
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def test_cards_without_evaluation_say_that_nothing_was_measured(from_folder_pushed):
    metadata, body = card_of(from_folder_pushed / "pglsum-tvsum-table3")
    assert "model-index" not in metadata and metadata["license"] == "other"
    assert "No figure was measured" in body and "not measured" in body
    assert "Table III" in body and "62.7" in body and "peeks at the test set" in body
    assert "non-commercial" in body and "GoogLeNet pool5" in body and "torchvision" in body
    assert f'AutoModel.from_pretrained("{OWNER}/pglsum-tvsum-table3", subfolder="split_0"' in body


def original_inference(reference, h5_path: Path, test_keys: list[str], eval_method: str) -> float:
    """The original ``inference.py``, literally: each test video alone through the model, scores ->
    generate_summary -> evaluate_summary, the mean over the test videos."""
    video_f_scores = []
    with h5py.File(h5_path, "r") as hdf:
        for video in test_keys:
            frame_features = torch.Tensor(np.array(hdf[f"{video}/features"])).view(-1, SIZES["input_size"])
            user_summary = np.array(hdf[f"{video}/user_summary"])
            change_points = np.array(hdf[f"{video}/change_points"])
            n_frames = np.array(hdf[f"{video}/n_frames"])
            positions = np.array(hdf[f"{video}/picks"])
            with torch.no_grad():
                scores = reference.eval()(frame_features).cpu().numpy().tolist()
            summary = literal_generate_summary(scores, positions, int(n_frames), change_points)
            video_f_scores.append(literal_f_score(summary, user_summary, eval_method))
    return float(np.mean(video_f_scores))


def test_evaluate_equals_the_original_inference_per_split(planted, data, from_zip, tmp_path, capsys):
    from_zip, converted = from_zip
    expected = {}
    for dataset, eval_method in (("summe", "max"), ("tvsum", "avg")):
        splits = json.loads(data[dataset].with_name(f"synthetic_{dataset}_splits.json").read_text())
        output = tmp_path / f"{dataset}.json"
        argv = ["evaluate", "--model", from_zip / f"pglsum-{dataset}-table4", "--dataset", data[dataset],
                "--split_index", "all", "--output", output]  # fmt: skip
        assert cli.main([str(arg) for arg in argv]) == 0
        printed = capsys.readouterr().out
        result = json.loads(output.read_text())
        assert result["eval_method"] == eval_method and result["split_index"] == "all"
        for split in range(5):
            original = original_inference(
                planted["references"][("table4", dataset, split)],
                data[dataset],
                splits[split]["test_keys"],
                eval_method,
            )
            measured = result["splits"][split]
            assert measured["f_score"] == original, (dataset, split)
            assert [video["video_id"] for video in measured["videos"]] == splits[split]["test_keys"]
            assert f"Trained for split: {split} achieved an F-score of {original:.2f}%" in printed
            expected[(dataset, split)] = original
        assert result["f_score"] == pytest.approx(np.mean([expected[(dataset, k)] for k in range(5)]), abs=1e-12)

    # One split of one model, named with --subfolder: the JSON the issue asks for.
    output = tmp_path / "one.json"
    argv = ["evaluate", "--model", from_zip / "pglsum-tvsum-table4", "--subfolder", "split_2", "--dataset",
            data["tvsum"], "--split_index", "2", "--output", output]  # fmt: skip
    assert cli.main([str(arg) for arg in argv]) == 0
    printed = capsys.readouterr().out
    one = json.loads(output.read_text())
    assert one["f_score"] == expected[("tvsum", 2)] and one["split_index"] == 2 and one["eval_method"] == "avg"
    assert one["model"].endswith("pglsum-tvsum-table4/split_2") and one["dataset"] == str(data["tvsum"])
    assert len(one["videos"]) == len(one["videos"]) > 0 and "diversity" in printed and "kendall_tau" in printed

    # The cards and results.md of `convert-checkpoint --evaluate_on` hold the same figures.
    for dataset in DATASETS:
        metadata, body = card_of(from_zip / f"pglsum-{dataset}-table4")
        results = metadata["model-index"][0]["results"]
        f1 = {r["dataset"]["config"]: r["metrics"][0]["value"] for r in results if r["metrics"][0]["type"] == "f1"}
        assert f1 == {f"split_{k}": round(expected[(dataset, k)], 4) for k in range(5)}
        # The synthetic files carry no per-user scores, only gtscore: no rank correlation enters the model-index.
        assert {metric["type"] for r in results for metric in r["metrics"]} == {"f1"}
        assert "SYNTHETIC" in body and "synthetic" in metadata["tags"]
        assert "not measured" not in body and f"{expected[(dataset, 0)]:.2f}" in body
        for split in range(5):  # each split's row: its folder, its test video keys, its measured F-score
            keys = ", ".join(video["video_id"] for video in json.loads(
                (tmp_path / f"{dataset}.json").read_text())["splits"][split]["videos"])  # fmt: skip
            assert f"| `split_{split}` | {keys} | {expected[(dataset, split)]:.2f} |" in body
        assert "Table IV" in body and "full-batch" in body and "training loss" in body
        assert {"summe": "**55.6**", "tvsum": "**61.0**"}[dataset] in body
    assert "pglsum-summe-table3" in (from_zip / "results.md").read_text()
    for dataset, table in (("summe", "table4"), ("tvsum", "table3")):  # the conversion printed the original's lines
        title = {"table3": "Table III", "table4": "Table IV"}[table]
        assert f"pglsum-{dataset}-{table}: the {DATASETS[dataset]} models of {title} on {data[dataset]}" in converted
    assert f"Trained for split: 4 achieved an F-score of {expected[('tvsum', 4)]:.2f}%" in converted
    mean = np.mean([expected[("summe", k)] for k in range(5)])
    assert f"  mean over 5 splits: {mean:.2f} (paper, Table IV: 55.6)" in converted.splitlines()


def test_evaluate_settles_the_f_score_over_users_once(data, from_zip, monkeypatch, capsys):
    from pglsum_hf.evaluation import on_split

    calls = []
    resolve = on_split.resolve_eval_method
    monkeypatch.setattr(on_split, "resolve_eval_method", lambda *args: calls.append(args) or resolve(*args))
    argv = ["evaluate", "--model", from_zip[0] / "pglsum-summe-table4", "--dataset", data["summe"], "--split_index",
            "all"]  # fmt: skip
    assert cli.main([str(arg) for arg in argv]) == 0
    assert "mean F-score over 5 splits" in capsys.readouterr().out
    assert len(calls) == 1, calls  # read from the dataset's name once, then trusted by every split's evaluation


@pytest.fixture(scope="module")
def tvsum_with_user_scores(data, tmp_path_factory):
    """The synthetic TVSum-shaped file converted with its annotators' raw 1..5 scores (``pglsum convert
    --annotations``): a dataset folder whose videos carry ``user_scores``, so rank correlations can be measured."""
    folder = tmp_path_factory.mktemp("annotated")
    annotations = folder / "synthetic_tvsum_anno.tsv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "PROFILES", {**synthetic.PROFILES, **SHAPES})
        videos = synthetic.generate_videos("tvsum", seed=3, show_progress=False)  # the same videos as data["tvsum"]
    write_tvsum_annotations([video.annotation for video in videos], annotations)
    output = folder / "synthetic_tvsum"
    splits = data["tvsum"].with_name("synthetic_tvsum_splits.json")
    argv = ["convert", "--h5", data["tvsum"], "--splits", splits, "--annotations", annotations, "--output_dir", output]
    assert cli.main([str(arg) for arg in argv]) == 0
    return output


def test_cards_carry_the_rank_correlations_evaluate_reports_where_the_data_has_user_scores(
    planted, data, tvsum_with_user_scores, tmp_path, capsys
):
    output = tmp_path / "release"
    code, printed, err = convert(capsys, "--checkpoint", planted["folder"], "--output_dir", output,
                                 "--evaluate_on", f"summe={data['summe']}", f"tvsum={tvsum_with_user_scores}")  # fmt: skip
    assert code == 0, err
    for table in TABLES:
        measured = tmp_path / f"{table}.json"
        argv = ["evaluate", "--model", output / f"pglsum-tvsum-{table}", "--dataset", tvsum_with_user_scores,
                "--split_index", "all", "--output", measured]  # fmt: skip
        assert cli.main([str(arg) for arg in argv]) == 0
        splits = json.loads(measured.read_text())["splits"]
        expected = {}
        for split in splits:
            config = f"split_{split['split_index']}"
            expected[(config, "f1")] = round(split["f_score"], 4)
            for name in ("kendall_tau", "spearman_rho"):
                expected[(config, name)] = round(split["correlations"][name], 4)
        results = ModelCard.load(output / f"pglsum-tvsum-{table}" / "README.md").data.eval_results
        found = {(result.dataset_config, result.metric_type): result.metric_value for result in results}
        assert found == expected, table
        assert all(-1 <= found[key] <= 1 for key in found if key[1] != "f1")
        assert {result.metric_name for result in results} >= {"Kendall's tau", "Spearman's rho"}

        # SumMe-style data has no per-user scores: its cards hold the F-scores and no rank correlation.
        results = ModelCard.load(output / f"pglsum-summe-{table}" / "README.md").data.eval_results
        assert len(results) == 5 and {result.metric_type for result in results} == {"f1"}


def hardlinked_copy(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target / "pretrained_models", copy_function=os.link)
    return target / "pretrained_models"


class Payload:
    """Unpickling this runs ``open(marker, "w")``: reading the release must never do that."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_bad_release_is_refused_whole_with_nothing_written(planted, tmp_path, capsys):
    marker = tmp_path / "payload-ran"
    cases = {}
    # a pickle payload inside one checkpoint, read from the zip
    folder = hardlinked_copy(planted["folder"], tmp_path / "payload")
    target = folder.parent / member("table4", "tvsum", 3)
    target.unlink()
    torch.save({**planted["references"][("table4", "tvsum", 3)].state_dict(), "x": Payload(marker)}, target)
    cases["payload"] = (write_zip(folder.parent, tmp_path / "payload.zip"), member("table4", "tvsum", 3))
    # a missing split (folder)
    folder = hardlinked_copy(planted["folder"], tmp_path / "missing")
    shutil.rmtree(folder.parent / os.path.dirname(member("table3", "summe", 4)))
    cases["missing"] = (folder, "table3_models/SumMe/split4")
    # a truncated checkpoint (folder), and a truncated zip
    folder = hardlinked_copy(planted["folder"], tmp_path / "truncated")
    target = folder.parent / member("table3", "tvsum", 1)
    content = target.read_bytes()
    target.unlink()
    target.write_bytes(content[: len(content) // 2])
    cases["truncated"] = (folder, str(target))
    truncated_zip = tmp_path / "truncated.zip"
    truncated_zip.write_bytes(planted["zip"].read_bytes()[:-5000])
    cases["truncated zip"] = (truncated_zip, str(truncated_zip))
    # a wrong shape, and non-finite weights (folder)
    for case, key, change in (("shape", ("table4", "tvsum", 1), lambda t: t[:-1]),
                              ("non-finite", ("table3", "summe", 2), lambda t: t.clone().fill_(float("nan")))):  # fmt: skip
        folder = hardlinked_copy(planted["folder"], tmp_path / case)
        target = folder.parent / member(*key)
        state = planted["references"][key].state_dict()
        target.unlink()
        torch.save({**state, "linear_1.weight": change(state["linear_1.weight"])}, target)
        cases[case] = (folder, str(target))
    # two checkpoints in one split folder
    folder = hardlinked_copy(planted["folder"], tmp_path / "two")
    os.link(folder.parent / member("table4", "summe", 0), folder / "table4_models/SumMe/split0/epoch-99.pt")
    cases["two"] = (folder, "two checkpoints for table4 SumMe split 0")

    for case, (source, named) in cases.items():
        output = tmp_path / "out" / case
        code, out, err = convert(capsys, "--checkpoint", source, "--output_dir", output)
        assert code == 1, case
        assert err.startswith("pglsum convert-checkpoint: ") and named in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert case not in ("shape", "non-finite") or "linear_1.weight" in err, err
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir()), case
    assert not marker.exists()


def test_pushed_repositories_load_summarize_evaluate_and_fine_tune_by_subfolder(
    planted, data, from_folder_pushed, tiny_h5, tmp_path, capsys
):
    from huggingface_hub import HfApi

    repo = f"{OWNER}/pglsum-summe-table4"
    files = HfApi().list_repo_files(repo)
    assert "README.md" in files and {f"split_{k}/model.safetensors" for k in range(5)} <= set(files)
    for other in ("pglsum-summe-table3", "pglsum-tvsum-table3", "pglsum-tvsum-table4"):
        assert "split_4/config.json" in HfApi().list_repo_files(f"{OWNER}/{other}")
    model = AutoModel.from_pretrained(repo, subfolder="split_3", cache_dir=tmp_path / "cache")
    assert_same_scores(model, planted["references"][("table4", "summe", 3)], seed=3)

    # Without --subfolder, a repository of split folders is a one-line error that lists them.
    capsys.readouterr()
    code = cli.main(["evaluate", "--model", repo, "--dataset", str(data["summe"]), "--split_index", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "split_0, split_1, split_2, split_3, split_4" in err and "--subfolder" in err
    assert len(err.strip().splitlines()) == 1
    # With --split_index all, the repository's split folders are found on the Hub and each scores its own split.
    output = tmp_path / "all.json"
    argv = [
        "evaluate",
        "--model",
        repo,
        "--dataset",
        str(data["summe"]),
        "--split_index",
        "all",
        "--output",
        str(output),
    ]
    assert cli.main(argv) == 0 and "mean F-score over 5 splits" in capsys.readouterr().out
    result = json.loads(output.read_text())
    assert [split["model"] for split in result["splits"]] == [f"{repo}/split_{k}" for k in range(5)]

    from pglsum_hf.video.synthetic import make_synthetic_video

    clip = make_synthetic_video(tmp_path / "clip.mp4", n_scenes=3, seed=1).path
    local = from_folder_pushed / "pglsum-summe-table4"  # a local folder of split folders: the same one line
    code = cli.main(["summarize", str(clip), "--model", str(local), "--output_dir", str(tmp_path / "no")])
    err = capsys.readouterr().err
    assert code == 2 and "(split_0, split_1, split_2, split_3, split_4)" in err and not (tmp_path / "no").exists()
    code = cli.main(["summarize", str(clip), "--model", repo, "--feature_weights", "random", "--output_dir",
                     str(tmp_path / "no_hub")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "(split_0, split_1, split_2, split_3, split_4)" in err and "--subfolder" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "no_hub").exists()
    code = cli.main(["app", "--model", repo, "--feature_weights", "random"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "(split_0, split_1, split_2, split_3, split_4)" in err
    argv = [str(clip), "--model", repo, "--subfolder", "split_0", "--feature_weights", "random", "--output_dir",
            str(tmp_path / "summaries"), "--no_video"]  # fmt: skip
    assert cli.main(["summarize", *argv]) == 0
    assert json.loads((tmp_path / "summaries" / "clip.json").read_text())["segments"]

    capsys.readouterr()
    argv = ["train", "--dataset", str(tiny_h5), "--model_name_or_path", repo, "--output_dir", str(tmp_path / "no_tune"),
            "--n_epochs", "1", "--batch_size", "4", "--eval_method", "max", "--report_to", "none"]  # fmt: skip
    assert cli.main(argv) == 2 and not (tmp_path / "no_tune").exists()
    err = capsys.readouterr().err
    assert "(split_0, split_1, split_2, split_3, split_4)" in err and len(err.strip().splitlines()) == 1
    argv = ["train", "--dataset", str(tiny_h5), "--model_name_or_path", repo, "--subfolder", "split_0",
            "--output_dir", str(tmp_path / "tuned"), "--n_epochs", "1", "--batch_size", "4", "--eval_method", "max",
            "--report_to", "none"]  # fmt: skip
    assert cli.main(argv) == 0
    tuned = AutoModel.from_pretrained(tmp_path / "tuned")
    assert tuned.config.hidden_size == SIZES["output_size"] and tuned.config.num_heads == 8


def test_a_card_edited_on_the_hub_is_kept_unless_overwrite_card(planted, from_folder_pushed, tmp_path):
    from huggingface_hub import HfApi, hf_hub_download

    repo = f"{OWNER}/pglsum-tvsum-table3"
    edited = "---\nlicense: apache-2.0\n---\n# Edited on the Hub\n"
    HfApi().upload_file(path_or_fileobj=edited.encode(), path_in_repo="README.md", repo_id=repo)

    def card_after_push(*extra: str) -> str:
        output = tmp_path / f"release{len(extra)}"
        code = cli.main(["convert-checkpoint", "--checkpoint", str(planted["folder"]), "--output_dir", str(output),
                         "--push_to_hub", "--hub_model_id", OWNER, *extra])  # fmt: skip
        assert code == 0
        return Path(hf_hub_download(repo, "README.md", cache_dir=tmp_path / f"cache{len(extra)}")).read_text()

    assert card_after_push() == edited
    replaced = card_after_push("--overwrite_card")
    assert replaced != edited and "Table III" in replaced
