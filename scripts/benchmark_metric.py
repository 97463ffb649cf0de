"""Entry point: see `python scripts/benchmark_metric.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.benchmarks.metric import main

if __name__ == "__main__":
    sys.exit(main())
