"""Who may do what in the think tank: one answer per question, read by the services (which
refuse), the selectors (which filter) and the pages (which show the buttons)."""

from __future__ import annotations

from typing import Any

from needle.areas.models import subtree_q
from needle.consult.models import Participants, Topic
from needle.orgs.permissions import can_act_for_unit, can_in_area, is_superuser
from needle.volunteering.models import CheckIn, CheckInStatus


def may_manage(actor: Any, area_path: str) -> bool:
    """Open topics, enter suggestions on behalf, moderate, follow results through."""
    return can_in_area(actor, "consult.manage", area_path)


def may_answer(actor: Any, topic: Topic) -> bool:
    """The answering unit's own people, or the staff over the topic's area."""
    return can_act_for_unit(actor, "consult.answer", topic.unit) or may_manage(actor, topic.area_path)


def may_view_hidden(actor: Any, area_path: str) -> bool:
    """Moderators and auditors read what was hidden, and why."""
    return can_in_area(actor, "consult.view", area_path) or may_manage(actor, area_path)


def may_take_part(actor: Any, topic: Topic) -> bool:
    """Whether a signed-in person may suggest and support on the topic, as it limits who may."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if topic.participants == Participants.EVERYONE or is_superuser(actor):
        return True
    if topic.participants == Participants.RESIDENTS:
        home = actor.home_area
        return home is not None and home.path.startswith(topic.area_path)
    return CheckIn.objects.filter(
        subtree_q(topic.area_path, "area_path"),
        person_id=actor.pk,
        status=CheckInStatus.CONFIRMED,
    ).exists()
