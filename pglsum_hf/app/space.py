"""A Hugging Face Space folder that runs this page (``pglsum app --export_space DIR``; the command uploads it).

The folder holds:

- ``app.py`` -- builds the page with :func:`pglsum_hf.app.build_demo` and launches it (Spaces run it);
- ``pglsum_hf/`` -- a copy of this package, so the Space runs exactly the code that exported it, whether or
  not that version is on PyPI;
- ``requirements.txt`` -- what the page imports (not the training and data libraries) and gradio;
- ``README.md`` -- the Space card: YAML (``sdk: gradio``, ``app_file``, the model linked) and a body rendered
  from ``model_cards/space_card.md``;
- ``model/`` (the model files and card of a local ``--model`` folder, never its checkpoints or logs) and
  ``feature_weights/`` (a local ``--feature_weights`` file), copied so the Space has them; a Hub model id is linked
  instead and downloaded by the Space when it starts. Whether ``--model`` is a folder or a Hub id is read as
  everywhere else (:func:`pglsum_hf.model_loading.looks_local`).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
from importlib.resources import files
from pathlib import Path

from ..atomic import atomic_directory
from ..errors import OptionError
from ..model_folder import model_files
from ..model_loading import looks_local
from .job import DEFAULT_MAX_MINUTES
from .loading import UNTRAINED_MODEL_NOTE
from .page import GRADIO_REQUIREMENT

SPACE_TEMPLATE = "space_card.md"
# The package's dependencies that the page imports (model, video, scoring); datasets, accelerate, evaluate and h5py
# serve training and data conversion only, so a Space does not install them.
PAGE_DEPENDENCIES = ("torch", "transformers", "huggingface-hub", "safetensors", "numpy", "scipy", "tqdm", "pyyaml")
DISTRIBUTION = "pglsum-hf"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")

APP_TEMPLATE = '''"""Hugging Face Space: summarize a video with PGL-SUM. Written by `pglsum app --export_space`."""

from pglsum_hf.app import build_demo

demo = build_demo(model={model!r}, feature_weights={feature_weights!r}, max_minutes={max_minutes!r})

if __name__ == "__main__":
    demo.launch()
'''


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def space_requirements() -> list[str]:
    """What the page imports: those of the package's dependencies (`PAGE_DEPENDENCIES`) and its ``[video]`` extra
    (the page decodes videos), then gradio; versions as the package declares them."""
    try:
        declared = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise OptionError(
            "--export_space", f"cannot list the dependencies of {DISTRIBUTION}: it is not installed"
        ) from error
    needed = []
    for line in declared:
        requirement, _, marker = line.partition(";")
        video_extra = marker.replace('"', "").replace("'", "").replace(" ", "") == "extra==video"
        if video_extra or (not marker.strip() and _requirement_name(requirement) in PAGE_DEPENDENCIES):
            needed.append(requirement.strip())
    return list(dict.fromkeys(needed)) + [GRADIO_REQUIREMENT]


def _copy_package(target: Path) -> None:
    """Copy ``pglsum_hf`` (with its card templates, which install as ``pglsum_hf/model_cards``) into ``target``."""
    package = Path(__file__).resolve().parents[1]  # the pglsum_hf folder this module runs from
    shutil.copytree(package, target / "pglsum_hf", ignore=_IGNORE, dirs_exist_ok=True)
    templates = Path(str(files("pglsum_hf.model_cards")))
    shutil.copytree(templates, target / "pglsum_hf" / "model_cards", ignore=_IGNORE, dirs_exist_ok=True)


def space_card(model: str | None, feature_weights: str | None, max_minutes: float) -> str:
    """README.md of the Space: the YAML the Hub reads (sdk, app_file, linked model) and the card body."""
    from ..cards import PAPER_CITATION, render_card
    from .page import require_gradio

    gradio = require_gradio()  # the card pins the Space to the installed Gradio

    metadata = {
        "title": "PGL-SUM video summarization",
        "emoji": "🎬",
        "colorFrom": "indigo",
        "colorTo": "blue",
        "sdk": "gradio",
        "sdk_version": gradio.__version__,
        "app_file": "app.py",
        "pinned": False,
        "license": "mit",
        "short_description": "Summarize a video: PGL-SUM keyshots, plot, segments",
        "tags": ["video-summarization", "pglsum", "pglsum-hf"],
    }
    if model is not None and not looks_local(model):
        metadata["models"] = [model]  # the Hub links the Space from the model's page and back
    if model is None:
        model_line = f"an untrained PGL-SUM model. {UNTRAINED_MODEL_NOTE}."
    elif looks_local(model):
        model_line = f"the PGL-SUM model in this Space's `model/` folder (exported from `{Path(model).name}`)."
    else:
        model_line = f"[{model}](https://huggingface.co/{model})."
    if feature_weights is None:
        features_line = "torchvision's ImageNet GoogLeNet weights (downloaded when the Space starts)."
    elif str(feature_weights) == "random":
        features_line = "random GoogLeNet weights. **SYNTHETIC: the scores, shots and summaries carry no meaning.**"
    else:
        features_line = f"the GoogLeNet state dict in `feature_weights/{Path(feature_weights).name}`."
    return render_card(
        SPACE_TEMPLATE,
        metadata,
        model_line=model_line,
        features_line=features_line,
        max_minutes=f"{max_minutes:g}",
        requirements=", ".join(f"`{line}`" for line in space_requirements()),
        citation=PAPER_CITATION,
    )


def check_space_inputs(model: str | None, feature_weights: str | None) -> None:
    """A local model must be a model folder and local feature weights a file, before anything is written."""
    if model is not None and looks_local(model) and not (Path(model) / "config.json").is_file():
        raise OptionError("--model", f"{model} is not a model folder: expected a config.json in it")
    if feature_weights is not None and str(feature_weights) != "random" and not Path(feature_weights).is_file():
        raise OptionError(
            "--feature_weights", f"file not found: {feature_weights} (expected a GoogLeNet state dict, or `random`)"
        )


def export_space(
    directory: str | os.PathLike,
    model: str | os.PathLike | None = None,
    feature_weights: str | os.PathLike | None = None,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    overwrite: bool = False,
) -> Path:
    """Write the Space folder (all of it, or nothing); return it.

    Raises:
        OptionError / OutputExistsError: bad ``--model`` / ``--feature_weights``, or ``directory`` not empty
            without ``overwrite``.
    """
    model = None if model is None else str(model)
    feature_weights = None if feature_weights is None else str(feature_weights)
    check_space_inputs(model, feature_weights)
    inputs = [path for path in (model, feature_weights) if path is not None and Path(path).exists()]
    with atomic_directory(directory, overwrite=overwrite, inputs=inputs, option="--export_space") as folder:
        _copy_package(folder)
        space_model, space_weights = model, feature_weights
        if model is not None and looks_local(model):
            # the model and its card only: a training folder's checkpoints, logs and run marker stay behind
            (folder / "model").mkdir()
            for name in model_files(model):
                shutil.copy2(Path(model) / name, folder / "model" / name)
            space_model = "model"
        if feature_weights is not None and feature_weights != "random":
            (folder / "feature_weights").mkdir()
            shutil.copy2(feature_weights, folder / "feature_weights" / Path(feature_weights).name)
            space_weights = f"feature_weights/{Path(feature_weights).name}"
        app = APP_TEMPLATE.format(model=space_model, feature_weights=space_weights, max_minutes=float(max_minutes))
        (folder / "app.py").write_text(app, encoding="utf-8")
        (folder / "requirements.txt").write_text("\n".join(space_requirements()) + "\n", encoding="utf-8")
        (folder / "README.md").write_text(space_card(model, feature_weights, max_minutes), encoding="utf-8")
    return Path(directory)
