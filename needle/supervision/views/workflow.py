"""The general office's pages around the admission list and held tasks: an admitted entry
amended or revoked, a list imported from a table (the template to download; every bad line
named, nothing imported then), and the queue of tasks held for its approval. Thin: reads from
the selectors, writes through the services, which check who may."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from needle.core import sheets
from needle.core.errors import Conflict, ValidationFailed
from needle.core.text import id_or_none
from needle.orgs.permissions import require_anywhere
from needle.supervision import inputs
from needle.supervision import services as svc
from needle.supervision.models import Entry
from needle.supervision.selectors.admission import entry_to_decide
from needle.supervision.selectors.held import LIMIT, held_for
from needle.supervision.services.imports import COLUMNS, template_csv, template_xlsx

DECIDE = "supervision.decide_admission"


def _change(entry: Entry, post: Any) -> dict[str, Any]:
    """The fields the form changed (the service checks each; a validity already past stays)."""
    given: dict[str, Any] = {
        "asks": post.get("asks", ""),
        "basis": post.get("basis", ""),
        "hours": post.get("hours", ""),
        "valid_from": inputs.day(post.get("valid_from", ""), field="valid_from"),
        "valid_until": inputs.day(post.get("valid_until", ""), field="valid_until"),
    }
    return {k: v for k, v in given.items() if str(v) != str(getattr(entry, k))}


@login_required
@require_http_methods(["GET", "POST"])
def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An admitted entry, amended (what it asks, basis, hours, validity) or revoked with a note."""
    entry = entry_to_decide(actor=request.user, entry_id=pk)
    errors: dict[str, str] = {}
    post = request.POST
    status = 200
    if request.method == "POST":
        try:
            if post.get("action") == "revoke":
                svc.entry_decide(
                    actor=request.user, entry_id=pk, decision="revoked", note=post.get("note", "")
                )
                messages.success(request, _("Revoked."))
            else:
                svc.entry_amend(
                    actor=request.user, entry_id=pk, change=_change(entry, post), note=post.get("note", "")
                )
                messages.success(request, _("Amended."))
            return redirect(reverse("supervision-admission", args=[entry.district.code]))
        except ValidationFailed as exc:
            errors, status = exc.fields or {"asks": exc.message}, 422
        except Conflict as exc:
            errors, status = {"action": exc.message}, 409
        entry = entry_to_decide(actor=request.user, entry_id=pk)
    form = post if request.method == "POST" else {}
    return render(
        request,
        "supervision/entry.html",
        {"e": entry, "errors": errors, "form": form, "admitted": entry.status == "admitted"},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere(DECIDE)
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a district's admission list as an XLSX or CSV table; a file with bad lines is
    refused whole, each bad line shown with its column and problem."""
    error = ""
    lines: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        try:
            name, data = sheets.upload_read(request.FILES.get("file"))
            made = svc.entries_import(actor=request.user, name=name, data=data)
        except ValidationFailed as exc:
            error = exc.fields.get("file", exc.message)
            lines = list(exc.extra.get("lines", []))
            status = 422
        else:
            messages.success(request, _("Imported %(n)d entries.") % {"n": len(made)})
            districts = sorted({e.district.code for e in made})
            if len(districts) == 1:
                return redirect(reverse("supervision-admission", args=[districts[0]]))
            return redirect(reverse("supervision-admission-work"))
    return render(
        request,
        "supervision/admission_import.html",
        {"columns": COLUMNS, "error": error, "lines": lines},
        status=status,
    )


@login_required
@require_GET
@require_anywhere(DECIDE)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The import's template (the columns and an example line), as CSV or XLSX."""
    if kind not in sheets.KINDS:
        return render(request, "404.html", status=404)
    if kind == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=sheets.XLSX_TYPE)
    else:
        response = HttpResponse(template_csv(), content_type=sheets.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="admission-list.{kind}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere(DECIDE)
def held_page(request: HttpRequest) -> HttpResponse:
    """The general office's queue of tasks held for its approval: approve (the targets are told)
    or refuse (it reaches no one), with a reason."""
    errors: dict[str, str] = {}
    post = request.POST
    status = 200
    if request.method == "POST":
        try:
            task_id = id_or_none(post.get("task", ""))
            if task_id is None:
                raise ValidationFailed(fields={"task": _("Choose a task.")})
            decision = post.get("decision", "")
            if decision not in ("approve", "refuse"):
                raise ValidationFailed(fields={"decision": _("Choose approve or refuse.")})
            svc.task_hold_decide(
                actor=request.user, task_id=task_id, approve=decision == "approve", note=post.get("note", "")
            )
        except ValidationFailed as exc:
            errors, status = exc.fields or {"note": exc.message}, 422
        else:
            messages.success(request, _("Approved.") if decision == "approve" else _("Refused."))
            return redirect(reverse("supervision-held"))
    return render(
        request,
        "supervision/held.html",
        {"tasks": held_for(actor=request.user)[:LIMIT], "errors": errors, "form": post},
        status=status,
    )
