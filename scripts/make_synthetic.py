"""Entry point: see `python scripts/make_synthetic.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.data.synthetic import main

if __name__ == "__main__":
    sys.exit(main())
