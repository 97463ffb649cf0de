"""`pglsum benchmark training` as a script: `python scripts/benchmark_training.py --help`.

It runs the command's one entry point, so it fails the way `pglsum benchmark training` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", "training", *sys.argv[1:]]))
