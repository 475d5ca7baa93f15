"""Experts and hot topics: members invited, for a skill they listed when checking in, to give
an opinion on a topic (shown apart from the suggestions); and a cluster of requests found by
the intel app opened as a topic in one step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import subtree_q
from needle.consult.access import may_manage
from needle.consult.models import ExpertInvite, Participants, Topic
from needle.consult.selectors.engagement import candidates_of
from needle.consult.services._common import TEXT, text
from needle.consult.services.topics import TopicDraft, topic_open
from needle.core.audit import audit_record
from needle.core.errors import Conflict, NotFound, ValidationFailed
from needle.intel.selectors import access_hot_topic
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.permissions import require, require_authenticated
from needle.volunteering.models import CheckIn, CheckInStatus, Skill


def expert_candidates(*, topic: Topic, skill: Skill) -> list[Any]:
    """Members checked in (confirmed) within the topic's area who listed `skill`."""
    return list(candidates_of(topic=topic, skill=skill))


@transaction.atomic
def expert_invite(*, actor: Any, topic: Topic, person: Any, skill: Skill) -> ExpertInvite:
    """Invite a member whose confirmed check-in in the topic's area lists `skill` (consult.manage
    over the area); they are notified. Audited; a second invitation is a 409."""
    require_authenticated(actor)
    require(may_manage(actor, topic.area_path))
    listed = CheckIn.objects.filter(
        subtree_q(topic.area_path, "area_path"),
        person_id=person.pk,
        status=CheckInStatus.CONFIRMED,
        skills=skill,
    ).exists()
    if not listed:
        said = _("This member has not listed that skill when checking in here.")
        raise ValidationFailed(said, fields={"person": said}, code="skill_not_listed")
    try:
        with transaction.atomic():
            invite = ExpertInvite.objects.create(
                topic=topic, person=person, skill=skill.name, invited_by=actor
            )
    except IntegrityError:
        raise Conflict(_("This member has been invited already."), code="already_invited") from None
    audit_record(
        actor=actor,
        action="consult.expert.invited",
        obj=invite,
        new={"person": person.pk, "skill": skill.code},
    )
    notify(
        recipients=[person],
        verb="consult.expert",
        message=Message(
            gettext_noop("You are invited to give an expert opinion on “%(title)s”."), {"title": topic.title}
        ),
        link=f"/consult/topics/{topic.pk}/",
    )
    return invite


@transaction.atomic
def expert_opinion(*, actor: Any, invite: ExpertInvite, text_: str) -> ExpertInvite:
    """The invited member's opinion (theirs only; they may revise it while the topic is open)."""
    require_authenticated(actor)
    invite = ExpertInvite.objects.select_for_update(of=("self",)).select_related("topic").get(pk=invite.pk)
    require(invite.person_id == actor.pk, visible=False)
    if timezone.localdate() > invite.topic.closes:
        said = _("This topic closed on %(day)s.") % {"day": invite.topic.closes.isoformat()}
        raise ValidationFailed(said, fields={"topic": said}, code="topic_closed")
    old = {"opinion": invite.opinion}
    invite.opinion = text(text_, limit=TEXT, field="text")
    invite.given_at = timezone.now()
    invite.save(update_fields=["opinion", "given_at", "updated_at"])
    audit_record(
        actor=actor, action="consult.expert.opinion", obj=invite, old=old, new={"opinion": invite.opinion}
    )
    return invite


@transaction.atomic
def topic_from_hot_topic(
    *,
    actor: Any,
    hot_topic_id: int,
    title: str = "",
    question: str = "",
    background: str = "",
    days: int = 14,
    participants: str = Participants.RESIDENTS,
) -> Topic:
    """Open a topic from a hot-topic cluster in one step: its title (unless another is given), its
    keywords and size as the background (likewise), in its area (read through intel's selectors,
    so the actor must see the cluster). One topic per cluster (409)."""
    require_authenticated(actor)
    try:
        hot = access_hot_topic(actor=actor, pk=hot_topic_id)
    except NotFound:
        raise NotFound() from None
    if Topic.objects.filter(hot_topic_id=hot.pk).exists():
        raise Conflict(_("A topic has been opened from this hot topic already."), code="already_opened")
    if not 1 <= days <= 366:
        raise ValidationFailed(fields={"days": _("Give from 1 to 366 days.")})
    today = timezone.localdate()
    known = _("%(n)d requests from %(people)d people since %(day)s. Keywords: %(words)s.") % {
        "n": hot.size,
        "people": hot.reporters,
        "day": timezone.localtime(hot.start).date().isoformat(),
        "words": ", ".join(str(w) for w in hot.keywords[:10]),
    }
    draft = TopicDraft(
        title=title or hot.title[:150],
        question=question or _("What should be done about this? Tell us your suggestions."),
        background=background or known,
        opens=today,
        closes=today + dt.timedelta(days=days),
        participants=participants,
        answer_days=10,
    )
    topic = topic_open(actor=actor, area=hot.area, draft=draft)
    topic.hot_topic_id = hot.pk
    topic.save(update_fields=["hot_topic"])
    audit_record(actor=actor, action="consult.topic.from_hot_topic", obj=topic, new={"hot_topic": hot.pk})
    return topic
