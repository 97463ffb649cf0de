"""``pglsum make-synthetic``: a SYNTHETIC feature file in the standard SumMe/TVSum h5 layout, with its splits.

    pglsum make-synthetic --output_dir DIR [--profile tiny|summe|tvsum] [--seed 0] [--overwrite]

Writes ``DIR/synthetic_<profile>.h5``, ``DIR/synthetic_<profile>_splits.json`` and, for ``tvsum``,
``DIR/synthetic_tvsum_anno.tsv`` (raw 1..5 scores); the data is :mod:`pglsum_hf.data.synthetic`. The folder may hold
other files, which are left alone; the files written here must be new, or replaced with ``--overwrite``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..data.synthetic import PROFILES
from ..options import check_seed, parse_arguments

PROG = "pglsum make-synthetic"
DESCRIPTION = (
    "Write a SYNTHETIC feature file in the standard SumMe/TVSum h5 layout, with 5 random 80/20 splits (and, for "
    "tvsum, raw 1..5 annotator scores in ydata-anno.tsv format)."
)


@dataclass(kw_only=True)  # keyword-only: required options may follow optional ones, in the order of the help
class MakeSyntheticArguments:
    """The options of ``pglsum make-synthetic``, checked once when they are read."""

    profile: str = field(default="tiny", metadata={"choices": sorted(PROFILES), "help": "what to imitate"})
    output_dir: Path = field(metadata={"help": "folder for synthetic_<profile>.h5 and its splits"})
    seed: int = field(default=0, metadata={"help": "random seed, >= 0"})
    overwrite: bool = field(
        default=False, metadata={"help": "replace files of the same names already in --output_dir"}
    )

    def __post_init__(self) -> None:
        check_seed("--seed", self.seed)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(MakeSyntheticArguments, argv, prog=PROG, description=DESCRIPTION)
    from ..atomic import OutputFolderLock, check_output_dir, check_output_file
    from ..data.splits import default_splits_path
    from ..data.synthetic import make_synthetic_h5, write_synthetic_splits

    # The folder may hold other files (they are left alone); the files written here must be new or --overwrite.
    check_output_dir(args.output_dir, owned=True)
    h5_path = args.output_dir / f"synthetic_{args.profile}.h5"
    annotations_path = (
        args.output_dir / f"synthetic_{args.profile}_anno.tsv"
        if PROFILES[args.profile].annotation_style == "scores"
        else None
    )
    for target in (h5_path, default_splits_path(h5_path), annotations_path):
        if target is not None:
            check_output_file(target, overwrite=args.overwrite, option="--output_dir")
    with OutputFolderLock(args.output_dir):  # a second run into the folder stops at once
        make_synthetic_h5(h5_path, args.profile, args.seed, annotations_path)
        splits_path = write_synthetic_splits(h5_path, args.profile, args.seed)
    print(f"SYNTHETIC {args.profile} data (seed {args.seed}), not real benchmark features:")
    for written in (h5_path, splits_path, annotations_path):
        if written is not None:
            print(f"  {written}  ({written.stat().st_size / 1e6:.1f} MB)")
    return 0
