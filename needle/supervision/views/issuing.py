"""The issuing forms' one path (a task, a consultation): the person's issuing units, the unit
chosen, the service's write, and on a refusal the form again with its errors by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from needle.core.errors import ValidationFailed
from needle.orgs.models import Unit
from needle.supervision import inputs
from needle.supervision.presenters import unit_type_choices
from needle.supervision.selectors.units import issuing_units


def issuing_form(
    request: HttpRequest,
    *,
    template: str,
    issue: Callable[[Unit], tuple[str, str]],
    on_area: frozenset[str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """On a POST, `issue` writes for the issuing unit chosen and returns the success message and
    the address to go to; a refusal shows the form again (422) with the errors beside their
    fields, the targets' refusals (`on_area`) beside the area."""
    units = issuing_units(actor=request.user, perm="supervision.issue")
    errors: dict[str, str] = {}
    post = request.POST
    if request.method == "POST":
        try:
            message, to = issue(inputs.chosen_unit(units, post.get("issuer")))
        except ValidationFailed as exc:
            errors = inputs.form_errors(exc, on_area=on_area)
        else:
            messages.success(request, message)
            return redirect(to)
    return render(
        request,
        template,
        {
            "units": units,
            "errors": errors,
            "form": post,
            "unit_types": unit_type_choices(),
            **(context or {}),
        },
        status=422 if errors else 200,
    )
