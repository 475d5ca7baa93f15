"""Deliberation (协商议事): a community's deliberation council meets on an agenda of topics and
suggestions, with residents' representatives, members, units and the property company (people
without an account take part through their shared record); attendance is taken when it is held,
decisions are voted on, and the minutes close it. A passed decision can become a result.

Every move is checked against `needle.consult.states.MEETING_MOVES`; every write needs
consult.manage over the meeting's area and is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.consult.access import may_manage
from needle.consult.models import (
    ADOPTED,
    Decision,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Result,
    SeatKind,
    Suggestion,
    Topic,
)
from needle.consult.services._common import REASON, TEXT, TITLE, text
from needle.consult.services.results import result_started
from needle.consult.services.suggestions import OnBehalf, record_for
from needle.consult.states import DECIDING, MEETING_MOVES, PLANNING
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, ValidationFailed
from needle.orgs.models import Person, PersonRecord, Unit
from needle.orgs.permissions import require, require_authenticated

MEETING_FIELDS = ["title", "area_id", "starts_at", "place", "status"]
MINUTES = 20000
MAX_SEATS = 200
MAX_VOTES = 100000
# A meeting is called at most a year ahead, and recorded at most a year after it was held.
HORIZON = dt.timedelta(days=366)


@dataclass(frozen=True)
class Seat:
    """Who sits at the meeting: exactly one of a person, a shared record or a unit."""

    kind: str
    person: Person | None = None
    record: PersonRecord | None = None
    unit: Unit | None = None
    # A person without an account not yet known: their shared record is found or made (with
    # their consent noted by the staff member) when the seat is taken.
    newcomer: OnBehalf | None = None


@dataclass(frozen=True)
class MeetingDraft:
    title: str
    starts_at: dt.datetime
    place: str
    agenda_text: str = ""
    topics: list[Topic] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)


def _check_agenda(area: Area, topics: list[Topic], suggestions: list[Suggestion]) -> None:
    for t in topics:
        if not t.area_path.startswith(area.path) and not area.path.startswith(t.area_path):
            raise ValidationFailed(fields={"topics": _("Topic %(id)s is not of this area.") % {"id": t.pk}})
    for s in suggestions:
        if not s.area_path.startswith(area.path) and not area.path.startswith(s.area_path):
            raise ValidationFailed(
                fields={"suggestions": _("Suggestion %(id)s is not of this area.") % {"id": s.pk}}
            )


def _seated(actor: Any, area: Area, seats: list[Seat]) -> list[Seat]:
    """The seats with each newcomer's shared record found or made, and each record checked to
    be of the meeting's area."""
    out = []
    for i, seat in enumerate(seats):
        if seat.newcomer is not None:
            if seat.person or seat.record or seat.unit:
                raise ValidationFailed(
                    fields={"participants": _("Each participant is one person, one record or one unit.")}
                )
            record = record_for(actor, area, seat.newcomer, field=f"participants.{i}")
            seat = Seat(kind=seat.kind, record=record)
        elif seat.record is not None and not seat.record.area_path.startswith(area.path):
            raise ValidationFailed(fields={"participants": _("This person is not registered in the area.")})
        out.append(seat)
    return out


def _check_seats(seats: list[Seat]) -> None:
    if len(seats) > MAX_SEATS:
        raise ValidationFailed(fields={"participants": _("At most %(n)d participants.") % {"n": MAX_SEATS}})
    seen: set[tuple[str, int]] = set()
    for seat in seats:
        if seat.kind not in SeatKind.values:
            raise ValidationFailed(
                fields={"participants": _("Choose representative, member, unit or property.")}
            )
        whom = [
            (n, o.pk) for n, o in (("p", seat.person), ("r", seat.record), ("u", seat.unit)) if o is not None
        ]
        if len(whom) != 1:
            raise ValidationFailed(
                fields={"participants": _("Each participant is one person, one record or one unit.")}
            )
        if whom[0] in seen:
            raise ValidationFailed(fields={"participants": _("A participant is listed twice.")})
        seen.add(whom[0])


def _check_when(starts_at: dt.datetime) -> None:
    now = timezone.now()
    if timezone.is_naive(starts_at):
        raise ValidationFailed(fields={"starts_at": _("Give the time with its zone.")})
    if not now - HORIZON <= starts_at <= now + HORIZON:
        raise ValidationFailed(fields={"starts_at": _("Give a time within a year of today.")})


@transaction.atomic
def meeting_schedule(*, actor: Any, area: Area, draft: MeetingDraft) -> Meeting:
    """Call a meeting of the area's deliberation council (consult.manage there). Audited."""
    require_authenticated(actor)
    require(may_manage(actor, area.path))
    _check_when(draft.starts_at)
    _check_agenda(area, draft.topics, draft.suggestions)
    seats = _seated(actor, area, draft.seats)
    _check_seats(seats)
    meeting = Meeting.objects.create(
        area=area,
        area_path=area.path,
        title=text(draft.title, limit=TITLE, field="title"),
        starts_at=draft.starts_at,
        place=text(draft.place, limit=200, field="place"),
        agenda_text=text(draft.agenda_text, limit=TEXT, field="agenda_text", required=False),
        created_by=actor,
    )
    meeting.topics.set(draft.topics)
    meeting.suggestions.set(draft.suggestions)
    MeetingParticipant.objects.bulk_create(
        MeetingParticipant(meeting=meeting, kind=s.kind, person=s.person, record=s.record, unit=s.unit)
        for s in seats
    )
    new = snapshot(meeting, MEETING_FIELDS)
    new |= {
        "topics": sorted(t.pk for t in draft.topics),
        "suggestions": sorted(s.pk for s in draft.suggestions),
        "participants": len(seats),
    }
    audit_record(actor=actor, action="consult.meeting.scheduled", obj=meeting, new=new)
    return meeting


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("area").get(pk=meeting.pk)


def _refuse(meeting: Meeting, said: str) -> Conflict:
    return Conflict(
        said % {"status": meeting.get_status_display()}, code="meeting_state", extra={"state": meeting.status}
    )


@transaction.atomic
def participant_add(*, actor: Any, meeting: Meeting, seat: Seat) -> MeetingParticipant:
    """One more seat at a meeting still scheduled. Audited."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    if meeting.status not in PLANNING:
        raise _refuse(meeting, _("The meeting is %(status)s: its participants are settled."))
    (seat,) = _seated(actor, meeting.area, [seat])
    existing = [
        Seat(kind=p.kind, person=p.person, record=p.record, unit=p.unit)
        for p in meeting.participants.select_related("person", "record", "unit")
    ]
    _check_seats([*existing, seat])
    row = MeetingParticipant.objects.create(
        meeting=meeting, kind=seat.kind, person=seat.person, record=seat.record, unit=seat.unit
    )
    audit_record(
        actor=actor,
        action="consult.meeting.participant_added",
        obj=meeting,
        new={"participant": row.pk, "kind": row.kind},
    )
    return row


@dataclass(frozen=True)
class MeetingChange:
    """What changes in a scheduled meeting: each field given (not None) replaces the old one; a
    list given replaces the agenda's topics or suggestions."""

    title: str | None = None
    starts_at: dt.datetime | None = None
    place: str | None = None
    agenda_text: str | None = None
    topics: list[Topic] | None = None
    suggestions: list[Suggestion] | None = None


def _agenda_ids(meeting: Meeting) -> dict[str, list[int]]:
    return {
        "topics": sorted(meeting.topics.values_list("pk", flat=True)),
        "suggestions": sorted(meeting.suggestions.values_list("pk", flat=True)),
    }


@transaction.atomic
def meeting_edit(*, actor: Any, meeting: Meeting, change: MeetingChange) -> Meeting:
    """Change a meeting's date, place, title or agenda until it is held (a meeting held,
    minuted or cancelled stands: 409). Audited with the old and new values."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    if meeting.status not in PLANNING:
        raise _refuse(meeting, _("The meeting is %(status)s: its date, place and agenda are settled."))
    old = snapshot(meeting, [*MEETING_FIELDS, "agenda_text"]) | _agenda_ids(meeting)
    if change.starts_at is not None:
        _check_when(change.starts_at)
        meeting.starts_at = change.starts_at
    if change.title is not None:
        meeting.title = text(change.title, limit=TITLE, field="title")
    if change.place is not None:
        meeting.place = text(change.place, limit=200, field="place")
    if change.agenda_text is not None:
        meeting.agenda_text = text(change.agenda_text, limit=TEXT, field="agenda_text", required=False)
    _check_agenda(meeting.area, change.topics or [], change.suggestions or [])
    meeting.save(update_fields=["title", "starts_at", "place", "agenda_text", "updated_at"])
    if change.topics is not None:
        meeting.topics.set(change.topics)
    if change.suggestions is not None:
        meeting.suggestions.set(change.suggestions)
    new = snapshot(meeting, [*MEETING_FIELDS, "agenda_text"]) | _agenda_ids(meeting)
    audit_record(actor=actor, action="consult.meeting.edited", obj=meeting, old=old, new=new)
    return meeting


@transaction.atomic
def meeting_hold(*, actor: Any, meeting: Meeting, present: list[int]) -> Meeting:
    """Record the meeting as held with its attendance: `present` are the ids of the seats that
    came; every other seat is marked absent. Audited."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    m = MEETING_MOVES["hold"]
    if meeting.status not in m.sources:
        raise _refuse(meeting, _("The meeting is %(status)s: it cannot be held now."))
    seats = set(meeting.participants.values_list("pk", flat=True))
    unknown = sorted(set(present) - seats)
    if unknown:
        raise ValidationFailed(
            fields={"present": _("No participant %(id)s at this meeting.") % {"id": unknown[0]}}
        )
    if meeting.starts_at > timezone.now() + dt.timedelta(hours=12):
        raise ValidationFailed(fields={"present": _("This meeting has not taken place yet.")})
    meeting.participants.update(attended=False)
    meeting.participants.filter(pk__in=present).update(attended=True)
    meeting.status = m.target or meeting.status
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="consult.meeting.held",
        obj=meeting,
        old={"status": MeetingStatus.SCHEDULED},
        new={"status": meeting.status, "present": sorted(set(present)), "seats": len(seats)},
    )
    return meeting


def _close(
    meeting: Meeting,
    *,
    actor: Any,
    move: str,
    refused: str,
    changes: dict[str, Any],
    action: str,
    noted: dict[str, Any],
) -> Meeting:
    """The last move of a locked meeting (minuted, cancelled): refused unless its status allows
    `move`, else `changes` and the move's status saved and audited as `action` with `noted`."""
    m = MEETING_MOVES[move]
    if meeting.status not in m.sources:
        raise _refuse(meeting, refused)
    old = {"status": meeting.status}
    for name, value in changes.items():
        setattr(meeting, name, value)
    meeting.status = m.target or meeting.status
    meeting.save(update_fields=[*changes, "status", "updated_at"])
    audit_record(actor=actor, action=action, obj=meeting, old=old, new={"status": meeting.status, **noted})
    return meeting


@transaction.atomic
def meeting_minute(*, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    """The minutes of a held meeting, which close it (its decisions are then settled). Audited."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    said = text(minutes, limit=MINUTES, field="minutes", required=True)
    return _close(
        meeting,
        actor=actor,
        move="minute",
        refused=_("The meeting is %(status)s: no minutes can be taken."),
        changes={"minutes": said, "minuted_at": timezone.now()},
        action="consult.meeting.minuted",
        noted={"minutes": len(said)},
    )


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Call off a scheduled meeting, with a reason. Audited."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    said = text(reason, limit=REASON, field="reason", required=True)
    return _close(
        meeting,
        actor=actor,
        move="cancel",
        refused=_("The meeting is %(status)s: it cannot be cancelled."),
        changes={"cancel_reason": said},
        action="consult.meeting.cancelled",
        noted={"reason": said},
    )


@dataclass(frozen=True)
class Votes:
    votes_for: int
    against: int
    abstain: int


def _check_votes(votes: Votes, attended: int) -> None:
    errors: dict[str, str] = {}
    for name, n in (("votes_for", votes.votes_for), ("against", votes.against), ("abstain", votes.abstain)):
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_VOTES:
            errors[name] = _("Give a number of votes from 0 to %(n)d.") % {"n": MAX_VOTES}
    if errors:
        raise ValidationFailed(fields=errors)
    cast = votes.votes_for + votes.against + votes.abstain
    if cast == 0:
        raise ValidationFailed(fields={"votes_for": _("No votes were given.")})
    if attended and cast > attended:
        raise ValidationFailed(
            fields={"votes_for": _("More votes than participants present (%(n)d).") % {"n": attended}}
        )


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    text_: str,
    votes: Votes,
    suggestion: Suggestion | None = None,
) -> Decision:
    """A decision the held meeting voted on; passed when more than half of the votes cast are
    for it. At most as many votes as participants present (when attendance names any). Audited."""
    require_authenticated(actor)
    meeting = _locked(meeting)
    require(may_manage(actor, meeting.area_path))
    if meeting.status not in DECIDING:
        raise _refuse(meeting, _("The meeting is %(status)s: decisions are recorded while it is held."))
    title = text(title, limit=TITLE, field="title")
    body = text(text_, limit=TEXT, field="text")
    _check_votes(votes, meeting.participants.filter(attended=True).count())
    if suggestion is not None and not meeting.suggestions.filter(pk=suggestion.pk).exists():
        raise ValidationFailed(fields={"suggestion": _("This suggestion is not on the meeting's agenda.")})
    cast = votes.votes_for + votes.against + votes.abstain
    decision = Decision.objects.create(
        meeting=meeting,
        title=title,
        text=body,
        votes_for=votes.votes_for,
        votes_against=votes.against,
        votes_abstain=votes.abstain,
        passed=votes.votes_for * 2 > cast,
        suggestion=suggestion,
        created_by=actor,
    )
    # The meeting's area stamps the source's object (needle.consult.figures reads it).
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="consult.decision.recorded",
        obj=decision,
        area_path=meeting.area_path,
        new={
            "meeting": meeting.pk,
            "title": title,
            "for": votes.votes_for,
            "against": votes.against,
            "abstain": votes.abstain,
            "passed": decision.passed,
        },
    )
    return decision


@transaction.atomic
def result_from_decision(*, actor: Any, decision: Decision, title: str = "", description: str = "") -> Result:
    """A result that carries out a passed decision, in the meeting's area, with the adopted
    suggestion it decided on (if any). Audited (consult.result.created)."""
    require_authenticated(actor)
    decision = Decision.objects.select_related("meeting", "meeting__area", "suggestion").get(pk=decision.pk)
    meeting = decision.meeting
    require(may_manage(actor, meeting.area_path))
    if not decision.passed:
        raise Conflict(_("This decision did not pass."), code="not_passed")
    result = Result.objects.create(
        area=meeting.area,
        area_path=meeting.area_path,
        title=text(title or decision.title, limit=TITLE, field="title"),
        description=text(description or decision.text, limit=TEXT, field="description", required=False),
        created_by=actor,
    )
    result.decisions.set([decision])
    if decision.suggestion is not None and decision.suggestion.status in ADOPTED:
        result.suggestions.set([decision.suggestion])
    result_started(result)
    audit_record(
        actor=actor,
        action="consult.result.created",
        obj=result,
        new={"title": result.title, "decisions": [decision.pk]},
    )
    return result
