"""PEP 562 lazy exports: a package names its public objects, and each submodule is imported on first use.

Commands import the package before they know what they need; with lazy exports ``pglsum make-synthetic``
does not pay for torch, and ``import pglsum_hf`` does not pay for datasets or evaluate.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package``, exporting ``name`` from ``exports[name]``.

    Args:
        package: the package's ``__name__``.
        exports: public name -> submodule that defines it, relative (``".collator"``) or absolute.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
