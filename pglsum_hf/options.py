"""The command-line dialect of every command, and checks of its values, run before any work starts.

:class:`CommandParser` and :func:`add_hub_options` give all commands the same spellings (snake and kebab case,
``--push_to_hub`` with ``--hub_model_id``); a refused value raises :class:`OptionError`.

``argparse`` checks types; these check ranges: ``--lr nan``, ``--repeats 0`` or ``--seconds -1`` parse fine but
cannot mean anything, so they are refused with the option, the range and the value found.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from .errors import OptionError


def check_int(option: str, value: int | None, minimum: int, *, allow_none: bool = False) -> None:
    """``value`` must be an integer >= ``minimum`` (or None when ``allow_none``)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(option, f"must be an integer >= {minimum}, got {value!r}")


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
# any other value is a repository id, the old form of `--push_to_hub --hub_model_id ID`.
_FLAG_VALUES = {"true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"}


def expand_push_to_hub_value(argv: list[str]) -> list[str]:
    """``--push_to_hub ORG/NAME`` (the old form) becomes ``--push_to_hub --hub_model_id ORG/NAME``.

    Every command reads ``--push_to_hub`` as a flag, as transformers' ``TrainingArguments`` does; rewriting the
    old form before parsing keeps it working without a second meaning inside the parsers.
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

    Each ``--snake_case`` option also answers to ``--kebab-case`` (as transformers' ``HfArgumentParser``, which
    ``pglsum train`` uses), and ``--push_to_hub ORG/NAME`` is read as ``--push_to_hub --hub_model_id ORG/NAME``.
    """

    def add_argument(self, *names: str, **kwargs: Any):  # type: ignore[override]
        return super().add_argument(*_with_kebab_case(names), **kwargs)

    def add_argument_group(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        group = super().add_argument_group(*args, **kwargs)
        adder = group.add_argument
        group.add_argument = lambda *names, **options: adder(*_with_kebab_case(names), **options)  # type: ignore[method-assign]
        return group

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        argv = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(expand_push_to_hub_value(argv), namespace)


def _with_kebab_case(names: tuple[str, ...]) -> list[str]:
    spelled = list(names)
    spelled += [kebab for kebab in map(kebab_case, names) if kebab is not None and kebab not in spelled]
    return spelled


def add_hub_options(parser: argparse.ArgumentParser, upload: str) -> None:
    """``--push_to_hub``, ``--hub_model_id`` and ``--hub_private_repo``, named as in transformers' ``TrainingArguments``.

    ``upload`` says what goes up ("the dataset folder", "the Space"); ``--private`` stays as the old name of
    ``--hub_private_repo``. Read them with :func:`hub_repo_id`.
    """
    parser.add_argument(
        "--push_to_hub",
        action="store_true",
        help=f"upload {upload} to the Hub repository --hub_model_id (old form: --push_to_hub ORG/NAME)",
    )
    parser.add_argument("--hub_model_id", metavar="ORG/NAME", default=None, help="Hub repository id for --push_to_hub")
    parser.add_argument(
        "--hub_private_repo",
        "--private",
        action="store_true",
        help="with --push_to_hub: create the repository as private",
    )


def hub_repo_id(args: Any) -> str | None:
    """The repository to push to (None without ``--push_to_hub``); refuses a half-given combination.

    ``args``: parsed options holding ``push_to_hub``, ``hub_model_id`` and ``hub_private_repo`` (an argparse
    namespace, or ``pglsum train``'s arguments dataclass).
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
