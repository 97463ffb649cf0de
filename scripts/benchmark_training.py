"""Entry point: see `python scripts/benchmark_training.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.benchmarks.training import main

if __name__ == "__main__":
    sys.exit(main())
