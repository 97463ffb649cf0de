"""Checks of command-line values, run before any work starts; a refused value raises :class:`OptionError`.

``argparse`` checks types; these check ranges: ``--lr nan``, ``--repeats 0`` or ``--seconds -1`` parse fine but
cannot mean anything, so they are refused with the option, the range and the value found.
"""

from __future__ import annotations

import math

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
