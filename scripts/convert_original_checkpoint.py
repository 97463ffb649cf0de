"""Entry point: see `python scripts/convert_original_checkpoint.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.convert_original_checkpoint import main

if __name__ == "__main__":
    sys.exit(main())
