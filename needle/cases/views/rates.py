"""The rates page: response, resolution, satisfaction and on-time rates."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from needle.cases import selectors
from needle.cases.figures import RATES
from needle.cases.forms import RatesForm
from needle.cases.views.common import _fail
from needle.core.errors import DomainError, PermissionDenied
from needle.core.text import id_or_none
from needle.orgs import selectors as org_selectors
from needle.orgs.permissions import is_superuser, require_anywhere


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _rate_rows(f: selectors.Rates) -> list[tuple[str, str, int, int, str]]:
    """(name, rate, numerator, denominator, what it counts) for the four rates."""
    return [
        (
            str(r.label),
            _percent(f.rate(r.name)),
            sum(getattr(f, n) for n in r.numerator),
            r.base(f) or 0,
            str(r.counts),
        )
        for r in RATES
    ]


# The rates ---------------------------------------------------------------------------------------------


@login_required
@require_anywhere("cases.view")
@require_GET
def rates(request: HttpRequest) -> HttpResponse:
    """Response, resolution, satisfaction and on-time rates of a unit or an area subtree."""
    units = selectors.inbox_units(actor=request.user)
    asked = id_or_none(request.GET.get("unit", ""))
    if asked is not None and all(u.pk != asked for u in units):
        with contextlib.suppress(DomainError):  # else the form refuses the choice
            units.append(org_selectors.access_unit(actor=request.user, unit_id=asked))
    form = RatesForm(request.GET, units=units)
    figures = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        area, unit = data["area"], data["unit"]
        if area is None and unit is None:
            if units:
                unit = units[0]
            elif not is_superuser(request.user):
                raise PermissionDenied()
            # A superuser holds no unit of their own: the form asks them for an area or unit.
        try:
            if area is not None or unit is not None:
                figures = selectors.rates_for(
                    actor=request.user, start=data["start"], end=data["end"], area=area, unit=unit
                )
        except DomainError as exc:
            if exc.status == 404:
                raise  # the refusal page, through the middleware
            status = _fail(request, exc, form)
        subject = area.name if area is not None else unit.name if unit is not None else ""
    else:
        status = 400
        subject = ""
    rows = _rate_rows(figures) if figures is not None else []
    context = {"form": form, "figures": figures, "rows": rows, "subject": subject}
    # Area and unit pages load the figures alone into a panel.
    template = "cases/_rates_figures.html" if request.htmx else "cases/rates.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)
