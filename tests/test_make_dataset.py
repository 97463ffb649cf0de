"""``pglsum make-dataset``: SYNTHETIC videos with known cuts and annotations in all three formats become a benchmark."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy.io import savemat

import pglsum_hf.cards
from pglsum_hf.atomic import TEMPORARY_MARKER
from pglsum_hf.cli import main as cli_main
from pglsum_hf.data.annotations import VideoAnnotation, write_tvsum_annotations
from pglsum_hf.data.feature_cache import CACHE_FOLDER
from pglsum_hf.data.feature_extraction import DatasetBuildError
from pglsum_hf.data.from_videos import build_dataset
from pglsum_hf.data.h5 import iter_videos
from pglsum_hf.data.staged_outputs import STAGING_PREFIX
from pglsum_hf.data.video_annotations import read_annotations
from pglsum_hf.data.video_files import find_videos
from pglsum_hf.errors import OptionError, OutputExistsError
from pglsum_hf.metrics import generate_summary
from pglsum_hf.video import make_synthetic_video

REPO_ROOT = Path(__file__).resolve().parents[1]
# Render the card templates of this checkout (an editable install of another checkout would give its own).
pglsum_hf.cards.files = lambda package: (
    REPO_ROOT / "model_cards" if package == "pglsum_hf.model_cards" else resources.files(package)
)

FPS = 10
SAMPLE_RATE = 5  # 2 fps, as the benchmarks
SCENES = (2.5, 1.5, 3.0, 2.0, 3.0)  # seconds; scene 1 (1.5 s = 15 frames) is the "important" one and fits 15%
NAMES = ("clipA", "clipB", "clipC")
COMMON = ["--feature_weights", "random", "--sample_rate", str(SAMPLE_RATE)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three tiny SYNTHETIC videos and annotations for them in the tvsum, summe and intervals formats."""
    root = tmp_path_factory.mktemp("corpus")
    videos = {}
    for seed, name in enumerate(NAMES):
        videos[name] = make_synthetic_video(
            root / "videos" / f"{name}.mp4", scene_seconds=SCENES, width=96, height=64, fps=FPS, seed=seed
        )
    video = videos[NAMES[0]]
    n_frames = video.n_frames
    important = slice(video.scene_starts[1], video.scene_starts[2])
    rng = np.random.default_rng(0)

    rows = ["video,user,start_seconds,end_seconds"]
    for name in NAMES:
        rows += [f"{name},ann,2.5,4.0", f"{name},bob,2.6,4.0", f"{name},bob,9.0,9.5"]
    (root / "intervals.csv").write_text("\n".join(rows) + "\n")

    (root / "summe").mkdir()
    for name in NAMES:
        score = np.zeros((n_frames, 3))
        score[important] = 1.0
        score[100:110, 2] = 2.0  # SumMe's user_score counts selections; > 0 means selected
        savemat(root / "summe" / f"{name}.mat", {"user_score": score, "nFrames": float(n_frames), "FPS": float(FPS)})

    tvsum = []
    for name in NAMES:
        scores = rng.integers(1, 3, size=(4, n_frames)).astype(np.uint8)
        scores[:, important] = 5
        tvsum.append(VideoAnnotation(name, "VT", scores))
    write_tvsum_annotations(tvsum, root / "ydata-anno.tsv")
    return {"root": root, "videos": videos, "folder": root / "videos"}


def annotations_of(corpus, kind):
    return str(corpus["root"] / {"tvsum": "ydata-anno.tsv", "summe": "summe", "intervals": "intervals.csv"}[kind])


def make(corpus, kind, output_dir, *extra):
    argv = [
        "make-dataset",
        str(corpus["folder"]),
        "--annotations",
        annotations_of(corpus, kind),
        "--annotation_format",
        kind,
    ]
    return cli_main([*argv, "--output_dir", str(output_dir), *COMMON, *extra])


def read_h5(path):
    with h5py.File(path, "r") as h5:
        return {video: {field: h5[video][field][()] for field in h5[video]} for video in h5}, dict(h5.attrs)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    """One build per annotation format."""
    outputs = {}
    for kind in ("intervals", "summe", "tvsum"):
        folder = tmp_path_factory.mktemp(kind) / "out"
        if outputs:  # same videos, same settings: start from the first build's features (a folder holding only the cache resumes)
            shutil.copytree(outputs["intervals"] / CACHE_FOLDER, folder / CACHE_FOLDER)
        assert make(corpus, kind, folder, "--name", f"mine_{kind}") == 0
        outputs[kind] = folder
    return outputs


@pytest.mark.parametrize("kind", ["intervals", "summe", "tvsum"])
def test_every_format_gives_a_valid_benchmark(corpus, built, kind):
    folder = built[kind]
    h5_path = folder / f"mine_{kind}.h5"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [CACHE_FOLDER, h5_path.name, f"mine_{kind}_splits.json", f"mine_{kind}_dataset"]
    )
    videos = dict(iter_videos(h5_path))  # the standard layout's full validation
    assert list(videos) == ["video_1", "video_2", "video_3"]
    assert [videos[key]["video_name"] for key in videos] == list(NAMES)
    for arrays in videos.values():
        truth = corpus["videos"][arrays["video_name"]]
        n_frames = truth.n_frames
        assert arrays["n_frames"] == n_frames
        assert arrays["picks"].tolist() == list(range(0, n_frames, SAMPLE_RATE))
        assert arrays["features"].shape == (len(arrays["picks"]), 1024)
        # change points: inclusive, tiling 0..n_frames-1 exactly, a shot starting at every cut (cuts fall on picks here)
        shots = arrays["change_points"]
        assert shots[0, 0] == 0 and shots[-1, 1] == n_frames - 1 and (shots[1:, 0] == shots[:-1, 1] + 1).all()
        assert shots[:, 0].tolist() == list(truth.scene_starts)
        assert arrays["user_summary"].shape[1] == n_frames
        assert 0 <= arrays["gtscore"].min() and arrays["gtscore"].max() <= 1
        # the important scene is what the annotators chose, and the 15% keyshot summary of gtscore finds it
        important = np.zeros(n_frames, bool)
        important[truth.scene_starts[1] : truth.scene_starts[2]] = True
        assert arrays["gtsummary"].astype(bool).tolist() == important[arrays["picks"]].tolist()


def test_user_summary_conventions(corpus, built):
    n_frames = corpus["videos"][NAMES[0]].n_frames
    intervals, _ = read_h5(built["intervals"] / "mine_intervals.h5")
    # intervals: frames whose start time lies in [start, end): ann keeps 2.5-4.0 s = frames 25..39
    ann, bob = intervals["video_1"]["user_summary"].astype(bool)
    assert np.flatnonzero(ann).tolist() == list(range(25, 40))
    assert np.flatnonzero(bob).tolist() == list(range(26, 40)) + list(range(90, 95))
    assert intervals["video_1"]["user_summary"].shape == (2, n_frames)

    summe, _ = read_h5(built["summe"] / "mine_summe.h5")
    assert summe["video_1"]["user_summary"].shape == (3, n_frames)
    assert summe["video_1"]["user_summary"][2, 100:110].all() and summe["video_1"]["user_summary"][2].sum() == 25

    tvsum, attrs = read_h5(built["tvsum"] / "mine_tvsum.h5")
    video = tvsum["video_1"]
    assert video["user_scores"].shape == (4, n_frames) and video["user_scores"].dtype == np.uint8
    for scores, summary in zip(video["user_scores"], video["user_summary"]):
        expected = generate_summary(scores.astype(float), np.arange(n_frames), n_frames, video["change_points"], 0.15)
        assert summary.astype(int).tolist() == expected.tolist()
    # gtscore: mean over users of (score - 1) / 4 at the picks
    assert np.allclose(video["gtscore"], ((video["user_scores"][:, video["picks"]] - 1) / 4).mean(0))
    provenance = json.loads(attrs["provenance"])
    assert provenance["sample_rate"] == SAMPLE_RATE and provenance["annotation_format"] == "tvsum"
    assert len(provenance["feature_weights_sha256"]) == 64 and provenance["kts_vmax"] == 0.05


def test_dataset_folder_loads_and_card_records_how_it_was_made(built):
    from pglsum_hf.data import load_split

    folder = built["tvsum"] / "mine_tvsum_dataset"
    split = load_split(str(folder), 0)
    assert len(split["train"]) + len(split["test"]) == 3
    assert "user_scores" in split["train"].column_names  # TVSum-style data keeps the raw scores
    card = (folder / "README.md").read_text()
    assert "## How the data was made" in card
    assert (
        "every 5th frame from frame 0" in card and "vmax = 0.05" in card and "`ydata-anno.tsv` (tvsum format)" in card
    )
    assert "random: 5 splits, test_fraction 0.2, seed 0" in card and "Features without meaning" in card
    # `pglsum convert` takes the h5 unchanged (and keeps the provenance in its card)
    converted = folder.parent / "converted"
    assert cli_main(["convert", "--h5", str(built["tvsum"] / "mine_tvsum.h5"), "--splits", str(built["tvsum"] / "mine_tvsum_splits.json"),
                     "--output_dir", str(converted)]) == 0  # fmt: skip
    assert "## How the data was made" in (converted / "README.md").read_text()


def test_train_runs_on_the_built_h5(built, tmp_path):
    h5_path = built["summe"] / "mine_summe.h5"
    argv = [
        "train",
        "--dataset",
        str(h5_path),
        "--n_epochs",
        "2",
        "--batch_size",
        "2",
        "--output_dir",
        str(tmp_path / "run"),
    ]
    assert cli_main(argv) == 0
    assert (tmp_path / "run" / "model.safetensors").is_file()


def test_two_processes_write_the_same_files_as_one(corpus, built, tmp_path):
    assert make(corpus, "intervals", tmp_path / "two", "--name", "mine_intervals", "--num_processes", "2") == 0
    one, one_attrs = read_h5(built["intervals"] / "mine_intervals.h5")
    two, two_attrs = read_h5(tmp_path / "two" / "mine_intervals.h5")
    assert one.keys() == two.keys() and one_attrs == two_attrs
    for video in one:
        assert one[video].keys() == two[video].keys()
        for field in one[video]:
            assert np.array_equal(one[video][field], two[video][field]), (video, field)
    assert (tmp_path / "two" / "mine_intervals_splits.json").read_bytes() == (
        built["intervals"] / "mine_intervals_splits.json"
    ).read_bytes()
    for shard in (built["intervals"] / "mine_intervals_dataset" / "data").iterdir():
        assert shard.read_bytes() == (tmp_path / "two" / "mine_intervals_dataset" / "data" / shard.name).read_bytes()


def test_the_log_names_the_final_dataset_folder_not_the_staging_folder(corpus, built, tmp_path, capsys):
    """The conversion's INFO line used to name the staging folder (``DIR/.pglsum_staging.X/NAME_dataset``), a path
    gone by the time the command ends; it names the folder the user finds."""
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)  # features already made: resume
    assert make(corpus, "intervals", output, "--name", "mine") == 0
    err = capsys.readouterr().err
    converted = [line for line in err.splitlines() if line.startswith("INFO") and "converted" in line]
    assert len(converted) == 1 and converted[0].endswith(f"-> {output.resolve() / 'mine_dataset'}"), err
    assert STAGING_PREFIX not in err


def test_the_training_hint_counts_the_training_videos_of_the_splits(corpus, built, tmp_path, capsys):
    # With half the videos held out for testing, one group of all training videos is half of them (the paper's
    # one step per epoch), and TVSum's reduction over users is the average.
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)  # features already made: resume
    assert make(corpus, "tvsum", output, "--name", "half", "--test_fraction", "0.5") == 0
    hint = [line for line in capsys.readouterr().out.splitlines() if line.startswith("train on it:")]
    n_train = len(NAMES) - round(0.5 * len(NAMES))
    assert hint == [
        f"train on it: pglsum train --dataset {output / 'half.h5'} --batch_size {n_train} --eval_method avg"
    ]


def test_a_video_that_fails_in_one_of_several_processes_is_one_line(corpus, tmp_path):
    """As in one process: the launcher of ``--num_processes`` adds no traceback of its own."""
    broken = tmp_path / "clipC.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    csv = tmp_path / "two.csv"
    csv.write_text("video,user,start_seconds,end_seconds\nclipA,ann,2.5,4\nclipC,ann,0,1\n")
    command = [sys.executable, "-m", "pglsum_hf.cli", "make-dataset", str(corpus["folder"] / "clipA.mp4"), str(broken),
               "--annotations", str(csv), "--annotation_format", "intervals", "--output_dir", str(tmp_path / "out"),
               *COMMON, "--num_processes", "2"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    lines = [line for line in done.stderr.splitlines() if "pglsum make-dataset:" in line]
    assert done.returncode == 1 and len(lines) == 1 and f"{broken}: not a readable video file" in lines[0]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert not list((tmp_path / "out").glob("*.h5"))


def test_resume_after_a_kill_recomputes_nothing_done(corpus, tmp_path):
    output = tmp_path / "out"
    cache = output / CACHE_FOLDER
    command = [sys.executable, "-m", "pglsum_hf.cli", "make-dataset", str(corpus["folder"]), "--annotations",
               annotations_of(corpus, "intervals"), "--annotation_format", "intervals", "--output_dir", str(output), *COMMON]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    try:
        deadline = time.monotonic() + 300
        # until a video is finished: its final file, not the hidden `.partial` one being written
        while not list(cache.glob("[!.]*.npz")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    done = {path: path.stat().st_mtime_ns for path in cache.glob("[!.]*.npz")}
    assert 1 <= len(done)
    if len(done) == len(NAMES):
        pytest.skip("the run finished every video before it could be killed")
    assert not list(output.glob("*.h5"))  # nothing final after a kill
    # a half-written cache file keeps its temporary name (removed by the next run), never a final one
    assert all(".partial" in p.name or p in done for p in cache.iterdir())
    # a plain rerun (no --overwrite needed: the folder holds only the cache) resumes
    result = build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                           feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip
    assert len(result.computed) == len(NAMES) - len(done)
    assert {path: path.stat().st_mtime_ns for path in done} == done
    assert result.h5.is_file() and not list(cache.glob(".*partial*"))


def test_a_build_killed_while_writing_its_outputs_resumes_without_overwrite(corpus, built, tmp_path):
    """What a build killed while writing leaves (its staging folder, the datasets folder's temporary folder and
    lock file) is its own: the folder still resumes without --overwrite, and the leftovers go."""
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)
    (output / f"{STAGING_PREFIX}killed").mkdir()
    (output / f"{STAGING_PREFIX}killed" / TEMPORARY_MARKER).touch()  # the mark every build puts in its staging folder
    (output / ".out_dataset.killed.tmp").mkdir()
    (output / ".out_dataset.killed.tmp" / TEMPORARY_MARKER).touch()
    (output / ".out_dataset.pglsum-lock").write_text("12345\n")
    result = build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                           feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip
    assert result.computed == [] and result.h5.is_file()
    assert sorted(p.name for p in output.iterdir()) == sorted(
        [CACHE_FOLDER, "out.h5", "out_splits.json", "out_dataset"]
    )


def test_a_folder_that_only_looks_like_a_staging_folder_is_never_removed(corpus, built, tmp_path):
    """The user's own `.pglsum_staging.*` folder (no mark of ours) stays, with --overwrite too."""
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)
    mine = output / f"{STAGING_PREFIX}mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError):  # not a resumable folder: it holds something that is not ours
        build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                      feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip
    result = build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                           feature_weights="random", sample_rate=SAMPLE_RATE, progress=False, overwrite=True)  # fmt: skip
    assert result.h5.is_file() and (mine / "notes.txt").read_text() == "mine"


def test_a_cache_file_that_does_not_read_back_is_computed_again(corpus, built, tmp_path, caplog):
    """Garbage, a pickled object array (never unpickled) and a file missing an array: each named, then recomputed."""
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)
    files = {path.name.split("-")[0]: path for path in (output / CACHE_FOLDER).glob("*.npz")}
    kept = files["clipA"].stat().st_mtime_ns
    files["clipB"].write_bytes(os.urandom(500))
    with files["clipC"].open("wb") as handle:  # what np.load would only read by unpickling
        np.savez(handle, features=np.array([{"x": 1}], dtype=object))
    with caplog.at_level("WARNING", logger="pglsum_hf.data.feature_cache"):
        result = build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                               feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip
    assert sorted(Path(video).stem for video in result.computed) == ["clipB", "clipC"]
    warned = [record.message for record in caplog.records if "does not read back" in record.message]
    assert len(warned) == 2 and all("computing the video again" in message for message in warned)
    assert "not an .npz archive" in warned[0] and "Object arrays" in warned[1]
    assert files["clipA"].stat().st_mtime_ns == kept
    with np.load(files["clipC"], allow_pickle=False) as data:
        assert data["features"].dtype == np.float32
    expected, _ = read_h5(built["intervals"] / "mine_intervals.h5")
    got, _ = read_h5(result.h5)
    for video in expected:
        np.testing.assert_array_equal(got[video]["features"], expected[video]["features"])


def test_a_cache_file_whose_arrays_were_altered_is_named_and_computed_again(corpus, built, tmp_path, caplog):
    """A cache file that reads back but breaks what a build wrote (feature width, NaN, shots not covering the video)
    used to fail in the staging folder's h5, named by a path the user never sees; now the cache file is named and
    the video computed again."""
    output = tmp_path / "out"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, output / CACHE_FOLDER)
    files = {path.name.split("-")[0]: path for path in (output / CACHE_FOLDER).glob("*.npz")}
    damage = {
        "clipA": lambda arrays: {**arrays, "features": arrays["features"][:, :7].copy()},
        "clipB": lambda arrays: {**arrays, "features": np.where(arrays["features"] > 0, np.nan, arrays["features"])},
        "clipC": lambda arrays: {**arrays, "shots": arrays["shots"][1:].copy()},
    }
    for name, change in damage.items():
        with np.load(files[name], allow_pickle=False) as data:
            arrays = change({key: data[key] for key in data.files})
        with files[name].open("wb") as handle:
            np.savez(handle, **arrays)
    with caplog.at_level("WARNING", logger="pglsum_hf.data.feature_cache"):
        result = build_dataset([corpus["folder"]], annotations_of(corpus, "intervals"), "intervals", output,
                               feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip
    assert sorted(Path(video).stem for video in result.computed) == list(NAMES)
    warned = sorted(record.getMessage() for record in caplog.records if "does not read back" in record.getMessage())
    assert len(warned) == 3 and all(STAGING_PREFIX not in message for message in warned)
    for message, (name, field) in zip(warned, [("clipA", "features"), ("clipB", "features"), ("clipC", "shots")]):
        assert f"the cache file {files[name]} " in message and f"({field}: expected" in message
    expected, _ = read_h5(built["intervals"] / "mine_intervals.h5")
    got, _ = read_h5(result.h5)
    for video in expected:
        np.testing.assert_array_equal(got[video]["features"], expected[video]["features"])
        np.testing.assert_array_equal(got[video]["change_points"], expected[video]["change_points"])


# ----- bad inputs ------------------------------------------------------------------------------------------------


def run_cli(argv, capsys):
    status = cli_main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return status, err[-1] if err else ""


def test_annotation_files_saved_by_a_spreadsheet_with_a_byte_order_mark_are_read(tmp_path):
    """Spreadsheets save "CSV UTF-8" with a BOM; it used to stick to the first column ('\\ufeffvideo')."""
    rows = "video,user,start_seconds,end_seconds\nclipA,ann,2.5,4.0\n"
    (tmp_path / "plain.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "bom.csv").write_text(rows, encoding="utf-8-sig")
    plain, bom = (read_annotations(tmp_path / name, "intervals") for name in ("plain.csv", "bom.csv"))
    assert [(a.name, a.users, a.intervals) for a in bom[0]] == [(a.name, a.users, a.intervals) for a in plain[0]]
    tsv = "clipA\tVT\t1,2,3\nclipA\tVT\t3,2,1\n"
    (tmp_path / "bom.tsv").write_text(tsv, encoding="utf-8-sig")
    (annotation,), _ = read_annotations(tmp_path / "bom.tsv", "tvsum")
    assert annotation.name == "clipA" and annotation.user_scores.shape == (2, 3)


def test_video_without_annotation_is_named_and_nothing_is_written(corpus, tmp_path, capsys):
    extra = make_synthetic_video(
        tmp_path / "videos" / "stray.mp4", scene_seconds=2, n_scenes=2, width=96, height=64, fps=FPS
    )
    inputs = [str(corpus["folder"] / f"{name}.mp4") for name in NAMES[:2]] + [str(extra.path)]
    base = [
        "make-dataset",
        *inputs,
        "--annotations",
        annotations_of(corpus, "intervals"),
        "--annotation_format",
        "intervals",
        *COMMON,
    ]
    status, line = run_cli([*base, "--output_dir", str(tmp_path / "out")], capsys)
    assert status == 1
    assert (
        line.startswith("pglsum make-dataset: 2 bad inputs")
        and "stray.mp4: no annotation" in line
        and "'clipC'" in line
    )
    assert not (tmp_path / "out").exists()
    # --skip_bad lists them and leaves them out
    assert cli_main([*base, "--output_dir", str(tmp_path / "out"), "--skip_bad"]) == 0
    assert "skipped: 2 bad inputs left out" in capsys.readouterr().err
    videos = dict(iter_videos(tmp_path / "out" / "out.h5"))
    assert [v["video_name"] for v in videos.values()] == ["clipA", "clipB"]


def test_frame_count_disagreement(corpus, tmp_path, capsys):
    n_frames = corpus["videos"]["clipA"].n_frames
    annotations = tmp_path / "gt"
    annotations.mkdir()
    for name, extra in zip(NAMES, (0, 1, 7)):  # clipB: within the 2-frame tolerance; clipC: beyond it
        score = np.zeros((n_frames + extra, 2))
        score[20:40] = 1
        savemat(
            annotations / f"{name}.mat", {"user_score": score, "nFrames": float(n_frames + extra), "FPS": float(FPS)}
        )
    base = [
        "make-dataset",
        str(corpus["folder"]),
        "--annotations",
        str(annotations),
        "--annotation_format",
        "summe",
        *COMMON,
    ]
    status, line = run_cli([*base, "--output_dir", str(tmp_path / "out")], capsys)
    assert status == 1
    assert "clipC.mp4" in line and f"covers {n_frames + 7} frames but the video decodes to {n_frames} frames" in line
    assert "clipB" not in line and not list((tmp_path / "out").glob("*.h5"))
    assert cli_main([*base, "--output_dir", str(tmp_path / "out"), "--skip_bad"]) == 0
    card = (tmp_path / "out" / "out_dataset" / "README.md").read_text()
    assert "clipB.mp4: annotation 121 frames, video 120: last 1 annotated frame(s) dropped" in card
    assert "clipC.mp4" in card  # listed as left out


def test_corrupt_video_is_named(corpus, tmp_path, capsys):
    broken = tmp_path / "clipA.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    csv = tmp_path / "two.csv"
    csv.write_text("video,user,start_seconds,end_seconds\nclipA,ann,0,1\nclipB,ann,2.5,4\nclipC,ann,2.5,4\n")
    argv = ["make-dataset", str(broken), str(corpus["folder"] / "clipB.mp4"), str(corpus["folder"] / "clipC.mp4"), "--annotations",
            str(csv), "--annotation_format", "intervals", "--output_dir", str(tmp_path / "out"), *COMMON]  # fmt: skip
    status, line = run_cli(argv, capsys)
    assert status == 1 and f"{broken}: not a readable video file" in line and "nothing final was written" in line
    assert not list((tmp_path / "out").glob("*.h5"))
    assert cli_main([*argv, "--skip_bad"]) == 0  # the two good videos were cached: no recomputation
    assert "Leaving out" not in capsys.readouterr().out
    assert [v["video_name"] for _, v in iter_videos(tmp_path / "out" / "out.h5")] == ["clipB", "clipC"]


def test_bad_annotation_rows_are_named(corpus, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("video,user,start_seconds,end_seconds\nclipA,ann,2,1\nclipB,ann,0,1\n")
    argv = ["make-dataset", str(corpus["folder"] / "clipA.mp4"), str(corpus["folder"] / "clipB.mp4"), "--annotations", str(csv),
            "--annotation_format", "intervals", "--output_dir", str(tmp_path / "out"), *COMMON]  # fmt: skip
    status, line = run_cli(argv, capsys)
    assert status == 1 and "'clipA', field 'line 2': expected 0 <= start_seconds < end_seconds, found 2.0, 1.0" in line
    csv.write_text("video,user,start\nclipA,ann,2\n")
    status, line = run_cli(argv, capsys)
    assert status == 1 and "expected the columns video,user,start_seconds,end_seconds" in line


def test_options_and_output_folder_are_checked_before_any_work(corpus, built, tmp_path, capsys):
    base = [
        "make-dataset",
        str(corpus["folder"]),
        "--annotations",
        annotations_of(corpus, "intervals"),
        "--annotation_format",
        "intervals",
    ]
    status, line = run_cli([*base, "--output_dir", str(tmp_path / "a"), "--sample_rate", "0"], capsys)
    assert status == 2 and line == "pglsum make-dataset: --sample_rate: must be a number of frames >= 1, got 0"
    status, line = run_cli([*base, "--output_dir", str(tmp_path / "a"), "--test_fraction", "1.5"], capsys)
    assert status == 2 and "--test_fraction" in line
    status, line = run_cli([*base, "--output_dir", str(built["intervals"]), *COMMON], capsys)
    assert status == 1 and "already exists and is not empty; pass --overwrite" in line
    status, line = run_cli(
        ["make-dataset", str(tmp_path / "missing.mp4"), *base[2:], "--output_dir", str(tmp_path / "a")], capsys
    )
    assert status == 2 and "missing.mp4: no such file or folder" in line
    assert not (tmp_path / "a").exists()
    with pytest.raises(OutputExistsError, match="holds the input"):
        build_dataset(
            [corpus["folder"]],
            annotations_of(corpus, "intervals"),
            "intervals",
            corpus["root"],
            overwrite=True,
            feature_weights="random",
        )


def test_flags_before_the_videos_stay_flags(corpus, tmp_path, capsys):
    """``--skip_bad --overwrite videos/``: the flags do not read the videos as their truth value."""
    argv = ["make-dataset", "--skip_bad", "--overwrite", "--private", str(corpus["folder"]), "--annotations",
            annotations_of(corpus, "intervals"), "--annotation_format", "intervals", "--output_dir", str(tmp_path / "a"),
            "--sample_rate", "0"]  # fmt: skip
    status, line = run_cli(argv, capsys)
    assert status == 2 and line.endswith("--sample_rate: must be a number of frames >= 1, got 0")
    assert not (tmp_path / "a").exists()


def test_find_videos_takes_files_folders_and_globs(corpus, tmp_path):
    folder = corpus["folder"]
    assert [p.name for p in find_videos([folder])] == ["clipA.mp4", "clipB.mp4", "clipC.mp4"]
    assert [p.name for p in find_videos([str(folder / "clip[AB].mp4"), folder / "clipA.mp4"])] == [
        "clipA.mp4",
        "clipB.mp4",
    ]
    with pytest.raises(OptionError, match="matches no file"):
        find_videos([str(tmp_path / "*.mp4")])
    with pytest.raises(DatasetBuildError, match="at least 2"):
        build_dataset([folder / "clipA.mp4"], annotations_of(corpus, "intervals"), "intervals", tmp_path / "one", skip_bad=True,
                      feature_weights="random", sample_rate=SAMPLE_RATE, progress=False)  # fmt: skip


def test_push_to_hub_uploads_a_dataset_that_load_dataset_reads(corpus, built, tmp_path, hub_repo_id):
    from datasets import load_dataset

    folder = tmp_path / "pushed"
    shutil.copytree(built["intervals"] / CACHE_FOLDER, folder / CACHE_FOLDER)  # features already made: resume
    assert make(corpus, "intervals", folder, "--name", "mine_intervals", "--push_to_hub", hub_repo_id) == 0
    pushed = load_dataset(hub_repo_id, "split_0")
    local = load_dataset(str(folder / "mine_intervals_dataset"), "split_0")
    assert pushed["train"]["video_id"] == local["train"]["video_id"]
    assert pushed["test"]["video_id"] == local["test"]["video_id"]
