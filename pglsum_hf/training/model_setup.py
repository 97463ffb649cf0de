"""The model a run trains: a new one from the architecture options, or a PGL-SUM model to fine-tune.

``--model_name_or_path`` (a Hub id, or a folder from `pglsum train`, `convert-checkpoint` or `demo`) brings its
config and weights. Architecture options on the command line must then agree with its config or be left out;
the dropouts are training choices and may differ.
"""

from __future__ import annotations

from typing import Any

from ..configuration_pglsum import PGLSumConfig
from ..errors import OptionError
from ..hub import load_model, model_location, refuse_a_repository_of_model_folders, unreadable_model_reason
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
    """The config of a PGL-SUM folder or Hub id (``subfolder`` inside it); a missing folder or another model type is
    a one-line error."""
    source, location = model_location(source, OPTION, subfolder)
    try:
        values, _ = PGLSumConfig.get_config_dict(source, **location)
    except (OSError, ValueError) as error:
        refuse_a_repository_of_model_folders(source, OPTION, subfolder)
        reason = unreadable_model_reason(source, error)
        raise OptionError(OPTION, f"{source}: cannot read the model's config ({reason})") from None
    if values.get("model_type") != PGLSumConfig.model_type:
        # A Hub repository of split folders may answer with an empty config (no config.json at its root).
        refuse_a_repository_of_model_folders(source, OPTION, subfolder)
        raise OptionError(
            OPTION, f"{source}: a {values.get('model_type')!r} model, not a PGL-SUM one (model_type 'pglsum')"
        )
    try:
        return PGLSumConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise OptionError(OPTION, f"{source}: invalid PGL-SUM config ({error})") from None
