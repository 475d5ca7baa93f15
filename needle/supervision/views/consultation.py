"""The consultation pages: the issuer's form to ask units for their opinion on a draft, and a
consultation's page (the draft; for the issuer the answers counted by stance, the answers and the
units that have not answered, closing and issuing a task; for a unit asked its answer form).
Thin: reads come from the selectors, writes go through the services, which check permission."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needle.core.errors import Conflict, ValidationFailed
from needle.core.text import id_or_none
from needle.orgs.models import Unit
from needle.orgs.permissions import require_anywhere
from needle.supervision import inputs
from needle.supervision.models import Stance
from needle.supervision.selectors.consultation import access_consultation, consultation_view
from needle.supervision.services import consultation as svc
from needle.supervision.views.issuing import issuing_form


def _unit_id(value: str) -> int | None:
    """The unit a reply is for: none given (the person's only unit), or an id."""
    if not value:
        return None
    found = id_or_none(value)
    if found is None:
        raise ValidationFailed(fields={"unit": _("Choose one of your units.")})
    return found


STANCES = (Stance.AGREE, Stance.CHANGES, Stance.DISAGREE)


@login_required
@require_http_methods(["GET", "POST"])
@require_anywhere("supervision.issue")
def consultation_new(request: HttpRequest) -> HttpResponse:
    """Ask every unit of a type under an area for its opinion (the API also takes unit ids)."""
    post = request.POST

    def issue(issuer: Unit) -> tuple[str, str]:
        consultation = svc.consultation_open(
            actor=request.user,
            issuer=issuer,
            title=post.get("title", ""),
            body=post.get("body", ""),
            deadline=inputs.day(post.get("deadline", ""), field="deadline"),
            targets=inputs.area_targets(post),
        )
        return (
            _("Asked %(n)d units.") % {"n": consultation.targets_count},
            reverse("supervision-consultation", args=[consultation.pk]),
        )

    return issuing_form(
        request,
        template="supervision/consultation_new.html",
        issue=issue,
        on_area=frozenset({"target_outside_area"}),
    )


@login_required
@require_GET
def consultation_page(request: HttpRequest, pk: int) -> HttpResponse:
    consultation, held = access_consultation(actor=request.user, consultation_id=pk)
    view = consultation_view(actor=request.user, consultation=consultation, held=held)
    return render(
        request,
        "supervision/consultation.html",
        {
            "c": consultation,
            "view": view,
            "stances": [(s.value, s.label) for s in STANCES],
            "counts": [
                (Stance(s).label if s != "waiting" else _("not answered"), n) for s, n in view.counts.items()
            ],
        },
    )


@login_required
@require_POST
def consultation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form's move; a refusal of the input or of the state comes back as a message, others
    (403, 404) as the error page."""
    actor = request.user
    post = request.POST
    back = redirect(reverse("supervision-consultation", args=[pk]))
    try:
        if action == "reply":
            unit = post.get("unit", "")
            svc.consultation_reply(
                actor=actor,
                consultation_id=pk,
                stance=post.get("stance", ""),
                text=post.get("text", ""),
                unit_id=_unit_id(unit),
            )
        elif action == "close":
            svc.consultation_close(actor=actor, consultation_id=pk)
        elif action == "task":
            task = svc.task_from_consultation(
                actor=actor,
                consultation_id=pk,
                deadline=inputs.day(post.get("deadline", ""), field="deadline"),
                task_type=post.get("task_type", "") or "general",
            )
            messages.success(request, _("Issued to %(n)d units.") % {"n": task.targets_count})
            return redirect(reverse("supervision-board", args=[task.pk]))
        else:
            return render(request, "404.html", status=404)
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, "; ".join([exc.message, *exc.fields.values()]))
        return back
    messages.success(request, _("Saved."))
    return back
