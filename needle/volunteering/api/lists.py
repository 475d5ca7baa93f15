"""/api/v1/volunteering/: needs (staff and grid workers), projects with shifts (open ones are
public), claims (a checked-in member claims; staff dispatch to a member or a unit, who accept or
decline), ratings by the residents who received a service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named, area_named_or_none
from needle.cases.selectors.access import access_case
from needle.core.errors import ValidationFailed, or_invalid
from needle.core.schemas import ERRORS, Code, Id
from needle.orgs.auth import optional_actor
from needle.orgs.models import Person, Unit
from needle.volunteering.models import Claim, Need, NeedStatus, Project, Shift
from needle.volunteering.schemas.lists import (
    VolClaimOut,
    VolDispatchIn,
    VolMeetIn,
    VolNeedIn,
    VolNeedListOut,
    VolNeedMetOut,
    VolNeedOut,
    VolNoteIn,
    VolProjectIn,
    VolProjectListOut,
    VolProjectOut,
    VolRatingIn,
    VolRatingOut,
    VolReasonIn,
)
from needle.volunteering.selectors import lists as sel
from needle.volunteering.services import lists as svc
from needle.volunteering.services import lists_claims as claims

router = Router()


def need_out(need: Need, **extra: Any) -> dict[str, Any]:
    return {
        "id": need.pk,
        "community": need.community.code,
        "grid": need.grid.code if need.grid else None,
        "title": need.title,
        "description": need.description,
        "category": need.category,
        "place": need.place,
        "people_needed": need.people_needed,
        "skills": [s.code for s in need.skills.all()],
        "starts_on": need.starts_on,
        "ends_on": need.ends_on,
        "urgency": need.urgency,
        "status": need.status,
        "case": need.case.number if need.case else None,
        "met_note": need.met_note,
        **extra,
    }


def shift_out(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "due_on": shift.due_on,
        "place": shift.place,
        "slots": shift.slots,
        "filled": shift.filled,
        "free": max(shift.slots - shift.filled, 0),
        "cancelled": shift.cancelled,
        "skills": [s.code for s in shift.skills.all()],
    }


def project_out(project: Project, shifts: list[Shift] | None = None) -> dict[str, Any]:
    count, average = sel.rating_summary(project)
    return {
        "id": project.pk,
        "community": project.community.code,
        "title": project.title,
        "description": project.description,
        "kind": project.kind,
        "category": project.category,
        "status": project.status,
        "need_ids": [n.pk for n in project.needs.all()],
        "rating_count": count,
        "rating_average": average,
        "shifts": [shift_out(s) for s in (shifts if shifts is not None else sel.project_shifts(project))],
    }


def claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "shift": claim.shift_id,
        "person": claim.person_id,
        "unit": claim.unit.code if claim.unit else None,
        "status": claim.status,
        "reason": claim.reason,
    }


@router.post("/needs", response={201: VolNeedOut, **ERRORS}, summary="Raise a need")
def create_need(request: HttpRequest, payload: VolNeedIn) -> Any:
    """Community staff and grid workers; with `case` (a request's number) the need is made from
    that request, in its community, with its title and description."""
    common: dict[str, Any] = {
        "category": payload.category,
        "place": payload.place,
        "people_needed": payload.people_needed,
        "skill_codes": payload.skills,
        "starts_on": payload.starts_on,
        "ends_on": payload.ends_on,
        "urgency": payload.urgency,
    }
    if payload.case:
        case = access_case(actor=request.user, number=payload.case)
        need = svc.need_from_case(actor=request.user, case=case, **common)
    else:
        community = area_named(payload.community, field="community")
        grid = area_named_or_none(payload.grid, field="grid")
        need = svc.need_create(
            actor=request.user,
            community=community,
            title=payload.title,
            description=payload.description,
            grid=grid,
            **common,
        )
    return Status(201, need_out(need))


@router.get("/needs", response={200: VolNeedListOut, **ERRORS}, summary="A community's needs")
def list_needs(request: HttpRequest, community: Code, status: Code = "open") -> Any:
    """To the community's staff and grid workers; `status` open (default), met, withdrawn or all."""
    if status != "all" and status not in NeedStatus.values:
        raise ValidationFailed(fields={"status": _("Choose open, met, withdrawn or all.")})
    area = area_named(community, field="community")
    needs = sel.need_list_for(actor=request.user, community=area, status=None if status == "all" else status)
    return {"items": [need_out(n) for n in needs]}


@router.post("/needs/{need_id}/meet", response={200: VolNeedMetOut, **ERRORS}, summary="A need is met")
def meet_need(request: HttpRequest, need_id: Id, payload: VolMeetIn | None = None) -> Any:
    """With `resolve_case`, its request is resolved too when the cases' rules allow it (only
    its lead unit's handlers, from a state that allows it); otherwise `case_note` says why not,
    and the need is met all the same."""
    payload = payload or VolMeetIn(note="")
    need = sel.access_need(actor=request.user, need_id=need_id)
    met = svc.need_meet(actor=request.user, need=need, note=payload.note, resolve_case=payload.resolve_case)
    return need_out(met.need, case_resolved=met.case_resolved, case_note=met.case_note)


@router.post("/needs/{need_id}/withdraw", response={200: VolNeedOut, **ERRORS}, summary="Withdraw a need")
def withdraw_need(request: HttpRequest, need_id: Id, payload: VolNoteIn | None = None) -> Any:
    need = sel.access_need(actor=request.user, need_id=need_id)
    return need_out(
        svc.need_withdraw(actor=request.user, need=need, note=(payload or VolNoteIn(note="")).note)
    )


@router.post("/needs/{need_id}/reopen", response={200: VolNeedOut, **ERRORS}, summary="Reopen a need")
def reopen_need(request: HttpRequest, need_id: Id) -> Any:
    need = sel.access_need(actor=request.user, need_id=need_id)
    return need_out(svc.need_reopen(actor=request.user, need=need))


@router.post("/projects", response={201: VolProjectOut, **ERRORS}, summary="Create a project with shifts")
def create_project(request: HttpRequest, payload: VolProjectIn) -> Any:
    """The community's staff. Timed shifts give `starts_at` and `ends_at`; a flexible project's
    tasks give `due_on`; a recurring project repeats its shifts weekly for `weeks` weeks."""
    community = area_named(payload.community, field="community")
    drafts = [
        svc.ShiftDraft(
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            due_on=s.due_on,
            place=s.place,
            slots=s.slots,
            skill_codes=s.skills,
        )
        for s in payload.shifts
    ]
    project = svc.project_create(
        actor=request.user,
        community=community,
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        category=payload.category,
        need_ids=payload.need_ids,
        shifts=drafts,
        weeks=payload.weeks,
    )
    return Status(201, project_out(project))


@router.get(
    "/projects", response={200: VolProjectListOut, **ERRORS}, auth=None, summary="A community's projects"
)
def list_projects(request: HttpRequest, community: Code) -> Any:
    """Open projects with their upcoming shifts, to anyone; the community's staff also read
    closed ones."""
    area = area_named(community, field="community")
    actor = optional_actor(request)
    projects = sel.project_list_for(actor=actor, community=area, include_closed=True)
    return {"items": [project_out(p, sel.upcoming_shifts(p)) for p in projects]}


@router.get("/projects/{project_id}", response={200: VolProjectOut, **ERRORS}, auth=None, summary="A project")
def get_project(request: HttpRequest, project_id: Id) -> Any:
    project = sel.access_project(actor=optional_actor(request), project_id=project_id)
    return project_out(project)


@router.post(
    "/projects/{project_id}/close", response={200: VolProjectOut, **ERRORS}, summary="Close a project"
)
def close_project(request: HttpRequest, project_id: Id) -> Any:
    project = sel.access_project(actor=request.user, project_id=project_id)
    return project_out(svc.project_close(actor=request.user, project=project))


@router.post("/shifts/{shift_id}/claims", response={201: VolClaimOut, **ERRORS}, summary="Claim a shift")
def claim_shift(request: HttpRequest, shift_id: Id) -> Any:
    """The caller claims a place (a confirmed check-in needed: 403 otherwise); 409 when the
    shift is full, over, or overlaps a shift the caller holds (`code` full or overlapping)."""
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    return Status(201, claim_out(claims.claim_create(actor=request.user, shift=shift)))


@router.post("/shifts/{shift_id}/cancel", response={200: VolProjectOut, **ERRORS}, summary="Cancel a shift")
def cancel_shift(request: HttpRequest, shift_id: Id, payload: VolReasonIn | None = None) -> Any:
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    svc.shift_cancel(actor=request.user, shift=shift, reason=(payload or VolReasonIn(reason="")).reason)
    return project_out(sel.access_project(actor=request.user, project_id=shift.project_id))


@router.post("/shifts/{shift_id}/dispatch", response={201: VolClaimOut, **ERRORS}, summary="Dispatch a task")
def dispatch(request: HttpRequest, shift_id: Id, payload: VolDispatchIn) -> Any:
    """Staff assign the shift to a member (`person`, an id) or a unit (`unit`, its code)."""
    shift = sel.access_shift(actor=request.user, shift_id=shift_id)
    person = unit = None
    if payload.person is not None:
        person = or_invalid(
            Person.objects.filter(pk=payload.person, is_active=True).first(), "person", _("No such person.")
        )
    if payload.unit is not None:
        unit = or_invalid(
            Unit.objects.filter(code=payload.unit.replace("\x00", "")).first(),
            "unit",
            _("No unit has this code."),
        )
    claim = claims.claim_dispatch(
        actor=request.user, shift=shift, person=person, unit=unit, note=payload.note
    )
    return Status(201, claim_out(claim))


@router.post("/claims/{claim_id}/cancel", response={200: VolClaimOut, **ERRORS}, summary="Cancel a claim")
def cancel_claim(request: HttpRequest, claim_id: Id, payload: VolReasonIn | None = None) -> Any:
    claim = sel.access_claim(actor=request.user, claim_id=claim_id)
    return claim_out(
        claims.claim_cancel(
            actor=request.user, claim=claim, reason=(payload or VolReasonIn(reason="")).reason
        )
    )


@router.post("/claims/{claim_id}/accept", response={200: VolClaimOut, **ERRORS}, summary="Accept a task")
def accept_claim(request: HttpRequest, claim_id: Id) -> Any:
    claim = sel.access_claim(actor=request.user, claim_id=claim_id)
    return claim_out(claims.claim_accept(actor=request.user, claim=claim))


@router.post("/claims/{claim_id}/decline", response={200: VolClaimOut, **ERRORS}, summary="Decline a task")
def decline_claim(request: HttpRequest, claim_id: Id, payload: VolReasonIn) -> Any:
    claim = sel.access_claim(actor=request.user, claim_id=claim_id)
    return claim_out(claims.claim_decline(actor=request.user, claim=claim, reason=payload.reason))


@router.post("/claims/{claim_id}/done", response={200: VolClaimOut, **ERRORS}, summary="A claim is done")
def done_claim(request: HttpRequest, claim_id: Id) -> Any:
    claim = sel.access_claim(actor=request.user, claim_id=claim_id)
    return claim_out(claims.claim_done(actor=request.user, claim=claim))


@router.post(
    "/projects/{project_id}/ratings",
    response={200: VolRatingOut, 201: VolRatingOut, **ERRORS},
    summary="Rate a project's service",
)
def rate(request: HttpRequest, project_id: Id, payload: VolRatingIn) -> Any:
    """A resident who received the service (home in the community, or the reporter of a
    request linked to one of its needs); 201 the first time, 200 when it replaces theirs."""
    project = sel.access_project(actor=request.user, project_id=project_id)
    rating, made = claims.rating_give(
        actor=request.user, project=project, rating=payload.rating, comment=payload.comment
    )
    count, average = sel.rating_summary(project)
    body = {
        "project": project.pk,
        "rating": rating.rating,
        "comment": rating.comment,
        "rating_count": count,
        "rating_average": average,
    }
    return Status(201 if made else 200, body)
