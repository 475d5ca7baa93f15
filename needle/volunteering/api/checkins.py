"""/api/v1/volunteering/: members' check-ins with their community (submit, confirm, return,
resubmit, move, withdraw; a community's list and one's own), units' pairings, members'
commitments, the resources list and the roster import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from needle.areas.selectors import area_named, area_named_or_none
from needle.core.errors import ValidationFailed
from needle.core.schemas import ERRORS, Code, Id
from needle.orgs.models import Unit
from needle.volunteering.models import CheckIn, CheckInStatus, Skill, UnitCheckIn
from needle.volunteering.schemas.checkins import (
    VolCheckInIn,
    VolCheckInListOut,
    VolCheckInOut,
    VolCommitmentIn,
    VolCommitmentOut,
    VolCommitmentReviewIn,
    VolMoveIn,
    VolNoteIn,
    VolPairingIn,
    VolPairingListOut,
    VolPairingOut,
    VolPairingResubmitIn,
    VolResourcesOut,
    VolResubmitIn,
    VolRosterOut,
    VolSlotIn,
)
from needle.volunteering.selectors import checkins as sel
from needle.volunteering.services import checkins as svc
from needle.volunteering.services import pairings as pair
from needle.volunteering.services import roster
from needle.volunteering.skills import skills_match

router = Router()


def unit_field(code: str | None, field: str) -> Unit | None:
    if not code:
        return None
    if "\x00" in code:
        raise ValidationFailed(fields={field: _("No unit has this code.")})
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(fields={field: _("No unit has the code %(code)s.") % {"code": code}})
    return unit


def _slots(items: list[VolSlotIn] | None) -> list[tuple[int, str]] | None:
    return None if items is None else [(s.weekday, s.part) for s in items]


def _skills_text(words: list[str] | None, text: str | None) -> str | None:
    if words is None and text is None:
        return None
    return "、".join([*(words or []), *([text] if text else [])])


def checkin_out(checkin: CheckIn, *, phone: str = "") -> dict[str, Any]:
    return {
        "id": checkin.pk,
        "status": checkin.status,
        "person": checkin.person.username,
        "community": checkin.community.code,
        "community_name": checkin.community.name,
        "grid": checkin.grid.code if checkin.grid else None,
        "workplace": checkin.workplace.code,
        "skills": [s.code for s in checkin.skills.all()],
        "skills_text": checkin.skills_text,
        "availability": [{"weekday": d, "part": p} for d, p in sel.slots_of(checkin.availability)],
        "service_kinds": list(checkin.service_kinds),
        "phone": phone,
        "phone_visible": checkin.phone_visible,
        "outside_reason": checkin.outside_reason,
        "note": checkin.note,
        "confirmed_at": checkin.confirmed_at,
        "ended_at": checkin.ended_at,
        "moved_to": checkin.moved_to_id,
    }


def _own_or_shown(request: HttpRequest, checkin: CheckIn) -> str:
    return checkin.person.phone if request.user.pk == checkin.person_id else sel.shown_phone(checkin)


@router.post("/checkins", response={201: VolCheckInOut, **ERRORS}, summary="Check in with a community")
def checkin_create(request: HttpRequest, payload: VolCheckInIn) -> Any:
    """The caller, a member of a unit, checks in with the community of their home (or another,
    with `outside_reason`). 409 when a check-in already stands: move it instead."""
    community = area_named(payload.community, field="community")
    checkin = svc.checkin_submit(
        actor=request.user,
        community=community,
        skills_text=_skills_text(payload.skills, payload.skills_text) or "",
        availability=_slots(payload.availability) or [],
        service_kinds=payload.service_kinds,
        phone_visible=payload.phone_visible,
        workplace=unit_field(payload.workplace, "workplace"),
        grid=area_named_or_none(payload.grid, field="grid"),
        outside_reason=payload.outside_reason,
    )
    return Status(201, checkin_out(checkin, phone=checkin.person.phone))


@router.get("/checkins", response={200: VolCheckInListOut, **ERRORS}, summary="A community's check-ins")
def checkin_list(request: HttpRequest, community: Code, status: Code | None = None) -> Any:
    """For the community's staff and those above them; phones masked unless shown."""
    area = area_named(community, field="community")
    if status and status not in CheckInStatus.values:
        raise ValidationFailed(fields={"status": _("Unknown status.")})
    rows = sel.checkin_list_for(actor=request.user, community=area, status=status or None)[: sel.LIST_MAX]
    return {"items": [checkin_out(c, phone=sel.shown_phone(c)) for c in rows]}


@router.get("/checkins/mine", response={200: VolCheckInListOut, **ERRORS}, summary="My check-ins")
def checkin_mine(request: HttpRequest) -> Any:
    """The caller's check-ins, the standing one first, then its history."""
    return {"items": [checkin_out(c, phone=c.person.phone) for c in sel.my_checkins(actor=request.user)]}


@router.post("/checkins/import", response={201: VolRosterOut, **ERRORS}, summary="Import a roster")
def checkin_import(request: HttpRequest, file: File[UploadedFile], community: Form[Code]) -> Any:
    """The community's staff: the XLSX or CSV template, all lines or none (422 names each bad
    line as `line N`)."""
    area = area_named(community, field="community")
    rows = roster.read_rows(name=file.name or "", data=file.read(roster.MAX_BYTES + 1))
    made = roster.roster_import(actor=request.user, community=area, rows=rows)
    return Status(201, {"imported": len(made), "checkins": [c.pk for c in made]})


@router.get("/checkins/{checkin_id}", response={200: VolCheckInOut, **ERRORS}, summary="One check-in")
def checkin_get(request: HttpRequest, checkin_id: Id) -> Any:
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    return checkin_out(checkin, phone=_own_or_shown(request, checkin))


def _moved(request: HttpRequest, checkin: CheckIn) -> dict[str, Any]:
    fresh = sel.access_checkin(actor=request.user, checkin_id=checkin.pk)
    return checkin_out(fresh, phone=_own_or_shown(request, fresh))


@router.post("/checkins/{checkin_id}/confirm", response={200: VolCheckInOut, **ERRORS}, summary="Confirm")
def checkin_confirm(request: HttpRequest, checkin_id: Id) -> Any:
    """The community's staff or above."""
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    return _moved(request, svc.checkin_confirm(actor=request.user, checkin=checkin))


@router.post(
    "/checkins/{checkin_id}/return", response={200: VolCheckInOut, **ERRORS}, summary="Ask for corrections"
)
def checkin_return(request: HttpRequest, checkin_id: Id, payload: VolNoteIn) -> Any:
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    return _moved(request, svc.checkin_return(actor=request.user, checkin=checkin, note=payload.note))


@router.post("/checkins/{checkin_id}/resubmit", response={200: VolCheckInOut, **ERRORS}, summary="Send again")
def checkin_resubmit(request: HttpRequest, checkin_id: Id, payload: VolResubmitIn) -> Any:
    """The member, with what changed; what is not given stays."""
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    done = svc.checkin_resubmit(
        actor=request.user,
        checkin=checkin,
        skills_text=_skills_text(payload.skills, payload.skills_text),
        availability=_slots(payload.availability),
        service_kinds=payload.service_kinds,
        phone_visible=payload.phone_visible,
        grid=area_named_or_none(payload.grid, field="grid"),
        outside_reason=payload.outside_reason,
    )
    return _moved(request, done)


@router.post("/checkins/{checkin_id}/move", response={201: VolCheckInOut, **ERRORS}, summary="Move home")
def checkin_move(request: HttpRequest, checkin_id: Id, payload: VolMoveIn) -> Any:
    """The check-in ends as moved; the new one (returned) is submitted to the new community."""
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    new = svc.checkin_move(
        actor=request.user,
        checkin=checkin,
        community=area_named(payload.community, field="community"),
        grid=area_named_or_none(payload.grid, field="grid"),
        outside_reason=payload.outside_reason,
    )
    return Status(201, checkin_out(new, phone=_own_or_shown(request, new)))


@router.post("/checkins/{checkin_id}/withdraw", response={200: VolCheckInOut, **ERRORS}, summary="Withdraw")
def checkin_withdraw(request: HttpRequest, checkin_id: Id) -> Any:
    checkin = sel.access_checkin(actor=request.user, checkin_id=checkin_id)
    return _moved(request, svc.checkin_withdraw(actor=request.user, checkin=checkin))


def pairing_out(pairing: UnitCheckIn) -> dict[str, Any]:
    return {
        "id": pairing.pk,
        "unit": pairing.unit.code,
        "unit_name": pairing.unit.name,
        "community": pairing.community.code,
        "year": pairing.year,
        "status": pairing.status,
        "note": pairing.note,
        "commitments": [
            {"kind": c.kind, "description": c.description, "quantity": c.quantity, "measure": c.measure}
            for c in pairing.commitments.all()
        ],
    }


@router.post("/pairings", response={201: VolPairingOut, **ERRORS}, summary="Pair a unit with a community")
def pairing_create(request: HttpRequest, payload: VolPairingIn) -> Any:
    """An admin or coordinator of the unit itself; 409 when it is already paired that year."""
    unit = unit_field(payload.unit, "unit")
    if unit is None:
        raise ValidationFailed(fields={"unit": _("This field is required.")})
    pairing = pair.pairing_submit(
        actor=request.user,
        unit=unit,
        community=area_named(payload.community, field="community"),
        year=payload.year,
        commitments=[(c.kind, c.description, c.quantity, c.measure) for c in payload.commitments],
    )
    return Status(201, pairing_out(pairing))


@router.get("/pairings", response={200: VolPairingListOut, **ERRORS}, summary="Pairings")
def pairing_list(request: HttpRequest, community: Code | None = None, unit: Code | None = None) -> Any:
    """A community's (its staff and above) or a unit's (its own people)."""
    area = area_named_or_none(community, field="community")
    owner = unit_field(unit, "unit")
    if area is None and owner is None:
        raise ValidationFailed(fields={"community": _("Give a community or a unit.")})
    rows = sel.pairing_list_for(actor=request.user, community=area, unit=owner)[: sel.LIST_MAX]
    return {"items": [pairing_out(p) for p in rows]}


def _pairing(request: HttpRequest, pairing_id: int) -> UnitCheckIn:
    return sel.access_pairing(actor=request.user, pairing_id=pairing_id)


@router.post(
    "/pairings/{pairing_id}/confirm", response={200: VolPairingOut, **ERRORS}, summary="Confirm a pairing"
)
def pairing_confirm(request: HttpRequest, pairing_id: Id) -> Any:
    return pairing_out(pair.pairing_confirm(actor=request.user, pairing=_pairing(request, pairing_id)))


@router.post(
    "/pairings/{pairing_id}/return", response={200: VolPairingOut, **ERRORS}, summary="Return a pairing"
)
def pairing_return(request: HttpRequest, pairing_id: Id, payload: VolNoteIn) -> Any:
    done = pair.pairing_return(actor=request.user, pairing=_pairing(request, pairing_id), note=payload.note)
    return pairing_out(done)


@router.post("/pairings/{pairing_id}/resubmit", response={200: VolPairingOut, **ERRORS}, summary="Send again")
def pairing_resubmit(request: HttpRequest, pairing_id: Id, payload: VolPairingResubmitIn) -> Any:
    items = (
        None
        if payload.commitments is None
        else [(c.kind, c.description, c.quantity, c.measure) for c in payload.commitments]
    )
    done = pair.pairing_resubmit(actor=request.user, pairing=_pairing(request, pairing_id), commitments=items)
    return pairing_out(done)


@router.post("/pairings/{pairing_id}/withdraw", response={200: VolPairingOut, **ERRORS}, summary="Withdraw")
def pairing_withdraw(request: HttpRequest, pairing_id: Id) -> Any:
    return pairing_out(pair.pairing_withdraw(actor=request.user, pairing=_pairing(request, pairing_id)))


def commitment_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "community": c.community.code,
        "year": c.year,
        "text": c.text,
        "public": c.public,
        "review": c.review,
        "review_note": c.review_note,
    }


@router.post("/commitments", response={201: VolCommitmentOut, **ERRORS}, summary="Make a commitment")
def commitment_create(request: HttpRequest, payload: VolCommitmentIn) -> Any:
    """A member with a standing check-in, to its community."""
    made = pair.commitment_add(
        actor=request.user, year=payload.year, text=payload.text, public=payload.public
    )
    return Status(201, commitment_out(made))


@router.post(
    "/commitments/{commitment_id}/review", response={200: VolCommitmentOut, **ERRORS}, summary="Review"
)
def commitment_review(request: HttpRequest, commitment_id: Id, payload: VolCommitmentReviewIn) -> Any:
    """The community's staff, from the year's December on (409 before)."""
    commitment = sel.access_commitment(actor=request.user, commitment_id=commitment_id)
    done = pair.commitment_review(
        actor=request.user, commitment=commitment, review=payload.review, note=payload.note
    )
    return commitment_out(done)


@router.get("/resources", response={200: VolResourcesOut, **ERRORS}, summary="The resources list")
def resources(
    request: HttpRequest,
    community: Code,
    skill: Code | None = None,
    weekday: int | None = None,
    part: Code | None = None,
) -> Any:
    """Members' skills and availability, units' commitments, in an area (community staff and
    above). `skill`: a skill's code or any of its names."""
    area = area_named(community, field="community")
    found = None
    if skill:
        found = Skill.objects.filter(code=skill).first() or next(iter(skills_match(skill)), None)
        if found is None:
            raise ValidationFailed(
                fields={"skill": _("No known skill is called %(skill)s.") % {"skill": skill}}
            )
    if weekday is not None and not 1 <= weekday <= 7:
        raise ValidationFailed(fields={"weekday": _("A weekday is a number from 1 (Monday) to 7 (Sunday).")})
    if part and part not in ("morning", "afternoon", "evening"):
        raise ValidationFailed(fields={"part": _("A part of the day is morning, afternoon or evening.")})
    res = sel.resources_for(
        actor=request.user, community_or_area=area, skill=found, weekday=weekday, part=part or None
    )
    return {
        "area": area.code,
        "members": [
            {
                "checkin": m.checkin.pk,
                "name": m.name,
                "phone": m.phone,
                "community": m.checkin.community.code,
                "grid": m.checkin.grid.code if m.checkin.grid else None,
                "skills": [s.code for s in m.skills],
                "availability": [{"weekday": d, "part": p} for d, p in m.slots],
                "service_kinds": list(m.checkin.service_kinds),
            }
            for m in res.members
        ],
        "pairings": [pairing_out(p) for p in res.pairings],
        "capped": res.capped,
    }
