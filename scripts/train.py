"""Entry point: see `python scripts/train.py --help` (same as `pglsum train`, also under `accelerate launch`)."""

import sys

from pglsum_hf.cli import run
from pglsum_hf.training.arguments import main  # parses before importing torch

if __name__ == "__main__":
    sys.exit(run("train", main))
