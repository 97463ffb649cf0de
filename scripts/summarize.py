"""Entry point: see `python scripts/summarize.py --help` (same as the `pglsum` command)."""

import sys

from pglsum_hf.video.summarize import main

if __name__ == "__main__":
    sys.exit(main())
