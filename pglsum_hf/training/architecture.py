"""The architecture options of a training run: fields of `PGLSumConfig`, under the config's own names and defaults.

The defaults are read from the config class's definition (``configuration_pglsum.py``) as written, without
importing it: the class builds on transformers, which ``pglsum train --help`` must not load. A test checks that
what is read here is what ``PGLSumConfig()`` holds.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path
from typing import Any

# The PGLSumConfig fields a run may set (the others keep the config's defaults); a base model's config sets them all.
ARCHITECTURE_OPTIONS = ("hidden_size", "num_heads", "num_segments", "fusion", "pos_enc", "init_type", "init_gain")
# The regressor's dropouts are training choices: they may differ from a base model's.
DROPOUT_OPTIONS = ("dropout", "attention_dropout")
# `--pos_enc none`: the config's None (no positional encoding), as the command line spells it.
NO_POSITIONAL_ENCODING = "none"


@functools.cache
def config_defaults() -> dict[str, Any]:
    """``{field: default}`` of `PGLSumConfig`, read from the class body of ``configuration_pglsum.py``."""
    spec = importlib.util.find_spec("pglsum_hf.configuration_pglsum")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    (config,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "PGLSumConfig"]
    return {
        statement.target.id: ast.literal_eval(statement.value)
        for statement in config.body
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.value is not None
    }


def config_value(option: str, value: Any) -> Any:
    """The config's value for an option's value (``--pos_enc none`` is ``pos_enc=None``)."""
    return None if option == "pos_enc" and value == NO_POSITIONAL_ENCODING else value


def given_architecture(args: Any) -> dict[str, Any]:
    """The config fields the run's options set (unset ones are left to the config or the base model)."""
    return {
        name: config_value(name, getattr(args, name))
        for name in (*ARCHITECTURE_OPTIONS, *DROPOUT_OPTIONS)
        if getattr(args, name) is not None
    }
