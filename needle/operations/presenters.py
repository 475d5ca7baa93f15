"""Turning the operations center's rows into what its pages show, for the views and the
template tags alike."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from needle.cases.figures import RATE_NAMES
from needle.operations.alerts import Alert
from needle.operations.figures_types import GRAINS, INDICATORS, SMALL_SAMPLE, Dashboard, Figures, Row
from needle.operations.selectors import PERM
from needle.orgs.permissions import can_in_area


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
