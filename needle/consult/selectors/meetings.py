"""Deliberation meetings as the staff read them: the meetings of the areas they keep or watch
(consult.manage, consult.view), one meeting with its seats (names of people: each read is
audited), and the meetings to minute. Residents and outsiders read none of it; what a meeting
decided reaches the public through the results it became (`public_decisions`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from needle.consult.access import may_manage, may_view_hidden
from needle.consult.models import Decision, Meeting, MeetingParticipant, MeetingStatus
from needle.core.audit import audit_record
from needle.core.errors import NotFound
from needle.orgs.permissions import area_scope_q, has_perm_anywhere, require_authenticated

MEETINGS_MAX = 200


def may_read_meeting(actor: Any, meeting: Meeting) -> bool:
    """Staff over the area (consult.manage) and its supervisors and auditors (consult.view)."""
    return may_view_hidden(actor, meeting.area_path)


def _scope(actor: Any) -> Q | None:
    view = area_scope_q(actor, "consult.view", "area_path")
    manage = area_scope_q(actor, "consult.manage", "area_path")
    if view is None or manage is None:
        return None
    return view | manage


def meeting_list(*, actor: Any, status: str = "") -> QuerySet[Meeting]:
    """The meetings in the areas the actor reads, newest first; nothing for anyone else."""
    require_authenticated(actor)
    if not (has_perm_anywhere(actor, "consult.view") or has_perm_anywhere(actor, "consult.manage")):
        return Meeting.objects.none()
    scope = _scope(actor)
    qs = Meeting.objects.select_related("area")
    if scope is not None:
        qs = qs.filter(scope)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_at", "-pk")


def access_meeting(*, actor: Any, meeting_id: int, for_write: bool = False) -> Meeting:
    """The meeting, for those who read it (404 for anyone else, so its existence stays private);
    writes are checked again by the services."""
    require_authenticated(actor)
    meeting = Meeting.objects.select_related("area").filter(pk=meeting_id).first()
    if meeting is None or not may_read_meeting(actor, meeting):
        raise NotFound()
    if for_write and not may_manage(actor, meeting.area_path):
        raise NotFound()
    return meeting


def meeting_seats(*, actor: Any, meeting: Meeting) -> list[MeetingParticipant]:
    """The meeting's seats with who holds them (names, never phones); the read is audited."""
    rows = list(meeting.participants.select_related("person", "record", "unit"))
    if rows:
        audit_record(
            actor=actor, action="consult.meeting.participants_viewed", obj=meeting, new={"seats": len(rows)}
        )
    return rows


def seat_name(seat: MeetingParticipant) -> str:
    if seat.person is not None:
        return seat.person.get_full_name() or seat.person.get_username()
    if seat.record is not None:
        return seat.record.name
    return seat.unit.name if seat.unit is not None else ""


def meetings_to_minute(*, actor: Any) -> QuerySet[Meeting]:
    """Meetings the actor runs that are held and wait for their minutes, or whose time has
    passed without being recorded as held."""
    scope = area_scope_q(actor, "consult.manage", "area_path")
    waiting = Q(status=MeetingStatus.HELD) | Q(status=MeetingStatus.SCHEDULED, starts_at__lt=timezone.now())
    qs = Meeting.objects.filter(waiting).select_related("area")
    if scope is not None:
        qs = qs.filter(scope)
    return qs.order_by("starts_at", "pk")


def to_minute_count(*, actor: Any) -> int:
    if not has_perm_anywhere(actor, "consult.manage"):
        return 0
    return meetings_to_minute(actor=actor).count()


def public_decisions(decision_ids: list[int]) -> list[Decision]:
    """Decisions as the public reads them on a result: title, text, votes and the meeting's day
    and place, never who sat there."""
    return list(
        Decision.objects.filter(pk__in=decision_ids).select_related("meeting").order_by("meeting__starts_at")
    )
