"""Opening a topic: a question put to the people of an area, with its dates, who may take part
and when answers are due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.consult.access import may_manage
from needle.consult.models import Participants, Topic
from needle.consult.services._common import TEXT, TITLE, text
from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed
from needle.orgs.models import Unit
from needle.orgs.permissions import granting_unit_ids, require, require_authenticated

TOPIC_FIELDS = ["title", "area_id", "unit_id", "opens", "closes", "participants", "answer_days", "answer_by"]
# A topic runs at most a year, and its answers are due within sixty working days.
LONGEST = dt.timedelta(days=366)
MAX_ANSWER_DAYS = 60


@dataclass(frozen=True)
class TopicDraft:
    title: str
    question: str
    opens: dt.date
    closes: dt.date
    participants: str
    background: str = ""
    answer_days: int | None = None
    answer_by: dt.date | None = None


def _answering_unit(actor: Any, area: Area, unit: Unit | None) -> Unit:
    """The unit named, else the one through which the actor manages the area (the nearest)."""
    if unit is not None:
        if unit.dissolved_on is not None:
            raise ValidationFailed(fields={"unit": _("This unit has been dissolved.")})
        return unit
    own = Unit.objects.filter(pk__in=granting_unit_ids(actor, "consult.manage"), dissolved_on__isnull=True)
    covering = [u for u in own if area.path.startswith(u.area_path)]
    if not covering:
        raise ValidationFailed(fields={"unit": _("Name the unit that answers the suggestions.")})
    return max(covering, key=lambda u: len(u.area_path))


@transaction.atomic
def topic_open(*, actor: Any, area: Area, draft: TopicDraft, unit: Unit | None = None) -> Topic:
    """Open a topic in `area` (consult.manage there); audited."""
    require_authenticated(actor)
    require(may_manage(actor, area.path))
    errors: dict[str, str] = {}
    if draft.participants not in Participants.values:
        errors["participants"] = _("Choose residents, members or everyone.")
    if draft.closes < draft.opens:
        errors["closes"] = _("Must not be before the opening day.")
    elif draft.closes - draft.opens > LONGEST:
        errors["closes"] = _("A topic runs at most a year.")
    if draft.answer_days is not None and not 1 <= draft.answer_days <= MAX_ANSWER_DAYS:
        errors["answer_days"] = _("Give from 1 to %(n)d working days.") % {"n": MAX_ANSWER_DAYS}
    if draft.answer_days is not None and draft.answer_by is not None:
        errors["answer_by"] = _("Give working days or a day, not both.")
    elif draft.answer_by is not None and draft.answer_by < draft.opens:
        errors["answer_by"] = _("Must not be before the opening day.")
    if errors:
        raise ValidationFailed(fields=errors)
    topic = Topic.objects.create(
        area=area,
        area_path=area.path,
        unit=_answering_unit(actor, area, unit),
        title=text(draft.title, limit=TITLE, field="title"),
        question=text(draft.question, limit=TEXT, field="question"),
        background=text(draft.background, limit=TEXT, field="background", required=False),
        opens=draft.opens,
        closes=draft.closes,
        participants=draft.participants,
        answer_days=draft.answer_days,
        answer_by=draft.answer_by,
        created_by=actor,
    )
    audit_record(actor=actor, action="consult.topic.opened", obj=topic, new=snapshot(topic, TOPIC_FIELDS))
    return topic
