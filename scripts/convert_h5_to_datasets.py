"""`pglsum convert` as a script: `python scripts/convert_h5_to_datasets.py --help`.

It runs the command's one entry point, so it fails the way `pglsum convert` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["convert", *sys.argv[1:]]))
