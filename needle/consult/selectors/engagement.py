"""Reads of the engagement: a suggestion's comments (a hidden one shown as hidden, its text only
to moderators and auditors), the reported-content queue, and a topic's expert opinions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from needle.consult.access import may_manage, may_view_hidden
from needle.consult.models import Comment, ExpertInvite, Report, ReportDecision, Suggestion, Topic
from needle.core.errors import NotFound
from needle.orgs.permissions import area_scope_q, has_perm_anywhere


def comment_thread(*, actor: Any, suggestion: Suggestion) -> list[dict[str, Any]]:
    """The comments in order, each with its replies; a hidden one says so and keeps its text
    only for moderators and auditors."""
    moderator = may_view_hidden(actor, suggestion.area_path)
    rows = list(Comment.objects.filter(suggestion=suggestion).select_related("author").order_by("pk"))
    out: dict[int, dict[str, Any]] = {}
    for c in rows:
        item = {
            "id": c.pk,
            "author": c.author.display_name if not c.hidden or moderator else "",
            "text": c.text if not c.hidden or moderator else "",
            "hidden": c.hidden,
            "hidden_reason": c.hidden_reason if moderator else "",
            "created_at": c.created_at,
            "replies": [],
        }
        if c.parent_id is None:
            out[c.pk] = item
        elif c.parent_id in out:
            out[c.parent_id]["replies"].append(item)
    return list(out.values())


def access_comment(*, actor: Any, comment_id: int) -> Comment:
    found = Comment.objects.select_related("suggestion").filter(pk=comment_id).first()
    if found is None or (found.hidden and not may_view_hidden(actor, found.suggestion.area_path)):
        raise NotFound()
    return found


def report_queue(*, actor: Any, decision: str = ReportDecision.PENDING) -> QuerySet[Report]:
    """The reports waiting in the areas the actor moderates, oldest first."""
    if not has_perm_anywhere(actor, "consult.manage"):
        return Report.objects.none()
    scope = area_scope_q(actor, "consult.manage", field="area_path")
    return (
        Report.objects.filter(scope or Q(), decision=decision)
        .select_related("suggestion", "comment", "person")
        .order_by("created_at", "pk")
    )


def access_report(*, actor: Any, report_id: int) -> Report:
    found = Report.objects.filter(pk=report_id).first()
    if found is None or not may_manage(actor, found.area_path):
        raise NotFound()
    return found


def expert_opinions(*, topic: Topic) -> list[ExpertInvite]:
    """The opinions given on a topic, shown apart from the suggestions."""
    return list(ExpertInvite.objects.filter(topic=topic, given_at__isnull=False).select_related("person"))
