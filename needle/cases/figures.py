"""The rates DESIGN.md defines, each once: a ratio of two counters, with its label and what it
counts. The cases' own rates page and API, and the operations center's cards, tables, indicators,
exports and alerts all read these definitions."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Ratio:
    name: str
    label: Promise
    numerator: str
    denominator: str
    counts: Promise  # what the two counters count, for the page that explains the figure


RATES: tuple[Ratio, ...] = (
    Ratio(
        "response_rate",
        _("Response rate"),
        "responded_on_time",
        "response_due",
        _("accepted within the deadline / accept deadlines in the period"),
    ),
    Ratio(
        "resolution_rate",
        _("Resolution rate"),
        "solved",
        "callbacks",
        _("answered “solved” / callbacks in the period"),
    ),
    Ratio(
        "satisfaction_rate",
        _("Satisfaction rate"),
        "satisfied",
        "rated",
        _("rated 4 or 5 / callbacks with a rating"),
    ),
    Ratio(
        "on_time_rate",
        _("On-time rate"),
        "resolved_on_time",
        "resolved",
        _("resolved by the deadline / resolved in the period"),
    ),
)
RATE_NAMES: tuple[str, ...] = tuple(r.name for r in RATES)
RATE_BY_NAME: dict[str, Ratio] = {r.name: r for r in RATES}


def ratio(numerator: int, denominator: int) -> float | None:
    """A rate to four places; none when nothing was counted (not 0%, which would be a verdict)."""
    return round(numerator / denominator, 4) if denominator else None


class HasRates:
    """The four rates of any object that carries their counters as attributes."""

    def rate(self, name: str) -> float | None:
        r = RATE_BY_NAME[name]
        return ratio(getattr(self, r.numerator), getattr(self, r.denominator))

    @property
    def response_rate(self) -> float | None:
        return self.rate("response_rate")

    @property
    def resolution_rate(self) -> float | None:
        return self.rate("resolution_rate")

    @property
    def satisfaction_rate(self) -> float | None:
        return self.rate("satisfaction_rate")

    @property
    def on_time_rate(self) -> float | None:
        return self.rate("on_time_rate")

    def rates(self) -> dict[str, float | None]:
        return {name: self.rate(name) for name in RATE_NAMES}
