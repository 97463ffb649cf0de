"""`pglsum benchmark model` as a script: `python scripts/benchmark_model.py --help`.

It runs the command's one entry point, so it fails the way `pglsum benchmark model` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", "model", *sys.argv[1:]]))
