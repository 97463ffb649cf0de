"""``pglsum demo``: options and output folder checked before any work; its SYNTHETIC world is what it says."""

from __future__ import annotations

import numpy as np
import pytest

from pglsum_hf.cli import main as cli_main
from pglsum_hf.data.synthetic_scenes import (
    ANNOTATORS,
    N_SCENES,
    SCENE_SECONDS,
    light_scenes,
    make_videos,
    scene_plan,
    write_annotations,
)
from pglsum_hf.data.video_annotations import interval_mask, read_annotations


def test_n_epochs_and_output_folder_are_refused_before_anything_is_written(tmp_path, capsys):
    target = tmp_path / "demo"
    assert cli_main(["demo", "--output_dir", str(target), "--n_epochs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "pglsum demo: --n_epochs: expected an integer >= 1, got 0"
    assert not target.exists()
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    assert cli_main(["demo", "--output_dir", str(target)]) == 1
    assert "already exists and is not empty; pass --overwrite" in capsys.readouterr().err
    assert (target / "mine.txt").read_text() == "keep me"


def test_overwrite_never_replaces_the_working_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    assert cli_main(["demo", "--output_dir", ".", "--overwrite"]) == 1
    assert "the current working directory" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_overwrite_keeps_the_old_run_until_the_new_one_is_complete(tmp_path, monkeypatch):
    import pglsum_hf.commands.demo as demo

    target = tmp_path / "demo"
    target.mkdir()
    (target / "old.txt").write_text("old run")

    def failing_run(out, n_epochs, seed, final):
        assert not (out / "old.txt").exists()  # the old run waits aside, not mixed with the new one
        (out / "new.txt").write_text("half")
        raise RuntimeError("stopped half way")

    monkeypatch.setattr(demo, "_run_steps", failing_run)
    with pytest.raises(RuntimeError, match="half way"):
        demo.run_demo(target, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # nothing left aside
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]

    def complete_run(out, n_epochs, seed, final):
        (out / "new.txt").write_text("complete")
        return {"done": True}

    monkeypatch.setattr(demo, "_run_steps", complete_run)
    assert demo.run_demo(target, overwrite=True) == {"done": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]


def test_a_demo_that_stops_half_way_leaves_nothing_under_the_final_name(tmp_path, monkeypatch):
    import pglsum_hf.commands.demo as demo

    target = tmp_path / "demo"

    def failing_run(out, n_epochs, seed, final):
        assert final == target.resolve() and out != final  # built elsewhere, shown under the final name
        (out / "videos").mkdir()
        (out / "videos" / "half.mp4").write_text("half")
        raise KeyboardInterrupt  # as a kill would, half-way through the steps

    monkeypatch.setattr(demo, "_run_steps", failing_run)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(target)
    assert list(tmp_path.iterdir()) == []


def test_scene_lengths_do_not_tell_the_kinds_apart():
    plan = scene_plan(np.random.default_rng(0))
    assert len(plan) == N_SCENES and set(plan) <= set(SCENE_SECONDS)
    # both kinds draw from the same lengths: random scores cannot find the light scenes through the knapsack
    assert len(set(plan[0::2])) > 1 and len(set(plan[1::2])) > 1


def test_annotations_keep_the_light_scenes(tmp_path):
    videos = make_videos(tmp_path, ["synthetic_a"], seed=3)
    video = videos["synthetic_a"]
    csv = write_annotations(tmp_path / "a.csv", videos, seed=3)
    (annotation,), problems = read_annotations(csv, "intervals")
    assert not problems and annotation.users == list(ANNOTATORS)
    times = np.arange(video.n_frames) / float(video.fps)
    mask = interval_mask(annotation, "synthetic_a", times, video.duration)
    light = np.zeros(video.n_frames, bool)
    for start, end in light_scenes(video):
        light[(times >= start) & (times < end)] = True
    assert np.array_equal(mask[0], light)  # annotator a keeps exactly the light scenes
    assert not (mask & ~light).any()  # nobody keeps a dark frame
    assert mask[1].sum() < light.sum() and mask[2].sum() < light.sum()  # b trims, c misses one
