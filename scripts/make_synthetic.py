"""`pglsum make-synthetic` as a script: `python scripts/make_synthetic.py --help`.

It runs the command's one entry point, so it fails the way `pglsum make-synthetic` does: one line, no traceback.
"""

import sys

from pglsum_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["make-synthetic", *sys.argv[1:]]))
