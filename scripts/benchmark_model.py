"""Entry point: see `python scripts/benchmark_model.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.benchmarks.model import main

if __name__ == "__main__":
    sys.exit(main())
