"""Turning the operations center's rows into what its pages show, for the views and the
template tags alike: the dashboard's cards, charts' data, ranking and links, the wall screen's
bars, the alerts' rows."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.cases.figures import RATE_NAMES
from needle.operations.alerts import ALERT_MINIMUM, ALERT_SIGMAS, ALERT_WINDOW, Alert
from needle.operations.dashboards import ranking
from needle.operations.figures_types import GRAINS, INDICATORS, SMALL_SAMPLE, Dashboard, Figures, Row
from needle.operations.params import PERM
from needle.orgs.permissions import can_in_area

# The wall screen's bars: the children with the most open cases.
WALL_ROWS = 12


def node_url(row_kind: str, key: str) -> str:
    """The dashboard page of a breakdown row's node: an area by code, a unit by id."""
    if row_kind == "area":
        return reverse("operations:area", args=[key])
    return reverse("operations:unit", args=[int(key)])


def _change(now: float | int | None, before: float | int | None) -> dict[str, Any] | None:
    if now is None or before is None:
        return None
    diff = now - before
    return {"value": diff, "up": diff > 0, "same": diff == 0}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate_sample(f: Figures, name: str) -> tuple[str, int | None]:
    """A rate as shown, and the count of cases it is taken over when that is too few to trust
    (under SMALL_SAMPLE; None otherwise), for the pages and the PDF to print beside it."""
    base = f.base_of(name)
    return _pct(getattr(f, name)), base if base and base < SMALL_SAMPLE else None


def cards(d: Dashboard) -> list[dict[str, Any]]:
    t, p = d.totals, d.previous
    cards = []
    for name in RATE_NAMES:
        now, before = getattr(t, name), getattr(p, name)
        change = _change(now, before)
        cards.append(
            {
                "id": name,
                "label": INDICATORS[name],
                "value": _pct(now),
                "rate": True,
                "change": None if change is None else f"{change['value'] * 100:+.1f}",
                "up": bool(change and change["up"]),
                "same": bool(change and change["same"]),
                "good_when_up": True,
            }
        )
    change = _change(t.received, p.received)
    cards.append(
        {
            "id": "received",
            "label": INDICATORS["received"],
            "value": f"{t.received:,}",
            "change": None if change is None else f"{change['value']:+,}",
            "up": bool(change and change["up"]),
            "same": bool(change and change["same"]),
            "good_when_up": None,
        }
    )
    cards.append(
        {
            "id": "open",
            "label": INDICATORS["open"],
            "value": f"{t.open:,}",
            "change": None,
            "good_when_up": None,
        }
    )
    return cards


def rows_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [
        {
            "kind": r.kind,
            "key": r.key,
            "name": r.name,
            "url": node_url(r.kind, r.key) if r.drill and r.key else "",
            **r.figures.counts(),
            **r.figures.rates(),
            "overdue_open": r.figures.overdue_open,
        }
        for r in rows
    ]


def trend_json(d: Dashboard) -> dict[str, Any]:
    out = {}
    for grain in GRAINS:
        points = d.trend(grain)
        out[grain] = {
            "labels": [day.isoformat() for day, _f in points],
            "received": [f.received for _d, f in points],
            "resolved": [f.resolved for _d, f in points],
            "callbacks": [f.callbacks for _d, f in points],
            "response_rate": [f.response_rate for _d, f in points],
            "satisfaction_rate": [f.satisfaction_rate for _d, f in points],
            "on_time_rate": [f.on_time_rate for _d, f in points],
        }
    return out


def breadcrumbs(actor: Any, d: Dashboard) -> list[dict[str, str]]:
    crumbs = []
    for node in d.ancestors:
        if d.kind == "area":
            if can_in_area(actor, PERM, node):  # type: ignore[arg-type]
                crumbs.append({"name": node.name, "url": reverse("operations:area", args=[node.code])})
        else:
            crumbs.append({"name": node.name, "url": reverse("operations:unit", args=[node.pk])})
    return crumbs


def alert_rows(alerts: list[Alert]) -> list[dict[str, Any]]:
    return [
        {
            "alert": a,
            "cases": reverse("case-inbox")
            + "?"
            + urlencode({"area": a.area.code, "service": a.service.code}),
        }
        for a in alerts
    ]


def dashboard_page(
    *, actor: Any, d: Dashboard, indicator: str, grain: str, status: dict[str, Any]
) -> dict[str, Any]:
    """The dashboard page's context: the cards, the ranking by `indicator`, the charts' data at
    `grain`, the links to the same figures elsewhere, and the rollups' `status`."""
    best, worst = ranking(d.children, indicator)
    unit_best, unit_worst = ranking(d.units, indicator)
    query = {"start": d.start.isoformat(), "end": d.end.isoformat()}
    node_query = {"area": d.area.code} if d.area is not None else {"unit": str(d.unit.pk)}  # type: ignore[union-attr]
    return {
        "d": d,
        "t": d.totals,
        "cards": cards(d),
        "indicator": indicator,
        "indicators": list(INDICATORS.items()),
        "grain": grain,
        "best": best,
        "worst": worst,
        "unit_best": unit_best,
        "unit_worst": unit_worst,
        "crumbs": breadcrumbs(actor, d),
        "query": urlencode(query),
        "export_query": urlencode({**query, **node_query}),
        "children_json": rows_json(d.children),
        "services_json": rows_json(d.by_service),
        "units_json": rows_json(d.units),
        "trend_json": trend_json(d),
        "overdue_json": [
            {"name": _("due soon"), "value": d.totals.due_soon, "colour": "#1f6feb"},
            {"name": _("overdue"), "value": d.totals.overdue, "colour": "#d4a000"},
            {"name": _("seriously overdue"), "value": d.totals.overdue_serious, "colour": "#b3261e"},
            {
                "name": _("on time"),
                "value": max(0, d.totals.open - d.totals.due_soon - d.totals.overdue_open),
                "colour": "#7fb77e",
            },
        ],
        "labels_json": {
            **{k: str(v) for k, v in INDICATORS.items()},
            "resolved": _("Resolved"),
            "no_data": _("no data"),
        },
        "status": status,
        "has_map": d.area is not None,
        "today": timezone.localdate(),
    }


def area_sections(
    *, d: Dashboard, hot_topics: list[Any], org: Any, source_sections: list[dict[str, Any]]
) -> dict[str, Any]:
    """The area dashboard's further sections: hot topics, the organizations' statistics (None
    without the right to them, and then no link to their page) and the other sources' figures."""
    sections: dict[str, Any] = {"hot_topics": hot_topics, "org": org, "source_sections": source_sections}
    if org is not None and d.area is not None:
        sections["org_link"] = (
            reverse("org-stats")
            + "?"
            + urlencode({"area": d.area.code, "start": d.start.isoformat(), "end": d.end.isoformat()})
        )
    return sections


def alerts_page(*, area: Area, day: dt.date, alerts: list[Alert]) -> dict[str, Any]:
    """The alerts page's context: the day's alerts with links to their cases, and the rule."""
    return {
        "area": area,
        "day": day,
        "rows": alert_rows(alerts),
        "window": ALERT_WINDOW,
        "sigmas": ALERT_SIGMAS,
        "minimum": ALERT_MINIMUM,
    }


def wall_page(
    *, week: Dashboard, today: Dashboard, alerts: list[Alert], status: dict[str, Any]
) -> dict[str, Any]:
    """The wall screen's context: the week's figures, today's, the children with the most open
    cases as bars (the longest the busiest), and the latest alerts."""
    rows = sorted([r for r in week.children if r.kind != "here"], key=lambda r: -r.figures.open)[:WALL_ROWS]
    peak = max([r.figures.open for r in rows] + [1])
    return {
        "d": week,
        "today_figures": today.totals,
        "rows": [{"row": r, "width": round(100 * r.figures.open / peak)} for r in rows],
        "alerts": alert_rows(alerts),
        "now": timezone.localtime(),
        "status": status,
    }
