"""The model a run trains: a new one from the architecture options, or a PGL-SUM model to fine-tune.

``--model_name_or_path`` (a Hub id, or a folder from `pglsum train`, `convert-checkpoint` or `demo`) brings its
config and weights. Architecture options on the command line must then agree with its config or be left out;
the dropouts are training choices and may differ.
"""

from __future__ import annotations

from typing import Any

from ..configuration_pglsum import PGLSumConfig
from ..errors import OptionError
from ..model_loading import load_model, load_model_config
from ..modeling_pglsum import PGLSumModel

# Command-line option -> PGLSumConfig field.
CONFIG_NAMES = {"hidden_size": "hidden_size", "heads": "num_heads", "n_segments": "num_segments", "fusion": "fusion",
                "pos_enc": "pos_enc", "init_type": "init_type", "init_gain": "init_gain"}  # fmt: skip
OPTION = "--model_name_or_path"


def _config_value(option: str, value: Any) -> Any:
    return None if option == "pos_enc" and value == "none" else value


def build_model(args, input_size: int) -> PGLSumModel:
    """A new model of the options' architecture, or the base model of ``--model_name_or_path`` (checked against them)."""
    dropouts = {
        name: getattr(args, name) for name in ("dropout", "attention_dropout") if getattr(args, name) is not None
    }
    if args.model_name_or_path is None:
        fields = {CONFIG_NAMES[name]: _config_value(name, value) for name, value in args.architecture().items()}
        return PGLSumModel(PGLSumConfig(input_size=input_size, **fields, **dropouts))
    source = args.model_name_or_path
    config = load_base_config(source, args.subfolder)
    mismatches = [
        f"--{name} {value} but the model has {CONFIG_NAMES[name]}={getattr(config, CONFIG_NAMES[name])!r}"
        for name in CONFIG_NAMES
        if (value := getattr(args, name)) is not None
        and _config_value(name, value) != getattr(config, CONFIG_NAMES[name])
    ]
    if config.input_size != input_size:
        mismatches.append(f"the model takes input_size={config.input_size} features, the dataset has {input_size}")
    if mismatches:
        raise OptionError(
            OPTION, f"{source}: {'; '.join(mismatches)} (leave architecture options out to take the model's)"
        )
    return load_model(source, option=OPTION, subfolder=args.subfolder, **dropouts)


def load_base_config(source: str, subfolder: str | None = None) -> PGLSumConfig:
    """The config of the model to fine-tune (see `load_model_config`)."""
    return load_model_config(source, OPTION, subfolder)
