"""/api/v1/cases: the hotline's steps beside dispatch-to-closure, one POST each: the direct
answer, the resident's withdrawal and additions, putting a case on hold and back, extensions.
The same services as the case page and the tracking page."""

# No `from __future__ import annotations`: the operations are wrapped by api._one_transaction,
# and ninja resolves string annotations in the wrapper's module, which does not know these schemas.
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from needle.cases import services
from needle.cases.api import (
    OUT,
    _act,
    _as_resident,
    _move,
    _one_transaction,
    _photos,
    _resident_move,
    case_out,
)
from needle.cases.models import Case, Extension
from needle.cases.schemas import (
    AnswerIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ExtensionOut,
    InfoIn,
    NoteIn,
    ReasonIn,
    WithdrawIn,
)
from needle.core.schemas import ERRORS, Code

router = Router(tags=["cases"])


def _extension_out(extension: Extension, case: Case) -> ExtensionOut:
    return ExtensionOut(
        case_number=case.number,
        status=extension.status,
        unit=extension.unit.name,
        reason=extension.reason,
        old_due=extension.old_due,
        requested_due=extension.requested_due,
        granted_due=extension.granted_due,
        decided_at=extension.decided_at,
        decision_note=extension.decision_note,
        resolve_due_at=case.resolve_due_at,
    )


@router.post("/cases/{number}/answer", response=OUT, summary="Answer directly (直接答复)")
@_one_transaction
def answer(request: HttpRequest, number: Code, payload: AnswerIn) -> Any:
    """A question answered at once: the case is done without a unit (a dispatcher over its
    place, or staff taking requests there)."""
    return _move(request, number, services.case_answer, answer=payload.answer, version=payload.version)


@router.post(
    "/cases/{number}/withdraw", response=OUT, auth=None, summary="Withdraw the request (撤回; the resident)"
)
@_one_transaction
def withdraw(request: HttpRequest, number: Code, payload: WithdrawIn) -> Any:
    """With `tracking_token` anyone holding the resident's private link may withdraw; otherwise
    the caller must be the reporter, or a dispatcher recording what the resident asked."""
    return _resident_move(
        request,
        number,
        payload.tracking_token,
        services.case_withdraw,
        reason=payload.reason,
        version=payload.version,
    )


@router.post(
    "/cases/{number}/info", response=OUT, auth=None, summary="Add information or photos (the resident)"
)
@_one_transaction
def add_info(request: HttpRequest, number: Code, payload: InfoIn) -> Any:
    """With `tracking_token` anyone holding the resident's private link; otherwise the reporter."""
    actor, case = _as_resident(request, number, payload.tracking_token)
    services.case_add_info(
        actor=actor,
        case=case,
        note=payload.note,
        photos=_photos(payload.photos),
        tracking_token=payload.tracking_token,
    )
    return case_out(case, actor)


@router.post("/cases/{number}/suspend", response=OUT, summary="Put on hold (挂起; the lead unit)")
@_one_transaction
def suspend(request: HttpRequest, number: Code, payload: ReasonIn) -> Any:
    """Where the catalog allows it for the case's service; the deadline clock stops."""
    return _move(request, number, services.case_suspend, reason=payload.reason, version=payload.version)


@router.post("/cases/{number}/resume", response=OUT, summary="Back in progress after a hold")
@_one_transaction
def resume(request: HttpRequest, number: Code, payload: NoteIn) -> Any:
    """The resolve deadline moves on by the time the case was on hold."""
    return _move(request, number, services.case_resume, note=payload.note, version=payload.version)


@router.post(
    "/cases/{number}/extension",
    response={201: ExtensionOut, **ERRORS},
    summary="Ask for a later deadline (延期申请; the lead unit)",
)
@_one_transaction
def extension_request(request: HttpRequest, number: Code, payload: ExtensionIn) -> Any:
    case = _act(request, number)
    extension = services.case_extension_request(
        actor=request.user, case=case, due=payload.due, reason=payload.reason, version=payload.version
    )
    return Status(201, _extension_out(extension, case))


@router.post(
    "/cases/{number}/extension/decision",
    response={200: ExtensionOut, **ERRORS},
    summary="Grant or refuse the pending extension (a dispatcher)",
)
@_one_transaction
def extension_decide(request: HttpRequest, number: Code, payload: ExtensionDecisionIn) -> Any:
    case = _act(request, number)
    extension = services.case_extension_decide(
        actor=request.user,
        case=case,
        grant=payload.grant,
        due=payload.due,
        note=payload.note,
        version=payload.version,
    )
    return _extension_out(extension, case)
