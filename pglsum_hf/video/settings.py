"""How a video is summarized: one :class:`SummarySettings`, checked once where it is built and trusted after.

The same object drives :class:`~pglsum_hf.video.VideoSummarizer`, the ``video-summarization`` pipeline,
``pglsum summarize`` and the web page: the summary's length (``budget`` or ``max_seconds``), how frames are
sampled, how KTS cuts shots, and whether long videos are scored in windows. A refused value raises
:class:`SummarySettingError`, which names the setting and the reason apart, so that each front names it in its own
words (``budget`` in Python, ``--budget`` on the command line, the control's label on the page).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

from pglsum_hf.metrics import SUMMARY_BUDGET

from ..errors import UsageError
from .decode import DEFAULT_SAMPLE_RATE
from .shots import DEFAULT_OVERLAP, DEFAULT_VMAX, DEFAULT_WINDOW, RANDOM_FEATURES_VMAX

# Smaller windows leave each of the model's 4 local segments only a handful of steps, and cost more calls.
MIN_SCORE_WINDOW = 64


class SummarySettingError(UsageError):
    """A summary setting out of its range: ``budget must be a fraction of the video in (0, 1], got 1.5``.

    Attributes:
        setting: the field of :class:`SummarySettings` (``budget``).
        reason: what was expected and found (``must be a fraction of the video in (0, 1], got 1.5``).
    """

    def __init__(self, setting: str, reason: str) -> None:
        self.setting, self.reason = setting, reason
        super().__init__(f"{setting} {reason}")


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def check_score_window(score_window: Any) -> None:
    """``score_window`` must be None (exact scoring) or an integer >= MIN_SCORE_WINDOW steps."""
    if score_window is not None and not (_is_integer(score_window) and score_window >= MIN_SCORE_WINDOW):
        raise SummarySettingError(
            "score_window",
            f"must be None (exact scoring) or an integer >= {MIN_SCORE_WINDOW} steps, got {score_window!r}",
        )


@dataclass(frozen=True)
class SummarySettings:
    """The settings of one summary (defaults: the benchmarks' protocol, scored exactly as the original PGL-SUM).

    Args:
        budget: summary length as a fraction of the video, in (0, 1] (the benchmarks' 0.15). When no whole shot
            fits, the summary is the best window of that length inside the best shot (see :mod:`.keyshots`).
        max_seconds: summary length in seconds, > 0; replaces ``budget`` when given.
        sample_rate: keep every ``sample_rate``-th frame (15: 2 fps for 30 fps video).
        kts_vmax: KTS penalty weight, > 0; None: 1.0 for ImageNet features, 0.05 for random ones
            (:meth:`kts_vmax_for`).
        max_change_points: largest number of shot boundaries KTS considers per window, >= 1 (None: no limit).
        kts_window, kts_overlap: KTS runs over windows of ``kts_window`` sampled frames (>= 2) sharing
            ``kts_overlap`` (in [0, kts_window)) with their neighbours; exact KTS up to ``kts_window`` steps.
        score_window: None scores every video whole, exactly as the original PGL-SUM; an integer >= 64 scores
            videos longer than that many steps in overlapping windows, in time linear in their length but with
            other scores (see :mod:`.windowed_scores`).

    Raises:
        SummarySettingError: a value out of range (a ``ValueError``), naming the setting.
    """

    budget: float = SUMMARY_BUDGET
    max_seconds: float | None = None
    sample_rate: int = DEFAULT_SAMPLE_RATE
    kts_vmax: float | None = None
    max_change_points: int | None = None
    kts_window: int = DEFAULT_WINDOW
    kts_overlap: int = DEFAULT_OVERLAP
    score_window: int | None = None

    def __post_init__(self) -> None:
        if not (_is_finite(self.budget) and 0 < self.budget <= 1):
            raise SummarySettingError("budget", f"must be a fraction of the video in (0, 1], got {self.budget!r}")
        if self.max_seconds is not None and not (_is_finite(self.max_seconds) and self.max_seconds > 0):
            raise SummarySettingError(
                "max_seconds", f"must be a finite number of seconds > 0, got {self.max_seconds!r}"
            )
        if not (_is_integer(self.sample_rate) and self.sample_rate >= 1):
            raise SummarySettingError("sample_rate", f"must be a number of frames >= 1, got {self.sample_rate!r}")
        if self.kts_vmax is not None and not (_is_finite(self.kts_vmax) and self.kts_vmax > 0):
            raise SummarySettingError("kts_vmax", f"must be a finite number > 0, got {self.kts_vmax!r}")
        if self.max_change_points is not None and not (
            _is_integer(self.max_change_points) and self.max_change_points >= 1
        ):
            raise SummarySettingError(
                "max_change_points", f"must be >= 1 (omit it for no limit), got {self.max_change_points!r}"
            )
        if not (_is_integer(self.kts_window) and self.kts_window >= 2):
            raise SummarySettingError("kts_window", f"must be >= 2 sampled frames, got {self.kts_window!r}")
        if not (_is_integer(self.kts_overlap) and 0 <= self.kts_overlap < self.kts_window):
            raise SummarySettingError(
                "kts_overlap", f"must be in [0, kts_window) = [0, {self.kts_window}), got {self.kts_overlap!r}"
            )
        check_score_window(self.score_window)

    def replace(self, **changes: Any) -> SummarySettings:
        """These settings with ``changes`` (checked as any new settings); the same object when there are none."""
        return dataclasses.replace(self, **changes) if changes else self

    def kts_vmax_for(self, random_features: bool) -> float:
        """The KTS penalty weight: ``kts_vmax``, or the default for these features (untrained GoogLeNet features
        are nearly parallel, so KTS needs a much smaller weight)."""
        if self.kts_vmax is not None:
            return self.kts_vmax
        return RANDOM_FEATURES_VMAX if random_features else DEFAULT_VMAX

    def to_dict(self) -> dict[str, Any]:
        """The settings as recorded in a job report (``budget`` is None when ``max_seconds`` replaces it)."""
        values = dataclasses.asdict(self)
        if self.max_seconds is not None:
            values["budget"] = None
        return values
