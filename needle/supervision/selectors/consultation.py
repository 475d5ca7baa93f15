"""Reads of consultations, scoped by who asks: one consultation (`access_consultation`: 404 when
the actor may not see it) with the issuer's view (answers counted by stance, the answers, the
units that have not answered, whether the deadline has passed), a unit's inbox (drafts waiting
for its answer) and the consultations a person's units issued."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from needle.core.states import allowed
from needle.orgs.permissions import granting_unit_ids, require_authenticated
from needle.supervision import states
from needle.supervision.access_consultation import (
    answering_units,
    may_see_all,
    visible_consultation,
)
from needle.supervision.models import Consultation, ConsultationReply, ConsultationState, Stance
from needle.supervision.states import CONSULTATION_MOVES

# How many answers, and units not answering, a page or an API answer lists (the counts are whole).
LIMIT = 500
WAITING = "waiting"
COUNT_KEYS = (Stance.AGREE.value, Stance.CHANGES.value, Stance.DISAGREE.value, WAITING)


def access_consultation(*, actor: Any, consultation_id: int) -> tuple[Consultation, set[str]]:
    """The consultation and the capacities the actor holds on it."""
    return visible_consultation(actor, Consultation.objects.select_related("issuer"), consultation_id)


def _counts(rows: Any) -> dict[str, int]:
    out = dict.fromkeys(COUNT_KEYS, 0)
    for stance, n in rows:
        out[stance or WAITING] += n
    return out


def overdue(consultation: Consultation, today: dt.date | None = None) -> bool:
    """Still open after its deadline: the issuer should close it."""
    return (
        consultation.state == ConsultationState.OPEN
        and (today or timezone.localdate()) > consultation.deadline
    )


@dataclass
class ConsultationView:
    consultation: Consultation
    held: set[str]
    # Whether the actor sees every unit's answer (the issuer, the readers above) or only their own.
    see_all: bool
    counts: dict[str, int]
    answered: list[ConsultationReply]
    waiting: list[ConsultationReply]
    # The replies of the units the actor answers for.
    mine: list[ConsultationReply]
    overdue: bool
    may_reply: bool
    may_close: bool
    may_issue_task: bool


def consultation_view(*, actor: Any, consultation: Consultation, held: set[str]) -> ConsultationView:
    """What the actor may see of the consultation's answers, and the moves open to them."""
    today = timezone.localdate()
    replies = ConsultationReply.objects.filter(consultation=consultation)
    see_all = may_see_all(actor, consultation, held)
    own = replies.filter(unit_id__in=answering_units(actor, consultation) if states.CONSULTED in held else [])
    shown = replies if see_all else own
    counts = _counts(shown.order_by().values_list("stance").annotate(n=Count("id")))
    listed = shown.select_related("unit", "answered_by").order_by("area_path", "id")
    state = consultation.state
    return ConsultationView(
        consultation=consultation,
        held=held,
        see_all=see_all,
        counts=counts,
        answered=list(listed.exclude(stance="")[:LIMIT]),
        waiting=list(listed.filter(stance="")[:LIMIT]),
        mine=list(own.select_related("unit").order_by("id")[:LIMIT]),
        overdue=overdue(consultation, today),
        may_reply=allowed(CONSULTATION_MOVES, "reply", state, held) and today <= consultation.deadline,
        may_close=allowed(CONSULTATION_MOVES, "close", state, held),
        may_issue_task=consultation.task_id is None
        and allowed(CONSULTATION_MOVES, "issue_task", state, held),
    )


def _waiting_q(actor: Any, today: dt.date) -> Q:
    return Q(
        unit_id__in=granting_unit_ids(actor, "supervision.work"),
        stance="",
        consultation__state=ConsultationState.OPEN,
        consultation__deadline__gte=today,
    )


def consultation_inbox(*, actor: Any) -> list[ConsultationReply]:
    """The drafts the actor's units have not answered yet and still may (soonest deadline first)."""
    actor = require_authenticated(actor)
    return list(
        ConsultationReply.objects.filter(_waiting_q(actor, timezone.localdate()))
        .select_related("consultation", "consultation__issuer", "unit")
        .order_by("consultation__deadline", "id")[:LIMIT]
    )


def consultations_waiting(*, actor: Any) -> int:
    """How many answers the actor's units owe (the staff home's count)."""
    return ConsultationReply.objects.filter(_waiting_q(actor, timezone.localdate())).count()


def consultations_issued(*, actor: Any) -> list[tuple[Consultation, dict[str, int]]]:
    """The consultations the actor's units issued (newest first), each with its answers counted."""
    actor = require_authenticated(actor)
    issued = list(
        Consultation.objects.filter(
            issuer_id__in=granting_unit_ids(actor, "supervision.issue")
        ).select_related("issuer")[:LIMIT]
    )
    rows: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for consultation_id, stance, n in (
        ConsultationReply.objects.filter(consultation_id__in=[c.pk for c in issued])
        .order_by()
        .values_list("consultation_id", "stance")
        .annotate(n=Count("id"))
    ):
        rows[consultation_id].append((stance, n))
    return [(c, _counts(rows[c.pk])) for c in issued]
