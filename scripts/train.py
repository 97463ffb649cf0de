"""`pglsum train` as a script: `python scripts/train.py --help` (also under `accelerate launch` and `torchrun`).

It runs the command's one entry point, so it fails the way `pglsum train` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
