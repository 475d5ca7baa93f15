"""The grassroots' burden over an area and a period, counted directly from the targets: tasks
received by issuing unit, the hours the admission list estimates for them, those declined as
unlisted, the issues the list refused, and the same a year before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.core.errors import ValidationFailed
from needle.orgs.models import Unit
from needle.orgs.permissions import can_in_area, require
from needle.supervision.models import Refusal, Status, Target

MAX_DAYS = 3660


@dataclass
class IssuerLine:
    issuer_id: int
    name: str
    received: int
    hours: Decimal
    declined: int
    refused: int


@dataclass
class Burden:
    area: Area
    start: dt.date
    end: dt.date
    lines: list[IssuerLine]
    received: int
    hours: Decimal
    declined: int
    refused: int


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _count(area: Area, start: dt.date, end: dt.date) -> Burden:
    targets = Target.objects.filter(subtree_q(area.path, "area_path"))
    received = {
        issuer: (n, hours or Decimal(0))
        for issuer, n, hours in targets.filter(task__issued_on__gte=start, task__issued_on__lte=end)
        .order_by()
        .values_list("task__issuer_id")
        .annotate(n=Count("id"), hours=Sum("hours"))
    }
    declined = dict(
        targets.filter(status=Status.DECLINED, declined_on__gte=start, declined_on__lte=end)
        .order_by()
        .values_list("task__issuer_id")
        .annotate(n=Count("id"))
    )
    # A refusal is kept per district: it counts for the district, the areas above and below it.
    ancestors = [area.path[: i + 1] for i, c in enumerate(area.path) if c == "/"]
    refused = dict(
        Refusal.objects.filter(subtree_q(area.path, "area_path") | Q(area_path__in=ancestors))
        .filter(at__date__gte=start, at__date__lte=end)
        .order_by()
        .values_list("issuer_id")
        .annotate(n=Count("id"))
    )
    ids = set(received) | set(declined) | set(refused)
    names = dict(Unit.objects.filter(pk__in=ids).values_list("id", "name"))
    lines = sorted(
        (
            IssuerLine(
                issuer_id=i,
                name=names.get(i, str(i)),
                received=received.get(i, (0, Decimal(0)))[0],
                hours=received.get(i, (0, Decimal(0)))[1],
                declined=declined.get(i, 0),
                refused=refused.get(i, 0),
            )
            for i in ids
        ),
        key=lambda line: (-line.hours, -line.received, line.name),
    )
    return Burden(
        area=area,
        start=start,
        end=end,
        lines=lines,
        received=sum(line.received for line in lines),
        hours=sum((line.hours for line in lines), Decimal(0)),
        declined=sum(line.declined for line in lines),
        refused=sum(line.refused for line in lines),
    )


def require_burden_period(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> None:
    """Raises unless the actor may read the area's burden figures and the period is one they
    can be counted over (the tasks' burden and the report fields' burden alike)."""
    require(can_in_area(actor, "supervision.view_burden", area))
    if end < start:
        raise ValidationFailed(fields={"end": _("Give a day on or after the first day.")})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(fields={"end": _("Give a period of at most ten years.")})


def burden_for(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> tuple[Burden, Burden]:
    """The burden over the period and over the same period a year before."""
    require_burden_period(actor=actor, area=area, start=start, end=end)
    return _count(area, start, end), _count(area, year_before(start), year_before(end))


RANKED = 10


def issuer_ranking(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> list[IssuerLine] | None:
    """The issuing units ranked by the burden they put on the area's units over the period
    (estimated hours, then tasks received), at most RANKED; None for a reader without the
    burden figures (the operations center shows nothing then)."""
    if not can_in_area(actor, "supervision.view_burden", area) or end < start:
        return None
    return _count(area, start, end).lines[:RANKED]
