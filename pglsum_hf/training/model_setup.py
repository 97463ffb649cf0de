"""The model a run trains: a new one of the run's architecture, or a PGL-SUM model to fine-tune.

``--model_name_or_path`` (a Hub id, or a folder from `pglsum train`, `convert-checkpoint` or `demo`) brings its
config and weights. `load_base_model` reads it once, before the data: a wrong name, a folder of several models, a
config of another model or broken weights stop the run before any work. Architecture options given with it must
agree with its config or be left out; the dropouts are training choices and may differ.
"""

from __future__ import annotations

from typing import Any

from ..configuration_pglsum import PGLSumConfig
from ..errors import OptionError
from ..model_loading import load_model, load_model_config
from ..modeling_pglsum import PGLSumModel
from .architecture import ARCHITECTURE_OPTIONS, DROPOUT_OPTIONS, config_value, given_architecture

OPTION = "--model_name_or_path"


def load_base_model(args: Any) -> PGLSumModel | None:
    """The model of ``--model_name_or_path`` with the run's dropouts (None without one), loaded strictly."""
    if args.model_name_or_path is None:
        return None
    # The config first: a name that is no model, or a folder of several, is a usage error (exit code 2).
    load_model_config(args.model_name_or_path, OPTION, args.subfolder)
    dropouts = {name: getattr(args, name) for name in DROPOUT_OPTIONS if getattr(args, name) is not None}
    return load_model(args.model_name_or_path, option=OPTION, subfolder=args.subfolder, **dropouts)


def build_model(args: Any, input_size: int, base: PGLSumModel | None = None) -> PGLSumModel:
    """A new model of the options' architecture, or ``base`` (from `load_base_model`) once checked against them."""
    if base is None:
        return PGLSumModel(PGLSumConfig(input_size=input_size, **given_architecture(args)))
    config = base.config
    mismatches = [
        f"--{name} {value} but the model has {name}={getattr(config, name)!r}"
        for name in ARCHITECTURE_OPTIONS
        if (value := getattr(args, name)) is not None and config_value(name, value) != getattr(config, name)
    ]
    if config.input_size != input_size:
        mismatches.append(f"the model takes input_size={config.input_size} features, the dataset has {input_size}")
    if mismatches:
        raise OptionError(
            OPTION,
            f"{args.model_name_or_path}: {'; '.join(mismatches)} (leave architecture options out to take the model's)",
        )
    return base
