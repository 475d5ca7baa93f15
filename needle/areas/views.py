"""Browsing the area tree: breadcrumbs, children, search; grid management where granted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from needle.areas import selectors
from needle.areas.models import Level
from needle.core.errors import DomainError, NotFound
from needle.core.pagination import paginate
from needle.core.views import show_error
from needle.orgs import selectors as org_selectors
from needle.orgs import services as org_services
from needle.orgs.forms import GridForm, GridWorkerForm
from needle.orgs.permissions import can_in_area


@login_required
def area_index(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    try:
        qs = selectors.area_search(text=text) if text else selectors.area_roots()
        page = paginate(qs, page=request.GET.get("page"))
    except DomainError as exc:
        show_error(request, exc)
        return redirect("area-index")
    counts = selectors.children_counts(areas=page.items)
    rows = [(a, counts.get(a.pk, 0)) for a in page.items]
    template = "areas/_area_rows.html" if request.htmx else "areas/area_index.html"  # type: ignore[attr-defined]
    return render(request, template, {"rows": rows, "page": page, "q": text})


def _detail_context(request: HttpRequest, code: str) -> dict[str, object]:
    area = selectors.area_get(code=code)
    page = paginate(selectors.area_children(area=area), page=request.GET.get("page"))
    counts = selectors.children_counts(areas=page.items)
    manage = can_in_area(request.user, "areas.manage_grids", area)
    see_people = can_in_area(request.user, "orgs.view_people", area)
    return {
        "area": area,
        "ancestors": selectors.area_ancestors(area=area),
        "rows": [(a, counts.get(a.pk, 0)) for a in page.items],
        "page": page,
        "can_create_grid": manage and area.level == Level.COMMUNITY,
        "can_assign": manage and area.level == Level.GRID,
        "workers": org_selectors.grid_workers(actor=request.user, grid=area)
        if see_people and area.level == Level.GRID
        else None,
        "grid_form": GridForm(),
        "worker_form": GridWorkerForm(),
        "has_map": selectors.has_boundaries_below(area=area),
        "can_see_cases": can_in_area(request.user, "cases.view", area),
    }


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        context = _detail_context(request, code)
    except NotFound:
        return render(request, "404.html", status=404)
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
        community = selectors.area_get(code=code)
        if not form.is_valid():
            raise DomainError(_("Give the grid a name."))
        grid = org_services.grid_create(
            actor=request.user, community=community, name=form.cleaned_data["name"]
        )
    except NotFound:
        return render(request, "404.html", status=404)
    except DomainError as exc:
        if exc.status == 403:
            return render(request, "403.html", status=403)
        show_error(request, exc)
        return redirect("area-detail", code=code)
    messages.success(request, _("Grid %(name)s created.") % {"name": grid.name})
    return redirect("area-detail", code=grid.code)


@login_required
@require_POST
def grid_assign(request: HttpRequest, code: str) -> HttpResponse:
    form = GridWorkerForm(request.POST)
    try:
        grid = selectors.area_get(code=code)
        if not form.is_valid():
            raise DomainError(_("Give the worker's username."))
        worker = org_selectors.access_person(actor=request.user, username=form.cleaned_data["username"])
        org_services.grid_assign_worker(actor=request.user, grid=grid, worker=worker)
    except DomainError as exc:
        if exc.status == 403:
            return render(request, "403.html", status=403)
        show_error(request, exc)
    else:
        messages.success(request, _("Grid worker assigned."))
    return redirect("area-detail", code=code)
