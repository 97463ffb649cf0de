"""Optional dependencies: import one where it is needed, or say in one line which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError


def require(module: str, extra: str, purpose: str | None = None) -> ModuleType:
    """Import ``module``; if it (not something it imports) is missing, raise a one-line ``MissingDependencyError``.

    Args:
        module: the module to import, e.g. ``"av"`` or ``"torchvision.models"``.
        extra: the pglsum-hf extra that installs it (``video``, ``train``, ``app``).
        purpose: what needs it, for the message (default: the module's name).
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        top_level = module.partition(".")[0]
        if error.name is None or not (module == error.name or module.startswith(error.name + ".")):
            raise  # the module is there but one of its own imports is broken: that traceback is the useful one
        needed_for = f"{purpose} needs" if purpose else "needs"
        raise MissingDependencyError(
            f"{needed_for} the optional dependency {top_level!r}, which is not installed; "
            f"install it with: pip install 'pglsum-hf[{extra}]'"
        ) from None


def is_installed(module: str) -> bool:
    """Whether ``module`` imports: for optional outputs that a run skips (saying so) instead of failing at the end."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
