"""``pglsum run-splits``: train every split of a dataset and write the results table beside the paper's numbers.

    pglsum run-splits --dataset synthetic_summe.h5 --output_dir runs/summe [--num_processes 2] [train options]

Every option that ``pglsum train`` knows (``--n_epochs``, ``--lr``, ...) is passed on to each split's run; split
``k`` trains into ``<output_dir>/split_<k>``. With ``--num_processes N`` the splits run as N parallel
``pglsum train`` processes (CPU threads shared out between them), else one after another in this process. The
table is `pglsum_hf.training.run_splits`'s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..atomic import OutputFolderLock, write_atomic, write_json
from ..errors import OptionError, PGLSumError
from ..options import check_int, dataclass_parser
from ..paths import local_inputs
from ..training.arguments import DEFAULT_BATCH_SIZE, N_SPLITS, dataset_family
from ..training.output_dir import check_run_output_dir, finish_run_output_dir, start_run_output_dir
from ..training.run_splits import (
    PAPER_PROTOCOLS,
    PROTOCOL_TRAIN_OPTIONS,
    RESULTS_FILE,
    RUN_SPLITS_MARKER,
    describe_data,
    markdown_table,
    results_table,
    split_random_baseline,
)
from . import train as train_command

PROG = "pglsum run-splits"
DESCRIPTION = "Train PGL-SUM on all 5 splits and write a results table; other options go to `pglsum train`."


@dataclass
class RunSplitsArguments:
    """The options of ``pglsum run-splits`` itself; the others are ``pglsum train``'s, passed on to every split."""

    dataset: str = field(metadata={"aliases": ["--video_type"], "help": "As for `pglsum train`."})
    output_dir: str = field(metadata={"help": "Split k trains into <output_dir>/split_<k>; the table goes here."})
    overwrite: bool = field(
        default=False,
        metadata={"help": "Replace an existing non-empty --output_dir (removed only once every split succeeded)."},
    )
    split_indices: list[int] = field(default_factory=lambda: list(range(N_SPLITS)), metadata={"help": "Which splits."})
    num_processes: int = field(
        default=1, metadata={"help": "Splits trained at once in parallel processes (1: one after another)."}
    )
    random_trials: int = field(
        default=100, metadata={"help": "Draws of random scores per split for the chance baseline."}
    )
    paper_protocol: Literal[PAPER_PROTOCOLS] | None = field(
        default=None,
        metadata={
            "help": "the recipe of one table of the paper, compared with that table's figure only: table3 = one video "
            "per update and the best test epoch (peeks at the test set); table4 = full-batch and the loss-selected epoch"
        },
    )
    data_note: str | None = field(
        default=None,
        metadata={
            "help": "Line naming the data in the table (default: derived from the dataset name; synthetic data is named as such)."
        },
    )

    def __post_init__(self) -> None:
        check_int("--num_processes", self.num_processes, 1)
        check_int("--random_trials", self.random_trials, 1)
        indices = self.split_indices
        if any(not 0 <= k < N_SPLITS for k in indices) or len(set(indices)) != len(indices):
            raise OptionError("--split_indices", f"must be distinct values in 0..{N_SPLITS - 1}, found {indices}")


def parse_args(argv: list[str] | None = None) -> tuple[RunSplitsArguments, list[str]]:
    """The options of run-splits, and the rest of ``argv`` (``pglsum train``'s options, checked by the caller)."""
    namespace, train_argv = dataclass_parser(RunSplitsArguments, PROG, DESCRIPTION).parse_known_args(argv)
    return RunSplitsArguments(**vars(namespace)), train_argv


def split_arguments(dataset: str, split: int, output_dir: Path, train_argv: list[str]) -> list[str]:
    """``pglsum train``'s options for split ``split``."""
    return ["--dataset", dataset, "--split_index", str(split), "--output_dir", str(output_dir / f"split_{split}"),
            *train_argv]  # fmt: skip


def run_in_turn(dataset: str, splits: list[int], output_dir: Path, train_argv: list[str]) -> None:
    for split in splits:
        print(f"=== split {split} ===", flush=True)
        train_command.train_and_publish(
            train_command.parse_args(split_arguments(dataset, split, output_dir, train_argv))
        )


def run_in_parallel(
    dataset: str, splits: list[int], output_dir: Path, train_argv: list[str], num_processes: int
) -> None:
    """``num_processes`` ``pglsum train`` processes at a time, the CPU threads split evenly between them."""
    threads = max(1, (os.cpu_count() or 1) // num_processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    pending, running, failed = list(splits), {}, []
    while pending or running:
        while pending and len(running) < num_processes:
            split = pending.pop(0)
            log_path = output_dir / f"split_{split}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            command = [
                sys.executable,
                "-m",
                train_command.__name__,
                *split_arguments(dataset, split, output_dir, train_argv),
            ]
            with open(log_path, "w") as log:
                running[split] = (subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env), log_path)
            print(f"split {split}: started (pid {running[split][0].pid}, log {log_path})", flush=True)
        time.sleep(1.0)
        for split, (process, log_path) in list(running.items()):
            if process.poll() is not None:
                del running[split]
                print(f"split {split}: finished with exit code {process.returncode}", flush=True)
                if process.returncode != 0:
                    failed.append(f"split {split} (exit code {process.returncode}, see {log_path})")
    if failed:
        raise PGLSumError(f"training failed for {', '.join(failed)}")


def main(argv: list[str] | None = None) -> int:
    args, train_argv = parse_args(argv)
    output_dir = Path(args.output_dir)
    if "--overwrite" in train_argv:
        raise OptionError("--overwrite", "belongs to run-splits here (the split folders inside --output_dir are new)")
    if args.paper_protocol == "table3" and any(
        arg.split("=")[0] in ("--batch_size", "--batch-size") for arg in train_argv
    ):
        raise OptionError("--batch_size", "is set by --paper_protocol table3 (one video per update); leave it out")
    train_argv = [*train_argv, *PROTOCOL_TRAIN_OPTIONS.get(args.paper_protocol, [])]
    # Validate the pass-through options once, up front, with split 0 standing in.
    template = train_command.parse_args(split_arguments(args.dataset, 0, output_dir, train_argv), prog=PROG)
    family = dataset_family(args.dataset)
    if args.paper_protocol == "table4" and family and template.batch_size != DEFAULT_BATCH_SIZE[family]:
        raise OptionError(
            "--batch_size",
            f"--paper_protocol table4 trains full-batch ({DEFAULT_BATCH_SIZE[family]} {family} videos per update), "
            f"found {template.batch_size}; leave it out",
        )
    from ..data.loading import load_split

    owned = check_run_output_dir(
        output_dir,
        overwrite=args.overwrite,
        inputs=local_inputs(args.dataset, template.model_name_or_path, template.splits),
        resuming=template.resume_from_checkpoint == "latest",
        marker=RUN_SPLITS_MARKER,
        finished=RESULTS_FILE,
    )
    load_split(args.dataset, args.split_indices[0], splits=template.splits)  # a bad dataset stops before any output
    with OutputFolderLock(output_dir):  # held to the end: a second run into the folder stops at once
        replaced = start_run_output_dir(output_dir, owned=owned, marker=RUN_SPLITS_MARKER,
                                        record={"dataset": args.dataset, "train_options": train_argv})  # fmt: skip
        started = time.perf_counter()
        if args.num_processes > 1:
            run_in_parallel(args.dataset, args.split_indices, output_dir, train_argv, args.num_processes)
        else:
            run_in_turn(args.dataset, args.split_indices, output_dir, train_argv)
        wall = time.perf_counter() - started
        random_f = {
            split: split_random_baseline(
                args.dataset, split, template.splits, template.eval_method, args.random_trials
            )
            for split in args.split_indices
        }
        note = args.data_note or describe_data(args.dataset)
        results = results_table(args.dataset, output_dir, args.split_indices, random_f, note, args.paper_protocol)
        results["wall_seconds"] = wall
        results["training_arguments"] = {
            k: v for k, v in template.to_dict().items() if k not in ("split_index", "output_dir")
        }
        write_json(output_dir / RESULTS_FILE, results)
        markdown = markdown_table(results)
        write_atomic(output_dir / "results.md", markdown)
        finish_run_output_dir(replaced)
    print(markdown)
    return 0
