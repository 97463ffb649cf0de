"""`pglsum convert-checkpoint` as a script: `python scripts/convert_original_checkpoint.py --help`.

It runs the command's one entry point, so it fails the way `pglsum convert-checkpoint` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["convert-checkpoint", *sys.argv[1:]]))
