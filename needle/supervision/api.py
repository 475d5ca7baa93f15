"""/api/v1/supervision/: tasks to many units, their targets' moves, a task's board, the
admission list (public per district; apply, decide) and the burden of an area."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named
from needle.core.schemas import ERRORS, Code, Day, Id, Page, PageSize
from needle.orgs.permissions import require_authenticated
from needle.supervision import services as svc
from needle.supervision.presenters import burden_period_out, entry_out, target_out, task_out
from needle.supervision.schemas import (
    SupBoardOut,
    SupBurdenOut,
    SupDecideIn,
    SupEntriesOut,
    SupEntryIn,
    SupEntryOut,
    SupExtensionDecideIn,
    SupExtensionIn,
    SupProgressIn,
    SupReasonIn,
    SupSplitIn,
    SupTargetOut,
    SupTaskCreatedOut,
    SupTaskIn,
    SupTaskOut,
    SupTextIn,
)
from needle.supervision.selectors import admission as adm
from needle.supervision.selectors.burden import burden_for
from needle.supervision.selectors.tasks import access_target, access_task, task_board
from needle.supervision.selectors.units import unit_named

router = Router()


@router.post(
    "/tasks",
    response={201: SupTaskCreatedOut, **ERRORS},
    summary="Issue a task to many units",
    url_name="sup-tasks",
)
def task_create(request: HttpRequest, payload: SupTaskIn) -> Any:
    """201 with the task's id and how many units it reached; 422 `task_type_not_admitted` when a
    resident committee's district does not admit the type, `target_outside_area`, or a field."""
    actor = require_authenticated(request.user)
    draft = svc.Draft(
        title=payload.title,
        body=payload.body,
        task_type=payload.task_type,
        source=payload.source,
        priority=payload.priority,
        deadline=payload.deadline,
        working_days=payload.working_days,
        lead_unit=payload.lead_unit,
        assisting=tuple(payload.assisting),
        consult_action=payload.consult_action,
    )
    task = svc.task_issue(
        actor=actor, issuer=unit_named(payload.issuer, field="issuer"), draft=draft, targets=payload.targets
    )
    return Status(
        201,
        {"id": task.pk, "targets_count": task.targets_count, "deadline": task.deadline, "hold": task.hold},
    )


@router.get("/tasks/{task_id}", response={200: SupTaskOut, **ERRORS}, summary="A task")
def task_get(request: HttpRequest, task_id: Id) -> Any:
    return task_out(access_task(actor=request.user, task_id=task_id))


@router.get("/tasks/{task_id}/board", response={200: SupBoardOut, **ERRORS}, summary="A task's board")
def task_board_get(
    request: HttpRequest,
    task_id: Id,
    page: Page = 1,
    page_size: PageSize | None = None,
    status: Code = "",
    colour: Code = "",
) -> Any:
    """Counts by status and by colour; the targets paged, filtered by status or colour."""
    task = access_task(actor=request.user, task_id=task_id)
    board = task_board(
        actor=request.user, task=task, page=page, page_size=page_size, status=status, colour=colour
    )
    return {
        "task": task_out(task),
        "by_status": board.by_status,
        "by_colour": board.by_colour,
        "count": board.page.count,
        "page": board.page.page,
        "page_size": board.page.page_size,
        "results": [target_out(r.target, r.colour) for r in board.page.items],
    }


@router.get("/targets/{target_id}", response={200: SupTargetOut, **ERRORS}, summary="A task's target")
def target_get(request: HttpRequest, target_id: Id) -> Any:
    target, _held = access_target(actor=request.user, target_id=target_id)
    return target_out(target)


@router.post("/targets/{target_id}/accept", response={200: SupTargetOut, **ERRORS}, summary="Accept")
def target_accept(request: HttpRequest, target_id: Id) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.target_accept(actor=actor, target_id=target_id))


@router.post(
    "/targets/{target_id}/progress", response={200: SupTargetOut, **ERRORS}, summary="Report progress"
)
def target_progress(request: HttpRequest, target_id: Id, payload: SupProgressIn) -> Any:
    actor = require_authenticated(request.user)
    target = svc.target_progress(
        actor=actor, target_id=target_id, progress=payload.progress, text=payload.text
    )
    return target_out(target)


@router.post("/targets/{target_id}/done", response={200: SupTargetOut, **ERRORS}, summary="Report done")
def target_done(request: HttpRequest, target_id: Id, payload: SupTextIn) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.target_done(actor=actor, target_id=target_id, text=payload.text))


@router.post(
    "/targets/{target_id}/sign-off", response={200: SupTargetOut, **ERRORS}, summary="Sign off (level above)"
)
def target_sign_off(request: HttpRequest, target_id: Id) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.target_sign_off(actor=actor, target_id=target_id))


@router.post(
    "/targets/{target_id}/return", response={200: SupTargetOut, **ERRORS}, summary="Return (level above)"
)
def target_return(request: HttpRequest, target_id: Id, payload: SupReasonIn) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.target_return(actor=actor, target_id=target_id, reason=payload.reason))


@router.post(
    "/targets/{target_id}/decline", response={200: SupTargetOut, **ERRORS}, summary="Decline an unlisted task"
)
def target_decline(request: HttpRequest, target_id: Id, payload: SupReasonIn) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.target_decline(actor=actor, target_id=target_id, reason=payload.reason))


@router.post(
    "/targets/{target_id}/extension", response={200: SupTargetOut, **ERRORS}, summary="Ask for an extension"
)
def extension_ask(request: HttpRequest, target_id: Id, payload: SupExtensionIn) -> Any:
    actor = require_authenticated(request.user)
    target = svc.extension_ask(actor=actor, target_id=target_id, until=payload.until, reason=payload.reason)
    return target_out(target)


@router.post(
    "/targets/{target_id}/extension/decide",
    response={200: SupTargetOut, **ERRORS},
    summary="Decide an extension",
)
def extension_decide(request: HttpRequest, target_id: Id, payload: SupExtensionDecideIn) -> Any:
    actor = require_authenticated(request.user)
    return target_out(svc.extension_decide(actor=actor, target_id=target_id, grant=payload.grant))


@router.post(
    "/targets/{target_id}/split",
    response={201: SupTaskCreatedOut, **ERRORS},
    summary="Pass a street's share down",
)
def target_split(request: HttpRequest, target_id: Id, payload: SupSplitIn) -> Any:
    actor = require_authenticated(request.user)
    target, _held = access_target(actor=actor, target_id=target_id)
    draft = None
    if payload.deadline is not None:
        task = target.task
        draft = svc.Draft(
            title=task.title,
            body=task.body,
            task_type=task.task_type,
            source=task.source,
            priority=task.priority,
            deadline=payload.deadline,
        )
    child = svc.target_split(actor=actor, target=target, draft=draft, targets=payload.targets)
    return Status(201, {"id": child.pk, "targets_count": child.targets_count, "deadline": child.deadline})


@router.get(
    "/admission",
    response={200: SupEntriesOut, **ERRORS},
    auth=None,
    summary="A district's admission list (public)",
)
def admission_list(request: HttpRequest, district: Code, on: Day | None = None) -> Any:
    area = adm.access_district(district)
    day = on or timezone.localdate()
    rows = adm.public_list(district=area, on=day)
    return {
        "district": area.code,
        "on": day,
        "results": [entry_out(e) for e in rows.select_related("district")],
    }


@router.post("/admission", response={201: SupEntryOut, **ERRORS}, summary="Apply for the admission list")
def admission_apply(request: HttpRequest, payload: SupEntryIn) -> Any:
    actor = require_authenticated(request.user)
    district = area_named(payload.district, field="district")
    entry = svc.entry_apply(
        actor=actor,
        issuer=unit_named(payload.issuer, field="issuer"),
        district=district,
        task_type=payload.task_type,
        asks=payload.asks,
        basis=payload.basis,
        hours=payload.hours,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, entry_out(entry))


@router.post(
    "/admission/{entry_id}/decide", response={200: SupEntryOut, **ERRORS}, summary="Decide an application"
)
def admission_decide(request: HttpRequest, entry_id: Id, payload: SupDecideIn) -> Any:
    actor = require_authenticated(request.user)
    entry = svc.entry_decide(actor=actor, entry_id=entry_id, decision=payload.decision, note=payload.note)
    return entry_out(entry)


@router.get("/burden", response={200: SupBurdenOut, **ERRORS}, summary="The burden on an area's units")
def burden(request: HttpRequest, area: Code, start: Day, end: Day) -> Any:
    """Tasks received by the units in the area by issuing unit, estimated hours, declined and
    refused, over the period and the same period a year before."""
    actor = require_authenticated(request.user)
    place = area_named(area, field="area")
    now, before = burden_for(actor=actor, area=place, start=start, end=end)
    return {"area": place.code, "period": burden_period_out(now), "year_before": burden_period_out(before)}
