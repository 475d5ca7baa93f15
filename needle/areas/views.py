"""Searching the area tree. An area's own page shows what the actor may do there (grids,
their workers), so it lives in orgs, with the permissions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needle.areas import selectors
from needle.core.errors import DomainError
from needle.core.pagination import paginate
from needle.core.views import show_error


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
