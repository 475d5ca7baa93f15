"""The operations center's pages: the dashboard of an area or unit, its map data, exports, the
PDF report, the wall screen, alerts and report subscriptions, and everyone's home page. Thin:
parse, select, render."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needle.care.figures import SOURCE as CARE
from needle.care.figures import care_standing
from needle.cases.figures import SOURCE as CASES
from needle.core.audit import audit_record
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.operations import dashboards, params, presenters
from needle.operations.alerts import alerts_for
from needle.operations.figures_types import Dashboard
from needle.operations.home import home_for, landing_for
from needle.operations.maps import map_layers
from needle.operations.reports import (
    dashboard_csv,
    dashboard_xlsx,
    last_complete_period,
    report_pdf,
    report_period,
    source_csv,
    source_xlsx,
)
from needle.operations.source_figures import source_indicators, source_sections
from needle.operations.subscriptions import subscription_create, subscription_delete, subscriptions_of
from needle.orgs.models import Person
from needle.rollups.read import rollup_status
from needle.rollups.sources import Source, source_named
from needle.supervision.selectors.burden import issuer_ranking


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """The asked period; a bad one is reported and replaced by the default."""
    try:
        return params.parse_period(request.GET.get("start"), request.GET.get("end"))
    except ValidationFailed as exc:
        for text in exc.fields.values():
            messages.error(request, text)
        return params.parse_period(None, None)


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
        return None, params.access_unit_figures(actor=actor, unit_id=pk)
    if code is not None:
        return params.access_area(actor=actor, code=code), None
    area = params.default_area(actor=actor)
    if area is None:
        raise NotFound(_("You have no figures to show."))
    return area, None


@login_required
@require_GET
def dashboard(request: HttpRequest, code: str | None = None, pk: int | None = None) -> HttpResponse:
    """Indicators of an area or unit: the rates, backlog, trend, services, children, ranking."""
    area, unit = _node(request, code, pk)
    start, end = _period(request)
    d = dashboards.dashboard_for(actor=request.user, area=area, unit=unit, start=start, end=end)
    indicator = _choice(request, "indicator", params.parse_indicator)
    grain = _choice(request, "grain", params.parse_grain)
    context = presenters.dashboard_page(
        actor=request.user, d=d, indicator=indicator, grain=grain, status=rollup_status()
    )
    if d.area is not None:
        sections = source_sections(actor=request.user, area=d.area, start=d.start, end=d.end)
        context |= presenters.area_sections(
            d=d,
            hot_topics=dashboards.hot_topics_in(actor=request.user, area=d.area),
            org=dashboards.org_figures(actor=request.user, area=d.area, start=d.start, end=d.end),
            source_sections=sections,
        )
        # Care's standing now beside its period's figures, where the reader has them at all.
        if any(s["name"] == CARE.name for s in sections):
            context["care_standing"] = care_standing(area=d.area)
        # The general offices' burden on the area's units, by issuing unit.
        context["issuer_ranking"] = issuer_ranking(actor=request.user, area=d.area, start=d.start, end=d.end)
    return render(request, "operations/dashboard.html", context)


@login_required
@require_GET
def map_data(request: HttpRequest, code: str) -> HttpResponse:
    """The map of an area: its children's boundaries (simplified) with their figures, and at
    street level and below the points of the period's cases."""
    try:
        area = params.access_area(actor=request.user, code=code)
        start, end = params.parse_period(request.GET.get("start"), request.GET.get("end"))
        d = dashboards.dashboard_for(actor=request.user, area=area, start=start, end=end)
        return JsonResponse(map_layers(actor=request.user, dashboard=d))
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)


@login_required
@require_POST
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    try:
        area = params.access_area(actor=request.user, code=code)
        subscription_create(actor=request.user, area=area, frequency=request.POST.get("frequency", ""))
        person = cast(Person, request.user)
        if person.email_confirmed:
            messages.success(
                request,
                _("You will receive this area's report by email at %(email)s.") % {"email": person.email},
            )
        else:
            messages.warning(
                request,
                _(
                    "Subscribed, but reports go only to a confirmed email address: add yours on your "
                    "profile and open the link we mail to it."
                ),
            )
    except DomainError as exc:
        if exc.status in (401, 404):
            raise  # the refusal page, through the middleware
        for text in exc.fields.values() or [exc.message]:
            messages.error(request, text)
    return redirect("operations:area", code=code)


@login_required
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    subscription_delete(actor=request.user, subscription_id=pk)
    messages.success(request, _("Subscription stopped."))
    return redirect("operations:subscriptions")


@login_required
@require_GET
def subscriptions(request: HttpRequest) -> HttpResponse:
    subs = subscriptions_of(actor=request.user)
    return render(request, "operations/subscriptions.html", {"subscriptions": subs})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _audit_read(request: HttpRequest, d: Dashboard, what: str) -> None:
    """Files leave the system: record who took which figures."""
    audit_record(
        actor=request.user,
        action=f"operations.dashboard.{what}",
        object_type="areas.area" if d.area is not None else "orgs.unit",
        object_id=str(d.area.pk if d.area is not None else d.unit.pk),  # type: ignore[union-attr]
        object_repr=d.name,
        area_path=d.area.path if d.area is not None else "",
        new={"start": d.start, "end": d.end},
    )


def _source_export(request: HttpRequest, source: Source, fmt: str) -> HttpResponse:
    """Any other source's figures of ?area= as CSV or XLSX, read from the engine alone."""
    headers = request.GET.get("headers", "words")
    if headers not in ("words", "keys"):
        raise ValidationFailed(fields={"headers": _("Use words or keys.")})
    answer = source_indicators(
        actor=request.user,
        source=source,
        area=request.GET.get("area"),
        unit=request.GET.get("unit"),
        start=request.GET.get("start"),
        end=request.GET.get("end"),
    )
    node = answer["node"]
    area = params.areas_without_boundary().get(code=node["key"])
    audit_record(
        actor=request.user,
        action="operations.dashboard.exported",
        obj=area,
        new={"start": answer["start"], "end": answer["end"], "source": source.name},
    )
    if fmt == "csv":
        response = HttpResponse(
            source_csv(source, answer, keys=headers == "keys"), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(source_xlsx(source, answer), content_type=XLSX)
    name = f"needle-{source.name}-{node['key']}-{answer['start']}-{answer['end']}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard of ?area= or ?unit= over ?start=&end= as CSV or XLSX (scoped as the page).
    Headers, sections and kinds are in the reader's language; a script asks the CSV for
    ?headers=keys: the column keys (reports.COLUMNS) and codes, the same in every language."""
    try:
        source = source_named(request.GET.get("source") or CASES.name)
        if source.name != CASES.name:
            return _source_export(request, source, fmt)
        d = dashboards.dashboard_from_params(
            request.user,
            request.GET.get("area"),
            request.GET.get("unit"),
            request.GET.get("start"),
            request.GET.get("end"),
        )
    except DomainError as exc:
        if exc.status in (400, 422):
            return JsonResponse(exc.as_dict(), status=exc.status)
        raise  # the refusal page, through the middleware
    headers = request.GET.get("headers", "words")
    if headers not in ("words", "keys"):
        return JsonResponse(
            ValidationFailed(fields={"headers": _("Use words or keys.")}).as_dict(), status=422
        )
    _audit_read(request, d, "exported")
    node = d.area.code if d.area is not None else f"unit-{d.unit.pk}"  # type: ignore[union-attr]
    name = f"needle-{node}-{d.start}-{d.end}"
    if fmt == "csv":
        response = HttpResponse(
            dashboard_csv(d, keys=headers == "keys"), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(dashboard_xlsx(d), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The weekly or monthly PDF report of an area: ?kind=weekly|monthly&day=YYYY-MM-DD picks
    the week or month containing that day (default: the last complete one)."""
    kind = request.GET.get("kind", "weekly")
    if kind not in ("weekly", "monthly"):
        return JsonResponse(
            ValidationFailed(fields={"kind": _("Choose weekly or monthly.")}).as_dict(), status=422
        )
    try:
        area = params.access_area(actor=request.user, code=code)
        day = request.GET.get("day")
        if day:
            start, end = report_period(kind, params.parse_period(day, day)[0])
        else:
            start, end = last_complete_period(kind, timezone.localdate())
        d = dashboards.dashboard_for(actor=request.user, area=area, start=start, end=end)
    except DomainError as exc:
        if exc.status == 422:
            return JsonResponse(exc.as_dict(), status=422)
        raise  # the refusal page, through the middleware
    _audit_read(request, d, "reported")
    title = _("Weekly report") if kind == "weekly" else _("Monthly report")
    sections = source_sections(actor=request.user, area=area, start=d.start, end=d.end)
    response = HttpResponse(
        report_pdf(d, title=f"{title} · {d.name}", sections=sections), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="needle-{kind}-{area.code}-{start}.pdf"'
    return response


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    """Spikes: child area × service pairs far above their usual daily count, with the cases."""
    try:
        code = request.GET.get("area")
        area = (
            params.access_area(actor=request.user, code=code)
            if code
            else params.default_area(actor=request.user)
        )
        if area is None:
            raise NotFound()
        day = (
            params.parse_period(request.GET.get("day"), request.GET.get("day"))[0]
            if request.GET.get("day")
            else timezone.localdate()
        )
        found = alerts_for(actor=request.user, area=area, day=day)
    except DomainError as exc:
        if exc.status == 422:
            messages.error(request, next(iter(exc.fields.values()), exc.message))
            return redirect(reverse("operations:alerts"))
        raise  # the refusal page, through the middleware
    return render(request, "operations/alerts.html", presenters.alerts_page(area=area, day=day, alerts=found))


@login_required
@require_GET
def wall(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Full-screen view for the operations room; the panel refreshes itself every minute."""
    area, _unit = _node(request, code, None)
    today = timezone.localdate()
    week = dashboards.dashboard_for(
        actor=request.user, area=area, start=today - dt.timedelta(days=6), end=today
    )
    day = dashboards.dashboard_for(actor=request.user, area=area, start=today, end=today)
    found = alerts_for(actor=request.user, area=area, day=today)[:8]
    context = presenters.wall_page(week=week, today=day, alerts=found, status=rollup_status())
    template = "operations/_wall_panel.html" if getattr(request, "htmx", False) else "operations/wall.html"
    return render(request, template, context)


# The home page -------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A visitor's landing page (raise a request, follow one, the public requests); a signed-in
    person's day: what is theirs to do, from every app (operations.home)."""
    if not request.user.is_authenticated:
        landing = landing_for(actor=request.user, path=request.path)
        return render(request, "operations/landing.html", {"landing": landing})
    return render(request, "operations/home.html", {"home": home_for(actor=request.user, path=request.path)})
