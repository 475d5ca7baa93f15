"""What every think-tank service shares: text as it is taken, the dates a topic gives, and
moderation, which hides a suggestion or a comment alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle.cases.deadlines import add_hours
from needle.consult.models import Comment, Suggestion, Topic
from needle.consult.states import moderation_state
from needle.core.audit import audit_record
from needle.core.errors import Conflict
from needle.core.states import Move
from needle.core.text import text_input

TITLE = 150
TEXT = 4000
REASON = 300


def text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    """Free text as every app takes it (core.text), required unless said otherwise."""
    return text_input(value, limit=limit, field=field, required=required)


def answer_due(topic: Topic, made_at: dt.datetime) -> dt.date:
    """The day a suggestion made at `made_at` must be answered by: the topic's fixed day, else its
    working days counted on the deployment's calendar (ten when it says neither)."""
    if topic.answer_by is not None:
        return topic.answer_by
    days = topic.answer_days if topic.answer_days is not None else 10
    return timezone.localtime(add_hours(made_at, days * 24, working_days=True)).date()


def moderate(
    thing: Suggestion | Comment,
    *,
    actor: Any,
    move: Move,
    reason: str,
    already: str,
    actions: tuple[str, str],
) -> None:
    """Hide `thing` (locked, its moderator checked) with a reason, or show it again, as `move`
    says; `already` refuses a move to the state it is in. Audited as `actions` (hidden, restored)."""
    if moderation_state(thing.hidden) not in move.sources:
        raise Conflict(already % {"state": move.target}, code="conflict")
    said = text(reason, limit=REASON, field="reason", required=move.requires == "reason")
    old = {"hidden": thing.hidden, "hidden_reason": thing.hidden_reason}
    thing.hidden = move.target == "hidden"
    thing.hidden_reason = said if thing.hidden else ""
    thing.hidden_by = actor if thing.hidden else None
    thing.save(update_fields=["hidden", "hidden_reason", "hidden_by", "updated_at"])
    audit_record(
        actor=actor,
        action=actions[0] if thing.hidden else actions[1],
        obj=thing,
        old=old,
        new={"hidden": thing.hidden, "hidden_reason": thing.hidden_reason},
    )
