"""/api/v1/volunteering/: hours, points, targets and the quarterly service cards."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.models import Area
from needle.areas.selectors import area_named, area_named_or_none
from needle.core.errors import ValidationFailed, or_invalid, or_not_found
from needle.core.schemas import ERRORS, Code, Id
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import require_authenticated
from needle.volunteering import cards, quarters
from needle.volunteering.models import HourEntry, HourStatus, Shift
from needle.volunteering.schemas.hours import (
    VolCardOut,
    VolCardSignoffIn,
    VolCardSignoffOut,
    VolHourEntriesOut,
    VolHourEntryOut,
    VolHoursCorrectIn,
    VolHoursIn,
    VolHoursRejectIn,
    VolPointsOut,
    VolProgressListOut,
    VolShiftHoursIn,
    VolTargetIn,
    VolTargetOut,
)
from needle.volunteering.selectors import hours as sel
from needle.volunteering.services import hours as svc

router = Router()


def entry_out(e: HourEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person": e.person_id,
        "community": e.community.code,
        "date": e.date,
        "hours": float(e.hours),
        "description": e.description,
        "kind": e.kind,
        "status": e.status,
        "points": float(e.points),
        "reverses": e.reverses_id,
        "reason": e.reason,
    }


def _clean_quarter(quarter: str) -> str:
    quarters.parse_quarter(quarter)
    return quarter


def _person(person_id: int) -> Person:
    return or_not_found(Person.objects.filter(pk=person_id).first())


@router.post("/hours", response={201: VolHourEntryOut, **ERRORS}, summary="Report hours of service")
def report_hours(request: HttpRequest, payload: VolHoursIn) -> Any:
    shift = None
    if payload.shift is not None:
        shift = or_invalid(
            Shift.objects.select_related("project").filter(pk=payload.shift).first(),
            "shift",
            _("No such shift."),
        )
    entry = svc.hours_report(
        actor=request.user,
        date=payload.date,
        hours=payload.hours,
        description=payload.description,
        kind=payload.kind,
        shift=shift,
        evidence_note=payload.evidence_note,
    )
    return Status(201, entry_out(entry))


@router.get("/hours/mine", response={200: VolHourEntriesOut, **ERRORS}, summary="My hours")
def hours_mine(request: HttpRequest) -> Any:
    return {"items": [entry_out(e) for e in sel.my_hours(actor=request.user)[:500]]}


@router.get("/hours", response={200: VolHourEntriesOut, **ERRORS}, summary="Hours in my communities")
def hours_list(request: HttpRequest, community: Code | None = None, status: str = "") -> Any:
    if status and status not in HourStatus.values:
        raise ValidationFailed(fields={"status": _("No such status.")})
    area = area_named_or_none(community, field="community")
    return {
        "items": [
            entry_out(e) for e in sel.hours_to_verify(actor=request.user, community=area, status=status)[:500]
        ]
    }


@router.post("/hours/{entry_id}/verify", response={200: VolHourEntryOut, **ERRORS}, summary="Verify hours")
def verify_hours(request: HttpRequest, entry_id: Id) -> Any:
    entry = sel.access_hour_entry(actor=request.user, entry_id=entry_id)
    return entry_out(svc.hours_verify(actor=request.user, entry=entry))


@router.post("/hours/{entry_id}/reject", response={200: VolHourEntryOut, **ERRORS}, summary="Reject hours")
def reject_hours(request: HttpRequest, entry_id: Id, payload: VolHoursRejectIn) -> Any:
    entry = sel.access_hour_entry(actor=request.user, entry_id=entry_id)
    return entry_out(svc.hours_reject(actor=request.user, entry=entry, reason=payload.reason))


@router.post(
    "/hours/{entry_id}/correct", response={201: VolHourEntriesOut, **ERRORS}, summary="Correct verified hours"
)
def correct_hours(request: HttpRequest, entry_id: Id, payload: VolHoursCorrectIn) -> Any:
    entry = sel.access_hour_entry(actor=request.user, entry_id=entry_id)
    out = svc.hours_correct(actor=request.user, entry=entry, hours=payload.hours, reason=payload.reason)
    return Status(201, {"items": [entry_out(e) for e in out]})


@router.post(
    "/shifts/{shift_id}/hours", response={201: VolHourEntriesOut, **ERRORS}, summary="Log a shift's hours"
)
def log_shift_hours(request: HttpRequest, shift_id: Id, payload: VolShiftHoursIn) -> Any:
    shift = or_not_found(Shift.objects.filter(pk=shift_id).first())
    out = svc.hours_log_for_shift(
        actor=request.user, shift=shift, hours=payload.hours, description=payload.description
    )
    return Status(201, {"items": [entry_out(e) for e in out]})


def card_out(card: sel.Card) -> dict[str, Any]:
    return {
        "person": card.person.pk,
        "quarter": card.quarter,
        "verified_hours": float(card.verified_hours),
        "points": float(card.points),
        "entries": [{**e, "hours": float(e["hours"]), "points": float(e["points"])} for e in card.entries],
        "signoffs": [
            {"community": s.community.code, "signed_at": s.signed_at, "hours": float(s.hours)}
            for s in card.signoffs
        ],
    }


@router.get("/members/{person_id}/card", response={200: VolCardOut, **ERRORS}, summary="A quarterly card")
def member_card(request: HttpRequest, person_id: Id, quarter: str) -> Any:
    return card_out(sel.card_for(actor=request.user, person=_person(person_id), quarter=quarter))


@router.get("/members/{person_id}/card.csv", response={200: None, **ERRORS}, summary="A card as CSV")
def member_card_csv(request: HttpRequest, person_id: Id, quarter: str) -> Any:
    card = sel.card_for(actor=request.user, person=_person(person_id), quarter=quarter)
    return _cards_file([card], "csv", f"card-{person_id}-{quarter}")


@router.get(
    "/members/{person_id}/card.pdf",
    response={200: None, **ERRORS},
    summary="A card as PDF",
    url_name="volunteering-member-card-pdf",
)
def member_card_pdf(request: HttpRequest, person_id: Id, quarter: str) -> Any:
    card = sel.card_for(actor=request.user, person=_person(person_id), quarter=quarter)
    return _cards_file([card], "pdf", f"card-{person_id}-{quarter}")


@router.post(
    "/members/{person_id}/card/signoff", response={201: VolCardSignoffOut, **ERRORS}, summary="Sign a card"
)
def sign_card(request: HttpRequest, person_id: Id, payload: VolCardSignoffIn) -> Any:
    person = _person(person_id)
    s = svc.card_signoff(
        actor=request.user,
        person=person,
        community=area_named(payload.community, field="community"),
        quarter=payload.quarter,
    )
    return Status(201, {"community": s.community.code, "signed_at": s.signed_at, "hours": float(s.hours)})


def _cards_file(found: list[sel.Card], kind: str, name: str) -> HttpResponse:
    """Cards as a download saved as `name`.`kind` (csv or pdf)."""
    if kind == "pdf":
        res = HttpResponse(cards.cards_pdf(found), content_type="application/pdf")
    else:
        res = HttpResponse(cards.cards_csv(found), content_type="text/csv; charset=utf-8")
    res["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return res


def _unit(unit_id: int) -> Unit:
    return or_not_found(Unit.objects.select_related("parent").filter(pk=unit_id).first())


def _unit_cards(request: HttpRequest, unit_id: int, quarter: str) -> list[sel.Card]:
    unit = _unit(unit_id)
    quarters.require_ended(quarter)
    sel.access_unit_cards(actor=request.user, unit=unit)
    return [sel.build_card(p, quarter) for p in sel.unit_members(unit)]


@router.get("/units/{unit_id}/cards.pdf", response={200: None, **ERRORS}, summary="A unit's cards as PDF")
def unit_cards_pdf(request: HttpRequest, unit_id: Id, quarter: str) -> Any:
    return _cards_file(_unit_cards(request, unit_id, quarter), "pdf", f"cards-{unit_id}-{quarter}")


@router.get("/units/{unit_id}/cards.csv", response={200: None, **ERRORS}, summary="A unit's cards as CSV")
def unit_cards_csv(request: HttpRequest, unit_id: Id, quarter: str) -> Any:
    return _cards_file(_unit_cards(request, unit_id, quarter), "csv", f"cards-{unit_id}-{quarter}")


@router.get("/areas/{code}/cards.csv", response={200: None, **ERRORS}, summary="An area's cards as CSV")
def area_cards_csv(request: HttpRequest, code: Code, quarter: str) -> Any:
    area = or_not_found(Area.objects.filter(code=code.replace("\x00", "")).first())
    rows = sel.area_card_rows(actor=request.user, area=area, quarter=quarter)
    res = StreamingHttpResponse(
        cards.stream_entries_csv(rows, quarter), content_type="text/csv; charset=utf-8"
    )
    res["Content-Disposition"] = f'attachment; filename="cards-{area.code}-{quarter}.csv"'
    return res


@router.get("/points/mine", response={200: VolPointsOut, **ERRORS}, summary="My points")
def points_mine(request: HttpRequest) -> Any:
    me = require_authenticated(request.user)
    return {
        "balance": float(sel.points_balance(me)),
        "history": [entry_out(e) for e in sel.points_history(me)[:200]],
    }


@router.put("/targets/{community_code}", response={200: VolTargetOut, **ERRORS}, summary="Set a target")
def put_target(request: HttpRequest, community_code: Code, payload: VolTargetIn) -> Any:
    area = area_named(community_code, field="community")
    t = svc.target_set(
        actor=request.user, community=area, quarter_hours=payload.quarter_hours, year_hours=payload.year_hours
    )
    return {
        "community": area.code,
        "quarter_hours": float(t.quarter_hours),
        "year_hours": float(t.year_hours),
    }


@router.get("/units/{unit_id}/progress", response={200: VolProgressListOut, **ERRORS}, summary="Progress")
def unit_progress(request: HttpRequest, unit_id: Id, quarter: str) -> Any:
    rows = sel.progress_for_unit(actor=request.user, unit=_unit(unit_id), quarter=_clean_quarter(quarter))
    return {
        "quarter": quarter,
        "items": [
            {
                "person": r.person.pk,
                "name": r.person.get_full_name() or r.person.username,
                "quarter_hours": float(r.quarter_hours),
                "year_hours": float(r.year_hours),
                "quarter_target": float(r.quarter_target),
                "year_target": float(r.year_target),
                "quarter_met": r.quarter_met,
                "year_met": r.year_met,
            }
            for r in rows
        ],
    }
