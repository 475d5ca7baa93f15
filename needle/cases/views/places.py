"""Where a case lies, on its page: the form that places it in a grid of its community."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from needle.areas.selectors import area_get
from needle.cases import selectors, services
from needle.core.errors import DomainError, NotFound, ValidationFailed
from needle.core.text import id_or_none


@login_required
@require_http_methods(["GET", "POST"])
def case_grid(request: HttpRequest, number: str) -> HttpResponse:
    """GET (htmx, on the case page): the grids the actor may place the case in, as a form (or
    nothing). POST: place it (`case_place_in_grid`); a refusal of the input or the state comes
    back as a message on the case page."""
    if request.method == "GET":
        case = selectors.access_case(actor=request.user, number=number)
        grids = selectors.grid_choices(actor=request.user, case=case)
        return render(request, "cases/_grid_place.html", {"case": case, "grids": grids})
    try:
        with transaction.atomic():
            case = selectors.access_case(actor=request.user, number=number, for_write=True)
            try:
                grid = area_get(code=request.POST.get("grid", "").strip())
            except NotFound as exc:
                raise ValidationFailed(fields={"grid": exc.message}) from None
            version = request.POST.get("version", "")
            services.case_place_in_grid(actor=request.user, case=case, grid=grid, version=id_or_none(version))
    except DomainError as exc:
        if exc.status in (401, 403, 404) and not exc.fields:
            raise  # the refusal page, through the middleware
        for text in exc.fields.values() or [exc.message]:
            messages.error(request, text)
    else:
        messages.success(
            request, _("Case %(number)s is placed in %(grid)s.") % {"number": case.number, "grid": grid.name}
        )
    return redirect("case-detail", number=number)
