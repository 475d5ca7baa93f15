"""The values the operations center shows: a node's figures (counts and the rates DESIGN.md
defines), a breakdown row, a dashboard; read by the pages, the API, the exports and reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.cases.figures import FIGURES, RATES, HasRates
from needle.core.errors import ValidationFailed
from needle.orgs.models import Unit

GRAINS = ("day", "week", "month")


@dataclass
class Figures(HasRates):
    """Counts over a period (flows) and now (backlog), with the rates DESIGN.md defines."""

    received: int = 0
    dispatched: int = 0
    response_due: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    callbacks: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    overdue_serious: int = 0

    @property
    def overdue_open(self) -> int:
        return int(OVERDUE_OPEN.value(self) or 0)

    def add(self, row: dict[str, Any]) -> Figures:
        d = self.__dict__
        for name, value in row.items():
            if value and name in d and name in COUNTER_SET:
                d[name] += int(value)
        return self

    def minus(self, other: Figures) -> Figures:
        return Figures(**{n: getattr(self, n) - getattr(other, n) for n in COUNTER_NAMES})

    def counts(self) -> dict[str, int]:
        return {n: getattr(self, n) for n in COUNTER_NAMES}

    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def base_of(self, rate: str) -> int | None:
        """How many cases a rate is taken over (its denominator); None for a count."""
        figure = RATE_BASES.get(rate)
        return None if figure is None else figure.base(self)


COUNTER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))
COUNTER_SET = frozenset(COUNTER_NAMES)
OVERDUE_OPEN = next(f for f in FIGURES if f.name == "overdue_open")
# The rates, by name: each one's denominator counts the cases it is taken over.
RATE_BASES = {r.name: r for r in RATES}
# A rate over fewer cases than this is shown with its count and muted: one case more or less
# moves it by ten points or more.
SMALL_SAMPLE = 10
# The figures a map, a ranking or an alert may show, with their labels (needle.cases.figures).
INDICATORS: dict[str, Any] = {f.name: f.label for f in FIGURES}


@dataclass
class Row:
    """One line of a breakdown: a child area, a child unit, a service, or "directly here"."""

    kind: str  # "area", "unit", "service", "here"
    key: str  # area code, unit id, service code, ""
    name: str
    figures: Figures
    drill: bool = False  # a dashboard exists one level down


@dataclass
class Dashboard:
    kind: str  # "area" or "unit"
    start: dt.date
    end: dt.date
    area: Area | None
    unit: Unit | None
    totals: Figures
    previous: Figures
    children: list[Row]
    by_service: list[Row]
    units: list[Row]
    daily: dict[dt.date, Figures]
    ancestors: list[Area | Unit] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.area.name if self.area is not None else str(self.unit)

    @property
    def previous_start(self) -> dt.date:
        return self.start - (self.end - self.start) - dt.timedelta(days=1)

    @property
    def previous_end(self) -> dt.date:
        return self.start - dt.timedelta(days=1)

    def trend(self, grain: str = "day") -> list[tuple[dt.date, Figures]]:
        """The period's flows per day, per week (Mondays) or per month, gaps filled."""
        buckets: dict[dt.date, Figures] = {}
        day = self.start
        while day <= self.end:
            buckets.setdefault(bucket_of(day, grain), Figures())
            day += dt.timedelta(days=1)
        for day, figures in self.daily.items():
            buckets[bucket_of(day, grain)].add(figures.counts())
        return sorted(buckets.items())


def bucket_of(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def value_of(figures: Figures, indicator: str) -> float | int | None:
    if indicator not in INDICATORS:
        raise ValidationFailed(fields={"indicator": _("Unknown indicator.")})
    return getattr(figures, indicator)


def figures_of(rows: Iterable[dict[str, Any]]) -> Figures:
    f = Figures()
    for row in rows:
        f.add(row)
    return f


def figures_by(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, Figures]:
    out: dict[Any, Figures] = defaultdict(Figures)
    for row in rows:
        out[row[key]].add(row)
    return out
