"""`pglsum benchmark metric` as a script: `python scripts/benchmark_metric.py --help`.

It runs the command's one entry point, so it fails the way `pglsum benchmark metric` does: one line, no traceback.
"""

import sys
from pathlib import Path

# Python puts this script's folder first on sys.path, and that folder holds evaluate.py, which would stand in for
# the `evaluate` library the benchmark loads the metric with.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from pglsum_hf.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["benchmark", "metric", *sys.argv[1:]]))
