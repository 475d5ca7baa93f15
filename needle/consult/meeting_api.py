"""/api/v1/consult/meetings: deliberation meetings of a community's council. The area's staff
(consult.manage) call them, take attendance, record decisions with their votes, take the
minutes and turn a passed decision into a result; supervisors and auditors (consult.view) read
them; for anyone else a meeting does not exist (404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named
from needle.consult import selectors, services
from needle.consult.meeting_schemas import (
    CancelIn,
    DecisionIn,
    DecisionResultIn,
    HoldIn,
    MeetingChangeIn,
    MeetingIn,
    MeetingOut,
    MeetingPageOut,
    MinutesIn,
    SeatIn,
    SeatOut,
)
from needle.consult.models import Decision, Meeting, MeetingStatus, Suggestion, Topic
from needle.consult.presenters import result_out
from needle.consult.schemas import ResultOut
from needle.consult.services.meetings import MeetingChange, meeting_edit
from needle.consult.states import meeting_moves_from
from needle.core.errors import ValidationFailed, or_invalid, or_not_found
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Id, Page, PageSize
from needle.orgs.models import Person, PersonRecord, Unit

router = Router(tags=["consult"])


def meeting_out(actor: Any, meeting: Meeting) -> dict[str, Any]:
    seats = selectors.meeting_seats(actor=actor, meeting=meeting)
    decisions = list(meeting.decisions.prefetch_related("results"))
    return {
        "id": meeting.pk,
        "area": meeting.area.code,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "status": meeting.status,
        "agenda_text": meeting.agenda_text,
        "topics": sorted(meeting.topics.values_list("pk", flat=True)),
        "suggestions": sorted(meeting.suggestions.values_list("pk", flat=True)),
        "participants": [
            {
                "id": p.pk,
                "kind": p.kind,
                "name": selectors.seat_name(p),
                "person": p.person_id,
                "record": p.record_id,
                "unit": p.unit_id,
                "attended": p.attended,
            }
            for p in seats
        ],
        "minutes": meeting.minutes,
        "cancel_reason": meeting.cancel_reason,
        "decisions": [
            {
                "id": d.pk,
                "title": d.title,
                "text": d.text,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "votes_abstain": d.votes_abstain,
                "passed": d.passed,
                "suggestion": d.suggestion_id,
                "results": sorted(r.pk for r in d.results.all()),
            }
            for d in decisions
        ],
        "moves": meeting_moves_from(meeting.status),
    }


def _seat(seat: SeatIn, i: int) -> services.Seat:
    """A seat as given: the person, record or unit named must exist (else 422 naming it)."""
    field = f"participants.{i}"
    person = record = unit = None
    if seat.person is not None:
        person = or_invalid(
            Person.objects.filter(pk=seat.person, is_active=True).first(),
            f"{field}.person",
            _("No such person."),
        )
    if seat.record is not None:
        record = or_invalid(
            PersonRecord.objects.filter(pk=seat.record).first(),
            f"{field}.record",
            _("No such person without an account."),
        )
    if seat.unit is not None:
        unit = or_invalid(Unit.objects.filter(pk=seat.unit).first(), f"{field}.unit", _("No such unit."))
    newcomer = services.OnBehalf(name=seat.name, phone=seat.phone) if seat.name or seat.phone else None
    return services.Seat(kind=seat.kind, person=person, record=record, unit=unit, newcomer=newcomer)


def _all(model: Any, ids: list[int], field: str) -> list[Any]:
    found = {o.pk: o for o in model.objects.filter(pk__in=ids)}
    for i in ids:
        if i not in found:
            raise ValidationFailed(fields={field: _("No such item: %(id)s.") % {"id": i}})
    return [found[i] for i in dict.fromkeys(ids)]


@router.get("", response={200: MeetingPageOut, **ERRORS}, summary="Deliberation meetings")
def list_meetings(
    request: HttpRequest,
    area: Code | None = None,
    status: MeetingStatus | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """The meetings in the areas the caller keeps or watches; `area`: within that subtree."""
    qs = selectors.meeting_list(actor=request.user, status=status or "")
    if area:
        qs = qs.filter(area_path__startswith=area_named(area).path)
    result = paginate(qs, page=page, page_size=page_size)
    rows = [
        {
            "id": m.pk,
            "area": m.area.code,
            "title": m.title,
            "starts_at": m.starts_at,
            "place": m.place,
            "status": m.status,
        }
        for m in result.items
    ]
    return page_out(result, rows)


@router.post("", response={201: MeetingOut, **ERRORS}, summary="Call a meeting")
def schedule(request: HttpRequest, payload: MeetingIn) -> Any:
    """The area's staff: date, place, an agenda of topics and suggestions, the participants."""
    area = area_named(payload.area)
    draft = services.MeetingDraft(
        title=payload.title,
        starts_at=payload.starts_at,
        place=payload.place,
        agenda_text=payload.agenda_text,
        topics=_all(Topic, payload.topics, "topics"),
        suggestions=_all(Suggestion, payload.suggestions, "suggestions"),
        seats=[_seat(s, i) for i, s in enumerate(payload.participants)],
    )
    meeting = services.meeting_schedule(actor=request.user, area=area, draft=draft)
    return Status(201, meeting_out(request.user, meeting))


@router.get("/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="One meeting")
def get_meeting(request: HttpRequest, meeting_id: Id) -> Any:
    """With its seats (names: the read is audited), decisions and minutes."""
    return meeting_out(request.user, selectors.access_meeting(actor=request.user, meeting_id=meeting_id))


@router.patch("/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="Change a meeting")
def edit(request: HttpRequest, meeting_id: Id, payload: MeetingChangeIn) -> Any:
    """Date, place, title or agenda, until the meeting is held (409 after)."""
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    change = MeetingChange(
        title=payload.title,
        starts_at=payload.starts_at,
        place=payload.place,
        agenda_text=payload.agenda_text,
        topics=None if payload.topics is None else _all(Topic, payload.topics, "topics"),
        suggestions=None
        if payload.suggestions is None
        else _all(Suggestion, payload.suggestions, "suggestions"),
    )
    return meeting_out(request.user, meeting_edit(actor=request.user, meeting=meeting, change=change))


@router.post("/{meeting_id}/participants", response={201: SeatOut, **ERRORS}, summary="Add a participant")
def add_participant(request: HttpRequest, meeting_id: Id, payload: SeatIn) -> Any:
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    row = services.participant_add(actor=request.user, meeting=meeting, seat=_seat(payload, 0))
    row = type(row).objects.select_related("person", "record", "unit").get(pk=row.pk)
    return Status(
        201,
        {
            "id": row.pk,
            "kind": row.kind,
            "name": selectors.seat_name(row),
            "person": row.person_id,
            "record": row.record_id,
            "unit": row.unit_id,
            "attended": row.attended,
        },
    )


@router.post("/{meeting_id}/hold", response={200: MeetingOut, **ERRORS}, summary="Record it as held")
def hold(request: HttpRequest, meeting_id: Id, payload: HoldIn) -> Any:
    """`present`: the seats that came (the others are marked absent); 409 unless scheduled."""
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    meeting = services.meeting_hold(actor=request.user, meeting=meeting, present=payload.present)
    return meeting_out(request.user, meeting)


@router.post("/{meeting_id}/minutes", response={200: MeetingOut, **ERRORS}, summary="Take the minutes")
def minute(request: HttpRequest, meeting_id: Id, payload: MinutesIn) -> Any:
    """The minutes close a held meeting; 409 for one scheduled, cancelled or minuted already."""
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    meeting = services.meeting_minute(actor=request.user, meeting=meeting, minutes=payload.minutes)
    return meeting_out(request.user, meeting)


@router.post("/{meeting_id}/cancel", response={200: MeetingOut, **ERRORS}, summary="Cancel a meeting")
def cancel(request: HttpRequest, meeting_id: Id, payload: CancelIn) -> Any:
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    meeting = services.meeting_cancel(actor=request.user, meeting=meeting, reason=payload.reason)
    return meeting_out(request.user, meeting)


@router.post("/{meeting_id}/decisions", response={201: MeetingOut, **ERRORS}, summary="Record a decision")
def decide(request: HttpRequest, meeting_id: Id, payload: DecisionIn) -> Any:
    """Votes for, against and abstaining (whole numbers from 0); 409 unless the meeting is held."""
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    suggestion = None
    if payload.suggestion is not None:
        suggestion = or_invalid(
            Suggestion.objects.filter(pk=payload.suggestion).first(), "suggestion", _("No such suggestion.")
        )
    services.decision_record(
        actor=request.user,
        meeting=meeting,
        title=payload.title,
        text_=payload.text,
        votes=services.Votes(votes_for=payload.votes_for, against=payload.against, abstain=payload.abstain),
        suggestion=suggestion,
    )
    return Status(201, meeting_out(request.user, meeting))


@router.post(
    "/{meeting_id}/decisions/{decision_id}/result",
    response={201: ResultOut, **ERRORS},
    summary="Carry a decision out as a result",
)
def decision_result(request: HttpRequest, meeting_id: Id, decision_id: Id, payload: DecisionResultIn) -> Any:
    """A passed decision becomes a result in the meeting's area (409 if it did not pass)."""
    meeting = selectors.access_meeting(actor=request.user, meeting_id=meeting_id)
    decision = or_not_found(Decision.objects.filter(pk=decision_id, meeting=meeting).first())
    result = services.result_from_decision(
        actor=request.user, decision=decision, title=payload.title, description=payload.description
    )
    return Status(201, result_out(result))
