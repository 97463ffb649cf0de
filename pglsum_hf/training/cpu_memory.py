"""Let a CPU training process reuse the memory it frees instead of faulting fresh pages in at every step.

glibc's malloc serves blocks above 32 MB (the activations of a padded batch) with their own ``mmap`` and gives
them back to the OS on ``free``; the next step's identical allocation then touches fresh zeroed pages, about a
quarter of a million page faults per TVSum-sized epoch (a tenth of its time). Taking every block from the heap
and trimming the heap only above a high threshold makes the steps reuse their memory, as the per-video loop,
whose blocks are smaller, already does.
"""

from __future__ import annotations

import ctypes
import logging
import sys

logger = logging.getLogger(__name__)

# mallopt(3) parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
# Free memory the heap keeps for reuse before giving the rest back to the OS.
KEPT_FREE_BYTES = 2**30


def keep_freed_memory(kept_free_bytes: int = KEPT_FREE_BYTES) -> bool:
    """Serve large blocks from the heap and keep up to ``kept_free_bytes`` of freed memory in the process.

    It acts on the whole process and only where glibc provides ``mallopt`` (Linux); returns whether it applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # another C library (musl) or none by that name
        return False
    applied = bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, kept_free_bytes))
    logger.debug("malloc keeps freed memory for reuse: %s", applied)
    return applied


# Set to 0 to leave glibc's allocator settings alone in `pglsum train`.
DISABLE_VARIABLE = "PGLSUM_KEEP_FREED_MEMORY"


def keep_freed_memory_unless_disabled() -> bool:
    """``keep_freed_memory()`` for the `pglsum train` process, unless ``PGLSUM_KEEP_FREED_MEMORY=0``.

    Only the command applies it: a ``train()`` called from Python leaves its host process's allocator alone.
    """
    import os

    if os.environ.get(DISABLE_VARIABLE, "1").strip() in ("0", "false", "no"):
        return False
    return keep_freed_memory()
