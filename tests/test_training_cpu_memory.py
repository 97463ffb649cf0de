"""A CPU training process reuses the memory it frees: repeated large allocations stop faulting in fresh pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Allocates, fills and frees a 64 MB tensor 23 times; prints the minor page faults of the last 20 rounds.
PROBE = """
import resource, sys, torch
from pglsum_hf.training.cpu_memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
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
    def faults(mode: str) -> int:
        return int(subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True).stdout)

    pages_per_round = 64 * 2**20 // 4096
    assert faults("default") > 10 * pages_per_round  # glibc maps and unmaps the block every time
    assert faults("keep") <= 2 * pages_per_round  # the heap may still grow once or twice, not every round
