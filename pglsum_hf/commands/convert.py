"""``pglsum convert``: a standard SumMe/TVSum h5 file and its splits JSON as a Hugging Face dataset folder.

    pglsum convert --h5 FILE.h5 --splits SPLITS.json --output_dir DIR [--name NAME] [--annotations ydata-anno.tsv] \\
        [--push_to_hub --hub_model_id ORG/NAME] [--hub_private_repo] [--overwrite]

The conversion is :func:`pglsum_hf.data.convert.convert_h5_to_dataset`; this module reads the options, uploads the
finished folder and prints where it is and how to load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..options import HubArguments, hub_repo_id, parse_arguments

PROG = "pglsum convert"
DESCRIPTION = (
    "Convert a standard SumMe/TVSum h5 feature file and its splits JSON into a Hugging Face dataset folder with "
    "configs split_0..split_4 and all (loadable with datasets.load_dataset, pushable to the Hub)."
)


@dataclass
class ConvertArguments(HubArguments):
    """The options of ``pglsum convert``; the files themselves are checked by the conversion before it writes."""

    h5: Path = field(metadata={"help": "feature file, e.g. eccv16_dataset_summe_google_pool5.h5"})
    splits: Path = field(metadata={"help": "splits JSON (list of {train_keys, test_keys})"})
    output_dir: Path = field(metadata={"help": "dataset folder to create"})
    name: str | None = field(
        default=None, metadata={"help": "dataset name for the card; without it, read from the h5 file name"}
    )
    annotations: Path | None = field(
        default=None, metadata={"help": "TVSum ydata-anno.tsv: adds YouTube id, category and raw user_scores"}
    )
    push_to_hub: bool = field(
        default=False,
        kw_only=True,
        metadata={
            "help": "upload the folder as a dataset repository --hub_model_id (shorthand: --push_to_hub ORG/NAME)"
        },
    )
    overwrite: bool = field(default=False, kw_only=True, metadata={"help": "replace an existing output folder"})
    # The dataset repository to upload to (None without --push_to_hub).
    repo_id: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.repo_id = hub_repo_id(self)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(ConvertArguments, argv, prog=PROG, description=DESCRIPTION)
    from ..data.convert import convert_h5_to_dataset

    folder = convert_h5_to_dataset(
        args.h5, args.splits, args.output_dir, name=args.name, annotations=args.annotations, repo_id=args.repo_id,
        overwrite=args.overwrite,
    )  # fmt: skip
    if args.repo_id:
        from ..hub import push_dataset_folder

        push_dataset_folder(folder, args.repo_id, private=args.hub_private_repo or None)
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    print(f"wrote {folder} ({size / 1e6:.1f} MB; h5 {args.h5.stat().st_size / 1e6:.1f} MB)")
    print(f'load it with: datasets.load_dataset("{folder}", "split_0")')
    if args.repo_id:
        print(f'pushed to the Hub: datasets.load_dataset("{args.repo_id}", "split_0")')
    return 0
