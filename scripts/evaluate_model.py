"""`pglsum evaluate` as a script: `python scripts/evaluate_model.py --help`.

It runs the command's one entry point, so it fails the way `pglsum evaluate` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
