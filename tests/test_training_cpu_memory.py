"""A CPU training process reuses the memory it frees: repeated large allocations stop faulting in fresh pages."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Allocates, fills and frees a 64 MB tensor 23 times; prints the minor page faults of the last 20 rounds.
PROBE = """
import resource, sys, torch
from pglsum_hf.training.cpu_memory import keep_freed_memory, keep_freed_memory_unless_disabled
if sys.argv[1] == "keep":
    assert keep_freed_memory()
if sys.argv[1] == "command":  # what `pglsum train` does: on unless PGLSUM_KEEP_FREED_MEMORY=0
    keep_freed_memory_unless_disabled()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    torch.ones(16 * 2**20).sum()
before = faults()
for _ in range(20):
    torch.ones(16 * 2**20).sum()
print(faults() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_freed_blocks_are_reused_instead_of_faulted_in_again():
    def faults(mode: str, **env: str) -> int:
        environment = {**os.environ, **env}
        done = subprocess.run(
            [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True, env=environment
        )
        return int(done.stdout)

    pages_per_round = 64 * 2**20 // 4096
    assert faults("default") > 10 * pages_per_round  # glibc maps and unmaps the block every time
    assert faults("keep") <= 2 * pages_per_round  # the heap may still grow once or twice, not every round
    assert faults("command") <= 2 * pages_per_round
    assert faults("command", PGLSUM_KEEP_FREED_MEMORY="0") > 10 * pages_per_round  # the variable turns it off
