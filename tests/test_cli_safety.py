"""Every command fails safely: one table of bad inputs, run in-process through ``pglsum_hf.cli.main``.

Each case asserts four things: the exit status (1, or 2 for usage errors); no traceback; one line
``pglsum <command>: ...`` naming the file or option; and nothing written, replaced or removed (the case's folder,
which holds the user's files and the inputs, and the shared fixtures are unchanged, to the inode and mtime). Payload
cases also check that the pickled code never ran.

Exit statuses: 2 for a value that parses but means nothing and for an output path that is a file; 1 for an output
that exists (a non-empty folder without ``--overwrite``, a folder that holds an input or the cwd) and for a file whose
content is bad. An input path that names nothing or the wrong kind of thing (a folder for a file), and an output
that would land on an input, may be reported either way: as a bad option value (2) or as a missing file (1).

Case ids start with their class: ``folder`` (output folders and files: the user's files, inputs, the cwd),
``input`` (an output landing on, or inside, an input named by another option: the model, the base model, the
splits, the report), ``bound`` (counts and sizes past their limit, globs through symlink loops), ``pickle`` (files
whose unpickling would run code), ``resume`` (a checkpoint resumed with other run options),
``corrupt`` (garbage, truncated, empty or misnamed files, folders given as files, missing files) and ``value`` (values
that parse but mean nothing).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from reference_pglsum import ReferencePGLSum

from pglsum_hf import PGLSumConfig, PGLSumModel, cli
from pglsum_hf.data.synthetic import make_synthetic_h5, write_synthetic_splits
from pglsum_hf.training.checkpointing import list_checkpoints
from pglsum_hf.video import make_synthetic_video

CLASSES = ("folder", "input", "bound", "pickle", "resume", "corrupt", "value")

# The run the resume cases start from: tiny synthetic data, a narrow model, 2 epochs with a checkpoint after each.
RUN_OPTIONS = {"--split_index": "0", "--n_epochs": "2", "--batch_size": "2", "--eval_method": "max", "--report_to": "none",
               "--hidden_size": "64", "--checkpointing_epochs": "1"}  # fmt: skip
# Cheap training options for cases that must fail before training (if they did not, they stay short).
QUICK = ["--n_epochs", "1", "--batch_size", "2", "--eval_method", "max", "--report_to", "none", "--hidden_size", "64"]
PATH_CODE = (1, 2)  # an input path naming nothing, or the wrong kind of thing (see the module docstring)
CHECKPOINT_SETTINGS = {"input_size": 24, "output_size": 32, "heads": 4, "num_segments": 2, "local_heads": 2}


@dataclasses.dataclass(frozen=True)
class Env:
    """Paths a case may use: shared read-only fixtures, and its own ``work`` folder (the cwd unless it says)."""

    shared: Path
    h5: Path
    splits: Path
    other_h5: Path
    model: Path
    video: Path
    checkpoint: Path
    run: Path
    ckpt: Path
    work: Path = Path()
    marker: Path = Path()


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Env], Sequence[str]]
    names: Callable[[Env], Sequence[str]] | Sequence[str | tuple[str, ...]]  # each must appear (a tuple: one of them)
    code: int | tuple[int, ...] = 1
    prepare: Callable[[Env], object] | None = None
    cwd: Callable[[Env], Path] | None = None
    forbid: Sequence[str] = ()  # text the message must not contain (the misleading errors of the past)


# --------------------------------------------------------------------------------------------------- file makers


class Payload:
    """Unpickling this runs code: it writes ``marker``. No command may ever let that happen."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('payload ran')",)


def write_payload(path: Path, env: Env, how: str = "torch") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "torch":  # torch.save's zip format, data.pkl inside
        torch.save(Payload(env.marker), path)
    elif how == "state_dict":  # a plausible state dict with the payload as one value
        torch.save({"linear_1.weight": Payload(env.marker), "linear_1.bias": torch.zeros(2)}, path)
    else:  # a bare pickle stream
        path.write_bytes(pickle.dumps(Payload(env.marker), protocol=2))
    return path


def user_files(folder: Path) -> Path:
    """A folder with the user's own files, named like files the commands write."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text("# my notes\n")
    (folder / "config.json").write_text('{"mine": true}\n')
    (folder / "thesis.tex").write_text("\\documentclass{article}\n")
    return folder


def copy_into(folder: Path, *sources: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in sources:
        target = folder / source.name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
        copies.append(target)
    return copies


def dataset_copy(env: Env, folder: str = "data") -> Path:
    """The tiny h5 and its splits copied into ``work/<folder>`` beside the user's files; returns the h5."""
    h5, _ = copy_into(user_files(env.work / folder), env.h5, env.splits)
    return h5


def text(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return path


def intervals_csv(env: Env) -> Path:
    """Valid annotations of the shared video in the intervals format, for make-dataset cases that must get past them."""
    return text(env.work / "anno.csv", f"video,user,start_seconds,end_seconds\n{env.video.name},1,0.0,1.0\n")


def truncated(source: Path, target: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    return text(target, data[: int(len(data) * fraction)])


def png(path: Path) -> Path:
    """A real PNG image (8x8, grey), named however the case wants."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    rows = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    header = (8).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return text(
        path, b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def empty_hdf5(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        handle.attrs["note"] = "valid HDF5, no videos"
    return path


def h5_with_float64_features(env: Env) -> Path:
    path = shutil.copy2(env.h5, env.work / "float64.h5")
    with h5py.File(path, "r+") as handle:
        features = handle["video_1/features"][()]
        del handle["video_1/features"]
        handle["video_1/features"] = features.astype(np.float64)
    return Path(path)


def checkpoint_file(path: Path, seed: int = 0, nan_key: str | None = None, **settings) -> Path:
    reference = ReferencePGLSum(**{**CHECKPOINT_SETTINGS, **settings}).randomize_(torch.Generator().manual_seed(seed))
    state = reference.state_dict()
    if nan_key is not None:
        state[nan_key][0, 0] = float("nan")
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


def model_copy(env: Env, replace: dict[str, bytes | None] | None = None) -> Path:
    """The tiny model folder copied into ``work/my_model`` with some files replaced (None: removed)."""
    (folder,) = copy_into(env.work, env.model)
    folder = folder.rename(env.work / "my_model")
    for name, content in (replace or {}).items():
        if content is None:
            (folder / name).unlink()
        else:
            (folder / name).write_bytes(content)
    return folder


def model_with_weights(
    env: Env, edit: Callable[[dict[str, torch.Tensor]], object], config: dict | None = None
) -> Path:
    """``model_copy`` whose weights went through ``edit`` (it changes the dict in place) and whose config.json has
    the fields of ``config`` changed."""
    from safetensors.torch import load_file, save

    weights = load_file(env.model / "model.safetensors")
    edit(weights)
    settings = {**json.loads((env.model / "config.json").read_text()), **(config or {})}
    replace = {
        "model.safetensors": save(weights, metadata={"format": "pt"}),
        "config.json": json.dumps(settings).encode(),
    }
    return model_copy(env, replace)


def checkpoint_copy(env: Env, fill: Callable[[Path], bool] | None = None, content: str = "payload") -> Path:
    """The run's latest checkpoint folder copied into ``work``; files chosen by ``fill`` hold a payload or garbage."""
    (folder,) = copy_into(env.work / "copied", env.ckpt)
    for path in folder.rglob("*"):
        if path.is_file() and (fill is None or fill(path)):
            if content == "payload":
                write_payload(path, env, "torch" if path.suffix in (".bin", ".pt", ".pth") else "pickle")
            else:
                path.write_bytes(os.urandom(256))
    return folder


def damaged_dataset(
    env: Env, shard: Callable[[bytes], bytes] | None = None, card: Callable[[str], str] | None = None
) -> Path:
    """The tiny h5 converted into ``work/ds``, with ``data/video_2.parquet``'s bytes and the card's text passed
    through ``shard`` and ``card``."""
    from pglsum_hf.data.convert import convert_h5_to_dataset

    folder = env.work / "ds"
    convert_h5_to_dataset(env.h5, env.splits, folder, show_progress=False)
    if shard is not None:
        (folder / "data/video_2.parquet").write_bytes(shard((folder / "data/video_2.parquet").read_bytes()))
    if card is not None:
        (folder / "README.md").write_text(card((folder / "README.md").read_text()))
    return folder


def checkpoint_with_json(env: Env, name: str, edit: Callable[[dict], object]) -> Path:
    """``checkpoint_copy`` with the JSON file ``name`` changed in place by ``edit``."""
    folder = checkpoint_copy(env, lambda path: False)
    values = json.loads((folder / name).read_text())
    edit(values)
    (folder / name).write_text(json.dumps(values))
    return folder


def resume(env: Env, checkpoint: Path | None = None, **changes: str) -> list[str]:
    """Resume the run's checkpoint into a new folder with some run options changed."""
    options = {**RUN_OPTIONS, **{f"--{key}": value for key, value in changes.items()}}
    dataset = options.pop("--dataset", str(env.h5))
    argv = ["train", "--dataset", dataset, "--output_dir", str(env.work / "resumed")]
    argv += ["--resume_from_checkpoint", str(checkpoint or env.ckpt)]
    return argv + [item for pair in options.items() for item in pair]


def summarize(
    env: Env, *inputs: Path | str, model: Path | str | None = None, output: Path | str | None = None, extra=()
) -> list[str]:
    inputs = inputs or (env.video,)
    return ["summarize", *map(str, inputs), "--model", str(model or env.model), "--output_dir", str(output or env.work / "summaries"),
            "--feature_weights", "random", *extra]  # fmt: skip


def convert(
    env: Env,
    h5: Path | str | None = None,
    splits: Path | str | None = None,
    output: Path | str | None = None,
    extra=(),
) -> list[str]:
    return [
        "convert",
        "--h5",
        str(h5 or env.h5),
        "--splits",
        str(splits or env.splits),
        "--output_dir",
        str(output or env.work / "dataset"),
        *extra,
    ]


def convert_ckpt(
    env: Env, checkpoint: Path | str | None = None, output: Path | str | None = None, extra=()
) -> list[str]:
    return [
        "convert-checkpoint",
        "--checkpoint",
        str(checkpoint or env.checkpoint),
        "--output_dir",
        str(output or env.work / "converted"),
        *extra,
    ]


def train(env: Env, *extra: str, dataset: Path | str | None = None, output: Path | str | None = None) -> list[str]:
    argv = ["train", "--dataset", str(dataset or env.h5)]
    argv += ["--output_dir", str(output or env.work / "run")] if output != "" else []
    return argv + QUICK + list(extra)


def run_splits(
    env: Env, *extra: str, dataset: Path | str | None = None, output: Path | str | None = None
) -> list[str]:
    argv = [
        "run-splits",
        "--dataset",
        str(dataset or env.h5),
        "--output_dir",
        str(output or env.work / "table"),
        "--split_indices",
        "0",
    ]
    return argv + ["--random_trials", "2"] + QUICK + list(extra)


# ------------------------------------------------------------------------------------------------------- the table

CASES: list[Case] = []


def case(id: str, argv, names, code: int | tuple[int, ...] = 1, prepare=None, cwd=None, forbid=()) -> None:
    assert id.split("-")[0] in CLASSES, id
    CASES.append(Case(id, argv, names, code, prepare, cwd, forbid))


def _folder_cases() -> None:
    # convert: the data loss was `--overwrite` with the output holding the h5.
    case("folder-convert-output-holds-h5-overwrite", lambda e: convert(e, e.work / "data/synthetic_tiny.h5", e.work / "data/synthetic_tiny_splits.json", e.work / "data", ["--overwrite"]),
         ["--output_dir", "data"], prepare=dataset_copy)  # fmt: skip
    case("folder-convert-output-holds-splits-overwrite", lambda e: convert(e, splits=e.work / "data/synthetic_tiny_splits.json", output=e.work / "data", extra=["--overwrite"]),
         ["--output_dir", "data"], prepare=dataset_copy)  # fmt: skip
    case("folder-convert-output-holds-h5", lambda e: convert(e, e.work / "data/synthetic_tiny.h5", e.work / "data/synthetic_tiny_splits.json", e.work / "data"),
         ["--output_dir", "data"], prepare=dataset_copy)  # fmt: skip
    case(
        "folder-convert-output-is-cwd",
        lambda e: convert(e, output="."),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case(
        "folder-convert-output-is-cwd-overwrite",
        lambda e: convert(e, output=".", extra=["--overwrite"]),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case("folder-convert-output-is-ancestor-of-cwd-overwrite", lambda e: convert(e, output=e.work / "project", extra=["--overwrite"]),
         ["--output_dir", "project"], prepare=lambda e: user_files(e.work / "project/notes"), cwd=lambda e: e.work / "project/notes")  # fmt: skip
    case(
        "folder-convert-output-nonempty",
        lambda e: convert(e, output=e.work / "mine"),
        ["--output_dir", "mine"],
        prepare=lambda e: user_files(e.work / "mine"),
    )
    case("folder-convert-output-is-file", lambda e: convert(e, output=e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-convert-output-under-file", lambda e: convert(e, output=e.work / "notes.txt/dataset"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-convert-output-is-the-h5", lambda e: convert(e, e.work / "data/synthetic_tiny.h5", output=e.work / "data/synthetic_tiny.h5", extra=["--overwrite"]),
         ["--output_dir", "synthetic_tiny.h5"], 2, prepare=dataset_copy)  # fmt: skip

    # convert-checkpoint: `--output_dir .` emptied the current folder; the folder holding model.pt lost it.
    def checkpoint_beside_user_files(e: Env, folder: str = "") -> Path:
        return copy_into(user_files(e.work / folder), e.checkpoint)[0]

    case(
        "folder-convert-checkpoint-output-is-cwd",
        lambda e: convert_ckpt(e, "pgl_sum.pt", "."),
        ["--output_dir"],
        prepare=checkpoint_beside_user_files,
    )
    case("folder-convert-checkpoint-output-is-cwd-overwrite", lambda e: convert_ckpt(e, "pgl_sum.pt", ".", ["--overwrite"]), ["--output_dir"],
         prepare=checkpoint_beside_user_files)  # fmt: skip
    case("folder-convert-checkpoint-output-holds-checkpoint", lambda e: convert_ckpt(e, e.work / "models/pgl_sum.pt", e.work / "models"),
         ["--output_dir", "models"], prepare=lambda e: checkpoint_beside_user_files(e, "models"))  # fmt: skip
    case("folder-convert-checkpoint-output-holds-checkpoint-overwrite", lambda e: convert_ckpt(e, e.work / "models/pgl_sum.pt", e.work / "models", ["--overwrite"]),
         ["--output_dir", "models"], prepare=lambda e: checkpoint_beside_user_files(e, "models"))  # fmt: skip
    case("folder-convert-checkpoint-output-nonempty", lambda e: convert_ckpt(e, output=e.work / "mine"), ["--output_dir", "mine"],
         prepare=lambda e: user_files(e.work / "mine"))  # fmt: skip
    case("folder-convert-checkpoint-output-is-ancestor-of-cwd-overwrite", lambda e: convert_ckpt(e, output=e.work / "project", extra=["--overwrite"]),
         ["--output_dir", "project"], prepare=lambda e: user_files(e.work / "project/notes"), cwd=lambda e: e.work / "project/notes")  # fmt: skip
    case("folder-convert-checkpoint-output-is-file", lambda e: convert_ckpt(e, output=e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-convert-checkpoint-output-is-the-checkpoint", lambda e: convert_ckpt(e, e.work / "pgl_sum.pt", e.work / "pgl_sum.pt", ["--overwrite"]),
         ["--output_dir", "pgl_sum.pt"], 2, prepare=checkpoint_beside_user_files)  # fmt: skip

    # train: `--output_dir .` overwrote the user's README.md and config.json.
    case(
        "folder-train-output-is-cwd",
        lambda e: train(e, output="."),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case(
        "folder-train-output-is-cwd-overwrite",
        lambda e: train(e, "--overwrite", output="."),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case(
        "folder-train-output-nonempty",
        lambda e: train(e, output=e.work / "mine"),
        ["--output_dir", "mine"],
        prepare=lambda e: user_files(e.work / "mine"),
    )
    case("folder-train-output-holds-dataset-overwrite", lambda e: train(e, "--overwrite", dataset=e.work / "data/synthetic_tiny.h5", output=e.work / "data"),
         ["--output_dir", "data"], prepare=dataset_copy)  # fmt: skip
    case("folder-train-output-is-ancestor-of-cwd-overwrite", lambda e: train(e, "--overwrite", output=e.work / "project"),
         ["--output_dir", "project"], prepare=lambda e: user_files(e.work / "project/notes"), cwd=lambda e: e.work / "project/notes")  # fmt: skip
    case("folder-train-output-is-file", lambda e: train(e, output=e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-train-output-under-file", lambda e: train(e, output=e.work / "notes.txt/run"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-train-default-output-nonempty", lambda e: train(e, output=""), ["pglsum-synthetic_tiny-split0"],
         prepare=lambda e: user_files(e.work / "pglsum-synthetic_tiny-split0"))  # fmt: skip

    # run-splits writes split folders and the table into its folder.
    case(
        "folder-run-splits-output-is-cwd",
        lambda e: run_splits(e, output="."),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case(
        "folder-run-splits-output-nonempty",
        lambda e: run_splits(e, output=e.work / "mine"),
        ["--output_dir", "mine"],
        prepare=lambda e: user_files(e.work / "mine"),
    )
    case("folder-run-splits-output-holds-dataset-overwrite", lambda e: run_splits(e, "--overwrite", dataset=e.work / "data/synthetic_tiny.h5", output=e.work / "data"),
         ["--output_dir", "data"], prepare=dataset_copy)  # fmt: skip
    case("folder-run-splits-output-is-file", lambda e: run_splits(e, output=e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip

    # make-synthetic writes named files into a folder that may hold other things.
    synthetic = lambda folder, *extra: lambda e: ["make-synthetic", "--output_dir", str(folder(e)), *extra]
    case("folder-make-synthetic-output-is-file", synthetic(lambda e: e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-make-synthetic-output-under-file", synthetic(lambda e: e.work / "notes.txt/data"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip
    case("folder-make-synthetic-h5-exists", synthetic(lambda e: e.work / "data"), ["synthetic_tiny.h5", "--overwrite"],
         prepare=lambda e: text(user_files(e.work / "data") / "synthetic_tiny.h5", "my own file"))  # fmt: skip
    case("folder-make-synthetic-splits-exist", synthetic(lambda e: e.work / "data"), ["synthetic_tiny_splits.json", "--overwrite"],
         prepare=lambda e: text(e.work / "data/synthetic_tiny_splits.json", "[]"))  # fmt: skip
    case(
        "folder-make-synthetic-cwd-holds-h5",
        synthetic(lambda e: "."),
        ["synthetic_tiny.h5"],
        prepare=lambda e: text(e.work / "synthetic_tiny.h5", "mine"),
    )
    case("folder-make-synthetic-h5-name-is-folder-overwrite", synthetic(lambda e: e.work / "data", "--overwrite"), ["synthetic_tiny.h5"], 2,
         prepare=lambda e: user_files(e.work / "data/synthetic_tiny.h5"))  # fmt: skip

    # summarize writes <stem>.mp4/.json/.png per input.
    def video_beside_user_files(e: Env, folder: str = "videos") -> Path:
        return copy_into(user_files(e.work / folder), e.video)[0]

    case("folder-summarize-output-holds-input", lambda e: summarize(e, e.work / "videos/clip.mp4", output=e.work / "videos"), ["--output_dir", "videos"], PATH_CODE,
         prepare=video_beside_user_files)  # fmt: skip
    case("folder-summarize-output-holds-input-overwrite", lambda e: summarize(e, e.work / "videos/clip.mp4", output=e.work / "videos", extra=["--overwrite"]),
         ["--output_dir", "videos"], PATH_CODE, prepare=video_beside_user_files)  # fmt: skip
    case("folder-summarize-output-is-cwd-overwrite", lambda e: summarize(e, "clip.mp4", output=".", extra=["--overwrite"]), ["--output_dir"], PATH_CODE,
         prepare=lambda e: video_beside_user_files(e, ""))  # fmt: skip
    # Summaries are files written into the folder beside whatever it holds; one of the same name is the user's.
    case("folder-summarize-output-holds-same-name-file", lambda e: summarize(e, output=e.work / "mine"), ["clip.json", "--overwrite"],
         prepare=lambda e: text(user_files(e.work / "mine") / "clip.json", '{"mine": true}'))  # fmt: skip
    case("folder-summarize-output-is-file", lambda e: summarize(e, output=e.work / "notes.txt"), ["--output_dir", "notes.txt"], 2,
         prepare=lambda e: text(e.work / "notes.txt", "mine"))  # fmt: skip

    # demo writes data, a model, a summary and the figures into one folder.
    demo = lambda output, *extra: (
        lambda e: ["demo", *(["--output_dir", str(output(e))] if output else []), "--n_epochs", "1", *extra]
    )
    case("folder-demo-output-is-cwd", demo(lambda e: "."), ["--output_dir"], prepare=lambda e: user_files(e.work))
    case(
        "folder-demo-output-is-cwd-overwrite",
        demo(lambda e: ".", "--overwrite"),
        ["--output_dir"],
        prepare=lambda e: user_files(e.work),
    )
    case(
        "folder-demo-output-nonempty",
        demo(lambda e: e.work / "mine"),
        ["--output_dir", "mine"],
        prepare=lambda e: user_files(e.work / "mine"),
    )
    case(
        "folder-demo-output-is-file",
        demo(lambda e: e.work / "notes.txt"),
        ["--output_dir", "notes.txt"],
        2,
        prepare=lambda e: text(e.work / "notes.txt", "mine"),
    )
    case(
        "folder-demo-default-output-nonempty",
        demo(None),
        ["pglsum_demo_output"],
        prepare=lambda e: user_files(e.work / "pglsum_demo_output"),
    )

    # benchmarks write one JSON file (and, for training, synthetic files into --data_dir).
    bench = lambda name, *extra: (
        lambda e: ["benchmark", name, *[str(part(e)) if callable(part) else part for part in extra]]
    )
    mine = lambda e: text(e.work / "results.json", '{"mine": true}')
    case(
        "folder-benchmark-model-output-is-folder",
        bench("model", "--output", lambda e: e.work / "mine"),
        ["--output", "mine"],
        2,
        prepare=lambda e: user_files(e.work / "mine"),
    )
    case(
        "folder-benchmark-model-output-exists",
        bench("model", "--output", lambda e: e.work / "results.json"),
        ["--output", "results.json"],
        prepare=mine,
    )
    case(
        "folder-benchmark-metric-output-exists",
        bench("metric", "--output", lambda e: e.work / "results.json"),
        ["--output", "results.json"],
        prepare=mine,
    )
    case(
        "folder-benchmark-metric-output-under-file",
        bench("metric", "--output", lambda e: e.work / "results.json/x.json"),
        ["--output", "results.json"],
        2,
        prepare=mine,
    )
    case("folder-benchmark-training-output-exists", bench("training", "--profiles", "tiny", "--output", lambda e: e.work / "results.json"),
         ["--output", "results.json"], prepare=mine)  # fmt: skip
    case("folder-benchmark-training-data-dir-is-file", bench("training", "--profiles", "tiny", "--data_dir", lambda e: e.work / "results.json", "--output", lambda e: e.work / "new.json"),
         ["--data_dir", "results.json"], 2, prepare=mine)  # fmt: skip
    case("folder-benchmark-training-data-dir-holds-h5", bench("training", "--profiles", "tiny", "--data_dir", lambda e: e.work / "data", "--output", lambda e: e.work / "new.json"),
         ["--data_dir", "synthetic_tiny.h5"], prepare=dataset_copy)  # fmt: skip
    case(
        "folder-benchmark-video-output-exists",
        bench("video", "--output", lambda e: e.work / "results.json"),
        ["--output", "results.json"],
        prepare=mine,
    )
    case("folder-benchmark-video-output-is-the-video", bench("video", "--video", lambda e: e.work / "clip.mp4", "--output", lambda e: e.work / "clip.mp4", "--overwrite"),
         ["--output", "clip.mp4"], prepare=lambda e: copy_into(e.work, e.video))  # fmt: skip


def _pickle_cases() -> None:
    # convert-checkpoint reads a .pt: with weights_only=True, a payload is refused before it can run.
    for how, name in (
        ("torch", "pgl_sum.pt"),
        ("pickle", "pgl_sum_raw.pt"),
        ("pickle", "pgl_sum.pkl"),
        ("state_dict", "pgl_sum_dict.pt"),
        ("torch", "pgl_sum.pth"),
    ):
        case(f"pickle-convert-checkpoint-{how.replace('_', '-')}-{name.replace('.', '-').replace('_', '-')}", lambda e, name=name: convert_ckpt(e, e.work / name),
             [name], prepare=lambda e, name=name, how=how: write_payload(e.work / name, e, how))  # fmt: skip
    # Resuming must load nothing with full pickle: a payload in every file of the checkpoint, or in each pickle-format one.
    case("pickle-train-resume-payload-in-every-file", lambda e: resume(e, e.work / "copied" / e.ckpt.name), lambda e: [e.ckpt.name],
         prepare=lambda e: checkpoint_copy(e))  # fmt: skip
    pickle_like = (".pkl", ".bin", ".pt", ".pth", ".safetensors")
    case("pickle-train-resume-payload-in-pickle-files", lambda e: resume(e, e.work / "copied" / e.ckpt.name), lambda e: [e.ckpt.name],
         prepare=lambda e: checkpoint_copy(e, lambda path: path.suffix in pickle_like))  # fmt: skip
    case("pickle-train-resume-payload-in-random-states", lambda e: resume(e, e.work / "copied" / e.ckpt.name), lambda e: [e.ckpt.name],
         prepare=lambda e: checkpoint_copy(e, lambda path: "random_states" in path.name or "rng" in path.name))  # fmt: skip
    # Data files are never unpickled either.
    case(
        "pickle-convert-payload-as-h5",
        lambda e: convert(e, e.work / "payload.h5"),
        ["payload.h5"],
        prepare=lambda e: write_payload(e.work / "payload.h5", e),
    )
    case("pickle-convert-payload-as-splits", lambda e: convert(e, splits=e.work / "splits.json"), ["splits.json"],
         prepare=lambda e: write_payload(e.work / "splits.json", e, "pickle"))  # fmt: skip
    case(
        "pickle-train-payload-as-dataset",
        lambda e: train(e, dataset=e.work / "payload.h5"),
        ["payload.h5"],
        prepare=lambda e: write_payload(e.work / "payload.h5", e),
    )
    # Model folders: the weights are read as safetensors; a pickled file in their place is refused.
    case("pickle-summarize-model-safetensors-is-payload", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors"],
         prepare=lambda e: model_copy(e, {"model.safetensors": pickle.dumps(Payload(e.marker))}))  # fmt: skip
    case("pickle-summarize-model-bin-payload", lambda e: summarize(e, model=e.work / "my_model"), ["my_model"],
         prepare=lambda e: (model_copy(e, {"model.safetensors": None}), write_payload(e.work / "my_model/pytorch_model.bin", e)))  # fmt: skip
    case("pickle-summarize-feature-weights-payload", lambda e: summarize(e, extra=["--feature_weights", str(e.work / "googlenet.pth")]), ["googlenet.pth"],
         prepare=lambda e: write_payload(e.work / "googlenet.pth", e, "state_dict"))  # fmt: skip


def _resume_cases() -> None:
    # Each changes one option that defines the run; the error names the field (and the value given).
    changes = {
        "split_index": "2", "lr": "0.001", "heads": "4", "batch_size": "1", "seed": "7", "l2_req": "0.001", "hidden_size": "32",
        "n_segments": "2", "dropout": "0.1", "attention_dropout": "0.1", "fusion": "mult", "pos_enc": "relative", "clip": "1.0",
        "init_type": "normal",
    }  # fmt: skip
    # The field may be named as the option or as the model config's field (``n_segments`` / ``num_segments``).
    config_names = {"heads": "num_heads", "n_segments": "num_segments"}
    for field, value in changes.items():
        names = [(field, config_names[field]) if field in config_names else field, value]
        case(
            f"resume-train-different-{field.replace('_', '-')}",
            lambda e, f=field, v=value: resume(e, **{f: v}),
            names,
            (1, 2),
        )
    case("resume-train-n-epochs-below-checkpoint", lambda e: resume(e, n_epochs="1"), ["n_epochs", "1"], (1, 2))
    case("resume-train-other-dataset", lambda e: resume(e, dataset=str(e.other_h5)), ["dataset"], (1, 2))
    # Other splits change the training videos: named as the splits or as the dataset's fingerprint.
    case("resume-train-other-splits", lambda e: resume(e, splits=str(e.work / "other_splits.json")), [("splits", "dataset")], (1, 2),
         prepare=lambda e: text(e.work / "other_splits.json", json.dumps([{"train_keys": ["video_2", "video_3", "video_4", "video_5"], "test_keys": ["video_1"]}] * 5)))  # fmt: skip
    case(
        "resume-train-two-fields-named-together",
        lambda e: resume(e, split_index="1", lr="0.001"),
        ["split_index", "lr"],
        (1, 2),
    )

    # A checkpoint's JSON must agree with its run record and with itself (tampered files were used as they were).
    copied = lambda e: e.work / "copied" / e.ckpt.name
    tampered = {
        "epoch-999": ("trainer_state.json", lambda v: v["training"].update(epoch=999), ["trainer_state.json", "epoch 999", "0..2"]),
        "epoch-minus-3": ("trainer_state.json", lambda v: v["training"].update(epoch=-3), ["trainer_state.json", "epoch -3"]),
        "epoch-behind-history": ("trainer_state.json", lambda v: v["training"].update(epoch=1), ["trainer_state.json", "history"]),
        "groups-done-99": ("trainer_state.json", lambda v: v["training"].update(epoch=1, groups_done=99, history=v["training"]["history"][:1]),
                           ["trainer_state.json", "groups_done 99"]),
        "optimizer-lr-1e9": ("optimizer.json", lambda v: v["param_groups"][0].update(lr=1e9), ["optimizer.json", "lr", "1000000000.0", "5e-05"]),
        "optimizer-weight-decay": ("optimizer.json", lambda v: v["param_groups"][0].update(weight_decay=0.5), ["optimizer.json", "weight_decay", "0.5"]),
    }  # fmt: skip
    for name, (file, edit, names) in tampered.items():
        case(f"resume-train-tampered-{name}", lambda e: resume(e, copied(e)), names,
             prepare=lambda e, file=file, edit=edit: checkpoint_with_json(e, file, edit))  # fmt: skip

    # `latest` in a copy of the run folder: the folder is the run's own (by its marker); the options still must match.
    def run_folder_copy(e: Env) -> Path:
        return copy_into(e.work, e.run)[0]

    def resume_latest(e: Env, **changes: str) -> list[str]:
        argv = resume(e, **changes)
        argv[argv.index("--output_dir") + 1] = str(e.work / e.run.name)
        argv[argv.index("--resume_from_checkpoint") + 1] = "latest"
        return argv

    # A run killed before it finished: the way on is to resume it, not --overwrite (which discards its progress).
    def killed_run_folder(e: Env) -> Path:
        folder = run_folder_copy(e)
        for name in (
            "metrics.json",
            "metrics.csv",
            "model.safetensors",
            "README.md",
            "config.json",
            "training_curves.png",
        ):
            (folder / name).unlink(missing_ok=True)
        return folder

    case("resume-train-killed-run-folder-without-resume",
         lambda e: ["train", "--dataset", str(e.h5), "--output_dir", str(e.work / e.run.name), *[item for pair in RUN_OPTIONS.items() for item in pair]],
         ["--output_dir", "did not finish", "--resume_from_checkpoint latest"], prepare=killed_run_folder)  # fmt: skip
    case(
        "resume-train-latest-different-split-index",
        lambda e: resume_latest(e, split_index="3"),
        ["split_index", "3"],
        (1, 2),
        prepare=run_folder_copy,
    )
    case(
        "resume-train-latest-different-lr",
        lambda e: resume_latest(e, lr="0.01"),
        ["lr", "0.01"],
        (1, 2),
        prepare=run_folder_copy,
    )


def _corrupt_cases() -> None:
    # convert: the h5, the splits and the annotations, each broken in its own way.
    h5_inputs = {
        "garbage-h5": lambda e: text(e.work / "bad.h5", "this is not HDF5\n" * 10),
        "truncated-h5": lambda e: truncated(e.h5, e.work / "bad.h5"),
        "half-written-h5": lambda e: truncated(e.h5, e.work / "bad.h5", 0.05),
        "empty-h5": lambda e: text(e.work / "bad.h5", b""),
        "h5-without-videos": lambda e: empty_hdf5(e.work / "bad.h5"),
        "h5-is-folder": lambda e: user_files(e.work / "bad.h5"),
        "h5-missing": None,
    }
    for name, make in h5_inputs.items():
        code = PATH_CODE if name in ("h5-is-folder", "h5-missing") else 1
        case(f"corrupt-convert-{name}", lambda e: convert(e, e.work / "bad.h5"), ["bad.h5"], code, prepare=make,
             forbid=["Unable to synchronously open", "not found"] if name == "h5-is-folder" else ["Unable to synchronously open"])  # fmt: skip
    case(
        "corrupt-convert-h5-float64-features",
        lambda e: convert(e, e.work / "float64.h5"),
        ["float64.h5", "features"],
        prepare=h5_with_float64_features,
    )
    splits_inputs = {
        "garbage-splits": lambda e: text(e.work / "bad.json", "{not json"),
        "binary-splits": lambda e: text(e.work / "bad.json", bytes(range(256))),
        "splits-not-a-list": lambda e: text(e.work / "bad.json", '{"train_keys": []}'),
        "splits-unknown-video": lambda e: text(
            e.work / "bad.json", json.dumps([{"train_keys": ["video_99"], "test_keys": ["video_1"]}])
        ),
        "splits-is-folder": lambda e: user_files(e.work / "bad.json"),
        "splits-missing": None,
    }
    for name, make in splits_inputs.items():
        code = PATH_CODE if name in ("splits-is-folder", "splits-missing") else 1
        case(
            f"corrupt-convert-{name}",
            lambda e: convert(e, splits=e.work / "bad.json"),
            ["bad.json"],
            code,
            prepare=make,
        )
    case("corrupt-convert-annotations-binary", lambda e: convert(e, extra=["--annotations", str(e.work / "anno.tsv")]), ["anno.tsv"],
         prepare=lambda e: text(e.work / "anno.tsv", bytes(range(256))))  # fmt: skip
    case("corrupt-convert-annotations-garbage", lambda e: convert(e, extra=["--annotations", str(e.work / "anno.tsv")]), ["anno.tsv"],
         prepare=lambda e: text(e.work / "anno.tsv", "just one column\n"))  # fmt: skip
    case("corrupt-convert-annotations-is-folder", lambda e: convert(e, extra=["--annotations", str(e.work / "anno.tsv")]), ["anno.tsv"], PATH_CODE,
         prepare=lambda e: user_files(e.work / "anno.tsv"))  # fmt: skip

    # convert-checkpoint: not a checkpoint, or a checkpoint the model cannot run.
    checkpoints = {
        "text-file-pt": lambda e: text(e.work / "model.pt", "hello, I am a text file\n"),
        "empty-pt": lambda e: text(e.work / "model.pt", b""),
        "truncated-pt": lambda e: truncated(e.checkpoint, e.work / "model.pt"),
        "not-a-state-dict": lambda e: torch.save([1, 2, 3], e.work / "model.pt"),
        "unrelated-state-dict": lambda e: torch.save({"encoder.weight": torch.zeros(3, 3)}, e.work / "model.pt"),
        # 3 segments of 32 give 10-wide local attention, which 4 local heads cannot split: the original crashes on it.
        "three-segment-checkpoint": lambda e: checkpoint_file(e.work / "model.pt", num_segments=3, local_heads=4),
        "nan-weights": lambda e: checkpoint_file(e.work / "model.pt", nan_key="linear_1.weight"),
        "checkpoint-is-folder": lambda e: user_files(e.work / "model.pt"),
        "checkpoint-missing": None,
    }
    for name, make in checkpoints.items():
        names = ["model.pt", "linear_1.weight"] if name == "nan-weights" else ["model.pt"]
        code = PATH_CODE if name in ("checkpoint-is-folder", "checkpoint-missing") else 1
        case(
            f"corrupt-convert-checkpoint-{name}",
            lambda e: convert_ckpt(e, e.work / "model.pt"),
            names,
            code,
            prepare=make,
            forbid=["KeyError"],
        )

    # train and run-splits: the dataset and the checkpoint folder.
    case(
        "corrupt-train-garbage-h5",
        lambda e: train(e, dataset=e.work / "bad.h5"),
        ["bad.h5"],
        prepare=h5_inputs["garbage-h5"],
    )
    case(
        "corrupt-train-truncated-h5",
        lambda e: train(e, dataset=e.work / "bad.h5"),
        ["bad.h5"],
        prepare=h5_inputs["truncated-h5"],
    )
    case(
        "corrupt-train-h5-is-folder",
        lambda e: train(e, dataset=e.work / "bad.h5"),
        ["bad.h5"],
        PATH_CODE,
        prepare=h5_inputs["h5-is-folder"],
    )
    case(
        "corrupt-train-dataset-folder-missing",
        lambda e: train(e, dataset="./no_such_dataset_dir"),
        ["no_such_dataset_dir"],
        PATH_CODE,
    )
    # A converted dataset folder with a damaged shard or card: named, not a datasets traceback.
    shards = {
        "truncated": lambda data: data[: len(data) // 2],
        "random": lambda data: os.urandom(len(data)),
        "empty": lambda data: b"",
    }
    for name, shard in shards.items():
        case(f"corrupt-train-dataset-{name}-parquet-shard", lambda e: train(e, dataset=e.work / "ds"), ["video_2.parquet", "Parquet"],
             prepare=lambda e, shard=shard: damaged_dataset(e, shard))  # fmt: skip
    case("corrupt-train-dataset-card-yaml-broken", lambda e: train(e, dataset=e.work / "ds"), ["README.md", "YAML"],
         prepare=lambda e: damaged_dataset(e, card=lambda t: t.replace("configs:", "configs: [unclosed", 1)))  # fmt: skip
    case("corrupt-run-splits-dataset-shard-missing", lambda e: run_splits(e, dataset=e.work / "ds"), ["README.md", "video_2.parquet"],
         prepare=lambda e: damaged_dataset(e).joinpath("data/video_2.parquet").unlink())  # fmt: skip
    case("corrupt-train-resume-garbage-files", lambda e: resume(e, e.work / "copied" / e.ckpt.name), lambda e: [e.ckpt.name],
         prepare=lambda e: checkpoint_copy(e, content="garbage"))  # fmt: skip
    case(
        "corrupt-train-resume-empty-folder",
        lambda e: resume(e, e.work / "epoch_9999"),
        ["epoch_9999"],
        PATH_CODE,
        prepare=lambda e: (e.work / "epoch_9999").mkdir(),
    )
    case("corrupt-train-resume-missing", lambda e: resume(e, e.work / "epoch_9999"), ["epoch_9999"], PATH_CODE)
    case(
        "corrupt-train-resume-is-file",
        lambda e: resume(e, e.work / "epoch_9999"),
        ["epoch_9999"],
        PATH_CODE,
        prepare=lambda e: text(e.work / "epoch_9999", "x"),
    )
    case("corrupt-train-resume-missing-model-weights", lambda e: resume(e, e.work / "copied" / e.ckpt.name), lambda e: [e.ckpt.name],
         prepare=lambda e: [path.unlink() for path in checkpoint_copy(e, lambda path: False).rglob("*.safetensors")])  # fmt: skip
    case(
        "corrupt-run-splits-garbage-h5",
        lambda e: run_splits(e, dataset=e.work / "bad.h5"),
        ["bad.h5"],
        prepare=h5_inputs["garbage-h5"],
    )

    # summarize: things that are not videos, and models that are not models.
    videos = {
        "png-renamed-mp4": png,
        "truncated-video": lambda path, e=None: path,  # replaced below (needs the env)
        "text-file-mp4": lambda path: text(path, "not a video\n"),
        "empty-mp4": lambda path: text(path, b""),
        "input-is-folder": lambda path: user_files(path),
        "input-missing": None,
    }
    for name, make in videos.items():
        if name == "truncated-video":
            prepare = lambda e: truncated(e.video, e.work / "fake.mp4", 0.3)
        else:
            prepare = (lambda e, make=make: make(e.work / "fake.mp4")) if make else None
        names = ["fake.mp4", "not a video"] if name == "png-renamed-mp4" else ["fake.mp4"]
        code = PATH_CODE if name in ("input-is-folder", "input-missing") else 1
        case(
            f"corrupt-summarize-{name}",
            lambda e: summarize(e, e.work / "fake.mp4"),
            names,
            code,
            prepare=prepare,
            forbid=["no shot fits"],
        )
    case("corrupt-summarize-input-symlink-loop", lambda e: summarize(e, e.work / "loop.mp4"), ["loop.mp4", "symlink loop"], PATH_CODE,
         prepare=lambda e: (e.work / "loop.mp4").symlink_to("loop.mp4"), forbid=["not found"])  # fmt: skip
    case("corrupt-make-dataset-input-symlink-loop",
         lambda e: ["make-dataset", str(e.work / "loop.mp4"), "--annotations", str(e.work / "anno.csv"), "--annotation_format", "intervals",
                    "--output_dir", str(e.work / "ds")],
         ["loop.mp4", "symlink loop"], PATH_CODE, prepare=lambda e: (e.work / "loop.mp4").symlink_to("loop.mp4"), forbid=["no such file"])  # fmt: skip
    case(
        "corrupt-summarize-model-folder-missing",
        lambda e: summarize(e, model="./models/no_such_model"),
        ["no_such_model"],
        PATH_CODE,
        forbid=["Repo id must be"],
    )
    case("corrupt-summarize-model-safetensors-garbage", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors"],
         prepare=lambda e: model_copy(e, {"model.safetensors": os.urandom(512)}))  # fmt: skip
    case("corrupt-summarize-model-safetensors-missing", lambda e: summarize(e, model=e.work / "my_model"), ["my_model"],
         prepare=lambda e: model_copy(e, {"model.safetensors": None}))  # fmt: skip
    case("corrupt-summarize-model-config-garbage", lambda e: summarize(e, model=e.work / "my_model"), ["config.json"],
         prepare=lambda e: model_copy(e, {"config.json": b"{not json"}))  # fmt: skip
    # Strict loads: every weight of the config's model present, with its shape, and finite.
    first_weight = "attention.global_attention.k_proj.weight"
    case("corrupt-summarize-model-weight-missing", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors", first_weight, "missing"],
         prepare=lambda e: model_with_weights(e, lambda w: w.pop(first_weight)))  # fmt: skip
    case("corrupt-summarize-model-config-sizes-disagree", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors", first_weight, "[64, 1024]", "[128, 1024]"],
         prepare=lambda e: model_with_weights(e, lambda w: None, {"hidden_size": 128}))  # fmt: skip
    case("corrupt-summarize-model-nan-weights", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors", "regressor.linear_1.weight", "NaN"],
         prepare=lambda e: model_with_weights(e, lambda w: w["regressor.linear_1.weight"].view(-1)[:3].fill_(float("nan"))), forbid=["feature"])  # fmt: skip
    case("corrupt-summarize-model-extra-tensor", lambda e: summarize(e, model=e.work / "my_model"), ["model.safetensors", "encoder.weight"],
         prepare=lambda e: model_with_weights(e, lambda w: w.update({"encoder.weight": torch.zeros(2, 2)})))  # fmt: skip
    case("corrupt-train-base-model-weight-missing", lambda e: train(e, "--model_name_or_path", str(e.work / "my_model")), ["model.safetensors", "regressor.norm_y.bias"],
         prepare=lambda e: model_with_weights(e, lambda w: w.pop("regressor.norm_y.bias")))  # fmt: skip
    case(
        "corrupt-summarize-model-is-file",
        lambda e: summarize(e, model=e.work / "model.txt"),
        ["model.txt"],
        PATH_CODE,
        prepare=lambda e: text(e.work / "model.txt", "x"),
    )
    case("corrupt-summarize-feature-weights-garbage", lambda e: summarize(e, extra=["--feature_weights", str(e.work / "googlenet.pth")]), ["googlenet.pth"],
         prepare=lambda e: text(e.work / "googlenet.pth", os.urandom(300)))  # fmt: skip
    case("corrupt-benchmark-video-garbage-video", lambda e: ["benchmark", "video", "--video", str(e.work / "fake.mp4"), "--output", str(e.work / "out.json")],
         ["fake.mp4"], prepare=lambda e: text(e.work / "fake.mp4", "not a video\n"))  # fmt: skip


def _value_cases() -> None:
    train_values = {
        "lr": ["nan", "-1", "0", "inf"], "l2_req": ["-5", "nan"], "dropout": ["2", "-0.5"], "attention_dropout": ["1.5"], "heads": ["3", "0", "-2"],
        "n_segments": ["0"], "clip": ["nan", "-1"], "split_index": ["7", "-1"], "n_epochs": ["0"], "batch_size": ["0"], "hidden_size": ["0"],
        "init_gain": ["nan"], "micro_batch_size": ["0"], "checkpointing_epochs": ["0"], "checkpoints_total_limit": ["0"],
    }  # fmt: skip
    for option, values in train_values.items():
        for value in values:
            slug = value.replace("-", "minus-").replace(".", "p")
            case(
                f"value-train-{option.replace('_', '-')}-{slug}",
                lambda e, o=option, v=value: train(e, f"--{o}", v),
                [f"--{option}"],
                2,
            )
    case("value-train-unknown-option", lambda e: train(e, "--num_wokers", "2"), ["--num_wokers"], 2)
    case("value-run-splits-unknown-option", lambda e: run_splits(e, "--num_wokers", "2"), ["--num_wokers"], 2)
    case("value-run-splits-num-processes-0", lambda e: run_splits(e, "--num_processes", "0"), ["--num_processes"], 2)
    case(
        "value-run-splits-num-processes-minus-1",
        lambda e: run_splits(e, "--num_processes", "-1"),
        ["--num_processes"],
        2,
    )
    case(
        "value-run-splits-split-indices-7", lambda e: run_splits(e) + ["--split_indices", "7"], ["--split_indices"], 2
    )
    case("value-run-splits-random-trials-0", lambda e: run_splits(e, "--random_trials", "0"), ["--random_trials"], 2)
    case("value-run-splits-train-lr-nan", lambda e: run_splits(e, "--lr", "nan"), ["--lr"], 2)
    for option, value in (("--heads", "0"), ("--heads", "-1"), ("--n_segments", "0"), ("--n_segments", "-2")):
        case(
            f"value-convert-checkpoint-{option[2:].replace('_', '-')}-{value.replace('-', 'minus-')}",
            lambda e, o=option, v=value: convert_ckpt(e, extra=[o, v]),
            [option],
            2,
        )
    summarize_values = {
        "kts_vmax": ["nan", "-1"], "max_change_points": ["-2", "0"], "budget": ["0", "1.5", "nan"], "max_seconds": ["-1", "nan", "0"],
        "sample_rate": ["0", "-3"], "device": ["bogus"], "score_window": ["0", "63"],
    }  # fmt: skip
    for option, values in summarize_values.items():
        for value in values:
            slug = value.replace("-", "minus-").replace(".", "p")
            case(
                f"value-summarize-{option.replace('_', '-')}-{slug}",
                lambda e, o=option, v=value: summarize(e, extra=[f"--{o}", v]),
                [f"--{option}"],
                2,
            )
    for value in ("0", "-1"):
        case(
            f"value-demo-n-epochs-{value.replace('-', 'minus-')}",
            lambda e, v=value: ["demo", "--output_dir", str(e.work / "demo"), "--n_epochs", v],
            ["--n_epochs"],
            2,
        )
    case(
        "value-demo-seed-minus-1",
        lambda e: ["demo", "--output_dir", str(e.work / "demo"), "--n_epochs", "1", "--seed", "-1"],
        ["--seed"],
        2,
    )
    case(
        "value-make-synthetic-seed-minus-1",
        lambda e: ["make-synthetic", "--output_dir", str(e.work / "data"), "--seed", "-1"],
        ["--seed"],
        2,
    )
    case(
        "value-make-synthetic-profile-unknown",
        lambda e: ["make-synthetic", "--output_dir", str(e.work / "data"), "--profile", "huge"],
        ["--profile"],
        2,
    )
    case(
        "value-convert-push-to-hub-bad-id",
        lambda e: convert(e, extra=["--push_to_hub", "not a repo id!"]),
        ["--hub_model_id"],
        2,
    )
    benchmarks = {
        "model": {"--repeats": "0", "--warmup": "-1", "--threads": "0", "--devices": "bogus"},
        "metric": {"--repeats": "0", "--videos": "0"},
        "training": {"--epochs": "0", "--warmup": "-1", "--threads": "0"},
        "video": {"--seconds": "nan", "--fps": "0", "--width": "0"},
    }
    for name, values in benchmarks.items():
        for option, value in values.items():
            case(f"value-benchmark-{name}-{option[2:]}-{value.replace('-', 'minus-')}",
                 lambda e, n=name, o=option, v=value: ["benchmark", n, o, v, "--output", str(e.work / "out.json")], [option], 2)  # fmt: skip
    case(
        "value-benchmark-video-seconds-0",
        lambda e: ["benchmark", "video", "--seconds", "0", "--output", str(e.work / "out.json")],
        ["--seconds"],
        2,
    )
    # Seeds past numpy's 32 bits, and trackers Accelerate does not know, ended in tracebacks.
    too_big = str(2**32)
    case("value-train-seed-2-pow-32", lambda e: train(e, "--seed", too_big), ["--seed", "4294967295"], 2)
    case("value-train-seed-minus-1", lambda e: train(e, "--seed", "-1"), ["--seed"], 2)
    case("value-run-splits-seed-2-pow-32", lambda e: run_splits(e, "--seed", too_big), ["--seed"], 2)
    case("value-train-report-to-bogus", lambda e: train(e, "--report_to", "bogus"), ["--report_to", "tensorboard"], 2)
    case("value-demo-seed-2-pow-32", lambda e: ["demo", "--output_dir", str(e.work / "demo"), "--n_epochs", "1", "--seed", too_big],
         ["--seed"], 2)  # fmt: skip
    case("value-make-synthetic-seed-2-pow-32", lambda e: ["make-synthetic", "--output_dir", str(e.work / "data"), "--seed", too_big],
         ["--seed"], 2)  # fmt: skip
    case("value-make-dataset-seed-2-pow-32",
         lambda e: ["make-dataset", str(e.video), "--annotations", str(e.work / "anno.csv"), "--annotation_format", "intervals",
                    "--output_dir", str(e.work / "ds"), "--seed", too_big], ["--seed"], 2, prepare=intervals_csv)  # fmt: skip
    case("value-benchmark-metric-seed-2-pow-32", lambda e: ["benchmark", "metric", "--seed", too_big, "--output", str(e.work / "out.json")],
         ["--seed"], 2)  # fmt: skip
    case("value-make-dataset-device-bogus",
         lambda e: ["make-dataset", str(e.video), "--annotations", str(e.work / "anno.csv"), "--annotation_format", "intervals",
                    "--output_dir", str(e.work / "ds"), "--feature_weights", "random", "--device", "bogus"],
         ["--device"], 2, prepare=intervals_csv, forbid=["--feature_weights"])  # fmt: skip
    case("value-pglsum-unknown-command", lambda e: ["summarise"], ["summarise"], 2)
    case("value-pglsum-unknown-benchmark", lambda e: ["benchmark", "speed"], ["speed"], 2)
    case("value-pglsum-benchmark-without-name", lambda e: ["benchmark"], ["benchmark"], 2)


def _input_cases() -> None:
    def video_and_model(e: Env, video: str = "clip.mp4", model: str = "my_model") -> None:
        user_files(e.work)
        shutil.copy2(e.video, e.work / video)
        model_copy(e).rename(e.work / model)

    # summarize: the report replaced the input video, or the model's config.json; the summary JSON did the same.
    for flag in ("--overwrite", "--skip_existing"):
        case(f"input-summarize-report-is-the-video-{flag[2:].replace('_', '-')}",
             lambda e, f=flag: summarize(e, e.work / "clip.mp4", output=e.work / "out", extra=["--report", str(e.work / "clip.mp4"), f]),
             ["--report", "clip.mp4"], PATH_CODE, prepare=video_and_model)  # fmt: skip
    case("input-summarize-report-in-model-folder-overwrite",
         lambda e: summarize(e, e.work / "clip.mp4", model=e.work / "my_model", output=e.work / "out",
                             extra=["--report", str(e.work / "my_model/config.json"), "--overwrite"]),
         ["--report", "my_model"], PATH_CODE, prepare=video_and_model)  # fmt: skip
    case("input-summarize-output-is-model-folder-overwrite",
         lambda e: summarize(e, e.work / "config.mp4", model=e.work / "m2", output=e.work / "m2", extra=["--overwrite"]),
         ["--output_dir", "m2"], PATH_CODE, prepare=lambda e: video_and_model(e, "config.mp4", "m2"))  # fmt: skip
    # train / run-splits: the base model's weights were replaced; the splits file and the notes beside it deleted.
    case("input-train-output-is-base-model-overwrite",
         lambda e: train(e, "--model_name_or_path", str(e.work / "base"), "--overwrite", output=e.work / "base"),
         ["--output_dir", "base"], PATH_CODE, prepare=lambda e: model_copy(e).rename(e.work / "base"))  # fmt: skip
    case("input-train-output-holds-splits-overwrite",
         lambda e: train(e, "--splits", str(e.work / "sp/x.json"), "--overwrite", output=e.work / "sp"),
         ["--output_dir", "sp"], PATH_CODE, prepare=lambda e: shutil.copy2(e.splits, user_files(e.work / "sp") / "x.json"))  # fmt: skip
    case("input-run-splits-output-is-base-model-overwrite",
         lambda e: run_splits(e, "--model_name_or_path", str(e.work / "rsbase"), "--overwrite", output=e.work / "rsbase"),
         ["--output_dir", "rsbase"], PATH_CODE, prepare=lambda e: model_copy(e).rename(e.work / "rsbase"))  # fmt: skip

    # evaluate: --output replaced the splits it read, named with --splits or found beside the h5 without it.
    def h5_and_splits(e: Env) -> None:
        user_files(e.work)
        shutil.copy2(e.h5, e.work / "synthetic_tiny.h5")
        shutil.copy2(e.splits, e.work / "synthetic_tiny_splits.json")

    for name, given in (("given", True), ("beside-h5", False)):
        case(f"input-evaluate-output-is-the-splits-{name}-overwrite",
             lambda e, g=given: ["evaluate", "--model", str(e.model), "--dataset", str(e.work / "synthetic_tiny.h5"),
                                 "--split_index", "0", "--output", str(e.work / "synthetic_tiny_splits.json"),
                                 "--overwrite", *(["--splits", str(e.work / "synthetic_tiny_splits.json")] if g else [])],
             ["--output", "synthetic_tiny_splits.json"], PATH_CODE, prepare=h5_and_splits)  # fmt: skip


def _bound_cases() -> None:
    make_dataset = lambda *extra: lambda e: ["make-dataset", str(e.video), "--annotations", str(e.work / "anno.csv"),
                                             "--annotation_format", "intervals", "--output_dir", str(e.work / "ds"), *extra]  # fmt: skip
    case(
        "bound-make-dataset-n-splits-1000000",
        make_dataset("--n_splits", "1000000"),
        ["--n_splits", "100"],
        2,
        prepare=intervals_csv,
    )
    case(
        "bound-train-hidden-size-100000000",
        lambda e: train(e, "--hidden_size", "100000000"),
        ["--hidden_size", "8192"],
        2,
    )
    case(
        "bound-run-splits-hidden-size-100000000",
        lambda e: run_splits(e, "--hidden_size", "100000000"),
        ["--hidden_size", "8192"],
        2,
    )
    case("bound-benchmark-video-width-100000", lambda e: ["benchmark", "video", "--width", "100000", "--output", str(e.work / "out.json")],
         ["--width", "7680"], 2)  # fmt: skip
    case("bound-benchmark-video-height-100000", lambda e: ["benchmark", "video", "--height", "100000", "--output", str(e.work / "out.json")],
         ["--height", "4320"], 2)  # fmt: skip
    case("bound-benchmark-metric-videos-100000000", lambda e: ["benchmark", "metric", "--videos", "100000000", "--output", str(e.work / "out.json")],
         ["--videos", "100"], 2)  # fmt: skip
    # The error listed every key of a million heads: a 113 MB line. Every line of the table is checked for length.
    case(
        "bound-convert-checkpoint-heads-1000000",
        lambda e: convert_ckpt(e, extra=["--heads", "1000000"]),
        ["--heads"],
        2,
    )

    def tree_with_parent_links(e: Env) -> None:
        (e.work / "tree/a").mkdir(parents=True)
        shutil.copy2(e.video, e.work / "tree/a/clip.mp4")
        (e.work / "tree/a/up").symlink_to("..")  # two links back in one folder: 2**40 paths before ELOOP stops one
        (e.work / "tree/a/here").symlink_to(".")
        text(e.work / "notes.txt", "mine")

    # `**` through `..` links looped for ever; the glob now ends, and the output (a file) is refused.
    case("bound-summarize-glob-through-parent-links", lambda e: summarize(e, "tree/**/*.mp4", output=e.work / "notes.txt"),
         ["--output_dir", "notes.txt"], 2, prepare=tree_with_parent_links)  # fmt: skip


_folder_cases()
_input_cases()
_bound_cases()
_pickle_cases()
_resume_cases()
_corrupt_cases()
_value_cases()


# ------------------------------------------------------------------------------------------------- fixtures, checks


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Env:
    root = tmp_path_factory.mktemp("shared")
    h5 = make_synthetic_h5(root / "synthetic_tiny.h5", profile="tiny", seed=0, show_progress=False)
    splits = write_synthetic_splits(h5, profile="tiny", seed=0)
    other_h5 = make_synthetic_h5(root / "other" / "synthetic_tiny.h5", profile="tiny", seed=1, show_progress=False)
    write_synthetic_splits(other_h5, profile="tiny", seed=1)
    torch.manual_seed(0)
    model = root / "tiny_model"
    PGLSumModel(PGLSumConfig(hidden_size=64)).save_pretrained(model)
    video = make_synthetic_video(root / "clip.mp4", scene_seconds=[1.5, 2.0, 1.5], width=64, height=48, fps=10).path
    checkpoint = checkpoint_file(root / "pgl_sum.pt")
    run = root / "run"
    options = {**RUN_OPTIONS}
    argv = [
        "train",
        "--dataset",
        str(h5),
        "--output_dir",
        str(run),
        *[item for pair in options.items() for item in pair],
    ]
    assert cli.main(argv) == 0, "the run the resume cases start from must train"
    checkpoints = list_checkpoints(run)
    assert checkpoints, f"no checkpoint under {run}"
    return Env(root, h5, splits, other_h5, model, Path(video), checkpoint, run, checkpoints[-1])


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` with what changes when it is written, replaced or removed."""
    entries = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        kind = "dir" if path.is_dir() and not path.is_symlink() else "file"
        entries[str(path.relative_to(root))] = (
            kind,
            info.st_ino,
            info.st_mtime_ns,
            info.st_size if kind == "file" else 0,
        )
    return entries


def describe_changes(before: dict, after: dict) -> str:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(name for name in set(before) & set(after) if before[name] != after[name])
    return f"added {added[:8]}, removed {removed[:8]}, changed {changed[:8]}"


@pytest.fixture
def clean_logging():
    """Commands call logging.basicConfig; their handlers would outlive this test's captured stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("spec", CASES, ids=[spec.id for spec in CASES])
def test_bad_input_fails_safely(spec: Case, shared: Env, tmp_path: Path, monkeypatch, capsys, clean_logging) -> None:
    env = dataclasses.replace(shared, work=tmp_path / "work", marker=tmp_path / "payload_ran")
    env.work.mkdir()
    if spec.prepare is not None:
        spec.prepare(env)
    monkeypatch.chdir(spec.cwd(env) if spec.cwd else env.work)
    monkeypatch.delenv("PGLSUM_DEBUG", raising=False)
    argv = [str(part) for part in spec.argv(env)]
    work_before, shared_before = snapshot(env.work), snapshot(env.shared)
    capsys.readouterr()

    try:
        code = cli.main(argv)
    except BaseException as error:  # noqa: BLE001 - anything escaping main would reach the user as a traceback
        pytest.fail(f"pglsum {' '.join(argv)} raised {type(error).__name__}: {error}")
    out, err = capsys.readouterr()

    # 1. nothing of the pickled payload ran, and nothing was written, replaced or removed
    assert not env.marker.exists(), "unpickling ran the payload's code"
    work_after, shared_after = snapshot(env.work), snapshot(env.shared)
    assert work_after == work_before, f"the case's folder changed: {describe_changes(work_before, work_after)}"
    assert shared_after == shared_before, f"the shared inputs changed: {describe_changes(shared_before, shared_after)}"
    # 2. the exit status
    expected = spec.code if isinstance(spec.code, tuple) else (spec.code,)
    assert code in expected, f"exit status {code}, expected {' or '.join(map(str, expected))}; stderr: {err[-2000:]}"
    # 3. no traceback
    assert "Traceback (most recent call last)" not in err + out, err[-3000:]
    # 4. one line `pglsum <command>: ...` naming the file or option
    command = " ".join(argv[:2]) if argv[0] == "benchmark" and len(argv) > 1 and argv[1] in cli.BENCHMARKS else argv[0]
    prefix = f"pglsum {command}" if command in cli.COMMANDS or command.startswith("benchmark ") else "pglsum"
    names = spec.names(env) if callable(spec.names) else spec.names
    alternatives = [name if isinstance(name, tuple) else (name,) for name in names]
    lines = [
        line
        for line in err.splitlines()
        if line.startswith(prefix) and all(any(n in line for n in alt) for alt in alternatives)
    ]
    assert lines, f"no line of stderr starts with {prefix!r} and names {list(names)}; stderr:\n{err[-2000:]}"
    for text_ in spec.forbid:
        assert text_ not in lines[0], f"the message still says {text_!r}: {lines[0]}"
    # 5. a few hundred characters at most (the start says what failed, the end what to do)
    assert len(lines[0]) <= 700, f"the message is {len(lines[0])} characters long: {lines[0][:300]}..."


def test_every_class_has_cases() -> None:
    counts = {name: sum(spec.id.startswith(f"{name}-") for spec in CASES) for name in CLASSES}
    assert all(counts.values()), counts
    assert len({spec.id for spec in CASES}) == len(CASES), "case ids must be unique"
    commands = {spec.id.split("-", 1)[1] for spec in CASES}
    for command in ("demo", "make-synthetic", "convert-", "convert-checkpoint", "train", "run-splits", "summarize", "benchmark-model",
                    "benchmark-metric", "benchmark-training", "benchmark-video", "pglsum"):  # fmt: skip
        assert any(name.startswith(command) for name in commands), f"no case for {command}"
