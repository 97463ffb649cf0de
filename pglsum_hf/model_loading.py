"""Loading a PGL-SUM model or its config from a local folder or a Hub id, strictly.

A user's ``--model`` value is checked before anything heavy runs (`resolve_model_source`): a folder that does not
exist, a file, a folder of several split models without ``--subfolder``, or a broken weights file each fail in one
line naming the option. `load_model` then refuses what ``from_pretrained`` would only warn about (missing,
mis-shaped or extra tensors, non-finite weights), so a summary or a fine-tuning run never starts from a model that
is not the one on disk.

Used by the libraries that read models (video, training, evaluation, the page) and by the commands; it knows
nothing of uploads (`pglsum_hf.hub`). Heavy imports (transformers, huggingface_hub, safetensors) happen inside the
functions that need them.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from .choices_pglsum import stacked_layout_problem
from .errors import OptionError, PGLSumError

# owner/name or name, as the Hub spells repository ids
HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")


def looks_local(value: str) -> bool:
    """Whether ``value`` reads as a path rather than a Hub id: it exists, holds a path separator other than the one
    slash of ``owner/name``, starts with ``.`` or ``~``, ends with a separator, or is not a valid id at all."""
    if os.path.exists(value) or value.startswith((".", "~")) or value.endswith(("/", os.sep)):
        return True
    if os.sep != "/" and os.sep in value:
        return True
    return HUB_ID.fullmatch(value) is None


def resolve_model_source(model: str | os.PathLike, option: str = "--model", subfolder: str | None = None) -> str:
    """Turn a user's ``--model`` value into what ``PGLSumModel.from_pretrained`` should get: a local folder or a Hub id.

    A value that looks like a path (see `looks_local`) must be an existing folder holding ``config.json`` and a
    readable ``model.safetensors`` in the current layout; anything else raises `OptionError` naming ``option`` and the
    folder or file (not transformers' "Repo id must be in the form ..."). Only id-like values (``owner/name``) are
    left for the Hub, where transformers reports what it finds.

    ``subfolder`` names the model folder inside a folder of several (a converted release: ``split_0`` ...); for a
    Hub id it is left to ``from_pretrained`` (see `model_location`).

    Returns:
        The folder as an absolute path, or the Hub id unchanged.
    """
    value = os.fspath(model)
    if not looks_local(value):
        return value
    folder = Path(value).expanduser()
    if subfolder and folder.is_dir():
        if not (folder / subfolder).is_dir():
            listed = ", ".join(model_subfolders(folder)) or "none"
            raise OptionError("--subfolder", f"{folder} has no folder {subfolder!r}; its model folders: {listed}")
        folder = folder / subfolder
    if not folder.exists():
        raise OptionError(
            option, f"folder {folder} does not exist (give a PGL-SUM model folder or a Hub id owner/name)"
        )
    if not folder.is_dir():
        raise OptionError(
            option, f"{folder} is a file; expected a PGL-SUM model folder (config.json, model.safetensors)"
        )
    if not (folder / "config.json").is_file() and model_subfolders(folder):
        raise several_models_error(option, str(folder), model_subfolders(folder))
    for name in ("config.json", "model.safetensors"):
        if not (folder / name).is_file():
            raise PGLSumError(f"{option}: folder {folder} has no {name}; expected a folder written by save_pretrained")
    check_config_file(folder / "config.json")
    check_weights_file(folder / "model.safetensors")
    return str(folder.resolve())


def model_subfolders(folder: Path) -> list[str]:
    """The folders inside ``folder`` that hold a model (a ``config.json``), sorted."""
    return sorted(path.parent.name for path in folder.glob("*/config.json"))


def several_models_error(option: str, source: str, subfolders: list[str]) -> OptionError:
    return OptionError(
        option,
        f"{source} holds one model per folder ({', '.join(subfolders)}), not one model; pick one with --subfolder "
        f"(e.g. --subfolder {subfolders[0]})",
    )


def hub_model_subfolders(repo_id: str) -> list[str]:
    """The folders of Hub model repository ``repo_id`` that hold a ``config.json`` (empty when it cannot be listed)."""
    from huggingface_hub import HfApi

    try:
        files = HfApi().list_repo_files(repo_id)
    except Exception:  # noqa: BLE001
        # Any refusal (no such repository, offline: the HTTP client's own errors are not OSErrors) leaves nothing
        # to list; the caller then reports why the model cannot be read, in one line.
        return []
    return sorted(name.split("/")[0] for name in files if name.count("/") == 1 and name.endswith("/config.json"))


def refuse_a_repository_of_model_folders(source: str, option: str, subfolder: str | None) -> None:
    """Raise the one line that lists the model folders of Hub repository ``source`` named without ``subfolder``
    (a converted release: ``split_0`` ...); a local folder is checked by `resolve_model_source`."""
    subfolders = [] if subfolder or looks_local(source) else hub_model_subfolders(source)
    if subfolders:
        raise several_models_error(option, source, subfolders) from None


def model_location(
    model: str | os.PathLike, option: str = "--model", subfolder: str | None = None
) -> tuple[str, dict]:
    """What ``from_pretrained`` gets for a user's ``--model``/``--subfolder``: the source and its keyword arguments
    (``subfolder`` for a Hub id; a local folder is resolved to the subfolder itself)."""
    source = resolve_model_source(model, option, subfolder)
    return source, ({"subfolder": subfolder} if subfolder and not looks_local(source) else {})


def load_model_config(model: str | os.PathLike, option: str = "--model", subfolder: str | None = None) -> Any:
    """The `PGLSumConfig` of a user's ``--model`` (a folder, or a Hub id: only its ``config.json`` is fetched), or
    a one-line `OptionError` naming ``option``: no such folder or Hub repository, several models without
    ``--subfolder``, another model type, an invalid config. Commands call it to check a model before any work."""
    from .configuration_pglsum import PGLSumConfig

    source, location = model_location(model, option, subfolder)
    try:
        values, _ = PGLSumConfig.get_config_dict(source, **location)
    except (OSError, ValueError) as error:
        refuse_a_repository_of_model_folders(source, option, subfolder)
        reason = unreadable_model_reason(source, error)
        raise OptionError(option, f"{source}: cannot read the model's config ({reason})") from None
    if values.get("model_type") != PGLSumConfig.model_type:
        # A Hub repository of split folders may answer with an empty config (no config.json at its root).
        refuse_a_repository_of_model_folders(source, option, subfolder)
        raise OptionError(
            option, f"{source}: a {values.get('model_type')!r} model, not a PGL-SUM one (model_type 'pglsum')"
        )
    try:
        return PGLSumConfig.from_dict(values)
    except (TypeError, ValueError) as error:
        raise OptionError(option, f"{source}: invalid PGL-SUM config ({error})") from None


def unreadable_model_reason(model: str | os.PathLike, error: BaseException) -> str:
    """Why a ``--model`` value could not be loaded, in the user's terms, for a one-line message.

    transformers answers a name that is neither a local folder nor a Hub repository with "We couldn't connect to
    ..." even when the Hub answered 404; this asks the Hub once more and, when it says there is no such repository,
    says that instead. Any other failure keeps the library's first line.
    """
    value = os.fspath(model)
    if not Path(value).expanduser().exists():
        from huggingface_hub import repo_exists
        from huggingface_hub.errors import HfHubHTTPError

        try:
            found = repo_exists(value)
        except HfHubHTTPError as http_error:  # an answer without the Hub's error code: its status still says
            found = getattr(http_error.response, "status_code", None) not in (401, 404)
        except Exception:  # offline, or an endpoint that answers nothing useful: the library's reason stands
            found = True
        if not found:
            return (
                f"folder {value} does not exist, and no Hub model repository {value} was found "
                "(a private one needs `hf auth login`)"
            )
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def load_model(model: str | os.PathLike, option: str = "--model", subfolder: str | None = None, **kwargs: Any) -> Any:
    """Load the PGL-SUM model a user named with ``option`` (a local folder or a Hub id), or fail in one line.

    The value goes through `resolve_model_source` first; only ``model.safetensors`` is ever read (never a pickled
    ``pytorch_model.bin``). ``subfolder`` picks one model of a folder or repository of several (``split_0`` ...);
    without it, such a source is refused with the list of its model folders. ``kwargs`` go to
    ``PGLSumModel.from_pretrained`` (e.g. dropout overrides).

    The load is strict: every weight of the config's model must be in the file with its shape, and finite;
    otherwise the error names the missing, mis-shaped, extra or non-finite tensor.

    Raises:
        OptionError: the value names no folder, or a file.
        PGLSumError: the folder or Hub repository holds no loadable PGL-SUM model; the message names it.
    """
    from .modeling_pglsum import PGLSumModel

    source, location = model_location(model, option, subfolder)
    try:
        # Mismatched shapes are reported by `check_loading_info` below, in one line, instead of transformers'
        # table and RuntimeError; its table is kept quiet for the same reason.
        with _quiet_load_report():
            loaded, info = PGLSumModel.from_pretrained(
                source,
                use_safetensors=True,
                output_loading_info=True,
                ignore_mismatched_sizes=True,
                **location,
                **kwargs,
            )
    except (OSError, ValueError, KeyError) as error:
        refuse_a_repository_of_model_folders(source, option, subfolder)
        raise PGLSumError(
            f"{option}: {model}: cannot load a PGL-SUM model ({unreadable_model_reason(model, error)})"
        ) from error
    where = f"{option}: {model}: {subfolder + '/' if subfolder else ''}model.safetensors"
    check_loading_info(info, where)
    check_finite_weights(loaded, where)
    return loaded


class _quiet_load_report:
    """Drop transformers' load report (a warning table) while a model loads: `check_loading_info` says it in one
    line. A filter, not a logger level: transformers reads that level to decide on other warnings."""

    def __enter__(self) -> None:

        self.logger = logging.getLogger("transformers.modeling_utils")
        self.logger.addFilter(self.keep)

    @staticmethod
    def keep(record: Any) -> bool:
        return "LOAD REPORT" not in str(record.msg)

    def __exit__(self, *exc: object) -> None:
        self.logger.removeFilter(self.keep)


def _listed(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_loading_info(info: dict[str, Any], where: str) -> None:
    """Refuse a load that did not fill every weight of the config's model with a tensor of its shape.

    ``info`` is ``from_pretrained(..., output_loading_info=True)``'s report: a weight missing from the file would
    otherwise be initialised at random, and one of another shape would be replaced by a random one.
    """
    mismatched = sorted(info.get("mismatched_keys") or ())
    if mismatched:
        name, found, expected = mismatched[0]
        more = f" ({len(mismatched)} tensors mismatch)" if len(mismatched) > 1 else ""
        raise PGLSumError(
            f"{where}: tensor {name} has shape {list(found)} but the config's model needs {list(expected)}{more}; "
            "config.json and the weights belong to different models"
        )
    missing = sorted(info.get("missing_keys") or ())
    if missing:
        raise PGLSumError(
            f"{where}: weight {_listed(missing)} missing ({len(missing)} of the config's weights missing in all); "
            "the file is incomplete or from another model"
        )
    unexpected = sorted(info.get("unexpected_keys") or ())
    if unexpected:
        raise PGLSumError(
            f"{where}: tensor {_listed(unexpected)} has no place in the config's model; "
            "config.json and the weights belong to different models"
        )


def check_finite_weights(model: Any, where: str) -> None:
    """Refuse a model whose weights hold NaN or infinity (every score it gave would be NaN), naming the tensor."""
    import torch

    for name, tensor in model.state_dict().items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).sum())
            kind = "NaN" if bool(torch.isnan(tensor).any()) else "infinite"
            raise PGLSumError(
                f"{where}: weight {name} holds {kind} values ({bad} of {tensor.numel()}); the model is broken "
                "(a diverged training run or a damaged file)"
            )


def check_config_file(path: Path) -> None:
    """Raise `PGLSumError` naming ``path`` when it is not a JSON object of a PGL-SUM config."""
    import json

    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise PGLSumError(f"{path}: not a readable JSON model config ({error})") from error
    if not isinstance(config, dict) or config.get("model_type") != "pglsum":
        found = config.get("model_type") if isinstance(config, dict) else type(config).__name__
        raise PGLSumError(f"{path}: expected a PGL-SUM config (model_type 'pglsum'), found {found!r}")


def check_weights_file(path: Path) -> None:
    """Raise `PGLSumError` naming ``path`` when it cannot be read as safetensors or holds the old stacked layout."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as weights:
            keys = list(weights.keys())
    except PermissionError as error:
        raise PGLSumError(f"{path}: cannot be read ({error.strerror})") from error
    except (SafetensorError, OSError, ValueError) as error:
        raise PGLSumError(f"{path}: not a readable safetensors file ({error})") from error
    problem = stacked_layout_problem(keys)
    if problem:
        raise PGLSumError(f"{path}: {problem}")
