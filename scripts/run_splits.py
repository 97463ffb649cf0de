"""`pglsum run-splits` as a script: `python scripts/run_splits.py --help`.

It runs the command's one entry point, so it fails the way `pglsum run-splits` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["run-splits", *sys.argv[1:]]))
