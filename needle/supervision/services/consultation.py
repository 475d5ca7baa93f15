"""Consultation on drafts (征求意见): an issuer asks units for their opinion on a draft before a
deadline; each unit answers agree, agree with changes or disagree (the last two say what), and
may change its answer until the deadline or the closure; the issuer closes it and may issue a
task from the draft.

Units are reached as a task reaches them (unit ids or {"area", "unit_type"}, within the
issuer's area: services.issue.targets_resolve), each told once through the tasks' batched
notices. Moves are read from states.CONSULTATION_MOVES."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.core.audit import audit_record
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import allowed
from needle.core.states import target as move_target
from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, require_authenticated
from needle.supervision import inputs
from needle.supervision.access_consultation import (
    answering_units,
    visible_consultation,
)
from needle.supervision.models import Consultation, ConsultationReply, ConsultationState, Stance, Task
from needle.supervision.services import notices
from needle.supervision.services.issue import Draft, targets_resolve, task_issue
from needle.supervision.states import CONSULTATION_MOVES, CONSULTED, ISSUER

TEXT = 5000


def today() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def consultation_open(
    *, actor: Any, issuer: Unit, title: str, body: str, deadline: Any, targets: Sequence[Any]
) -> Consultation:
    """Ask `targets` (as a task's targets, within the issuer's area) for their opinion on the
    draft by `deadline`. Writes the consultation, one unanswered reply per unit, one audit event;
    each unit's staff are told once after commit."""
    actor = require_authenticated(actor)
    if not can_act_for_unit(actor, "supervision.issue", issuer):
        raise PermissionDenied()
    if not issuer.active:
        raise ValidationFailed(fields={"issuer": _("This unit has been dissolved.")})
    title = inputs.text(title, limit=inputs.TITLE, field="title", required=True)
    body = inputs.text(body, limit=inputs.BODY, field="body", required=True)
    deadline = inputs.future_day(deadline, field="deadline", today=today())
    reached = targets_resolve(issuer, targets)
    consultation = Consultation.objects.create(
        issuer=issuer,
        area_path=issuer.area_path,
        title=title,
        body=body,
        deadline=deadline,
        targets_count=len(reached),
        created_by=actor,
    )
    ConsultationReply.objects.bulk_create(
        [ConsultationReply(consultation=consultation, unit_id=r.id, area_path=r.area_path) for r in reached],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action="supervision.consultation.opened",
        obj=consultation,
        new={"issuer": issuer.pk, "deadline": deadline, "targets": len(reached)},
    )
    notices.after_consultation(consultation)
    return consultation


def _locked(actor: Any, consultation_id: int) -> tuple[Consultation, set[str]]:
    """The consultation locked for a write, and the actor's capacities on it (404 when the
    actor may not even see it)."""
    return visible_consultation(actor, Consultation.objects.select_for_update(), consultation_id)


def _closed_error(consultation: Consultation) -> Conflict:
    return Conflict(_("This consultation is closed."), code="closed", extra={"state": consultation.state})


@transaction.atomic
def consultation_reply(
    *, actor: Any, consultation_id: int, stance: str, text: str = "", unit_id: int | None = None
) -> ConsultationReply:
    """A unit asked answers (or changes its answer) until the deadline or the closure (409
    after). `unit_id` is needed only when the actor works in several of the units asked."""
    actor = require_authenticated(actor)
    consultation, held = _locked(actor, consultation_id)
    if CONSULTED not in held:
        raise PermissionDenied()
    units = answering_units(actor, consultation)
    if unit_id is None:
        if len(units) > 1:
            raise ValidationFailed(fields={"unit": _("Choose the unit you answer for.")})
        unit_id = units[0]
    elif unit_id not in units:
        raise PermissionDenied(_("You do not answer for this unit."))
    if not allowed(CONSULTATION_MOVES, "reply", consultation.state, held):
        raise _closed_error(consultation)
    if today() > consultation.deadline:
        raise Conflict(
            _("The deadline for answers has passed."),
            code="deadline_passed",
            extra={"deadline": consultation.deadline.isoformat()},
        )
    if stance not in (Stance.AGREE, Stance.CHANGES, Stance.DISAGREE):
        raise ValidationFailed(
            fields={
                "stance": _("Choose one of: %(c)s.")
                % {"c": ", ".join((Stance.AGREE, Stance.CHANGES, Stance.DISAGREE))}
            }
        )
    text = inputs.text(text, limit=TEXT, field="text")
    if stance != Stance.AGREE and not text:
        raise ValidationFailed(fields={"text": _("Say what should change, or why you disagree.")})
    reply = ConsultationReply.objects.select_for_update().get(consultation=consultation, unit_id=unit_id)
    old = {"stance": reply.stance, "text": reply.text}
    reply.stance = stance
    reply.text = text
    reply.answered_by = actor
    reply.answered_at = timezone.now()
    reply.save(update_fields=["stance", "text", "answered_by", "answered_at"])
    Consultation.objects.filter(pk=consultation.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="supervision.consultation.replied",
        obj=consultation,
        old=old if old["stance"] else None,
        new={"unit": unit_id, "stance": stance, "text": text},
    )
    return reply


@transaction.atomic
def consultation_close(*, actor: Any, consultation_id: int) -> Consultation:
    """The issuer closes the consultation: no answer is taken or changed after."""
    actor = require_authenticated(actor)
    consultation, held = _locked(actor, consultation_id)
    if ISSUER not in held:
        raise PermissionDenied()
    if not allowed(CONSULTATION_MOVES, "close", consultation.state, held):
        raise _closed_error(consultation)
    consultation.state = move_target(CONSULTATION_MOVES, "close")
    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["state", "closed_at", "updated_at"])
    answered = ConsultationReply.objects.filter(consultation=consultation).exclude(stance="").count()
    audit_record(
        actor=actor,
        action="supervision.consultation.closed",
        obj=consultation,
        old={"state": ConsultationState.OPEN},
        new={"state": consultation.state, "answered": answered},
    )
    return consultation


def task_from_consultation(
    *,
    actor: Any,
    consultation_id: int,
    deadline: Any,
    task_type: str = "general",
    targets: Sequence[Any] | None = None,
) -> Task:
    """Issue a task from a closed consultation's draft (its title and body), by default to the
    units asked, through task_issue (which checks the admission list). Once per consultation.
    Atomic; a type the admission list refuses is refused as task_issue refuses it, the refusal
    kept for the burden figures (so the refusal ends the transaction rather than undoing it)."""
    actor = require_authenticated(actor)
    with transaction.atomic():
        consultation, held = _locked(actor, consultation_id)
        if ISSUER not in held:
            raise PermissionDenied()
        if consultation.task_id is not None:
            raise Conflict(_("A task has been issued from this consultation already."), code="task_issued")
        if not allowed(CONSULTATION_MOVES, "issue_task", consultation.state, held):
            raise Conflict(_("Close the consultation first."), extra={"state": consultation.state})
        if targets is None:
            targets = list(
                ConsultationReply.objects.filter(consultation=consultation)
                .order_by("id")
                .values_list("unit_id", flat=True)
            )
        try:
            task = task_issue(
                actor=actor,
                issuer=consultation.issuer,
                draft=Draft(
                    title=consultation.title, body=consultation.body, task_type=task_type, deadline=deadline
                ),
                targets=targets,
            )
        except ValidationFailed as exc:
            # task_issue refused after recording the refusal in this transaction; raising outside
            # the atomic block below keeps that record for the burden figures.
            refused = exc
        else:
            consultation.task = task
            consultation.save(update_fields=["task", "updated_at"])
            audit_record(
                actor=actor,
                action="supervision.consultation.task_issued",
                obj=consultation,
                new={"task": task.pk, "targets": task.targets_count},
            )
            return task
    raise refused
