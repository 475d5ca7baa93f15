"""Reads of the engagement: a suggestion's comments (a hidden one shown as hidden, its text only
to moderators and auditors), the reported-content queue, what a person follows, and the experts:
the members a topic's staff may invite, the invitations, and a topic's opinions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import subtree_q
from needle.consult.access import may_manage, may_view_hidden
from needle.consult.models import Comment, ExpertInvite, Follow, Report, ReportDecision, Suggestion, Topic
from needle.core.errors import NotFound, ValidationFailed, or_invalid
from needle.intel.models import HotTopic
from needle.intel.selectors import hot_topics_for
from needle.orgs.models import Person
from needle.orgs.permissions import area_scope_q, has_perm_anywhere, require
from needle.volunteering.models import CheckIn, CheckInStatus, Skill


def comment_thread(*, actor: Any, suggestion: Suggestion) -> list[dict[str, Any]]:
    """The comments in order, each with its replies; a hidden one says so and keeps its text
    only for moderators and auditors; names only for those signed in."""
    return comment_threads(actor=actor, area_path=suggestion.area_path, suggestion_ids=[suggestion.pk]).get(
        suggestion.pk, []
    )


def comment_threads(
    *, actor: Any, area_path: str, suggestion_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """`comment_thread` for several suggestions of one area (a topic's page), in one query."""
    if not suggestion_ids:
        return {}
    moderator = may_view_hidden(actor, area_path)
    signed_in = bool(getattr(actor, "is_authenticated", False))
    rows = Comment.objects.filter(suggestion_id__in=suggestion_ids).select_related("author").order_by("pk")
    tops: dict[int, dict[str, Any]] = {}
    out: dict[int, list[dict[str, Any]]] = {}
    for c in rows:
        shown = not c.hidden or moderator
        item = {
            "id": c.pk,
            "author": c.author.display_name if shown and signed_in else "",
            "text": c.text if shown else "",
            "hidden": c.hidden,
            "hidden_reason": c.hidden_reason if moderator else "",
            "created_at": c.created_at,
            "replies": [],
        }
        if c.parent_id is None:
            tops[c.pk] = item
            out.setdefault(c.suggestion_id, []).append(item)
        elif c.parent_id in tops:
            tops[c.parent_id]["replies"].append(item)
    return out


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


# Follows -----------------------------------------------------------------------------------------


def my_follows(*, actor: Any) -> list[Follow]:
    """What the actor follows (topics first, then suggestions), newest first; hidden suggestions
    are left out, as their pages are."""
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        Follow.objects.filter(person_id=actor.pk)
        .exclude(suggestion__hidden=True)
        .select_related("topic", "suggestion", "suggestion__topic")
        .order_by("suggestion_id", "-created_at", "-pk")
    )


def my_follow_of(
    *, actor: Any, topic: Topic | None = None, suggestion: Suggestion | None = None
) -> Follow | None:
    """The actor's follow of the topic or the suggestion, if any."""
    if not getattr(actor, "is_authenticated", False):
        return None
    key = {"topic": topic} if topic is not None else {"suggestion": suggestion}
    return Follow.objects.filter(person_id=actor.pk, **key).first()


def my_suggestion_follows(*, actor: Any, suggestion_ids: list[int]) -> dict[int, Follow]:
    """The actor's follows of these suggestions, by suggestion."""
    if not getattr(actor, "is_authenticated", False) or not suggestion_ids:
        return {}
    rows = Follow.objects.filter(person_id=actor.pk, suggestion_id__in=suggestion_ids)
    return {f.suggestion_id: f for f in rows if f.suggestion_id is not None}


def access_follow(*, actor: Any, follow_id: int) -> Follow:
    """One of the actor's own follows (anyone else's is not found)."""
    found = Follow.objects.select_related("topic", "suggestion").filter(pk=follow_id).first()
    if found is None or found.person_id != getattr(actor, "pk", None):
        raise NotFound()
    return found


# Experts -----------------------------------------------------------------------------------------


def skill_by_code(code: str, *, field: str = "skill") -> Skill:
    """A known skill by its code; an unknown one is refused naming `field`."""
    return or_invalid(Skill.objects.filter(code=code).first(), field, _("No skill has this code."))


def skill_choices() -> list[Skill]:
    return list(Skill.objects.order_by("code"))


def candidates_of(*, topic: Topic, skill: Skill) -> QuerySet[Person]:
    """Active members checked in (confirmed) within the topic's area who listed `skill`."""
    ids = CheckIn.objects.filter(
        subtree_q(topic.area_path, "area_path"), status=CheckInStatus.CONFIRMED, skills=skill
    ).values("person_id")
    return Person.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk")


def expert_candidates_for(*, actor: Any, topic: Topic, skill: Skill) -> list[Person]:
    """The members the topic's staff (consult.manage over its area) may invite for `skill`."""
    require(may_manage(actor, topic.area_path))
    return list(candidates_of(topic=topic, skill=skill))


def expert_candidate(*, actor: Any, topic: Topic, skill: Skill, person_id: int) -> Person:
    """One of those candidates, by id; anyone else is refused naming the field `person`."""
    require(may_manage(actor, topic.area_path))
    found = candidates_of(topic=topic, skill=skill).filter(pk=person_id).first()
    if found is None:
        said = _("This member has not listed that skill when checking in here.")
        raise ValidationFailed(said, fields={"person": said}, code="skill_not_listed")
    return found


def topic_invites(*, actor: Any, topic: Topic) -> list[ExpertInvite]:
    """The invitations of a topic, for its staff (nobody else sees who was asked)."""
    if not may_manage(actor, topic.area_path):
        return []
    return list(ExpertInvite.objects.filter(topic=topic).select_related("person").order_by("pk"))


def my_invites(*, actor: Any, topic: Topic | None = None) -> list[ExpertInvite]:
    """The invitations the actor has had (to one topic, or all), newest first."""
    if not getattr(actor, "is_authenticated", False):
        return []
    qs = ExpertInvite.objects.filter(person_id=actor.pk).select_related("topic", "person")
    if topic is not None:
        qs = qs.filter(topic=topic)
    return list(qs.order_by("-pk"))


def access_invite(*, actor: Any, invite_id: int) -> ExpertInvite:
    """An invitation, for the member it invites only (anyone else: not found)."""
    found = ExpertInvite.objects.select_related("topic").filter(pk=invite_id).first()
    if found is None or found.person_id != getattr(actor, "pk", None):
        raise NotFound()
    return found


HOT_TOPICS_SHOWN = 50


def hot_topics_to_open(*, actor: Any) -> list[HotTopic]:
    """The open hot topics the actor may see, in the areas whose think tank they manage, that
    have no topic yet, hottest first: filtered in the query, so none hides behind the cut."""
    made = Topic.objects.exclude(hot_topic=None).values("hot_topic_id")
    scope = area_scope_q(actor, "consult.manage", field="area_path")
    return list(hot_topics_for(actor=actor).exclude(pk__in=made).filter(scope or Q())[:HOT_TOPICS_SHOWN])
