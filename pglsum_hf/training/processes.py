"""How many processes a launcher asked for, against how many Accelerate runs as one training.

``torchrun --nproc_per_node 2`` (or ``accelerate launch --multi_gpu``) on a machine without GPUs starts two
processes that Accelerate runs as two independent single-process trainings unless ``ACCELERATE_USE_CPU=true``
is set; ``accelerate launch --cpu --num_processes 2`` starts only one process. Both look like success, so the
run says so in one line.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

logger = logging.getLogger(__name__)

CPU_RECIPE = "on CPUs run `ACCELERATE_USE_CPU=true torchrun --nproc_per_node N -m pglsum_hf.commands.train ...`"


def process_count_note(started: int, environ: Mapping[str, str] | None = None) -> str | None:
    """One line when the launcher asked for more processes than the ``started`` ones Accelerate trains with."""
    environ = os.environ if environ is None else environ
    asked = environ.get("WORLD_SIZE")
    if asked is not None and asked.isdigit() and int(asked) > started:
        return (
            f"the launcher started {asked} processes (WORLD_SIZE) but Accelerate trains with {started}: each "
            f"process runs its own training; {CPU_RECIPE}"
        )
    # `accelerate launch --cpu --num_processes N` (N > 1) sets a rendezvous address, yet starts one process.
    if asked is None and "ACCELERATE_USE_CPU" in environ and "MASTER_ADDR" in environ and started == 1:
        return f"accelerate launch asked for several processes but started 1; {CPU_RECIPE}"
    return None


def warn_about_process_count(started: int) -> None:
    """Log :func:`process_count_note` once, from the launch's first process (every process would say the same)."""
    note = process_count_note(started)
    if note is not None and os.environ.get("RANK", "0") == "0":
        logger.warning(note)
