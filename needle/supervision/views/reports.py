"""The fill-once report pages: a target's report (filled on a phone: prefilled and reused values
shown, only the open fields typed; the level above returns it with the fields to correct), and
the issuer's table of every target's answers with totals up the tree and the CSV/XLSX files.
Thin: reads from the selectors, writes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from needle.areas.selectors import area_get
from needle.core.errors import Conflict, ValidationFailed
from needle.core.text import id_or_none
from needle.orgs.permissions import require_anywhere
from needle.supervision import inputs
from needle.supervision import services as svc
from needle.supervision.models import FieldKind, Origin
from needle.supervision.presenters import status_label, unit_type_choices
from needle.supervision.selectors.report_burden import fields_burden
from needle.supervision.selectors.reports import access_template, report_of, report_table, templates_for
from needle.supervision.selectors.units import issuing_units
from needle.supervision.states import TARGET

TABLE_PAGE = 100


def _values(request: HttpRequest, filled: Any) -> dict[str, str]:
    """The report's fields the form posts (the page shows bound and locked ones as values, so
    a post that sends one anyway is refused by the service as the API's would be)."""
    return {
        line.field.key: request.POST[f"f-{line.field.key}"]
        for line in filled.lines
        if f"f-{line.field.key}" in request.POST
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    filled = report_of(actor=request.user, target_id=pk)
    errors: dict[str, str] = {}
    status = 200
    back = redirect(reverse("supervision-report", args=[pk]))
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                svc.report_save(actor=request.user, target_id=pk, values=_values(request, filled))
                messages.success(request, _("Saved."))
            elif action == "submit":
                svc.report_submit(actor=request.user, target_id=pk, values=_values(request, filled))
                messages.success(request, _("Submitted for sign-off."))
            elif action == "return":
                svc.report_return(
                    actor=request.user,
                    target_id=pk,
                    reason=request.POST.get("reason", ""),
                    fields=request.POST.getlist("flag"),
                )
                messages.success(request, _("Returned with the fields to correct."))
            else:
                raise ValidationFailed(fields={"action": _("Choose save, submit or return.")})
            return back
        except ValidationFailed as exc:
            errors = exc.fields or {"action": exc.message}
            status = 422
        except Conflict as exc:
            errors, status = {"action": exc.message}, 409
        filled = report_of(actor=request.user, target_id=pk)
    elif TARGET in filled.held and svc.report_open(actor=request.user, target_id=pk):
        filled = report_of(actor=request.user, target_id=pk)
    posted = request.POST if request.method == "POST" else {}
    lines = [
        {
            "line": line,
            "name": f"f-{line.field.key}",
            "value": posted.get(f"f-{line.field.key}", line.answer.value)
            if line.editable
            else line.answer.value,
            "origin": Origin(line.answer.origin).label if line.answer.origin else "",
            "origin_key": line.answer.origin or "empty",
            "origin_css": f"origin-{line.answer.origin or 'empty'}",
            "error": errors.get(line.field.key, ""),
        }
        for line in filled.lines
    ]
    counts = {o: sum(1 for line in filled.lines if line.answer.origin == o) for o in Origin.values if o}
    return render(
        request,
        "supervision/report.html",
        {
            "r": filled,
            "t": filled.target,
            "lines": lines,
            "errors": errors,
            "status_label": status_label(filled.target.status),
            "kinds": FieldKind,
            "counts": counts,
        },
        status=status,
    )


@login_required
@require_GET
def table_page(request: HttpRequest, pk: int) -> HttpResponse:
    table = report_table(actor=request.user, task_id=pk)
    page = id_or_none(request.GET.get("page", "1")) or 1
    pages = max(1, -(-len(table.rows) // TABLE_PAGE))
    page = min(page, pages)
    rows = table.rows[(page - 1) * TABLE_PAGE : page * TABLE_PAGE]
    return render(
        request,
        "supervision/report_table.html",
        {
            "table": table,
            "task": table.task,
            "rows": [(r, status_label(r.status), list(zip(r.values, r.origins, strict=True))) for r in rows],
            "page": page,
            "pages": pages,
        },
    )


@login_required
@require_GET
def burden_fields(request: HttpRequest, code: str) -> HttpResponse:
    """The burden page's section on report fields (loaded into it): by issuing unit, how many
    fields were prefilled, reused, typed, with the year before. The same period as the page."""
    area = area_get(code=code[:20])
    today = timezone.localdate()
    start, end = inputs.period(request.GET, today=today)
    now, before = fields_burden(actor=request.user, area=area, start=start, end=end)
    earlier = {line.issuer_id: line for line in before.lines}
    return render(
        request,
        "supervision/_burden_fields.html",
        {"now": now, "before": before, "rows": [(line, earlier.get(line.issuer_id)) for line in now.lines]},
    )


def _template_fields(text: str) -> list[dict[str, Any]]:
    """Lines "key | label | type | source.figure" (the binding optional) as the service's fields."""
    fields = []
    for n, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3:
            raise ValidationFailed(
                fields={"fields": _("Each line needs a key, a label and a type.") + f" ({n + 1})"}
            )
        field: dict[str, Any] = {"key": parts[0], "label": parts[1], "kind": parts[2]}
        if len(parts) > 3 and parts[3]:
            source, _dot, figure = parts[3].partition(".")
            field.update(source=source, figure=figure)
        fields.append(field)
    return fields


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere("supervision.issue")
def templates_page(request: HttpRequest) -> HttpResponse:
    """The report templates the person may issue, a form for a new one, and for each a form to
    request it from every unit of a type under an area."""
    units = issuing_units(actor=request.user, perm="supervision.issue")
    post = request.POST
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            owner = inputs.chosen_unit(units, post.get("issuer"))
            if post.get("action") == "create":
                svc.template_create(
                    actor=request.user,
                    owner=owner,
                    name=post.get("name", ""),
                    fields=_template_fields(post.get("fields", "")[:20000]),
                )
                messages.success(request, _("Created."))
                return redirect(reverse("supervision-templates"))
            template_id = id_or_none(post.get("template", ""))
            template = access_template(actor=request.user, template_id=template_id or 0)
            task = svc.report_issue(
                actor=request.user,
                issuer=owner,
                template=template,
                period_start=inputs.day(post.get("period_start", ""), field="period_start"),
                period_end=inputs.day(post.get("period_end", ""), field="period_end"),
                draft=svc.Draft(
                    title=post.get("title", ""),
                    task_type=post.get("task_type", ""),
                    deadline=inputs.day(post.get("deadline", ""), field="deadline"),
                ),
                targets=inputs.area_targets(post),
            )
            messages.success(request, _("Requested from %(n)d units.") % {"n": task.targets_count})
            return redirect(reverse("supervision-board", args=[task.pk]))
        except ValidationFailed as exc:
            errors = exc.fields or {"name": exc.message}
            if exc.code in ("task_type_not_admitted", "target_outside_area"):
                errors = {**errors, "area": exc.message}
    return render(
        request,
        "supervision/report_templates.html",
        {
            "templates": templates_for(actor=request.user),
            "units": units,
            "errors": errors,
            "form": post,
            "unit_types": unit_type_choices(),
        },
        status=422 if errors else 200,
    )
