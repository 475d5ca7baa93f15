"""The fields the report requests put on an area's units over a period, by issuing unit: how many
were prefilled from the figures, reused from another report, typed, or are still empty; beside
the same period a year before. Counted directly from the answers of the targets in the area,
by the day their task was issued (as the tasks' burden counts them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from needle.areas.models import Area, subtree_q
from needle.orgs.models import Unit
from needle.supervision.models import Answer, Origin
from needle.supervision.selectors.burden import require_burden_period, year_before

ORIGINS = (Origin.PREFILLED, Origin.REUSED, Origin.TYPED, Origin.EMPTY)


@dataclass
class FieldsLine:
    issuer_id: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def asked(self) -> int:
        return sum(self.counts.values())

    @property
    def empty(self) -> int:
        return self.counts.get(Origin.EMPTY, 0)

    @property
    def spared(self) -> int:
        """Fields the units did not have to type: prefilled or reused."""
        return self.counts.get(Origin.PREFILLED, 0) + self.counts.get(Origin.REUSED, 0)


@dataclass
class FieldsBurden:
    start: dt.date
    end: dt.date
    lines: list[FieldsLine]
    totals: dict[str, int]

    @property
    def asked(self) -> int:
        return sum(self.totals.values())


def _count(area: Area, start: dt.date, end: dt.date) -> FieldsBurden:
    by: dict[int, dict[str, int]] = {}
    for issuer, origin, n in (
        Answer.objects.filter(
            subtree_q(area.path, "target__area_path"),
            target__task__issued_on__gte=start,
            target__task__issued_on__lte=end,
        )
        .order_by()
        .values_list("target__task__issuer_id", "origin")
        .annotate(n=Count("id"))
    ):
        by.setdefault(issuer, {})[origin] = n
    names = dict(Unit.objects.filter(pk__in=list(by)).values_list("id", "name"))
    lines = sorted(
        (
            FieldsLine(issuer_id=i, name=names.get(i, str(i)), counts={str(o): c.get(o, 0) for o in ORIGINS})
            for i, c in by.items()
        ),
        key=lambda line: (-(line.asked - line.spared), line.name),
    )
    totals = {str(o): sum(line.counts[o] for line in lines) for o in ORIGINS}
    return FieldsBurden(start=start, end=end, lines=lines, totals=totals)


def fields_burden(
    *, actor: Any, area: Area, start: dt.date, end: dt.date
) -> tuple[FieldsBurden, FieldsBurden]:
    """The report fields over the period and over the same period a year before."""
    require_burden_period(actor=actor, area=area, start=start, end=end)
    return _count(area, start, end), _count(area, year_before(start), year_before(end))
