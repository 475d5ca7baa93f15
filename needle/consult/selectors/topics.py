"""Topics and their suggestions, as the public, the people taking part and the staff read them.
Hidden suggestions are left out except for moderators and auditors of the area."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.consult.access import may_answer, may_view_hidden
from needle.consult.models import Suggestion, Support, Topic
from needle.core.errors import NotFound

ORDERS = {"supports": ("-supports", "-pk"), "newest": ("-pk",)}


def topic_list(*, area: Area | None = None, open_only: bool = False) -> QuerySet[Topic]:
    """Public: the topics in the area's subtree, newest first; `open_only`: those open today."""
    qs = Topic.objects.select_related("area")
    if area is not None:
        qs = qs.filter(subtree_q(area.path, "area_path"))
    if open_only:
        today = timezone.localdate()
        qs = qs.filter(opens__lte=today, closes__gte=today)
    return qs.order_by("-opens", "-pk")


def access_topic(*, topic_id: int) -> Topic:
    topic = Topic.objects.select_related("area", "unit").filter(pk=topic_id).first()
    if topic is None:
        raise NotFound()
    return topic


def suggestion_list(*, actor: Any, topic: Topic, order: str = "supports") -> QuerySet[Suggestion]:
    """A topic's suggestions by supports (most first) or newest; hidden ones only for moderators
    and auditors of its area."""
    qs = Suggestion.objects.filter(topic=topic)
    if not may_view_hidden(actor, topic.area_path):
        qs = qs.filter(hidden=False)
    return qs.order_by(*ORDERS.get(order, ORDERS["supports"]))


def access_suggestion(*, actor: Any, suggestion_id: int) -> Suggestion:
    """The suggestion; a hidden one exists only for those who may read it (moderators,
    auditors, the answering unit)."""
    found = (
        Suggestion.objects.select_related("topic", "topic__unit", "topic__area")
        .filter(pk=suggestion_id)
        .first()
    )
    if found is None:
        raise NotFound()
    if found.hidden and not (may_view_hidden(actor, found.area_path) or may_answer(actor, found.topic)):
        raise NotFound()
    return found


def my_supports(*, actor: Any, suggestion_ids: list[int]) -> set[int]:
    """Which of these suggestions the actor supports (one query)."""
    if not getattr(actor, "is_authenticated", False) or not suggestion_ids:
        return set()
    return set(
        Support.objects.filter(person_id=actor.pk, suggestion_id__in=suggestion_ids).values_list(
            "suggestion_id", flat=True
        )
    )


def my_suggestions(*, actor: Any) -> QuerySet[Suggestion]:
    """The actor's own suggestions, newest first, hidden ones too (with the reason: they are
    the author's)."""
    return (
        Suggestion.objects.filter(author_id=actor.pk).select_related("topic", "topic__area").order_by("-pk")
    )
