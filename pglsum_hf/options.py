"""The command-line dialect of every command, and checks of its values, run before any work starts.

:class:`CommandParser` and :class:`HubArguments` give all commands the same spellings (snake and kebab case,
``--push_to_hub`` with ``--hub_model_id``); a refused value raises :class:`OptionError`.

``argparse`` checks types; these check ranges: ``--lr nan``, ``--repeats 0`` or ``--seconds -1`` parse fine but
cannot mean anything, so they are refused with the option, the range and the value found.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import types
import typing
from typing import Any, Literal, TypeVar

from .errors import OptionError

# Seeds of numpy's legacy generator (and torch's, through accelerate's set_seed) are 32-bit.
MAX_SEED = 2**32 - 1


def check_int(
    option: str, value: int | None, minimum: int, *, maximum: int | None = None, allow_none: bool = False
) -> None:
    """``value`` must be an integer >= ``minimum`` and <= ``maximum`` if given (or None when ``allow_none``).

    A maximum bounds the work or memory a value asks for; the message gives it, so the user sees the limit.
    """
    if value is None and allow_none:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bound = f">= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise OptionError(option, f"must be an integer {bound}, got {value!r}")


def check_device(option: str, value: str | None) -> None:
    """A torch device name that exists here (None: the default); torch is imported only when one is given."""
    if value is None:
        return
    import torch

    try:
        device = torch.device(value)
    except RuntimeError as error:
        raise OptionError(option, f"not a torch device: {value!r} ({error})") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise OptionError(option, f"{value}: CUDA is not available on this machine")


def check_seed(option: str, value: int) -> None:
    """A seed must be an integer in 0..2**32-1, the range numpy and torch accept."""
    check_int(option, value, 0, maximum=MAX_SEED)


def check_number(
    option: str,
    value: float | None,
    minimum: float,
    *,
    inclusive: bool = True,
    maximum: float | None = None,
    allow_none: bool = False,
) -> None:
    """``value`` must be a finite number >= ``minimum`` (> when not ``inclusive``) and <= ``maximum`` if given."""
    if value is None and allow_none:
        return
    above = value is not None and (value >= minimum if inclusive else value > minimum)
    if (
        value is None
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not above
        or (maximum is not None and value > maximum)
    ):
        bound = f"{'>=' if inclusive else '>'} {minimum:g}" + (f" and <= {maximum:g}" if maximum is not None else "")
        raise OptionError(option, f"must be a finite number {bound}, got {value!r}")


# Values that `--push_to_hub` may carry as a flag (transformers' HfArgumentParser reads `--push_to_hub true`);
# any other value is a repository id, the shorthand of `--push_to_hub --hub_model_id ID`.
_FLAG_VALUES = {"true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"}


def expand_push_to_hub_value(argv: list[str]) -> list[str]:
    """``--push_to_hub ORG/NAME`` (the shorthand) becomes ``--push_to_hub --hub_model_id ORG/NAME``.

    Every command reads ``--push_to_hub`` as a flag, as transformers' ``TrainingArguments`` does; rewriting the
    shorthand before parsing keeps it working without a second meaning inside the parsers.
    """
    argv = list(argv)
    end = argv.index("--") if "--" in argv else len(argv)
    expanded: list[str] = []
    index = 0
    while index < end:
        arg = argv[index]
        name, equals, value = arg.partition("=")
        following = argv[index + 1] if not equals and index + 1 < end else None
        if not equals and following is not None and not following.startswith("-"):
            value = following
        if name in ("--push_to_hub", "--push-to-hub") and value and value.lower() not in _FLAG_VALUES:
            expanded += ["--push_to_hub", "--hub_model_id", value]
            index += 0 if equals else 1
        else:
            expanded.append(arg)
        index += 1
    return expanded + argv[end:]


def kebab_case(option: str) -> str | None:
    """``--output-dir`` for ``--output_dir``; None for an option without an underscore or a positional name."""
    if not option.startswith("--") or "_" not in option:
        return None
    return "--" + option[2:].replace("_", "-")


class CommandParser(argparse.ArgumentParser):
    """The parser of every ``pglsum`` command: one dialect for all of them.

    Each ``--snake_case`` option also answers to ``--kebab-case`` (as in transformers' ``HfArgumentParser``), and
    ``--push_to_hub ORG/NAME`` is read as ``--push_to_hub --hub_model_id ORG/NAME``. Built by `dataclass_parser`.
    """

    def add_argument(self, *names: str, **kwargs: Any):  # type: ignore[override]
        return super().add_argument(*_with_kebab_case(names), **kwargs)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        argv = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(expand_push_to_hub_value(argv), namespace)


def _with_kebab_case(names: tuple[str, ...]) -> list[str]:
    spelled = list(names)
    spelled += [kebab for kebab in map(kebab_case, names) if kebab is not None and kebab not in spelled]
    return spelled


def hub_repo_id(args: Any) -> str | None:
    """The repository to push to (None without ``--push_to_hub``); refuses a half-given combination.

    ``args``: a command's arguments holding ``push_to_hub``, ``hub_model_id`` and ``hub_private_repo`` (the fields
    of :class:`HubArguments`).
    """
    if not args.push_to_hub:
        for option in ("hub_model_id", "hub_private_repo"):
            if getattr(args, option):
                raise OptionError(f"--{option}", "only applies with --push_to_hub")
        return None
    if not args.hub_model_id:
        raise OptionError("--push_to_hub", "needs --hub_model_id ORG/NAME (the repository to upload to)")
    from huggingface_hub.utils import HFValidationError, validate_repo_id  # here: --help needs no huggingface_hub

    try:
        validate_repo_id(args.hub_model_id)
    except HFValidationError as error:
        # Refused before any work: the upload would fail only at the very end.
        raise OptionError(
            "--hub_model_id", f"{args.hub_model_id!r} is not a Hub repository id like org/name ({error})"
        ) from None
    return args.hub_model_id


Arguments = TypeVar("Arguments")

_TRUE, _FALSE = {"true", "yes", "1", "t", "y"}, {"false", "no", "0", "f", "n"}


def _flag_value(value: str) -> bool:
    """``--flag false`` as transformers' parser reads it: a flag may carry an explicit truth value."""
    if value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _field_type(hint: Any) -> tuple[Any, tuple | None, bool]:
    """(value type, Literal choices or None, whether the field is a list) of a dataclass field's type hint."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:  # `X | None` reads as X
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if typing.get_origin(hint) is list:
        kind, choices, _ = _field_type(typing.get_args(hint)[0])
        return kind, choices, True
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        return type(choices[0]), choices, False
    return hint, None, False


def dataclass_parser(cls: type, prog: str, description: str | None = None) -> CommandParser:
    """The parser of a command whose options are the fields of the dataclass ``cls``.

    Each field ``name`` is ``--name`` (and ``--name-with-dashes``); its ``metadata`` may give ``help``, ``aliases``
    (other spellings, old names included), ``metavar``, ``nargs`` and ``positional`` (the field is read without
    ``--``), ``type`` and ``choices`` (what argparse gets, where the type hint cannot say it: ``None`` spelled as
    a word). A ``bool`` field is a flag that may carry a value (``--overwrite``, ``--overwrite false``), a
    ``Literal`` field lists its choices, a ``list`` field takes one or more values, and a field without a default is
    required. Defaults are shown in the help.
    """
    parser = CommandParser(prog=prog, description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    hints = typing.get_type_hints(cls)
    # keyword-only fields (the Hub options a command inherits) come last, after the command's own options
    for item in sorted(dataclasses.fields(cls), key=lambda item: item.kw_only is True):
        if not item.init:
            continue
        metadata = dict(item.metadata)
        kind, choices, is_list = _field_type(hints[item.name])
        kwargs: dict[str, Any] = {"help": metadata.get("help"), "dest": item.name}
        if "metavar" in metadata:
            kwargs["metavar"] = metadata["metavar"]
        if choices is not None:
            kwargs["choices"] = choices
        if kind is bool:
            kwargs.update(nargs="?", const=True, type=_flag_value)
        else:
            kwargs["type"] = kind if callable(kind) else str
        if is_list:
            kwargs["nargs"] = "+"
        if "nargs" in metadata:
            kwargs["nargs"] = metadata["nargs"]
        kwargs.update({key: metadata[key] for key in ("type", "choices") if key in metadata})
        if item.default is not dataclasses.MISSING:
            kwargs["default"] = item.default
        elif item.default_factory is not dataclasses.MISSING:
            kwargs["default"] = item.default_factory()
        elif not metadata.get("positional"):
            kwargs["required"] = True
        if metadata.get("positional"):
            kwargs.pop("dest")
            parser.add_argument(item.name, **kwargs)
        else:
            parser.add_argument(f"--{item.name}", *metadata.get("aliases", ()), **kwargs)
    return parser


def parse_arguments(
    cls: type[Arguments], argv: list[str] | None, prog: str, description: str | None = None
) -> Arguments:
    """Parse ``argv`` (``sys.argv[1:]`` when None) into the dataclass ``cls``; its ``__post_init__`` checks the values.

    A usage error (an unknown option, a value of the wrong type) exits through argparse with status 2; a value the
    dataclass refuses raises :class:`OptionError` (one line, status 2, printed by ``pglsum_hf.cli.run``).
    """
    parser = dataclass_parser(cls, prog, description)
    argv = expand_push_to_hub_value(sys.argv[1:] if argv is None else list(argv))
    namespace = parser.parse_args(_bare_flags_stay_flags(parser, argv))
    return cls(**vars(namespace))


def _bare_flags_stay_flags(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--overwrite clip.mp4`` reads as ``--overwrite true clip.mp4``: a flag followed by an input stays a flag.

    A flag may carry a truth value (``--overwrite false``), as in transformers' parser; without this, a positional
    input right after a flag would be read as that value.
    """
    flags = {
        name
        for action in parser._actions  # the parser's own list of options: argparse has no public accessor
        if action.type is _flag_value
        for name in action.option_strings
    }
    end = argv.index("--") if "--" in argv else len(argv)
    spelled = []
    for index, arg in enumerate(argv):
        spelled.append(arg)
        following = argv[index + 1] if index + 1 < end else None
        if index < end and arg in flags and following is not None and not following.startswith("-"):
            if following.lower() not in _TRUE | _FALSE:
                spelled.append("true")
    return spelled


@dataclasses.dataclass(kw_only=True)
class HubArguments:
    """``--push_to_hub``, ``--hub_model_id`` and ``--hub_private_repo`` as fields, named as in transformers'
    ``TrainingArguments``; a command's arguments dataclass inherits them and calls :func:`hub_repo_id`."""

    push_to_hub: bool = dataclasses.field(
        default=False,
        metadata={
            "help": "upload the result to the Hub repository --hub_model_id (shorthand: --push_to_hub ORG/NAME)"
        },
    )
    hub_model_id: str | None = dataclasses.field(
        default=None, metadata={"metavar": "ORG/NAME", "help": "Hub repository id for --push_to_hub"}
    )
    hub_private_repo: bool = dataclasses.field(
        default=False,
        metadata={"aliases": ["--private"], "help": "with --push_to_hub: create the repository as private"},
    )
