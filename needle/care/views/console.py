"""The community care console (registry, needs a helper, visits overdue / due this week / never
made, open ledger items), a street's or a district's view of its communities (counts only),
the door that opens the one a person runs, and the household files' import. Thin: the lists
come from selectors.console, the import from services.imports; permission is checked by them
and by `can_in_area` on the page's area."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from needle.areas.models import Area, Level
from needle.areas.selectors import area_get
from needle.care.models import Category, Risk
from needle.care.selectors.console import (
    DOOR_MAX,
    community_counts,
    console_lists,
    counts_level,
    days_overdue,
    door_areas,
)
from needle.care.selectors.schedule import dashboard_for
from needle.care.services import imports
from needle.core import sheets
from needle.core.errors import DomainError, NotFound
from needle.orgs.permissions import can_in_area, require, require_anywhere

QUERY_MAX = 100


def page_area(code: str) -> Area:
    """The area a care page's address names: a community, or a street or any level above it;
    404 for a grid or an unknown code."""
    area = area_get(code=code)
    if area.level == Level.GRID:
        raise NotFound()
    return area


@login_required
@require_GET
@require_anywhere("care.view", "care.manage")
def door(request: HttpRequest) -> HttpResponse:
    """The console of the one area the person reads (at this address, so the menu's link opens
    it), or the list of those they may open."""
    areas = door_areas(actor=request.user)
    if len(areas) == 1:
        return _area_page(request, areas[0])
    return render(
        request,
        "care/door.html",
        {"areas": areas[:DOOR_MAX], "more": len(areas) > DOOR_MAX},
    )


@login_required
@require_GET
def console(request: HttpRequest, code: str) -> HttpResponse:
    """A community's care console, or a higher area's view of its communities."""
    area = page_area(code)
    require(
        can_in_area(request.user, "care.view", area.path)
        or can_in_area(request.user, "care.manage", area.path)
    )
    return _area_page(request, area)


def _area_page(request: HttpRequest, area: Area) -> HttpResponse:
    actor = request.user
    if area.level != Level.COMMUNITY:
        rows = community_counts(actor=actor, area=area)
        totals = {
            key: sum(getattr(r, key) for r in rows)
            for key in ("active", "high_risk", "needs_helper", "overdue", "never_visited", "open_items")
        }
        return render(
            request,
            "care/area.html",
            {
                "area": area,
                "rows": rows,
                "totals": totals,
                "communities": counts_level(area) == Level.COMMUNITY,
            },
        )
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    lists = console_lists(actor=actor, area=area, query=query)
    overdue = [(r, days_overdue(r, lists.today)) for r in lists.overdue.rows]
    return render(
        request,
        "care/console.html",
        {
            "area": area,
            "lists": lists,
            "overdue": overdue,
            "manage": can_in_area(actor, "care.manage", area.path),
            # The plan's Primero-style dashboard, for its rows by helper.
            "by_helper": dashboard_for(actor=actor, area_path=area.path)["by_helper"],
            "categories": Category,
            "risks": Risk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, code: str) -> HttpResponse:
    """The community's care staff upload the household files' template; every bad line is
    listed with its field, and nothing is stored until every line is right."""
    area = page_area(code)
    require(can_in_area(request.user, "care.manage", area.path))
    if area.level != Level.COMMUNITY:
        raise NotFound()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            name, data = sheets.upload_read(request.FILES.get("file"))
            rows = imports.read_rows(name=name, data=data)
            made = imports.households_import(actor=request.user, community=area, rows=rows)
        except DomainError as exc:
            errors = dict(exc.fields)
            # A refusal of the whole file says what is wrong with it in the message itself.
            messages.error(request, errors.pop("file", "") or errors.pop("community", "") or exc.message)
        else:
            messages.success(
                request,
                _("%(n)d people in %(h)d households imported.")
                % {"n": len(made), "h": len({r.household_id for r in made})},
            )
            return redirect(reverse("care-console", args=[area.code]))
    return render(
        request,
        "care/import.html",
        {
            "area": area,
            "columns": imports.COLUMNS,
            "errors": sheets.errors_by_line(errors),
        },
    )


@login_required
@require_GET
@require_anywhere("care.manage")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The household files' template, as XLSX or CSV, with two invented example lines."""
    if kind not in sheets.KINDS:
        raise NotFound()
    if kind == "xlsx":
        response = HttpResponse(imports.template_xlsx(), content_type=sheets.XLSX_TYPE)
    else:
        response = HttpResponse(imports.template_csv(), content_type=sheets.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="care-households.{kind}"'
    return response
