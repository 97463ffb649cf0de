"""PGL-SUM in transformers' registries (AutoConfig, AutoModel, the ``video-summarization`` pipeline).

``import pglsum_hf`` must not import transformers: every ``pglsum`` command imports the package first, and
``pglsum --help`` or ``pglsum make-synthetic`` should not wait for torch. Yet after ``import pglsum_hf``,
``AutoModel.from_pretrained(folder)`` must find PGL-SUM without ``trust_remote_code``. So each registration
runs right after transformers loads the registry it extends (at once if it is already loaded): code that never
touches ``AutoModel`` never pays for the model, and code that does finds it registered.

Marking the classes for ``auto_map`` (saved models carry their code) is not done here but at the bottom of the
configuration and modeling modules, so that it holds whatever was imported first.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Callable


def _register_config() -> None:
    from transformers import AutoConfig

    from .configuration_pglsum import PGLSumConfig

    AutoConfig.register(PGLSumConfig.model_type, PGLSumConfig, exist_ok=True)


def _register_model() -> None:
    from transformers import AutoModel

    from .configuration_pglsum import PGLSumConfig
    from .modeling_pglsum import PGLSumModel

    AutoModel.register(PGLSumConfig, PGLSumModel, exist_ok=True)


def _register_pipeline() -> None:
    from .video.pipeline import register_pipeline

    register_pipeline()


# module -> what to do once it is loaded
AFTER_IMPORT: dict[str, Callable[[], None]] = {
    "transformers.models.auto.configuration_auto": _register_config,
    "transformers.models.auto.modeling_auto": _register_model,
    "transformers.pipelines": _register_pipeline,
}


def _run(module_name: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as error:  # noqa: BLE001 -- a failed registration must not break the import that triggered it
        warnings.warn(f"pglsum_hf: could not register with {module_name}: {error!r}", RuntimeWarning, stacklevel=2)


class _RunAfterLoading(importlib.abc.Loader):
    """Executes a module with its real loader, then runs the action waiting for it."""

    def __init__(self, loader: importlib.abc.Loader, action: Callable[[], None]) -> None:
        self.loader, self.action = loader, action

    def create_module(self, spec: importlib.machinery.ModuleSpec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        module.__spec__.loader = module.__loader__ = self.loader  # the module keeps its real loader
        self.loader.exec_module(module)
        _run(module.__name__, self.action)


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    """Finds the modules named in ``pending`` through the other finders and wraps their loader."""

    def __init__(self, pending: dict[str, Callable[[], None]]) -> None:
        self.pending = pending

    def find_spec(self, name, path=None, target=None):
        if name not in self.pending:
            return None
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if finder is self or find_spec is None:
                continue
            spec = find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _RunAfterLoading(spec.loader, self.pending.pop(name))
        if not self.pending:
            sys.meta_path.remove(self)
        return spec


def install() -> None:
    """Run each action now if its module is loaded, else right after the module loads (once per process)."""
    pending = {}
    for module_name, action in AFTER_IMPORT.items():
        if module_name in sys.modules:
            _run(module_name, action)
        else:
            pending[module_name] = action
    if pending and not any(isinstance(finder, _AfterImportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterImportFinder(pending))
