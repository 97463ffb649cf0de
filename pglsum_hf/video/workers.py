"""One job shared by several processes: the worker pool of ``pglsum summarize`` and ``pglsum make-dataset``.

Both commands run the same work on every input (decode a video, extract its features, ...) and only the main
process reports. The processes come from a launcher -- :func:`launch_processes` for ``--num_processes N``, or the
user's own ``accelerate launch`` / ``torchrun`` -- and find each other through Accelerate's
:class:`~accelerate.PartialState`, which reads the launcher's environment (``WORLD_SIZE``, ``RANK``, ...). A plain
single process is a pool of one: the same code runs without any process group. A command uses it so::

    if launched_world_size() == 1 and args.num_processes > 1:
        return launch_processes(args.num_processes, "pglsum_hf.cli", ["summarize", *argv])  # the same command, N times
    pool = WorkerPool()
    results = [work(item) for item in pool.share(items)]  # this process's contiguous share of the inputs
    results = pool.gather(results)  # every process's results, in input order, on every process
    if pool.is_main_process:
        report(results)
    pool.wait_for_everyone()

The results travel once, at the end, through :func:`accelerate.utils.gather_object` (``all_gather_object``): it
works on every backend Accelerate picks (gloo on CPU, NCCL on GPUs), needs no folder shared by the processes (a
pool may span machines under ``accelerate launch``), and is one collective call, so a process that waits for the
slowest one waits in one place. Results must therefore be small plain data (records, messages), never arrays:
large outputs go to files, and the main process reads them back. (The collective pickles the results between the
job's own processes, which it alone connects; nothing read from a file is ever unpickled.)
"""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # torch and accelerate load when the pool is built, not for `--help`
    pass

Item = TypeVar("Item")

# A process may wait at the gather for the slowest one's whole share of the videos (hours of decoding): a day,
# where torch's default of 30 minutes would stop a long job that is only slow.
WAIT_TIMEOUT = datetime.timedelta(days=1)


def launched_world_size() -> int:
    """How many processes a launcher started for this job (``WORLD_SIZE``); 1 for a plain process.

    A process of a launched world (size > 1) must not launch again, and leaves the job's output-folder lock to
    whoever launched it.
    """
    return int(os.environ.get("WORLD_SIZE", "1"))


class WorkerPool:
    """This process's place among the processes of one job (a pool of one without a launcher).

    The processes exchange only a few small records, so they always talk over gloo; the work itself runs on
    :attr:`device`, one GPU per process while there are enough of them (there may be more processes than GPUs,
    and NCCL, the GPU backend, refuses two processes on one GPU).
    """

    def __init__(self) -> None:
        from accelerate import PartialState

        # cpu=True picks gloo for the process group; a pool of one has no group, and leaves the devices alone.
        self._state = PartialState(cpu=launched_world_size() > 1, timeout=WAIT_TIMEOUT)

    @property
    def num_processes(self) -> int:
        return self._state.num_processes

    @property
    def process_index(self) -> int:
        return self._state.process_index

    @property
    def is_main_process(self) -> bool:
        return self._state.is_main_process

    @property
    def device(self) -> str | None:
        """This process's GPU when several processes share the machine (``cuda:LOCAL_RANK``, GPUs shared in turn
        when there are fewer than processes); None in a pool of one or without CUDA, where the caller's default
        applies."""
        import torch

        if self.num_processes == 1 or not torch.cuda.is_available():
            return None
        local_rank = int(os.environ.get("LOCAL_RANK", self.process_index))
        return f"cuda:{local_rank % torch.cuda.device_count()}"

    def share(self, items: Sequence[Item]) -> list[Item]:
        """This process's share of ``items``: a contiguous slice, the first processes taking one more when the
        count does not divide (Accelerate's ``split_between_processes``); all of them in a pool of one."""
        with self._state.split_between_processes(list(items)) as mine:
            return list(mine)

    def gather(self, results: list[Any]) -> list[Any]:
        """Every process's ``results`` (lists of small plain data), concatenated in process order, on every process.

        The shares are contiguous, so results listed in the order of :meth:`share` come back in input order.
        Every process must call it (it waits for the others).
        """
        if self.num_processes == 1:
            return list(results)
        from accelerate.utils import gather_object

        return gather_object(list(results))

    def wait_for_everyone(self) -> None:
        """Wait until every process of the pool reaches this point (nothing to wait for in a pool of one)."""
        self._state.wait_for_everyone()


def launch_processes(num_processes: int, module: str, args: Sequence[str]) -> int:
    """Run ``python -m module *args`` in ``num_processes`` processes on this machine; the exit status of the job.

    The processes form one :class:`WorkerPool` (``torch.distributed.run``, the launcher ``accelerate launch`` uses,
    with a rendezvous on a free local port). Without CUDA they run on CPU and share its cores
    (``OMP_NUM_THREADS``, unless set). ``args`` is the command line of the command itself: each process sees
    :func:`launched_world_size` > 1 and does the work instead of launching again. The status is the first
    failing process's (1 when some inputs failed, as in one process), never a launcher's traceback.
    """
    import torch

    with socket.socket() as probe:  # a free port for the processes' rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ)
    if not torch.cuda.is_available():
        env["ACCELERATE_USE_CPU"] = "true"
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // num_processes)))
    # The launcher's own notes (a process stopped once another ended with status 1) are not the user's business.
    env.setdefault("LOGLEVEL", "ERROR")
    command = [
        sys.executable, "-m", __name__, "--nproc_per_node", str(num_processes),
        "--master_addr", "127.0.0.1", "--master_port", str(port), "-m", module, *args,
    ]  # fmt: skip
    return subprocess.run(command, env=env, check=False).returncode


def _run_launcher(argv: list[str]) -> int:
    """``torch.distributed.run`` with ``argv``; a failed process's exit status becomes the launcher's, where
    ``torchrun`` raises (and prints the traceback of) its ``ChildFailedError``."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    try:
        run(parse_args(argv))
    except ChildFailedError as error:
        _, failure = error.get_first_failure()
        return failure.exitcode if failure.exitcode > 0 else 128 - failure.exitcode  # killed by a signal: 128 + N
    return 0


if __name__ == "__main__":  # what launch_processes runs
    sys.exit(_run_launcher(sys.argv[1:]))
