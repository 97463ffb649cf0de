"""`pglsum app` without a browser: the job behind the page, its refusals, the CLI's checks, the Space export and
its upload to the Hub emulator. (The page itself is driven in a real browser in test_app_browser.py.)"""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import torch
import yaml

from pglsum_hf import cards
from pglsum_hf.app.job import (
    BUDGET_PROPORTION,
    BUDGET_SECONDS,
    JobError,
    check_budget,
    new_job_folder,
    prune_job_folders,
    run_job,
)
from pglsum_hf.app.loading import UNTRAINED_MODEL_NAME, load_summarizer
from pglsum_hf.cli import COMMANDS
from pglsum_hf.cli import main as pglsum_main
from pglsum_hf.commands import app as app_cli
from pglsum_hf.commands.summarize import main as summarize_main
from pglsum_hf.errors import MissingDependencyError, OptionError, OutputExistsError, PGLSumError
from pglsum_hf.video import make_synthetic_video, raw_stream_copy

REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "model_cards"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def model_dir(random_model_dir):
    return random_model_dir


@pytest.fixture(scope="module")
def loaded(model_dir):
    return load_summarizer(str(model_dir), "random", device="cpu")


@pytest.fixture(scope="module")
def video(workdir):
    return make_synthetic_video(
        workdir / "clip.mp4", scene_seconds=[1.5, 2.5, 1.0, 2.0], width=64, height=48, fps=20, seed=7
    )


@pytest.fixture
def this_repos_templates(monkeypatch):
    """Card templates from this checkout (an editable install elsewhere would otherwise serve its own copy)."""
    if not (Path(str(cards.files("pglsum_hf.model_cards"))) / "space_card.md").is_file():
        monkeypatch.setattr(cards, "files", lambda package: REPO_TEMPLATES)


def test_the_job_gives_what_pglsum_summarize_writes(loaded, model_dir, video, workdir):
    result = run_job(loaded.summarizer, video.path, BUDGET_PROPORTION, 0.3, None, workdir / "jobs", progress=False)
    assert summarize_main([str(video.path), "--model", str(model_dir), "--output_dir", str(workdir / "cli"), "--feature_weights", "random", "--budget", "0.3"]) == 0  # fmt: skip
    expected = json.loads((workdir / "cli" / "clip.json").read_text())
    written = json.loads(result.files["json"].read_text())
    assert written["segments"] == expected["segments"] and written["shots"] == expected["shots"]
    assert [row[1:3] for row in result.rows] == [[s["start_frame"], s["end_frame"]] for s in expected["segments"]]
    assert result.files["video"].suffix == ".mp4" and result.files["plot"].suffix == ".png"
    assert result.files["video"].parent.parent == workdir / "jobs"  # a folder of its own per job
    assert "SYNTHETIC" in written["note"]


def test_budget_in_seconds(loaded, video, workdir):
    result = run_job(loaded.summarizer, video.path, BUDGET_SECONDS, None, 2.0, workdir / "jobs", progress=False)
    assert 0 < result.summary.summary_duration <= 2.0
    assert "at most 2 s" in result.message


@pytest.mark.parametrize(
    ("mode", "proportion", "seconds", "message"),
    [
        (BUDGET_PROPORTION, 0.0, None, "budget: must be a fraction"),
        (BUDGET_PROPORTION, 1.5, None, "budget: must be a fraction"),
        (BUDGET_SECONDS, 0.15, None, "maximum seconds: must be"),
        (BUDGET_SECONDS, 0.15, -3.0, "maximum seconds: must be"),
        ("minutes", 0.15, None, "budget: expected one of"),
    ],
)
def test_bad_budgets_are_refused(mode, proportion, seconds, message):
    with pytest.raises(JobError, match=message):
        check_budget(mode, proportion, seconds)


def test_bad_videos_are_refused_before_any_work(loaded, video, workdir):
    jobs = workdir / "refused_jobs"
    with pytest.raises(JobError, match="no video"):
        run_job(loaded.summarizer, None, BUDGET_PROPORTION, 0.15, None, jobs, progress=False)
    text = workdir / "upload" / "holiday.mp4"
    text.parent.mkdir()
    text.write_text("not a video")
    with pytest.raises(
        JobError, match=r"^holiday\.mp4: not a readable video file"
    ):  # the upload's name, not its cache path
        run_job(loaded.summarizer, text, BUDGET_PROPORTION, 0.15, None, jobs, progress=False)
    with pytest.raises(JobError, match=r"lasts 0\.1 minutes; .* at most 0\.05 minutes"):
        run_job(loaded.summarizer, video.path, BUDGET_PROPORTION, 0.15, None, jobs, max_minutes=0.05, progress=False)
    assert not jobs.exists() or not any(jobs.iterdir())


def test_pruning_removes_only_the_pages_own_old_job_folders(tmp_path):
    import os

    work_dir = tmp_path / "work"
    work_dir.mkdir()
    old_job, new_job = new_job_folder(work_dir), new_job_folder(work_dir)
    (old_job / "clip.mp4").write_bytes(b"summary")
    users = work_dir / "job-applications"  # the user's own folder in a work_dir they chose
    (users / "letter.txt").parent.mkdir()
    (users / "letter.txt").write_text("mine")
    for folder in (old_job, users):
        os.utime(folder, (0, 0))  # both far older than the lifetime
    prune_job_folders(work_dir)
    assert not old_job.exists() and new_job.is_dir()
    assert (users / "letter.txt").read_text() == "mine"


def test_without_a_model_the_page_runs_an_untrained_model_and_says_so():
    loaded = load_summarizer(None, "random", device="cpu")
    assert loaded.summarizer.model_name == UNTRAINED_MODEL_NAME
    assert len(loaded.notes) == 2 and all(note.startswith("SYNTHETIC") for note in loaded.notes)
    again = load_summarizer(None, "random", device="cpu")  # seeded: the same untrained model every start
    first, second = loaded.summarizer.model.state_dict(), again.summarizer.model.state_dict()
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_a_bad_model_names_the_option(workdir):
    with pytest.raises(OptionError, match="^--model: folder .*missing-model does not exist"):
        load_summarizer(str(workdir / "missing-model"), "random", device="cpu")


def test_a_model_whose_config_disagrees_with_its_weights_is_one_line(model_dir, tmp_path):
    import shutil

    folder = Path(shutil.copytree(model_dir, tmp_path / "model"))
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": config["hidden_size"] * 2}))
    with pytest.raises(
        PGLSumError, match=r"model\.safetensors: tensor \S+ has shape \[\d+, \d+\] but the config's model needs"
    ):
        load_summarizer(str(folder), "random", device="cpu")


def test_missing_gradio_names_the_app_extra(monkeypatch, capsys):
    from pglsum_hf.app.page import require_gradio

    monkeypatch.setitem(sys.modules, "gradio", None)
    with pytest.raises(MissingDependencyError, match=r"pglsum-hf\[app\]"):
        require_gradio()
    assert pglsum_main(["app", "--feature_weights", "random"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "pglsum app: the web page needs gradio, which is not installed: pip install 'pglsum-hf[app]' (or 'gradio>=6')"
    ]


def test_the_command_is_listed_and_checks_its_options(capsys, workdir):
    assert COMMANDS["app"][0] == "pglsum_hf.commands.app"
    cases = [
        (["--max_minutes", "0"], "pglsum app: --max_minutes: must be a number of minutes > 0, got 0.0"),
        (["--port", "70000"], "pglsum app: --port: must be a port number in 1..65535, got 70000"),
        (["--concurrency", "0"], "pglsum app: --concurrency: must be at least 1, got 0"),
        (["--push_to_hub", "no-owner"], "pglsum app: --hub_model_id: expected a Space id OWNER/NAME, got 'no-owner'"),
        (
            ["--model", str(workdir)],
            f"pglsum app: --model: {workdir} is not a model folder: expected a config.json in it",
        ),
    ]
    for argv, message in cases:
        assert pglsum_main(["app", *argv]) == 2
        assert capsys.readouterr().err.strip() == message


def test_a_busy_port_and_a_bad_host_are_named_before_any_work(capsys):
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert pglsum_main(["app", "--port", str(port), "--feature_weights", "random"]) == 2
        assert (
            capsys.readouterr().err.strip()
            == f"pglsum app: --port: {port} is already in use on 127.0.0.1 (choose another --port)"
        )
    assert pglsum_main(["app", "--host", "no-such-host.invalid", "--feature_weights", "random"]) == 2
    assert capsys.readouterr().err.strip().startswith("pglsum app: --host: 'no-such-host.invalid' does not resolve")
    assert (
        pglsum_main(["app", "--host", "192.0.2.1", "--feature_weights", "random"]) == 2
    )  # TEST-NET: not this machine
    assert (
        capsys.readouterr().err.strip().startswith("pglsum app: --host: 192.0.2.1 is not an address of this machine")
    )


def test_the_page_summarizes_only_its_own_uploads(loaded, video, workdir, tmp_path):
    """An API client sending a server path gets the same refusal whether the file exists or not, and no summary."""
    uploads = tmp_path / "gradio"
    uploads.mkdir()
    (uploads / "escape.mp4").symlink_to(video.path)  # a link in the upload folder to a file outside it
    jobs = tmp_path / "jobs"
    messages = set()
    for path in (video.path, "/etc/passwd", "/etc/no-such-file", uploads / "escape.mp4", uploads / "../x.mp4"):
        with pytest.raises(JobError) as refused:
            run_job(
                loaded.summarizer, str(path), BUDGET_PROPORTION, 0.15, None, jobs, progress=False, uploads_in=[uploads]
            )
        messages.add(str(refused.value))
    assert messages == {"this page summarizes only videos uploaded to it or its examples; upload the video file"}
    assert not jobs.exists()
    copy = uploads / "upload-1" / "clip.mp4"
    copy.parent.mkdir()
    copy.write_bytes(video.path.read_bytes())
    result = run_job(
        loaded.summarizer, str(copy), BUDGET_PROPORTION, 0.15, None, jobs, progress=False, uploads_in=[uploads]
    )
    assert result.files["json"].is_file()


def test_the_page_refuses_a_server_path_sent_in_place_of_an_upload(loaded, video, workdir):
    import gradio

    from pglsum_hf.app.page import build_demo

    demo = build_demo(loaded=loaded, examples_dir=workdir / "examples", work_dir=workdir / "page_jobs")
    (summarize,) = [block.fn for block in demo.fns.values() if getattr(block.fn, "__name__", "") == "summarize"]
    for path in (video.path, "/etc/passwd", "/etc/no-such-file"):
        with pytest.raises(gradio.Error, match="only videos uploaded to it"):
            summarize(str(path), BUDGET_PROPORTION, 0.15, 30.0, progress=lambda *a, **k: None)
    assert not list((workdir / "page_jobs").glob("job-*"))


def test_max_minutes_holds_while_decoding_a_stream_without_duration(loaded, video, workdir, tmp_path):
    raw = raw_stream_copy(video.path, tmp_path / "holiday.h264")
    jobs = tmp_path / "jobs"
    with pytest.raises(JobError, match=r"^holiday\.h264: the video runs past 0\.01 minutes; .* at most 0\.01 minutes"):
        run_job(loaded.summarizer, raw, BUDGET_PROPORTION, 0.15, None, jobs, max_minutes=0.01, progress=False)
    assert not any(jobs.iterdir())
    assert run_job(loaded.summarizer, raw, BUDGET_PROPORTION, 0.15, None, jobs, max_minutes=1, progress=False).files


def test_export_space(model_dir, workdir, this_repos_templates, capsys):
    space = workdir / "space"
    assert app_cli.main(["--model", str(model_dir), "--feature_weights", "random", "--export_space", str(space), "--max_minutes", "10"]) == 0  # fmt: skip
    assert {"app.py", "requirements.txt", "README.md", "pglsum_hf", "model"} <= {p.name for p in space.iterdir()}
    header, body = space.joinpath("README.md").read_text().split("---\n", 2)[1:]
    metadata = yaml.safe_load(header)
    assert metadata["sdk"] == "gradio" and metadata["app_file"] == "app.py" and metadata["sdk_version"].startswith("6")
    assert "models" not in metadata  # a local model folder travels inside the Space instead
    assert "SYNTHETIC" in body and "$" not in body.replace("$$", "")
    app = space.joinpath("app.py").read_text()
    assert "build_demo(model='model', feature_weights='random', max_minutes=10.0)" in app
    compile(app, "app.py", "exec")
    requirements = space.joinpath("requirements.txt").read_text().split()
    names = {re.split(r"[<>=!~ ]", line)[0] for line in requirements}
    assert "gradio>=6" in requirements and {"torch", "transformers", "av", "torchvision"} <= names
    assert (space / "pglsum_hf" / "app" / "page.py").is_file() and (space / "model" / "config.json").is_file()
    assert not list(space.rglob("__pycache__"))
    # A second export into the same folder needs --overwrite.
    with pytest.raises(OutputExistsError, match="--export_space"):
        app_cli.main(["--export_space", str(space)])


@pytest.mark.parametrize("push", [False, True])
def test_a_hub_model_that_does_not_exist_is_refused_before_the_space_is_written(push, workdir, hub_repo_id, capsys):
    space = workdir / f"space-of-a-missing-model-{push}"
    upload = ["--push_to_hub", "--hub_model_id", hub_repo_id] if push else []
    missing = "pglsum-tests/no-such-model"
    assert pglsum_main(["app", "--model", missing, "--export_space", str(space), *upload]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pglsum app: --model: {missing}: cannot read the model's config")
    assert f"no Hub model repository {missing} was found" in err
    assert not space.exists()


def test_a_space_reads_a_path_as_every_command_does(tmp_path):
    # `./name` is a path (model_loading.looks_local), never a Hub id to link: a missing folder is refused, nothing written
    from pglsum_hf.app.space import export_space

    with pytest.raises(OptionError, match="--model: ./no_such_model is not a model folder"):
        export_space(tmp_path / "space", model="./no_such_model")
    assert not (tmp_path / "space").exists()


def test_space_card_links_a_hub_model(workdir, this_repos_templates):
    from pglsum_hf.app.space import space_card

    metadata = yaml.safe_load(space_card("someone/pglsum-tvsum", None, 30).split("---\n", 2)[1])
    assert metadata["models"] == ["someone/pglsum-tvsum"]


def test_push_space_to_the_hub(model_dir, workdir, hub_repo_id, this_repos_templates):
    from huggingface_hub import HfApi

    assert app_cli.main(["--model", str(model_dir), "--feature_weights", "random", "--push_to_hub", hub_repo_id]) == 0
    files = set(HfApi().list_repo_files(hub_repo_id, repo_type="space"))
    assert {"app.py", "requirements.txt", "README.md", "model/config.json", "pglsum_hf/app/page.py"} <= files


def test_a_folder_of_split_models_is_loaded_with_subfolder(model_dir, workdir, capsys):
    release = workdir / "pglsum-summe-table4"
    for split in ("split_0", "split_1"):
        shutil.copytree(model_dir, release / split)
    loaded = load_summarizer(str(release), "random", device="cpu", subfolder="split_1")
    assert loaded.summarizer.model_name == f"{release}/split_1"
    capsys.readouterr()
    assert pglsum_main(["app", "--model", str(release), "--feature_weights", "random"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"pglsum app: --model: {release} holds one model per folder (split_0, split_1), not one model; pick one "
        "with --subfolder (e.g. --subfolder split_0)"
    )


@pytest.fixture(scope="module")
def served_page(loaded, workdir):
    """The page served on a free local port, for gradio_client calls (no browser)."""
    import socket

    from pglsum_hf.app.page import build_demo

    demo = build_demo(loaded=loaded, examples_dir=workdir / "examples", work_dir=workdir / "served_jobs")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Gradio's progress tracking patches tqdm's class for the whole process; later tests get it back unpatched.
    import tqdm
    import tqdm.auto

    methods = {name: tqdm.tqdm.__dict__[name] for name in ("__init__", "update", "close", "__exit__", "__iter__")}
    auto_class = tqdm.auto.tqdm
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    for name, method in methods.items():
        setattr(tqdm.tqdm, name, method)
    tqdm.auto.tqdm = auto_class


def test_an_api_caller_gets_an_exception_for_a_bad_file_and_named_outputs(served_page, workdir):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    client = Client(served_page, verbose=False)
    endpoint = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/summarize"]
    names = [output["label"] for output in endpoint["returns"]]
    assert all(names) and not any(re.fullmatch(r"value_\d+", name) for name in names), names
    bad = workdir / "api_upload" / "notes.mp4"
    bad.parent.mkdir()
    bad.write_text("not a video")
    with pytest.raises(AppError) as refused:
        client.predict(handle_file(str(bad)), BUDGET_PROPORTION, 0.15, 30, api_name="/summarize")
    message = str(refused.value)
    assert "Could not summarize. notes.mp4: not a readable video file" in message
    assert len(message.splitlines()) == 1
