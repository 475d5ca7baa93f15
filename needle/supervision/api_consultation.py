"""/api/v1/supervision/consultations: asking units for their opinion on a draft (征求意见), their
answers, the closure, and a task issued from the draft."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from needle.core.schemas import ERRORS, Id
from needle.orgs.permissions import require_authenticated
from needle.supervision.models import Consultation, ConsultationReply
from needle.supervision.schemas_consultation import (
    SupConsultationCreatedOut,
    SupConsultationIn,
    SupConsultationListOut,
    SupConsultationOut,
    SupConsultationReplyIn,
    SupConsultationReplyOut,
    SupConsultationTaskIn,
    SupConsultationTaskOut,
)
from needle.supervision.selectors import consultation as sel
from needle.supervision.selectors.units import unit_named
from needle.supervision.services import consultation as svc

router = Router()


def reply_out(r: ConsultationReply) -> dict[str, Any]:
    return {
        "id": r.pk,
        "unit": r.unit_id,
        "unit_name": r.unit.name,
        "stance": r.stance,
        "text": r.text,
        "answered_at": r.answered_at,
    }


def consultation_out(actor: Any, consultation_id: int) -> dict[str, Any]:
    c, held = sel.access_consultation(actor=actor, consultation_id=consultation_id)
    view = sel.consultation_view(actor=actor, consultation=c, held=held)
    return {
        "id": c.pk,
        "issuer": c.issuer_id,
        "issuer_name": c.issuer.name,
        "title": c.title,
        "body": c.body,
        "deadline": c.deadline,
        "state": c.state,
        "overdue": view.overdue,
        "targets_count": c.targets_count,
        "task": c.task_id,
        "all_replies": view.see_all,
        "counts": view.counts,
        "replies": [reply_out(r) for r in view.answered],
        "waiting": [reply_out(r) for r in view.waiting],
    }


def _line(c: Consultation, **extra: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "issuer": c.issuer_id,
        "issuer_name": c.issuer.name,
        "title": c.title,
        "deadline": c.deadline,
        "state": c.state,
        "overdue": sel.overdue(c),
        "targets_count": c.targets_count,
        **extra,
    }


@router.post(
    "/consultations",
    response={201: SupConsultationCreatedOut, **ERRORS},
    summary="Ask units for their opinion on a draft (征求意见)",
)
def consultation_create(request: HttpRequest, payload: SupConsultationIn) -> Any:
    """201 with the id and how many units were asked; 403 when you do not issue for the unit;
    422 `target_outside_area`, `date_in_past` or naming a field."""
    actor = require_authenticated(request.user)
    issuer = unit_named(payload.issuer, field="issuer")
    c = svc.consultation_open(
        actor=actor,
        issuer=issuer,
        title=payload.title,
        body=payload.body,
        deadline=payload.deadline,
        targets=payload.targets,
    )
    return Status(201, {"id": c.pk, "targets_count": c.targets_count})


@router.get(
    "/consultations",
    response={200: SupConsultationListOut, **ERRORS},
    summary="Consultations waiting for my answer, or issued by my units",
)
def consultation_list(request: HttpRequest, mine: Literal["inbox", "issued"] = "inbox") -> Any:
    actor = require_authenticated(request.user)
    if mine == "issued":
        results = [_line(c, counts=counts) for c, counts in sel.consultations_issued(actor=actor)]
    else:
        results = [_line(r.consultation, unit=r.unit_id) for r in sel.consultation_inbox(actor=actor)]
    return {"results": results}


@router.get(
    "/consultations/{consultation_id}", response={200: SupConsultationOut, **ERRORS}, summary="A consultation"
)
def consultation_get(request: HttpRequest, consultation_id: Id) -> Any:
    """The issuer (and readers above) see every answer and who has not answered; a unit asked
    sees its own."""
    return consultation_out(request.user, consultation_id)


@router.post(
    "/consultations/{consultation_id}/replies",
    response={200: SupConsultationReplyOut, **ERRORS},
    summary="Answer a consultation (or change the answer)",
)
def consultation_reply(request: HttpRequest, consultation_id: Id, payload: SupConsultationReplyIn) -> Any:
    """409 after the deadline or the closure; 422 naming `text` when changes or disagreement
    say nothing."""
    actor = require_authenticated(request.user)
    reply = svc.consultation_reply(
        actor=actor,
        consultation_id=consultation_id,
        stance=payload.stance,
        text=payload.text,
        unit_id=payload.unit,
    )
    reply = ConsultationReply.objects.select_related("unit").get(pk=reply.pk)
    return reply_out(reply)


@router.post(
    "/consultations/{consultation_id}/close",
    response={200: SupConsultationOut, **ERRORS},
    summary="Close a consultation (issuer)",
)
def consultation_close(request: HttpRequest, consultation_id: Id) -> Any:
    actor = require_authenticated(request.user)
    svc.consultation_close(actor=actor, consultation_id=consultation_id)
    return consultation_out(actor, consultation_id)


@router.post(
    "/consultations/{consultation_id}/task",
    response={201: SupConsultationTaskOut, **ERRORS},
    summary="Issue a task from a closed consultation's draft",
)
def consultation_task(request: HttpRequest, consultation_id: Id, payload: SupConsultationTaskIn) -> Any:
    """By default to the units asked; the admission list is checked as for any task."""
    actor = require_authenticated(request.user)
    task = svc.task_from_consultation(
        actor=actor,
        consultation_id=consultation_id,
        deadline=payload.deadline,
        task_type=payload.task_type,
        targets=payload.targets,
    )
    return Status(201, {"id": task.pk, "targets_count": task.targets_count, "deadline": task.deadline})
