"""Entry point: see `python scripts/run_splits.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.training.run_splits import main

if __name__ == "__main__":
    sys.exit(main())
