"""Entry point: see `python scripts/convert_h5_to_datasets.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.data.convert import main

if __name__ == "__main__":
    sys.exit(main())
