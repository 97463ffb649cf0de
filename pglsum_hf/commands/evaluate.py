"""``pglsum evaluate``: any PGL-SUM model on the test videos of a split, scored as the original inference script does.

    pglsum evaluate --model M [--subfolder split_0] --dataset D --split_index K [--eval_method max|avg] [--output F.json]
    pglsum evaluate --model RELEASE_FOLDER_OR_REPO --dataset D --split_index all

``M`` is a model folder or Hub id (converted, trained or pushed); ``D`` an h5 with its splits, a dataset folder or a Hub
dataset id. With ``--split_index all`` the model is a folder or repository of split folders (``split_0`` ...), and each
split's model is scored on its own split, as the original script does; the mean over splits closes the output. The
scoring is :mod:`pglsum_hf.evaluation.on_split`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import OptionError
from ..options import parse_arguments

PROG = "pglsum evaluate"
DESCRIPTION = (
    "Score a PGL-SUM model on a split's test videos with the original protocol (F-score, mean over the test videos; "
    "rank correlations where the data has user scores; diversity)."
)


@dataclass(kw_only=True)  # keyword-only: required options may follow optional ones, in the order of the help
class EvaluateArguments:
    """The options of ``pglsum evaluate``; the split and the output file are checked when they are read."""

    model: str = field(metadata={"help": "PGL-SUM model: a local folder or a Hub id"})
    subfolder: str | None = field(
        default=None, metadata={"help": "the model folder inside --model when it holds several (split_0 ...)"}
    )
    dataset: str = field(
        metadata={"help": "an h5 feature file (its splits beside it), a dataset folder or a Hub id"},
    )
    split_index: str = field(
        metadata={
            "help": "the split (0..4) whose test videos are scored, or `all`: each split_k model of --model on split k"
        },
    )
    splits: str | None = field(
        default=None, metadata={"help": "splits JSON; without it, the one beside an h5 / in the dataset"}
    )
    eval_method: Literal["max", "avg"] | None = field(
        default=None,
        metadata={"help": "F-score over users: max (SumMe) or avg (TVSum); default from the dataset's name"},
    )
    output: str | None = field(default=None, metadata={"help": "write the results as JSON to this file"})
    overwrite: bool = field(default=False, metadata={"help": "replace an existing --output file"})
    device: str = field(default="cpu", metadata={"help": "torch device for the model"})
    # The split to score, or None for `all` (each split_k folder of --model on split k).
    split_indices: list[int] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.split_index == "all":
            if self.subfolder is not None:
                raise OptionError("--subfolder", "does not go with --split_index all (each split_k folder is used)")
            return
        try:
            index = int(self.split_index)
        except ValueError:
            index = -1
        if index < 0:
            raise OptionError(
                "--split_index", f"must be a split number (0, 1, ...) or `all`, found {self.split_index!r}"
            )
        self.split_indices = [index]


def _split_folders(model: str) -> list[int]:
    """The splits of a folder or repository of split folders, refused in one line when it holds none."""
    from ..model_loading import hub_model_subfolders, looks_local, model_subfolders

    names = model_subfolders(Path(model).expanduser()) if looks_local(model) else hub_model_subfolders(model)
    splits = sorted(int(name[6:]) for name in names if name.startswith("split_") and name[6:].isdigit())
    if not splits:
        raise OptionError("--model", f"{model} holds no split folders (split_0 ...); --split_index all needs them")
    return splits


def _print(result: Any, single: bool) -> None:
    if single:
        for video in result.videos:
            print(f"  {video['video_id']}: F-score {video['f_score']:.2f}")
        print(
            f"mean F-score over {len(result.videos)} test videos: {result.f_score:.2f} ({result.eval_method} over users)"
        )
        for name, value in result.correlations.items():
            print(f"{name}: {value:.4f}")
        if result.diversity is not None:
            print(f"diversity: {result.diversity:.4f}")
    print(result.original_line(), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(EvaluateArguments, argv, prog=PROG, description=DESCRIPTION)
    if args.output is not None:
        from ..atomic import check_output_file
        from ..data.splits import default_splits_path

        # The splits read are inputs too: --splits, or the `<stem>_splits.json` found beside an h5 without it.
        splits_read = args.splits if args.splits is not None else default_splits_path(args.dataset)
        check_output_file(args.output, overwrite=args.overwrite, inputs=[args.model, args.dataset, splits_read])
    from ..evaluation.on_split import dataset_eval_method, evaluate_on_split
    from ..model_loading import load_model, resolve_model_source

    # Resolved once, here: a dataset of unknown kind stops before any model or data is read.
    eval_method = dataset_eval_method(args.dataset, args.eval_method)
    if args.split_indices is None:
        subfolders = {index: f"split_{index}" for index in _split_folders(args.model)}
    else:
        resolve_model_source(args.model, subfolder=args.subfolder)  # a broken model folder stops before the data
        subfolders = {args.split_indices[0]: args.subfolder}
    results = []
    for index, subfolder in subfolders.items():
        model = load_model(args.model, subfolder=subfolder).to(args.device)
        result = evaluate_on_split(model, args.dataset, index, eval_method, splits=args.splits)
        _print(result, single=len(subfolders) == 1)
        results.append(result)
    model_name = f"{args.model}/{args.subfolder}" if args.subfolder else args.model
    if len(results) == 1:
        payload = results[0].to_json(model_name)
    else:
        mean = sum(result.f_score for result in results) / len(results)
        print(f"mean F-score over {len(results)} splits: {mean:.2f}")
        payload = {
            "model": args.model,
            "dataset": args.dataset,
            "split_index": "all",
            "eval_method": eval_method,
            "f_score": mean,
            "splits": [result.to_json(f"{args.model}/split_{result.split_index}") for result in results],
        }
    if args.output is not None:
        from ..atomic import write_json

        write_json(args.output, payload)
        print(f"wrote {args.output}")
    return 0
