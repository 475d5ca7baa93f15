"""Alerts: a child area's requests for one service far above their usual daily count."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.areas.selectors import jurisdictional_children
from needle.cases.models import Service
from needle.core.errors import NotFound
from needle.operations.params import PERM, areas_without_boundary
from needle.orgs.permissions import can_in_area, require_authenticated
from needle.rollups import read
from needle.rollups.models import NODE_DEPTH, CaseRollup, Grouping, NodeRollup

# Alerts --------------------------------------------------------------------------------------


@dataclass
class Alert:
    area: Area
    service: Service
    day: dt.date
    count: int
    mean: float
    sd: float

    @property
    def ratio(self) -> float | None:
        return round(self.count / self.mean, 1) if self.mean else None


ALERT_WINDOW = 28
ALERT_SIGMAS = 3.0
ALERT_MINIMUM = 5


def alerts_for(
    *, actor: Any, area: Area, day: dt.date, minimum: int = ALERT_MINIMUM, sigmas: float = ALERT_SIGMAS
) -> list[Alert]:
    """Child area × service pairs whose requests received on `day` exceed the mean plus
    `sigmas` standard deviations of the previous 28 days, and at least `minimum`. The children
    are the jurisdictional ones (through placeholders); the node itself is compared when it has
    none (a grid)."""
    require_authenticated(actor)
    if not can_in_area(actor, PERM, area):
        raise NotFound(_("You have no figures for the area %(code)s.") % {"code": area.code})
    first = day - dt.timedelta(days=ALERT_WINDOW)
    children = jurisdictional_children(area=area, queryset=areas_without_boundary())
    rows: list[dict[str, Any]] = []
    if not children:
        own = read.sums(
            read.days(read.subtree(CaseRollup, area), first, day), ["service_id", "day"], ["received"]
        )
        rows = [
            {"area": area.pk, "service": r["service_id"], "day": r["day"], "received": r["received"]}
            for r in own
        ]
    by_depth: dict[int, list[int]] = defaultdict(list)
    for child in children:
        by_depth[child.depth].append(child.pk)
    for depth, ids in sorted(by_depth.items()):
        qs: QuerySet[Any]
        if depth <= NODE_DEPTH:
            qs = NodeRollup.objects.filter(grouping=Grouping.KEY1, area_id__in=ids)
            a_key, s_key = "area_id", "key"
        else:
            qs = read.subtree(CaseRollup, area).filter(**{f"a{depth}__in": ids})
            a_key, s_key = f"a{depth}", "service_id"
        rows += [
            {"area": r[a_key], "service": r[s_key], "day": r["day"], "received": r["received"]}
            for r in read.sums(read.days(qs, first, day), [a_key, s_key, "day"], ["received"])
        ]
    series: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    for r in rows:
        series[(r["area"], r["service"])][read.as_date(r["day"])] = r["received"] or 0
    found = []
    for (area_id, service_id), counts in series.items():
        today = counts.get(day, 0)
        if today < minimum:
            continue
        history = [counts.get(first + dt.timedelta(days=i), 0) for i in range(ALERT_WINDOW)]
        mean = sum(history) / ALERT_WINDOW
        sd = (sum((x - mean) ** 2 for x in history) / ALERT_WINDOW) ** 0.5
        if today > mean + sigmas * sd:
            found.append((area_id, service_id, today, mean, sd))
    areas = areas_without_boundary().in_bulk({f[0] for f in found})
    services = Service.objects.in_bulk({f[1] for f in found})
    alerts = [
        Alert(area=areas[a], service=services[s], day=day, count=n, mean=round(m, 2), sd=round(sd, 2))
        for a, s, n, m, sd in found
        if a in areas and s in services
    ]
    return sorted(alerts, key=lambda x: (-(x.count - x.mean), x.area.code))
