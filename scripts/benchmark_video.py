"""Entry point: see `python scripts/benchmark_video.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.benchmarks.video import main

if __name__ == "__main__":
    sys.exit(main())
