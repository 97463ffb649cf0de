"""The worker pool of summarize and make-dataset: a pool of one without a launcher, and a launched pool of two
that shares the inputs in contiguous slices, gathers every result once in input order, and reports the job's status.
"""

import json
import os
import sys
import textwrap

import pytest

from pglsum_hf.video.workers import WorkerPool, launch_processes, launched_world_size

# Run by each launched process: its share of 5 items, the gathered results, and a failure in process 1.
JOB = """
import json, sys
from pglsum_hf.video.workers import WorkerPool, launched_world_size

pool = WorkerPool()
mine = pool.share(["a", "b", "c", "d", "e"])
results = pool.gather([{"item": item, "process": pool.process_index} for item in mine])
if pool.is_main_process:
    with open(sys.argv[1], "w") as file:
        json.dump({"size": launched_world_size(), "processes": pool.num_processes, "results": results}, file)
pool.wait_for_everyone()
sys.exit(3 if pool.process_index == 1 else 0)
"""


def test_a_plain_process_is_a_pool_of_one(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert launched_world_size() == 1
    pool = WorkerPool()
    assert (pool.num_processes, pool.process_index, pool.is_main_process, pool.device) == (1, 0, True, None)
    assert pool.share(range(3)) == [0, 1, 2] and pool.gather([{"x": 1}]) == [{"x": 1}]
    pool.wait_for_everyone()


def test_two_launched_processes_share_the_items_and_gather_them_in_order(tmp_path, monkeypatch, capfd):
    (tmp_path / "pool_job.py").write_text(textwrap.dedent(JOB))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    out = tmp_path / "gathered.json"
    assert launch_processes(2, "pool_job", [str(out)]) == 3  # process 1's status is the job's
    assert "Traceback" not in capfd.readouterr().err
    gathered = json.loads(out.read_text())
    assert gathered["size"] == gathered["processes"] == 2
    assert [(entry["item"], entry["process"]) for entry in gathered["results"]] == [
        ("a", 0), ("b", 0), ("c", 0), ("d", 1), ("e", 1)
    ]  # fmt: skip


@pytest.mark.parametrize("size", ["2", "4"])
def test_a_launched_process_knows_it_was_launched(monkeypatch, size):
    monkeypatch.setenv("WORLD_SIZE", size)
    assert launched_world_size() == int(size)
