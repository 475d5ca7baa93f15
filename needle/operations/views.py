"""The operations center's pages: the dashboard of an area or unit, its map data, exports, the
PDF report, the wall screen, alerts and report subscriptions. Thin: parse, select, render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.areas.models import subtree_q
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.core.views import refusal
from needle.intel.selectors import hot_topics_for
from needle.operations import selectors, services
from needle.operations.presenters import node_url
from needle.operations.selectors import INDICATORS, Dashboard, Figures, Row
from needle.orgs.permissions import can_in_area


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """The asked period; a bad one is reported and replaced by the default."""
    try:
        return selectors.parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValidationFailed as exc:
        for text in exc.fields.values():
            messages.error(request, text)
        return selectors.parse_period(None, None)


def _choice(request: HttpRequest, name: str, parse: Any) -> str:
    try:
        return str(parse(request.GET.get(name)))
    except ValidationFailed as exc:
        messages.error(request, next(iter(exc.fields.values()), exc.message))
        return str(parse(None))


def _node(request: HttpRequest, code: str | None, pk: int | None) -> tuple[Any, Any]:
    """(area, unit) the page is about; the actor's widest area when neither is given."""
    actor = request.user
    if pk is not None:
        return None, selectors.access_unit(actor=actor, unit_id=pk)
    if code is not None:
        return selectors.access_area(actor=actor, code=code), None
    area = selectors.default_area(actor=actor)
    if area is None:
        raise NotFound(_("You have no figures to show."))
    return area, None


def _change(now: float | int | None, before: float | int | None) -> dict[str, Any] | None:
    if now is None or before is None:
        return None
    diff = now - before
    return {"value": diff, "up": diff > 0, "same": diff == 0}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _cards(d: Dashboard) -> list[dict[str, Any]]:
    t, p = d.totals, d.previous
    cards = []
    for name in ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"):
        now, before = getattr(t, name), getattr(p, name)
        change = _change(now, before)
        cards.append(
            {
                "id": name,
                "label": INDICATORS[name],
                "value": _pct(now),
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


def _row_json(rows: list[Row]) -> list[dict[str, Any]]:
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


def _trend_json(d: Dashboard) -> dict[str, Any]:
    out = {}
    for grain in selectors.GRAINS:
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


def _breadcrumbs(request: HttpRequest, d: Dashboard) -> list[dict[str, str]]:
    crumbs = []
    for node in d.ancestors:
        if d.kind == "area":
            if can_in_area(request.user, selectors.PERM, node):  # type: ignore[arg-type]
                crumbs.append({"name": node.name, "url": reverse("operations:area", args=[node.code])})
        else:
            crumbs.append({"name": node.name, "url": reverse("operations:unit", args=[node.pk])})
    return crumbs


def dashboard_context(request: HttpRequest, d: Dashboard) -> dict[str, Any]:
    indicator = _choice(request, "indicator", selectors.parse_indicator)
    best, worst = selectors.ranking(d.children, indicator)
    unit_best, unit_worst = selectors.ranking(d.units, indicator)
    query = {"start": d.start.isoformat(), "end": d.end.isoformat()}
    node_query = {"area": d.area.code} if d.area is not None else {"unit": str(d.unit.pk)}  # type: ignore[union-attr]
    return {
        "d": d,
        "t": d.totals,
        "cards": _cards(d),
        "indicator": indicator,
        "indicators": list(INDICATORS.items()),
        "grain": _choice(request, "grain", selectors.parse_grain),
        "best": best,
        "worst": worst,
        "unit_best": unit_best,
        "unit_worst": unit_worst,
        "crumbs": _breadcrumbs(request, d),
        "query": urlencode(query),
        "export_query": urlencode({**query, **node_query}),
        "children_json": _row_json(d.children),
        "services_json": _row_json(d.by_service),
        "units_json": _row_json(d.units),
        "trend_json": _trend_json(d),
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
        "status": selectors.rollup_status(),
        "has_map": d.area is not None,
        "tile_url": settings.NEEDLE_MAP_TILES,
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, code: str | None = None, pk: int | None = None) -> HttpResponse:
    """Indicators of an area or unit: the rates, backlog, trend, services, children, ranking."""
    try:
        area, unit = _node(request, code, pk)
        start, end = _period(request)
        d = selectors.dashboard_for(actor=request.user, area=area, unit=unit, start=start, end=end)
    except DomainError as exc:
        return refusal(request, exc)
    context = dashboard_context(request, d)
    if d.area is not None:
        # Hot topics of the intelligence app within this area, hottest first.
        context["hot_topics"] = list(
            hot_topics_for(actor=request.user).filter(subtree_q(d.area.path, "area_path"))[:5]
        )
        context["org"] = selectors.org_figures(actor=request.user, area=d.area, start=d.start, end=d.end)
        if context["org"] is not None:
            context["org_link"] = (
                reverse("org-stats")
                + "?"
                + urlencode({"area": d.area.code, "start": d.start.isoformat(), "end": d.end.isoformat()})
            )
    return render(request, "operations/dashboard.html", context)


@login_required
@require_GET
def map_data(request: HttpRequest, code: str) -> HttpResponse:
    """The map of an area: its children's boundaries (simplified) with their figures, and at
    street level and below the points of the period's cases."""
    try:
        area = selectors.access_area(actor=request.user, code=code)
        start, end = selectors.parse_period(request.GET.get("start"), request.GET.get("end"))
        d = selectors.dashboard_for(actor=request.user, area=area, start=start, end=end)
        return JsonResponse(selectors.map_layers(actor=request.user, dashboard=d))
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)


def figures_line(f: Figures) -> dict[str, Any]:
    return {**f.counts(), **f.rates(), "overdue_open": f.overdue_open}


@login_required
@require_POST
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    try:
        area = selectors.access_area(actor=request.user, code=code)
        services.subscription_create(
            actor=request.user, area=area, frequency=request.POST.get("frequency", "")
        )
        messages.success(request, _("You will receive this area's report by email."))
    except DomainError as exc:
        if exc.status in (401, 404):
            return refusal(request, exc)
        for text in exc.fields.values() or [exc.message]:
            messages.error(request, text)
    return redirect("operations:area", code=code)


@login_required
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.subscription_delete(actor=request.user, subscription_id=pk)
        messages.success(request, _("Subscription stopped."))
    except DomainError as exc:
        return refusal(request, exc)
    return redirect("operations:subscriptions")


@login_required
@require_GET
def subscriptions(request: HttpRequest) -> HttpResponse:
    subs = selectors.subscriptions_of(actor=request.user)
    return render(request, "operations/subscriptions.html", {"subscriptions": subs})


def _audit_read(request: HttpRequest, d: Dashboard, what: str) -> None:
    """Files leave the system: record who took which figures."""
    from needle.core.audit import audit_record

    audit_record(
        actor=request.user,
        action=f"operations.dashboard.{what}",
        object_type="areas.area" if d.area is not None else "orgs.unit",
        object_id=str(d.area.pk if d.area is not None else d.unit.pk),  # type: ignore[union-attr]
        object_repr=d.name,
        area_path=d.area.path if d.area is not None else "",
        new={"start": d.start, "end": d.end},
    )


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard of ?area= or ?unit= over ?start=&end= as CSV or XLSX (scoped as the page)."""
    from needle.operations.reports import dashboard_csv, dashboard_xlsx

    try:
        d = selectors.dashboard_from_params(
            request.user,
            request.GET.get("area"),
            request.GET.get("unit"),
            request.GET.get("start"),
            request.GET.get("end"),
        )
    except DomainError as exc:
        if exc.status == 422:
            return JsonResponse(exc.as_dict(), status=422)
        return refusal(request, exc)
    _audit_read(request, d, "exported")
    name = f"needle-{(d.area.code if d.area is not None else f'unit-{d.unit.pk}')}-{d.start}-{d.end}"
    if fmt == "csv":
        response = HttpResponse(dashboard_csv(d), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            dashboard_xlsx(d),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The weekly or monthly PDF report of an area: ?kind=weekly|monthly&day=YYYY-MM-DD picks
    the week or month containing that day (default: the last complete one)."""
    from needle.operations.reports import last_complete_period, report_pdf, report_period

    kind = request.GET.get("kind", "weekly")
    if kind not in ("weekly", "monthly"):
        return JsonResponse(
            ValidationFailed(fields={"kind": _("Choose weekly or monthly.")}).as_dict(), status=422
        )
    try:
        area = selectors.access_area(actor=request.user, code=code)
        day = request.GET.get("day")
        if day:
            start, end = report_period(kind, selectors.parse_period(day, day)[0])
        else:
            start, end = last_complete_period(kind, timezone.localdate())
        d = selectors.dashboard_for(actor=request.user, area=area, start=start, end=end)
    except DomainError as exc:
        if exc.status == 422:
            return JsonResponse(exc.as_dict(), status=422)
        return refusal(request, exc)
    _audit_read(request, d, "reported")
    title = _("Weekly report") if kind == "weekly" else _("Monthly report")
    response = HttpResponse(report_pdf(d, title=f"{title} · {d.name}"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="needle-{kind}-{area.code}-{start}.pdf"'
    return response


def _alert_rows(alerts: list[selectors.Alert]) -> list[dict[str, Any]]:
    return [
        {
            "alert": a,
            "cases": reverse("case-inbox")
            + "?"
            + urlencode({"area": a.area.code, "service": a.service.code}),
        }
        for a in alerts
    ]


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    """Spikes: child area × service pairs far above their usual daily count, with the cases."""
    try:
        code = request.GET.get("area")
        area = (
            selectors.access_area(actor=request.user, code=code)
            if code
            else selectors.default_area(actor=request.user)
        )
        if area is None:
            raise NotFound()
        day = (
            selectors.parse_period(request.GET.get("day"), request.GET.get("day"))[0]
            if request.GET.get("day")
            else timezone.localdate()
        )
        found = selectors.alerts_for(actor=request.user, area=area, day=day)
    except DomainError as exc:
        if exc.status == 422:
            messages.error(request, next(iter(exc.fields.values()), exc.message))
            return redirect(reverse("operations:alerts"))
        return refusal(request, exc)
    context = {
        "area": area,
        "day": day,
        "rows": _alert_rows(found),
        "window": selectors.ALERT_WINDOW,
        "sigmas": selectors.ALERT_SIGMAS,
        "minimum": selectors.ALERT_MINIMUM,
    }
    return render(request, "operations/alerts.html", context)


def _wall_context(request: HttpRequest, code: str | None) -> dict[str, Any]:
    area, _unit = _node(request, code, None)
    today = timezone.localdate()
    d = selectors.dashboard_for(actor=request.user, area=area, start=today - dt.timedelta(days=6), end=today)
    day = selectors.dashboard_for(actor=request.user, area=area, start=today, end=today)
    rows = sorted([r for r in d.children if r.kind != "here"], key=lambda r: -r.figures.open)[:12]
    peak = max([r.figures.open for r in rows] + [1])
    return {
        "d": d,
        "today_figures": day.totals,
        "rows": [{"row": r, "width": round(100 * r.figures.open / peak)} for r in rows],
        "alerts": _alert_rows(selectors.alerts_for(actor=request.user, area=area, day=today)[:8]),
        "now": timezone.localtime(),
        "status": selectors.rollup_status(),
    }


@login_required
@require_GET
def wall(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Full-screen view for the operations room; the panel refreshes itself every minute."""
    try:
        context = _wall_context(request, code)
    except DomainError as exc:
        return refusal(request, exc)
    template = "operations/_wall_panel.html" if getattr(request, "htmx", False) else "operations/wall.html"
    return render(request, template, context)
