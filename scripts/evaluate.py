"""Entry point: see `python scripts/evaluate.py --help` (same as `pglsum evaluate`)."""

import sys

from pglsum_hf.cli import run
from pglsum_hf.evaluation.command import main

if __name__ == "__main__":
    sys.exit(run("evaluate", main))
