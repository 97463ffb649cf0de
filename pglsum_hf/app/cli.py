"""``pglsum app``: serve the summarization page, or export it as a Hugging Face Space.

    pglsum app --model MODEL [--feature_weights PATH|random] [--host 127.0.0.1] [--port 7860] [--max_minutes 30]
    pglsum app --model MODEL --export_space DIR [--push_to_hub --hub_model_id OWNER/NAME]

Without ``--model`` the page runs an untrained PGL-SUM model and says SYNTHETIC (see :mod:`.loading`).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

from ..console import configure_logging
from ..errors import OptionError
from ..options import CommandParser, add_hub_options, hub_repo_id
from .job import DEFAULT_MAX_MINUTES
from .page import DEFAULT_HOST, DEFAULT_PORT


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum app",
        description="Serve a web page (Gradio) that summarizes an uploaded video with the code of `pglsum summarize`: "
        "summary video, importance plot, table of segments, JSON download. Or export the page as a Hugging Face Space.",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="PGL-SUM model: a local folder or a Hub id; default: an untrained model (random weights, seed 0), "
        "and the page says SYNTHETIC",
    )
    parser.add_argument(
        "--subfolder",
        default=None,
        help="the model folder inside --model when it holds several (a converted release: split_0 ... split_4)",
    )
    parser.add_argument(
        "--feature_weights",
        default=None,
        help="GoogLeNet weights as for `pglsum summarize`: a local state dict, or `random` (SYNTHETIC, said on the page); "
        "default: torchvision's ImageNet weights (cache or download)",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to serve on (default {DEFAULT_HOST}; 0.0.0.0 for every interface)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--max_minutes",
        type=float,
        default=DEFAULT_MAX_MINUTES,
        help="longest video accepted, in minutes (default 30)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="videos summarized at once; the others wait in the queue (default 1)",
    )
    parser.add_argument("--device", default=None, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument(
        "--examples_dir",
        default=None,
        help="cache folder of the SYNTHETIC example videos (default: in the temporary folder)",
    )
    parser.add_argument(
        "--export_space",
        metavar="DIR",
        default=None,
        help="write a Hugging Face Space folder running this page, instead of serving it",
    )
    add_hub_options(parser, "the Space (with --export_space DIR: that folder) as a Space repository")
    parser.add_argument("--overwrite", action="store_true", help="with --export_space: replace a non-empty DIR")
    return parser


def check_arguments(args: argparse.Namespace) -> None:
    """Every value checked before anything is loaded or written."""
    if not math.isfinite(args.max_minutes) or args.max_minutes <= 0:
        raise OptionError("--max_minutes", f"must be a number of minutes > 0, got {args.max_minutes}")
    if not 1 <= args.port <= 65535:
        raise OptionError("--port", f"must be a port number in 1..65535, got {args.port}")
    if args.concurrency < 1:
        raise OptionError("--concurrency", f"must be at least 1, got {args.concurrency}")
    if args.examples_dir is not None and Path(args.examples_dir).exists() and not Path(args.examples_dir).is_dir():
        raise OptionError("--examples_dir", f"{args.examples_dir} is a file, expected a folder")
    repo_id = hub_repo_id(args)
    if repo_id is not None and repo_id.count("/") != 1:
        raise OptionError("--hub_model_id", f"expected a Space id OWNER/NAME, got {repo_id!r}")
    if args.subfolder is not None and args.model is None:
        raise OptionError("--subfolder", "names a folder inside --model; give --model too")
    if args.subfolder is not None and (args.export_space is not None or repo_id is not None):
        raise OptionError("--subfolder", "applies to the local page; a Space takes a model without subfolders")
    folder = Path(args.model, args.subfolder or "") if args.model is not None else None
    if folder is not None and folder.exists() and not (folder / "config.json").is_file():
        from ..model_loading import model_subfolders, several_models_error

        if model_subfolders(folder):
            raise several_models_error("--model", str(folder), model_subfolders(folder))
        raise OptionError("--model", f"{folder} is not a model folder: expected a config.json in it")
    if args.overwrite and args.export_space is None:
        raise OptionError("--overwrite", "only applies to --export_space DIR")
    if args.model is not None and (args.export_space is not None or repo_id is not None):
        from ..model_loading import load_model_config

        # The Space is written (and uploaded) without loading the model: its config says now, in one line, that the
        # folder or Hub repository holds a PGL-SUM model, before the folder is written.
        load_model_config(args.model, "--model")


def _export(args: argparse.Namespace) -> int:
    from .space import export_space, push_space

    options = {"model": args.model, "feature_weights": args.feature_weights, "max_minutes": args.max_minutes}
    if args.export_space is not None:
        folder = export_space(args.export_space, overwrite=args.overwrite, **options)
        print(f"wrote the Space folder {folder} (app.py, requirements.txt, README.md, pglsum_hf/)")
        if args.push_to_hub:
            print(f"uploaded: {push_space(folder, args.hub_model_id, private=args.hub_private_repo or None)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="pglsum_space_") as scratch:
        folder = export_space(Path(scratch) / "space", **options)
        print(f"uploaded: {push_space(folder, args.hub_model_id, private=args.hub_private_repo or None)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_arguments(args)
    if args.export_space is not None or args.push_to_hub:
        return _export(args)

    from .address import check_address
    from .loading import load_summarizer
    from .page import build_demo, require_gradio, serve

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


if __name__ == "__main__":
    sys.exit(main())
