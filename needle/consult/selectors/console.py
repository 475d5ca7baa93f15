"""The staff's console: the topics of their areas, the answers due (overdue ones first) for the
units they answer for or the areas they manage, and the hidden suggestions to review."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from needle.consult.models import Status, Suggestion, Topic
from needle.orgs.permissions import area_scope_q, granting_unit_ids

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


def answers_due(*, actor: Any) -> list[Suggestion]:
    """Suggestions waiting for an answer that the actor may give: the answering unit's, or the
    areas the actor manages; soonest due first, each marked `overdue`."""
    manage = area_scope_q(actor, "consult.manage", "area_path")
    units = granting_unit_ids(actor, "consult.answer")
    mine = Q(topic__unit_id__in=units) if units else Q(pk__in=[])
    where = None if manage is None else (manage | mine)
    qs = Suggestion.objects.filter(status=Status.SUBMITTED).select_related("topic", "topic__area")
    if where is not None:
        qs = qs.filter(where)
    rows = list(qs.order_by("answer_due", "pk")[:CONSOLE_MAX])
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
