"""Pages for units, organization figures, the audit log, and an area with what the actor may
do there (its grids and their workers). Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from needle.areas.models import Level
from needle.areas.selectors import (
    area_ancestors,
    area_children,
    area_get,
    children_counts,
    has_boundaries_below,
)
from needle.core.errors import DomainError, NotFound, PermissionDenied
from needle.core.pagination import paginate
from needle.core.views import show_error
from needle.orgs import selectors, services
from needle.orgs.forms import (
    AuditFilterForm,
    GridForm,
    GridWorkerForm,
    MembershipForm,
    RoleForm,
    StatsForm,
    UnitFilterForm,
)
from needle.orgs.permissions import can_for_unit, can_in_area, require_anywhere
from needle.orgs.presenters import audit_rows
from needle.rollups.read import rollup_status


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitFilterForm(request.GET or None)
    filters = selectors.UnitFilters()
    if form.is_valid():
        filters.text = form.cleaned_data["q"]
        filters.type = form.cleaned_data["type"]
    area_code = request.GET.get("area")
    try:
        filters.area = area_get(code=area_code) if area_code else None
        page = paginate(
            selectors.unit_list_for(actor=request.user, filters=filters), page=request.GET.get("page")
        )
    except DomainError as exc:
        show_error(request, exc)
        return redirect("unit-list")
    template = "orgs/_unit_rows.html" if request.htmx else "orgs/unit_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "area": filters.area})


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.access_unit(actor=request.user, unit_id=unit_id)
    can_people = can_for_unit(request.user, "orgs.view_people", unit)
    can_manage = can_for_unit(request.user, "orgs.manage_people", unit)
    member_form = MembershipForm(prefix="m")
    role_form = RoleForm(prefix="r")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied()
        if "m-username" in request.POST:
            member_form = MembershipForm(request.POST, prefix="m")
            if member_form.is_valid():
                try:
                    person = selectors.access_person(
                        actor=request.user, username=member_form.cleaned_data["username"]
                    )
                    services.membership_add(
                        actor=request.user,
                        person=person,
                        unit=unit,
                        kind=member_form.cleaned_data["kind"],
                        joined_on=member_form.cleaned_data["joined_on"],
                    )
                except DomainError as exc:
                    show_error(request, exc, member_form)
                else:
                    messages.success(request, _("Member added."))
                    return redirect("unit-detail", unit_id=unit.pk)
        else:
            role_form = RoleForm(request.POST, prefix="r")
            if role_form.is_valid():
                try:
                    person = selectors.access_person(
                        actor=request.user, username=role_form.cleaned_data["username"]
                    )
                    services.role_grant(
                        actor=request.user, person=person, unit=unit, role=role_form.cleaned_data["role"]
                    )
                except DomainError as exc:
                    show_error(request, exc, role_form)
                else:
                    messages.success(request, _("Role granted."))
                    return redirect("unit-detail", unit_id=unit.pk)
    members = list(selectors.unit_members(actor=request.user, unit=unit)) if can_people else None
    roles = list(selectors.unit_roles(actor=request.user, unit=unit)) if can_people else None
    people = [m.person for m in members or []] + [r.person for r in roles or []]
    phones = selectors.unit_phones(actor=request.user, unit=unit, people=people) if people else {}
    context = {
        "unit": unit,
        "ancestors": [*area_ancestors(area=unit.area), unit.area],
        "children": unit.children.filter(dissolved_on__isnull=True).order_by("name"),
        "members": None if members is None else [(m, phones[m.person_id]) for m in members],
        "roles": None if roles is None else [(r, phones[r.person_id]) for r in roles],
        "can_manage": can_manage,
        "can_see_cases": can_for_unit(request.user, "cases.view", unit),
        "member_form": member_form,
        "role_form": role_form,
    }
    status = 400 if member_form.errors or role_form.errors else 200
    return render(request, "orgs/unit_detail.html", context, status=status)


@login_required
def org_stats(request: HttpRequest) -> HttpResponse:
    form = StatsForm(request.GET or None)
    stats = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        try:
            area = (
                area_get(code=data["area"])
                if data.get("area")
                else selectors.stats_default_area(actor=request.user)
            )
            if area is None:
                raise PermissionDenied()
            stats = selectors.org_stats_for(
                actor=request.user, area=area, start=data.get("start"), end=data.get("end")
            )
        except PermissionDenied:
            raise  # the refusal page, through the middleware
        except DomainError as exc:
            show_error(request, exc, form)
    return render(
        request,
        "orgs/stats.html",
        {
            "form": form,
            "stats": stats,
            "ancestors": area_ancestors(area=stats.area) if stats else [],
            # The figures are the rollups' (refreshed every minute): as of when, as on the dashboard.
            "status": rollup_status(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_anywhere("core.view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_valid():
        for name in ("action", "actor", "object_type", "start", "end"):
            setattr(filters, name, form.cleaned_data[name])
    try:
        page = paginate(
            selectors.audit_list_for(actor=request.user, filters=filters), page=request.GET.get("page")
        )
    except DomainError as exc:
        show_error(request, exc)
        return redirect("home")
    return render(
        request, "orgs/audit_list.html", {"form": form, "page": page, "rows": audit_rows(page.items)}
    )


# An area and the grids ------------------------------------------------------------------------


def _area_context(request: HttpRequest, code: str) -> dict[str, object]:
    area = area_get(code=code)
    page = paginate(area_children(area=area), page=request.GET.get("page"))
    counts = children_counts(areas=page.items)
    manage = can_in_area(request.user, "areas.manage_grids", area)
    see_people = can_in_area(request.user, "orgs.view_people", area)
    return {
        "area": area,
        "ancestors": area_ancestors(area=area),
        "rows": [(a, counts.get(a.pk, 0)) for a in page.items],
        "page": page,
        "can_create_grid": manage and area.level == Level.COMMUNITY,
        "can_assign": manage and area.level == Level.GRID,
        "workers": selectors.grid_workers(actor=request.user, grid=area)
        if see_people and area.level == Level.GRID
        else None,
        "grid_form": GridForm(),
        "worker_form": GridWorkerForm(),
        "has_map": has_boundaries_below(area=area),
        "can_see_cases": can_in_area(request.user, "cases.view", area),
    }


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        context = _area_context(request, code)
    except NotFound:
        raise  # the refusal page, through the middleware
    except DomainError as exc:
        show_error(request, exc)
        return redirect("area-detail", code=code)
    template = "areas/_area_rows.html" if request.htmx else "areas/area_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def grid_create(request: HttpRequest, code: str) -> HttpResponse:
    form = GridForm(request.POST)
    try:
        community = area_get(code=code)
        if not form.is_valid():
            raise DomainError(_("Give the grid a name."))
        grid = services.grid_create(actor=request.user, community=community, name=form.cleaned_data["name"])
    except DomainError as exc:
        if exc.status in (403, 404):
            raise  # the refusal page, through the middleware
        show_error(request, exc)
        return redirect("area-detail", code=code)
    messages.success(request, _("Grid %(name)s created.") % {"name": grid.name})
    return redirect("area-detail", code=grid.code)


@login_required
@require_POST
def grid_assign(request: HttpRequest, code: str) -> HttpResponse:
    form = GridWorkerForm(request.POST)
    try:
        grid = area_get(code=code)
        if not form.is_valid():
            raise DomainError(_("Give the worker's username."))
        worker = selectors.access_person(actor=request.user, username=form.cleaned_data["username"])
        services.grid_assign_worker(actor=request.user, grid=grid, worker=worker)
    except DomainError as exc:
        if exc.status == 403:
            raise  # the refusal page, through the middleware
        show_error(request, exc)
    else:
        messages.success(request, _("Grid worker assigned."))
    return redirect("area-detail", code=code)
