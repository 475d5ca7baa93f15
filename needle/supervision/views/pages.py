"""The supervision pages: my tasks (to do, to sign off, extensions, issued), a task's board, a
target's page with the moves the person may make, and a district's public admission list.
Thin: reads come from the selectors, writes go through the services, which check permission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.areas.models import Area, Level
from needle.areas.selectors import area_get, area_named
from needle.core import sheets
from needle.core.errors import ValidationFailed
from needle.core.text import id_or_none
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import (
    grants_of,
    has_perm_anywhere,
    require_anywhere,
    scope_paths,
)
from needle.supervision import inputs
from needle.supervision import services as svc
from needle.supervision.models import Colour, Priority, Source, Status
from needle.supervision.presenters import (
    colour_class,
    colour_label,
    status_label,
    target_moves,
)
from needle.supervision.selectors import admission as adm
from needle.supervision.selectors.burden import IssuerLine, burden_for
from needle.supervision.selectors.consultation import consultation_inbox, consultations_issued
from needle.supervision.selectors.held import held_count
from needle.supervision.selectors.tasks import access_target, access_task, my_tasks, target_colour, task_board
from needle.supervision.selectors.units import issuing_units
from needle.supervision.services.issue import district_path
from needle.supervision.services.workflow import MAX_FILE_BYTES
from needle.supervision.views.issuing import issuing_form


def grant_paths(actor: Any) -> set[str]:
    return {g.area_path for g in grants_of(actor)}


def _line(row: Any) -> dict[str, Any]:
    t = row.target
    return {
        "target": t,
        "colour": row.colour,
        "css": colour_class(row.colour),
        "colour_label": colour_label(row.colour),
        "status_label": status_label(t.status),
    }


@login_required
@require_GET
@require_anywhere("supervision.view")
def mine(request: HttpRequest) -> HttpResponse:
    today = my_tasks(actor=request.user)
    issued = [
        {"task": task, "counts": [(colour_class(c), colour_label(c), n) for c, n in counts.items() if n]}
        for task, counts in today.issued
    ]
    places = list(
        Area.objects.filter(path__in=scope_paths(request.user, "supervision.view_burden")).order_by("path")[
            :10
        ]
    )
    districts = list(
        Area.objects.filter(
            path__in={district_path(a.path) for a in places}
            | {district_path(p) for p in grant_paths(request.user)},
            level=Level.DISTRICT,
        ).order_by("path")[:10]
    )
    return render(
        request,
        "supervision/mine.html",
        {
            "places": places,
            "districts": districts,
            "may_issue": has_perm_anywhere(request.user, "supervision.issue"),
            "may_admit": has_perm_anywhere(request.user, "supervision.apply_admission")
            or has_perm_anywhere(request.user, "supervision.decide_admission"),
            "to_do": [_line(r) for r in today.to_do],
            "to_sign": [_line(r) for r in today.to_sign],
            "extensions": [_line(r) for r in today.extensions],
            "held": held_count(actor=request.user),
            "issued": issued,
            # Consultation on drafts
            "opinions": consultation_inbox(actor=request.user),
            "consultations_issued": consultations_issued(actor=request.user),
        },
    )


@login_required
@require_GET
def board(request: HttpRequest, pk: int) -> HttpResponse:
    task = access_task(actor=request.user, task_id=pk)
    status = request.GET.get("status", "")[:20]
    colour = request.GET.get("colour", "")[:20]
    result = task_board(
        actor=request.user, task=task, page=request.GET.get("page"), status=status, colour=colour
    )
    extra = "".join(f"{k}={v}&" for k, v in (("status", status), ("colour", colour)) if v)
    return render(
        request,
        "supervision/board.html",
        {
            "task": task,
            "by_status": [(s, status_label(s), result.by_status[s]) for s in Status.values],
            "by_colour": [(c, colour_class(c), colour_label(c), result.by_colour[c]) for c in Colour.values],
            "rows": [_line(r) for r in result.page.items],
            "page": result.page,
            "extra": extra,
            "status": status,
            "colour": colour,
        },
    )


@login_required
@require_GET
def target_page(request: HttpRequest, pk: int) -> HttpResponse:
    target, held = access_target(actor=request.user, target_id=pk)
    colour = target_colour(target)
    moves = target_moves(
        target,
        held,
        street=target.unit.type == UnitType.STREET_OFFICE,
        community=target.unit.type == UnitType.RESIDENT_COMMITTEE,
    )
    return render(
        request,
        "supervision/target.html",
        {
            "t": target,
            "task": target.task,
            "css": colour_class(colour),
            "colour_label": colour_label(colour),
            "status_label": status_label(target.status),
            "moves": moves,
            "reports": target.reports.select_related("by")[:50],
            "evidence": list(target.evidence.all()),
            "may_add_evidence": "target" in held and target.status not in ("signed_off", "declined"),
            "errors": {},
        },
    )


def _percent(value: str) -> int:
    if not (value.isascii() and value.isdecimal() and len(value) <= 3):
        raise ValidationFailed(fields={"progress": _("Give a whole number from 0 to 100.")})
    return int(value)


@login_required
@require_POST
def target_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form's move; a refusal of the input comes back as a message, others as the error page."""
    actor = request.user
    post = request.POST
    back = redirect(reverse("supervision-target", args=[pk]))
    try:
        if action == "accept":
            svc.target_accept(actor=actor, target_id=pk)
        elif action == "progress":
            svc.target_progress(
                actor=actor,
                target_id=pk,
                progress=_percent(post.get("progress", "")),
                text=post.get("text", ""),
            )
        elif action == "done":
            svc.target_done(actor=actor, target_id=pk, text=post.get("text", ""))
        elif action == "sign-off":
            svc.target_sign_off(actor=actor, target_id=pk)
        elif action == "return":
            svc.target_return(actor=actor, target_id=pk, reason=post.get("reason", ""))
        elif action == "decline":
            svc.target_decline(actor=actor, target_id=pk, reason=post.get("reason", ""))
        elif action == "extension":
            svc.extension_ask(
                actor=actor,
                target_id=pk,
                until=inputs.day(post.get("until", ""), field="until"),
                reason=post.get("reason", ""),
            )
        elif action == "evidence":
            name, data = sheets.upload_read(request.FILES.get("file"), max_bytes=MAX_FILE_BYTES)
            svc.evidence_add(actor=actor, target_id=pk, data=data, name=name)
        elif action == "urge":
            svc.target_urge(actor=actor, target_id=pk, note=post.get("note", ""))
        elif action in ("grant", "refuse"):
            svc.extension_decide(actor=actor, target_id=pk, grant=action == "grant")
        elif action == "split":
            target, _held = access_target(actor=actor, target_id=pk)
            child = svc.target_split(actor=actor, target=target)
            messages.success(request, _("Passed down to %(n)d communities.") % {"n": child.targets_count})
            return redirect(reverse("supervision-board", args=[child.pk]))
        else:
            return render(request, "404.html", status=404)
    except ValidationFailed as exc:
        messages.error(request, "; ".join([exc.message, *exc.fields.values()]))
        return back
    messages.success(request, _("Saved."))
    return back


@require_GET
def admission_list(request: HttpRequest, code: str) -> HttpResponse:
    """A district's admission list, public: what its communities may be asked to do."""
    district = adm.access_district(code)
    today = timezone.localdate()
    # Its general office sees every admitted entry, to amend or revoke it, and imports a list.
    decides = adm.decides_list(actor=request.user, district=district)
    entries = (
        adm.admitted_list(district=district) if decides else adm.public_list(district=district, on=today)
    )
    return render(
        request,
        "supervision/admission.html",
        {"district": district, "entries": entries, "today": today, "decides": decides},
    )


@login_required
@require_GET
@require_anywhere("supervision.view_burden")
def burden(request: HttpRequest, code: str) -> HttpResponse:
    """The burden put on an area's units: tasks received by issuing unit, estimated hours,
    declined and refused, beside the same period a year before (default: the last 90 days)."""
    area = area_get(code=code[:20])
    today = timezone.localdate()
    start, end = inputs.period(request.GET, today=today)
    now, before = burden_for(actor=request.user, area=area, start=start, end=end)
    earlier = {line.issuer_id: line for line in before.lines}
    rows: list[tuple[IssuerLine | None, IssuerLine | None]] = [
        (line, earlier.get(line.issuer_id)) for line in now.lines
    ]
    issuers_now = {n.issuer_id for n in now.lines}
    rows += [(None, line) for line in before.lines if line.issuer_id not in issuers_now]
    return render(
        request, "supervision/burden.html", {"area": area, "now": now, "before": before, "rows": rows}
    )


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere("supervision.issue")
def task_new(request: HttpRequest) -> HttpResponse:
    """Issue a task to every unit of a type under an area (the API also takes unit ids)."""
    post = request.POST

    def issue(issuer: Unit) -> tuple[str, str]:
        task = svc.task_issue(
            actor=request.user,
            issuer=issuer,
            draft=svc.Draft(
                title=post.get("title", ""),
                body=post.get("body", ""),
                task_type=post.get("task_type", ""),
                source=post.get("source", ""),
                priority=post.get("priority", ""),
                deadline=inputs.day(post.get("deadline", ""), field="deadline"),
            ),
            targets=inputs.area_targets(post),
        )
        return (
            _("Issued to %(n)d units.") % {"n": task.targets_count},
            reverse("supervision-board", args=[task.pk]),
        )

    return issuing_form(
        request,
        template="supervision/new.html",
        issue=issue,
        on_area=frozenset({"task_type_not_admitted", "target_outside_area"}),
        context={"sources": Source.choices, "priorities": Priority.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere("supervision.apply_admission", "supervision.decide_admission")
def admission_work(request: HttpRequest) -> HttpResponse:
    """The admission list's workflow: apply for an entry, and decide the applications waiting."""
    units = issuing_units(actor=request.user, perm="supervision.apply_admission")
    errors: dict[str, str] = {}
    post = request.POST
    if request.method == "POST":
        try:
            if post.get("entry"):
                entry_id = id_or_none(post.get("entry", ""))
                if entry_id is None:
                    raise ValidationFailed(fields={"entry": _("Choose an application.")})
                svc.entry_decide(
                    actor=request.user,
                    entry_id=entry_id,
                    decision=post.get("decision", ""),
                    note=post.get("note", ""),
                )
                messages.success(request, _("Decided."))
                return redirect(reverse("supervision-admission-work"))
            issuer = inputs.chosen_unit(units, post.get("issuer"))
            district = area_named(post.get("district", ""), field="district")
            svc.entry_apply(
                actor=request.user,
                issuer=issuer,
                district=district,
                task_type=post.get("task_type", ""),
                asks=post.get("asks", ""),
                basis=post.get("basis", ""),
                hours=post.get("hours", ""),
                valid_from=inputs.day(post.get("valid_from", ""), field="valid_from"),
                valid_until=inputs.day(post.get("valid_until", ""), field="valid_until"),
            )
            messages.success(request, _("Applied."))
            return redirect(reverse("supervision-admission-work"))
        except ValidationFailed as exc:
            errors = exc.fields or {"task_type": exc.message}
    return render(
        request,
        "supervision/admission_work.html",
        {
            "units": units,
            "waiting": adm.applications_for(actor=request.user)[:100],
            "errors": errors,
            "form": post,
            "perms_decide": has_perm_anywhere(request.user, "supervision.decide_admission"),
        },
        status=422 if errors else 200,
    )
