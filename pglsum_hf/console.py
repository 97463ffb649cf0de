"""What a command prints besides its results: the package's log lines and its progress bars.

Libraries leave the root logger alone (a user's own logging, and httpx's request lines, stay as the user set
them): a command entry configures only the ``pglsum_hf`` logger. Progress bars follow the switches that tqdm and
huggingface_hub document, ``TQDM_DISABLE`` and ``HF_HUB_DISABLE_PROGRESS_BARS``, even where a caller asked for one.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

PACKAGE_LOGGER = "pglsum_hf"
_LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record comes (redirected, or captured by a test), not at set-up."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns one; the current stderr is always used
        pass


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """Print the package's records at ``level`` and above on stderr; for command entries only, never libraries."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.setLevel(level)
    if not any(isinstance(handler, _CurrentStderrHandler) for handler in logger.handlers):  # a second call: no twin
        handler = _CurrentStderrHandler()
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        logger.addHandler(handler)
    return logger


def _switched_on(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def progress_bars_disabled() -> bool:
    """Whether the user turned progress bars off (``TQDM_DISABLE`` or ``HF_HUB_DISABLE_PROGRESS_BARS``)."""
    return _switched_on("TQDM_DISABLE") or _switched_on("HF_HUB_DISABLE_PROGRESS_BARS")


def progress_bar(*args: Any, disable: bool = False, **kwargs: Any):
    """``tqdm.auto.tqdm(...)``, off when the caller or the environment says so."""
    from tqdm.auto import tqdm

    return tqdm(*args, disable=disable or progress_bars_disabled(), **kwargs)
