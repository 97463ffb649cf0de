"""Entry point: see `python scripts/train.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.training.train import main

if __name__ == "__main__":
    sys.exit(main())
