"""Checks of command-line values, run before any work starts; a refused value raises :class:`OptionError`.

``argparse`` checks types; these check ranges: ``--lr nan``, ``--repeats 0`` or ``--seconds -1`` parse fine but
cannot mean anything, so they are refused with the option, the range and the value found.
"""

from __future__ import annotations

import math

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
