"""Let the `pglsum train` process reuse the memory it frees instead of faulting in fresh pages at every step.

glibc's malloc gives a large block (above its mmap threshold, at most 32 MB) its own ``mmap`` and returns it to the
OS on ``free``. The attention maps of a padded CPU batch are such blocks, so each step's identical allocations
touch fresh, zeroed pages again. The per-video loop's smaller blocks stay in the heap and are reused, so without
this the padded batches pay a cost the loop does not. Serving every block from the heap, and trimming the heap only
above a high threshold, makes both reuse their memory.

It changes the whole process's allocator, so only the commands apply it (`pglsum train`, and the training
benchmark that times it); a ``train()`` called from Python leaves its host process alone.
``PGLSUM_KEEP_FREED_MEMORY=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

logger = logging.getLogger(__name__)

# mallopt(3) parameter numbers, from glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
# Freed memory the heap may keep for reuse before the rest goes back to the OS.
KEPT_FREE_BYTES = 2**30
DISABLE_VARIABLE = "PGLSUM_KEEP_FREED_MEMORY"


def keep_freed_memory(kept_free_bytes: int = KEPT_FREE_BYTES) -> bool:
    """No ``mmap`` per large block, and up to ``kept_free_bytes`` of freed heap kept: returns whether it applied.

    Only where glibc's ``mallopt`` exists (Linux with glibc); elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # musl or another C library
        return False
    applied = bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, kept_free_bytes))
    logger.debug("malloc keeps freed memory for reuse: %s", applied)
    return applied


def keep_freed_memory_unless_disabled() -> bool:
    """`keep_freed_memory` for a training command's process, unless ``PGLSUM_KEEP_FREED_MEMORY`` is 0/false/no."""
    if os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no"):
        return False
    return keep_freed_memory()
