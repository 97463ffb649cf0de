"""`pglsum benchmark metric` as a script: `python scripts/benchmark_metric.py --help`.

It runs the command's one entry point, so it fails the way `pglsum benchmark metric` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["benchmark", "metric", *sys.argv[1:]]))
