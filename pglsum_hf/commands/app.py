"""``pglsum app``: serve the summarization page, or export it as a Hugging Face Space (and upload it).

    pglsum app --model MODEL [--feature_weights PATH|random] [--host 127.0.0.1] [--port 7860] [--max_minutes 30]
    pglsum app --model MODEL --export_space DIR [--push_to_hub --hub_model_id OWNER/NAME]

Without ``--model`` the page runs an untrained PGL-SUM model and says SYNTHETIC (see :mod:`pglsum_hf.app.loading`).
The page, its jobs and the Space folder are :mod:`pglsum_hf.app`; this module reads the options, checks them and
the address before the networks load, and uploads the Space.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..app.job import DEFAULT_MAX_MINUTES
from ..app.page import DEFAULT_HOST, DEFAULT_PORT
from ..console import configure_logging
from ..errors import OptionError
from ..options import HubArguments, hub_repo_id, parse_arguments

DESCRIPTION = (
    "Serve a web page (Gradio) that summarizes an uploaded video with the code of `pglsum summarize`: summary video, "
    "importance plot, table of segments, JSON download. Or export the page as a Hugging Face Space."
)


@dataclass
class AppArguments(HubArguments):
    """The options of ``pglsum app``, checked when built: ranges, combinations, and the model named by ``--model``."""

    model: str | None = field(
        default=None,
        metadata={
            "help": "PGL-SUM model: a local folder or a Hub id; default: an untrained model (random weights, seed 0), "
            "and the page says SYNTHETIC"
        },
    )
    subfolder: str | None = field(
        default=None,
        metadata={
            "help": "the model folder inside --model when it holds several (a converted release: split_0 ... split_4)"
        },
    )
    feature_weights: str | None = field(
        default=None,
        metadata={
            "help": "GoogLeNet weights as for `pglsum summarize`: a local state dict, or `random` (SYNTHETIC, said on "
            "the page); default: torchvision's ImageNet weights (cache or download)"
        },
    )
    host: str = field(default=DEFAULT_HOST, metadata={"help": "address to serve on (0.0.0.0 for every interface)"})
    port: int = field(default=DEFAULT_PORT, metadata={"help": "port"})
    max_minutes: float = field(default=DEFAULT_MAX_MINUTES, metadata={"help": "longest video accepted, in minutes"})
    concurrency: int = field(default=1, metadata={"help": "videos summarized at once; the others wait in the queue"})
    device: str | None = field(
        default=None, metadata={"help": "torch device (default: cuda when available, else cpu)"}
    )
    examples_dir: str | None = field(
        default=None,
        metadata={"help": "cache folder of the SYNTHETIC example videos (default: in the temporary folder)"},
    )
    export_space: str | None = field(
        default=None,
        metadata={
            "metavar": "DIR",
            "help": "write a Hugging Face Space folder running this page, instead of serving it",
        },
    )
    overwrite: bool = field(default=False, metadata={"help": "with --export_space: replace a non-empty DIR"})
    push_to_hub: bool = field(
        default=False,
        kw_only=True,
        metadata={
            "help": "upload the Space (with --export_space DIR: that folder) as a Space repository --hub_model_id "
            "(shorthand: --push_to_hub ORG/NAME)"
        },
    )

    def __post_init__(self) -> None:
        # Every value checked before anything is loaded or written.
        if not math.isfinite(self.max_minutes) or self.max_minutes <= 0:
            raise OptionError("--max_minutes", f"must be a number of minutes > 0, got {self.max_minutes}")
        if not 1 <= self.port <= 65535:
            raise OptionError("--port", f"must be a port number in 1..65535, got {self.port}")
        if self.concurrency < 1:
            raise OptionError("--concurrency", f"must be at least 1, got {self.concurrency}")
        examples = self.examples_dir
        if examples is not None and Path(examples).exists() and not Path(examples).is_dir():
            raise OptionError("--examples_dir", f"{examples} is a file, expected a folder")
        repo_id = hub_repo_id(self)
        if repo_id is not None and repo_id.count("/") != 1:
            raise OptionError("--hub_model_id", f"expected a Space id OWNER/NAME, got {repo_id!r}")
        if self.subfolder is not None and self.model is None:
            raise OptionError("--subfolder", "names a folder inside --model; give --model too")
        if self.subfolder is not None and self.makes_a_space:
            raise OptionError("--subfolder", "applies to the local page; a Space takes a model without subfolders")
        folder = Path(self.model, self.subfolder or "") if self.model is not None else None
        if folder is not None and folder.exists() and not (folder / "config.json").is_file():
            from ..model_loading import model_subfolders, several_models_error

            if model_subfolders(folder):
                raise several_models_error("--model", str(folder), model_subfolders(folder))
            raise OptionError("--model", f"{folder} is not a model folder: expected a config.json in it")
        if self.overwrite and self.export_space is None:
            raise OptionError("--overwrite", "only applies to --export_space DIR")
        if self.model is not None and self.makes_a_space:
            from ..model_loading import load_model_config

            # The Space is written (and uploaded) without loading the model: its config says now, in one line, that
            # the folder or Hub repository holds a PGL-SUM model, before the folder is written.
            load_model_config(self.model, "--model")

    @property
    def makes_a_space(self) -> bool:
        """Whether the page goes into a Space folder (``--export_space``) or a Space repository (``--push_to_hub``)."""
        return self.export_space is not None or self.push_to_hub


def push_space(folder: str | os.PathLike, repo_id: str, private: bool | None = None) -> str:
    """Upload an exported Space folder to the Space ``repo_id`` (created, for Gradio, when missing); the commit URL.

    Not :func:`pglsum_hf.hub.upload_folder`: huggingface_hub creates a Space only with its SDK named.
    """
    from huggingface_hub import HfApi

    api = HfApi()
    repo_id = api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True).repo_id
    message = "PGL-SUM video summarization page (pglsum app --export_space)"
    return str(api.upload_folder(repo_id=repo_id, repo_type="space", folder_path=str(folder), commit_message=message))


def export(args: AppArguments) -> int:
    """Write the Space folder (``--export_space DIR``, or a temporary one) and upload it with ``--push_to_hub``."""
    from ..app.space import export_space

    options = {"model": args.model, "feature_weights": args.feature_weights, "max_minutes": args.max_minutes}
    private = args.hub_private_repo or None
    if args.export_space is not None:
        folder = export_space(args.export_space, overwrite=args.overwrite, **options)
        print(f"wrote the Space folder {folder} (app.py, requirements.txt, README.md, pglsum_hf/)")
        if args.push_to_hub:
            print(f"uploaded: {push_space(folder, args.hub_model_id, private=private)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="pglsum_space_") as scratch:
        folder = export_space(Path(scratch) / "space", **options)
        print(f"uploaded: {push_space(folder, args.hub_model_id, private=private)}")
    return 0


def serve_page(args: AppArguments) -> int:
    """Check the address, load the networks, build the page and serve it until stopped."""
    from ..app.address import check_address
    from ..app.loading import load_summarizer
    from ..app.page import build_demo, require_gradio, serve

    configure_logging()
    check_address(args.host, args.port)  # before loading the networks: a busy port or a bad host fails at once
    require_gradio()
    loaded = load_summarizer(args.model, args.feature_weights, args.device, subfolder=args.subfolder)
    for note in loaded.notes:
        print(f"NOTE: {note}", file=sys.stderr)
    demo = build_demo(
        max_minutes=args.max_minutes, examples_dir=args.examples_dir, concurrency_limit=args.concurrency, loaded=loaded
    )
    serve(demo, host=args.host, port=args.port, allowed_paths=[args.examples_dir] if args.examples_dir else None)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(AppArguments, argv, prog="pglsum app", description=DESCRIPTION)
    return export(args) if args.makes_a_space else serve_page(args)
