"""``pglsum convert-checkpoint``: an original PGL-SUM checkpoint, or the authors' whole release, as Hub-ready folders.

    pglsum convert-checkpoint --checkpoint FILE.pt --output_dir DIR [--overwrite] [--heads 8] [--n_segments 4] \\
        [--fusion add] [--pos_enc absolute] [--push_to_hub --hub_model_id ORG/NAME] [--hub_private_repo]
    pglsum convert-checkpoint --checkpoint pretrained_models.zip --output_dir DIR \\
        [--evaluate_on summe=DATA tvsum=DATA] [--push_to_hub --hub_model_id ORG]

One checkpoint becomes one model folder (config, safetensors, remote code, card); a release (the zip or its unzipped
folder) becomes one folder per table and dataset holding its five split models (:mod:`pglsum_hf.release`). Every
option and path is checked, and every checkpoint read, before anything is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..choices_pglsum import FUSIONS, POSITIONAL_ENCODINGS
from ..errors import OptionError
from ..evaluation.paper_tables import DATASET_NAMES
from ..options import HubArguments, hub_repo_id, parse_arguments
from ..release.archive import is_release

PROG = "pglsum convert-checkpoint"
DESCRIPTION = "Convert an original PGL-SUM checkpoint (state dict) into a Hub-ready folder and optionally push it."
# The options that set the architecture of one checkpoint; a release's models all have the paper's settings.
ARCHITECTURE_OPTIONS = ("heads", "n_segments", "fusion", "pos_enc")


def _none_or(convert):
    """argparse type: the word ``None`` (any case) means None, anything else goes through ``convert``."""

    def parse(value: str):
        return None if value.lower() == "none" else convert(value)

    return parse


def _segments(value: str) -> int | None | str:
    return "infer" if value == "infer" else _none_or(int)(value)


@dataclass
class ConvertCheckpointArguments(HubArguments):
    """The options of ``pglsum convert-checkpoint``, checked once when they are read."""

    checkpoint: Path = field(
        metadata={
            "help": "original PGL-SUM state dict (.pt/.pkl), or the authors' whole release: pretrained_models.zip or "
            "its unzipped folder (one model folder per table, dataset and split)"
        }
    )
    output_dir: Path = field(metadata={"help": "folder to create (must be new or empty)"})
    evaluate_on: list[str] | None = field(
        default=None,
        metadata={
            "metavar": "DATASET=DATA",
            "help": "release only: summe=DATA and/or tvsum=DATA (an h5 with its splits, a dataset folder or a Hub "
            "id): score each split model on its split's test videos and put the figures into the cards and "
            "DIR/results.md",
        },
    )
    overwrite: bool = field(default=False, metadata={"help": "replace an existing non-empty --output_dir"})
    heads: int | None = field(
        default=None, metadata={"help": "global attention heads; without it, read from the keys"}
    )
    n_segments: int | str | None = field(
        default="infer",
        metadata={"type": _segments, "help": "local-attention segments, None for none, or infer: read from the keys"},
    )
    fusion: str | None = field(
        default="add", metadata={"type": _none_or(str.lower), "choices": [*FUSIONS, None], "help": "fusion"}
    )
    pos_enc: str | None = field(
        default="absolute",
        metadata={
            "type": _none_or(str.lower),
            "choices": [*POSITIONAL_ENCODINGS, None],
            "help": "positional encoding",
        },
    )
    push_to_hub: bool = field(
        default=False,
        kw_only=True,
        metadata={
            "help": "upload the folder as a model repository --hub_model_id (a whole release: --hub_model_id is the "
            "owner, one repository OWNER/pglsum-summe-table4 ... per table and dataset; shorthand: --push_to_hub "
            "ORG/NAME)"
        },
    )
    overwrite_card: bool = field(
        default=False, kw_only=True, metadata={"help": "with --push_to_hub: replace a README.md already on the Hub"}
    )
    # Read from the options above: the repository (a release: the owner) to push to, whether --checkpoint is a
    # whole release, and the data of each dataset named by --evaluate_on.
    repo_id: str | None = field(init=False, default=None)
    release: bool = field(init=False, default=False)
    datasets: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.checkpoint, self.output_dir = Path(self.checkpoint), Path(self.output_dir)
        self.repo_id = hub_repo_id(self)
        self.release = is_release(self.checkpoint)
        if self.release:
            self._check_release_options()
            return
        if self.evaluate_on:
            raise OptionError(
                "--evaluate_on", "applies to a whole release (the zip or its folder), not to one checkpoint"
            )
        heads = self.heads
        if heads is not None and (isinstance(heads, bool) or not isinstance(heads, int) or heads < 1):
            raise OptionError(
                "--heads", f"must be a positive integer (or left out to read it from the keys); got {heads!r}"
            )
        if self.n_segments not in ("infer", None) and (not isinstance(self.n_segments, int) or self.n_segments < 2):
            raise OptionError("--n_segments", f"must be an integer >= 2, None or infer; got {self.n_segments!r}")
        if not self.checkpoint.exists():
            raise OptionError("--checkpoint", f"{self.checkpoint} does not exist")

    def _check_release_options(self) -> None:
        defaults = {item.name: item.default for item in dataclasses.fields(self)}
        for option in ARCHITECTURE_OPTIONS:
            if getattr(self, option) != defaults[option]:
                raise OptionError(f"--{option}", "does not apply to the release: its models have the paper's settings")
        for value in self.evaluate_on or []:
            dataset, _, path = value.partition("=")
            if dataset.lower() not in DATASET_NAMES or not path:
                raise OptionError("--evaluate_on", f"expected summe=DATA or tvsum=DATA (an h5, a dataset folder or a Hub id), found {value!r}")  # fmt: skip
            if dataset.lower() in self.datasets:
                raise OptionError("--evaluate_on", f"{dataset.lower()} is given twice")
            self.datasets[dataset.lower()] = path
        if self.repo_id is not None and "/" in self.repo_id:
            raise OptionError(
                "--push_to_hub",
                f"for a whole release, give the owner (user or organization) of the four repositories "
                f"(OWNER/pglsum-summe-table4 ...), found {self.repo_id!r}",
            )


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(ConvertCheckpointArguments, argv, prog=PROG, description=DESCRIPTION)
    return convert_release(args) if args.release else convert_one(args)


def convert_one(args: ConvertCheckpointArguments) -> int:
    """One checkpoint: the model folder with its card, then the upload; prints what was made."""
    from ..atomic import atomic_directory, check_output_dir

    check_output_dir(args.output_dir, overwrite=args.overwrite, inputs=[args.checkpoint])
    from ..model_card import save_card
    from ..model_folder import save_model_files
    from ..release.card import checkpoint_card
    from ..release.original_checkpoint import convert_checkpoint

    model = convert_checkpoint(
        args.checkpoint, heads=args.heads, n_segments=args.n_segments, fusion=args.fusion, pos_enc=args.pos_enc
    )
    card = checkpoint_card(model, args.repo_id or args.output_dir.resolve().name, args.checkpoint)
    with atomic_directory(args.output_dir, overwrite=args.overwrite, inputs=[args.checkpoint]) as folder:
        save_card(card, save_model_files(model, folder))
    if args.repo_id:
        from ..hub import push_model_folder

        push_model_folder(args.output_dir, args.repo_id, overwrite_card=args.overwrite_card,
                          private=args.hub_private_repo or None, commit_message=f"Convert {args.checkpoint.name}")  # fmt: skip
    config = model.config
    print(
        f"converted {args.checkpoint} -> {args.output_dir} ({model.num_parameters() / 1e6:.2f} M parameters; "
        f"heads={config.num_heads}, n_segments={config.num_segments}, fusion={config.fusion}, pos_enc={config.pos_enc})"
    )
    if args.repo_id:
        print(f"pushed to {args.repo_id}")
    return 0


def convert_release(args: ConvertCheckpointArguments) -> int:
    """The whole release: read and checked, scored with ``--evaluate_on``, written, then each folder uploaded."""
    from ..atomic import check_output_dir

    check_output_dir(args.output_dir, overwrite=args.overwrite, inputs=[args.checkpoint, *args.datasets.values()])
    from ..release.archive import read_release
    from ..release.conversion import evaluate_release, write_release

    release = read_release(args.checkpoint)
    for name in release.ignored:
        print(f"ignored (not a checkpoint of the release): {name}")
    evaluations = evaluate_release(release, args.datasets, report=partial(print, flush=True))
    write_release(release, args.output_dir, evaluations, args.datasets, owner=args.repo_id, overwrite=args.overwrite)
    pushed = {}
    if args.repo_id:
        from ..hub import keeps_hub_card, upload_folder

        for folder in release.groups():
            repo_id = f"{args.repo_id}/{folder}"
            keep_card = keeps_hub_card(repo_id, overwrite_card=args.overwrite_card)
            upload_folder(args.output_dir / folder, repo_id, private=args.hub_private_repo or None,
                          commit_message=f"Convert the authors' {folder} models",
                          ignore_patterns=["README.md"] if keep_card else None)  # fmt: skip
            pushed[folder] = repo_id
    for folder, models in release.groups().items():
        print(
            f"converted {len(models)} split models -> {args.output_dir / folder} (split_0 .. split_{len(models) - 1})"
        )
    for folder, repo_id in pushed.items():
        print(f"pushed {folder} to {repo_id}")
    return 0
