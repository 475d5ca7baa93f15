"""The staff's console: the topics of their areas, the answers due (overdue ones first) for the
units they answer for or the areas they manage, and the hidden suggestions to review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from needle.consult.models import Status, Suggestion, Topic
from needle.consult.selectors.meetings import to_minute_count
from needle.orgs.permissions import area_scope_q, granting_unit_ids, has_perm_anywhere

CONSOLE_MAX = 200


def staff_topics(*, actor: Any) -> QuerySet[Topic]:
    """The topics in the areas the actor reads (consult.view or consult.manage)."""
    scope = _scope(actor, "area_path")
    qs = Topic.objects.select_related("area", "unit")
    return (qs if scope is None else qs.filter(scope)).order_by("-opens", "-pk")


def _scope(actor: Any, field: str) -> Q | None:
    view = area_scope_q(actor, "consult.view", field)
    manage = area_scope_q(actor, "consult.manage", field)
    if view is None or manage is None:
        return None
    return view | manage


def _answerable(actor: Any) -> Q:
    """The suggestions the actor may answer: the answering unit's, or in the areas they manage."""
    manage = area_scope_q(actor, "consult.manage", "area_path")
    if manage is None:
        return Q()
    units = granting_unit_ids(actor, "consult.answer")
    return manage | Q(topic__unit_id__in=units) if units else manage


def answers_due(*, actor: Any, limit: int = CONSOLE_MAX) -> list[Suggestion]:
    """Suggestions waiting for an answer that the actor may give: the answering unit's, or the
    areas the actor manages; soonest due first, each marked `overdue`."""
    qs = Suggestion.objects.filter(_answerable(actor), status=Status.SUBMITTED).select_related(
        "topic", "topic__area"
    )
    rows = list(qs.order_by("answer_due", "pk")[:limit])
    today = timezone.localdate()
    for s in rows:
        s.overdue = s.answer_due < today  # type: ignore[attr-defined]
        s.due_today = s.answer_due == today  # type: ignore[attr-defined]
    return rows


def moderation_queue(*, actor: Any) -> QuerySet[Suggestion]:
    """Hidden suggestions in the areas the actor manages, with their reasons."""
    scope = area_scope_q(actor, "consult.manage", "area_path")
    qs = Suggestion.objects.filter(hidden=True).select_related("topic", "hidden_by")
    return (qs if scope is None else qs.filter(scope)).order_by("-updated_at")[:CONSOLE_MAX]


@dataclass
class ConsultToday:
    """The think tank's part of a staff member's or an answering unit's day."""

    due: int
    overdue: int
    hidden: int
    # The soonest due first (overdue ones lead), each marked `overdue`.
    first: list[Suggestion]
    # Deliberation meetings held (or past their time) that wait for their minutes.
    to_minute: int = 0


TODAY_LINES = 5


def consult_today(*, actor: Any) -> ConsultToday | None:
    """None for anyone who neither answers suggestions nor keeps topics (consult.answer,
    consult.manage)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    if not (has_perm_anywhere(actor, "consult.manage") or has_perm_anywhere(actor, "consult.answer")):
        return None
    due = _answerable(actor) & Q(status=Status.SUBMITTED)
    if has_perm_anywhere(actor, "consult.manage"):
        hidden = (area_scope_q(actor, "consult.manage", "area_path") or Q()) & Q(hidden=True)
    else:
        hidden = Q(pk__in=[])
    # One grouped read for the three counts.
    counts = Suggestion.objects.filter(due | hidden).aggregate(
        due=Count("pk", filter=due),
        overdue=Count("pk", filter=due & Q(answer_due__lt=timezone.localdate())),
        hidden=Count("pk", filter=hidden),
    )
    first = answers_due(actor=actor, limit=TODAY_LINES)
    return ConsultToday(
        due=counts["due"],
        overdue=counts["overdue"],
        hidden=counts["hidden"],
        first=first,
        to_minute=to_minute_count(actor=actor),
    )
