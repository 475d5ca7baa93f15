"""/api/v1/cases: list, create, read, one POST per action, the timeline, the catalog, the rates."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_get
from needle.cases import selectors, services
from needle.cases.models import Case, Channel, Service
from needle.cases.schemas import (
    AssistIn,
    AttributeOut,
    CallbackIn,
    CallerCaseOut,
    CallerIn,
    CaseIn,
    CaseOut,
    CasePageOut,
    CategoryOut,
    CategoryRefOut,
    DispatchedOut,
    DispatchIn,
    DispatchManyIn,
    DispatchManyOut,
    EventOut,
    GridIn,
    HideIn,
    MergeIn,
    NoteIn,
    ProgressNoteIn,
    PublicIn,
    RatesOut,
    ReasonIn,
    RefusedOut,
    ResolveIn,
    ServiceFoundOut,
    ServiceOut,
    UrgeIn,
    WhistleIn,
)
from needle.core import periods
from needle.core.errors import NotFound, ValidationFailed
from needle.core.pagination import seek_paginate
from needle.core.schemas import ERRORS, Code, Day, Id, Page, PageSize, Term
from needle.core.throttle import spend
from needle.orgs.auth import optional_actor
from needle.orgs.selectors import access_unit

router = Router(tags=["cases"])


def case_out(case: Case, actor: Any, *, contact: selectors.Contact | None = None) -> CaseOut:
    """One case as the API shows it; its contact details read through case_contact (whole
    and audited, or masked) unless the caller gives them."""
    if contact is None:
        contact = selectors.case_contact(actor=actor, case=case)
    return CaseOut(
        number=case.number,
        service_code=case.service.code,
        service_name=case.service.label,
        state=case.state,
        colour=case.colour,
        area_code=case.area.code,
        area_name=case.area.name,
        lead_unit_id=case.lead_unit_id,
        lead_unit_name=case.lead_unit.name if case.lead_unit else None,
        title=case.title,
        description=case.description,
        address=case.address,
        lat=case.lat,
        lng=case.lng,
        attributes=case.attributes,
        channel=case.channel,
        contact_name=contact.name,
        contact_phone=contact.phone,
        show_name=case.show_name,
        public=selectors.is_public(case),
        submitted_at=case.submitted_at,
        accept_due_at=case.accept_due_at,
        resolve_due_at=case.resolve_due_at,
        accepted_at=case.accepted_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        suspended_at=case.suspended_at,
        paused_seconds=case.paused_seconds,
        reopen_count=case.reopen_count,
        repeat_count=case.repeat_count,
        repeat_of=case.repeat_of.number if case.repeat_of_id and case.repeat_of else None,
        merged_into=case.parent.number if case.parent_id and case.parent else None,
        version=case.version,
        # The private link goes to the case's own reporter alone (anonymous callers and
        # cases without a reporter included: None is nobody's id).
        tracking_url=services.tracking_link(case)
        if case.reporter_id is not None and getattr(actor, "pk", None) == case.reporter_id
        else None,
    )


def _photos(encoded: list[str]) -> list[bytes]:
    try:
        return [base64.b64decode(item, validate=True) for item in encoded]
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={"photos": _("Photos must be base64-encoded.")}) from None


def _service_out(service: Service) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "deadline_class": service.deadline_class,
        "accept_hours": service.accept_hours,
        "resolve_hours": service.resolve_hours,
        "suspendable": service.suspendable,
        "public": service.public,
        "attributes": [AttributeOut.from_orm(a) for a in service.attributes.all()],
    }


@router.get(
    "/catalog",
    response={200: list[CategoryOut] | list[ServiceFoundOut], **ERRORS},
    auth=None,
    summary="Services by category, or the services that match a search",
    description="Without `search`: every active service by category. With `search`: a flat list "
    "of the services that match the words, the best match first (the report form's search); "
    "services that are not public only for a caller who may take requests in.",
)
def catalog(request: HttpRequest, search: Term | None = None) -> Any:
    if search is not None:
        hits = selectors.service_search(
            actor=optional_actor(request) or request.user, text=search, staff=True
        )
        return [
            ServiceFoundOut(
                **_service_out(hit.service),
                category=CategoryRefOut.from_orm(hit.service.category),
                score=hit.score,
            )
            for hit in hits
        ]
    return [
        CategoryOut(
            code=c.code,
            name=c.name,
            name_en=c.name_en,
            services=[ServiceOut(**_service_out(s)) for s in c.services.all()],
        )
        for c in selectors.catalog()
    ]


@router.get("/cases", response={200: CasePageOut, **ERRORS}, summary="Cases the caller may see")
def list_cases(
    request: HttpRequest,
    state: Code = "",
    colour: Code = "",
    service: Code = "",
    area: Code | None = None,
    unit: Id | None = None,
    search: Term = "",
    queue: bool = False,
    overdue: bool = False,
    mine: bool = False,
    page: Page = 1,
    page_size: PageSize = 50,
    after: Term = "",
    count: bool = True,
) -> Any:
    """`count=false` leaves the count out (`count` null): a search for a common word over a
    district costs more to count than to list, and a client paging by `next_after` needs none."""
    filters = selectors.CaseFilters(
        state=state,
        colour=colour,
        service=service,
        area=area_get(code=area) if area else None,
        unit=access_unit(actor=request.user, unit_id=unit) if unit else None,
        text=search,
        queue=queue,
        overdue=overdue,
        mine=mine,
    )
    qs = (
        selectors.case_list_for(actor=request.user, filters=filters)
        .select_related("repeat_of", "parent")
        .defer("area__boundary")  # a community's boundary can be larger than the case
    )
    result = seek_paginate(
        qs,
        keys=selectors.CASE_ORDER,
        page=page,
        page_size=page_size,
        after=after,
        cap=selectors.SEARCH_COUNT_CAP if search.strip() else None,
        count=count,
    )
    return {
        "count": result.count if count else None,
        "count_exact": result.exact,
        "page": result.page,
        "page_size": result.page_size,
        "next_after": result.next_cursor,
        # Lists show contacts masked: 500 whole numbers a call would be a bulk read of them.
        "results": [case_out(c, request.user, contact=selectors.masked_contact(c)) for c in result.items],
    }


@router.post("/cases", response={201: CaseOut, 200: CaseOut, **ERRORS}, summary="Raise a request")
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    """An `Idempotency-Key` header makes a retry return the first case (200) instead of a new one."""
    # The service keeps each caller's keys apart: someone else's key never returns their case.
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 80:
        raise ValidationFailed(fields={"Idempotency-Key": _("At most 80 characters.")})
    intake = services.Intake(
        service=selectors.service_get(code=payload.service_code),
        description=payload.description,
        title=payload.title,
        area=area_get(code=payload.area_code) if payload.area_code else None,
        lat=payload.lat,
        lng=payload.lng,
        address=payload.address,
        attributes=payload.attributes,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        show_name=payload.show_name,
        consent=payload.consent,
        channel=Channel.API,
        idempotency_key=key,
        photos=_photos(payload.photos),
    )
    case, created = services.case_submit_or_get(actor=request.user, intake=intake)
    return Status(201 if created else 200, case_out(case, request.user))


@router.get(
    "/cases/rates", response={200: RatesOut, **ERRORS}, summary="The three rates and the on-time rate"
)
def rates(
    request: HttpRequest,
    area: Code | None = None,
    unit: Id | None = None,
    start: Day | None = None,
    end: Day | None = None,
) -> Any:
    """Over [start, end] (start on or before end; by default this month up to today)."""
    start, end = periods.parse_period(start, end, default_start=lambda e: e.replace(day=1))
    r = selectors.rates_for(
        actor=request.user,
        start=start,
        end=end,
        area=area_get(code=area) if area else None,
        unit=access_unit(actor=request.user, unit_id=unit) if unit else None,
    )
    return RatesOut.from_orm(r)


# Registered before /cases/{number}, which would otherwise take the path.
@router.post(
    "/cases/dispatch", response={200: DispatchManyOut, **ERRORS}, summary="Dispatch several cases to one unit"
)
def dispatch_many(request: HttpRequest, payload: DispatchManyIn) -> Any:
    """Each case is checked and dispatched on its own, as `POST /cases/{number}/dispatch` would;
    the ones that cannot go are listed in `refused` with the status and error that call would
    answer, and the others go. A unit outside the caller's dispatch areas refuses the whole call."""
    unit = selectors.move_unit(unit_id=payload.unit_id)
    results = services.case_dispatch_many(
        actor=request.user, numbers=payload.numbers, unit=unit, note=payload.note
    )
    return DispatchManyOut(
        dispatched=[
            DispatchedOut(
                number=r.case.number,
                state=r.case.state,
                lead_unit_id=r.case.lead_unit_id,
                version=r.case.version,
            )
            for r in results
            if r.case is not None
        ],
        refused=[
            RefusedOut(number=r.number, status=r.error.status, code=r.error.code, message=r.error.message)
            for r in results
            if r.error is not None
        ],
    )


@router.post(
    "/cases/callers",
    response={200: list[CallerCaseOut], **ERRORS},
    summary="A caller's earlier requests, by phone (staff taking a call)",
)
def caller_history(request: HttpRequest, payload: CallerIn) -> Any:
    """Staff with `cases.intake` look up the requests raised from a phone number, among the cases
    whose contacts they may see; newest first, at most 10; every case shown is audited. POST:
    the number travels in the body, never in an address that logs keep."""
    spend(request, "caller-history", selectors.CALLER_LOOKUPS_PER_MINUTE)
    return [
        CallerCaseOut(
            number=c.number,
            submitted_at=c.submitted_at,
            state=c.state,
            service_code=c.service.code,
            service_name=c.service.label,
            title=c.title,
            contact_name=c.contact_name,
        )
        for c in selectors.caller_cases(actor=request.user, phone=payload.phone)
    ]


@router.get("/cases/{number}", response={200: CaseOut, **ERRORS}, summary="One case")
def get_case(request: HttpRequest, number: Code) -> Any:
    return case_out(selectors.access_case(actor=request.user, number=number), request.user)


@router.get(
    "/cases/{number}/timeline", response={200: list[EventOut], **ERRORS}, summary="The case's timeline"
)
def get_timeline(request: HttpRequest, number: Code) -> Any:
    case = selectors.access_case(actor=request.user, number=number)
    return [
        EventOut(
            at=e.at,
            kind=e.kind,
            from_state=e.from_state,
            to_state=e.to_state,
            actor=e.actor.username if e.actor else None,
            unit=e.unit_name or None,
            note=e.note,
            code=e.code,
            params=e.params or {},
            public=e.public,
        )
        for e in selectors.timeline_for(actor=request.user, case=case).entries
    ]


def _one_transaction(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a move's operation in one transaction, so that the lock _act takes holds until its
    service is done. (Written here rather than transaction.atomic as the decorator: ninja reads
    the operation's annotations through the wrapper's module.)"""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            return view(*args, **kwargs)

    return run


def _act(request: HttpRequest, number: str) -> Case:
    """The case a move acts on, read and locked at once (every move runs in one transaction):
    its service decides on this object without reading it again."""
    return selectors.access_case(actor=request.user, number=number, for_write=True)


def _done(request: HttpRequest, case: Case) -> CaseOut:
    """The case after the move: the object the service changed, still locked."""
    return case_out(case, request.user)


def _move(request: HttpRequest, number: str, service: Callable[..., Case], **fields: Any) -> CaseOut:
    """A move whose service takes the caller, the locked case and the payload's `fields`, and
    returns the case it changed."""
    return _done(request, service(actor=request.user, case=_act(request, number), **fields))


def _as_resident(request: HttpRequest, number: str, token: str | None) -> tuple[Any, Case]:
    """The caller and the case for a resident's step: with the tracking token anyone holding
    the link; without it, whoever may see the case (the services decide who may act)."""
    actor = optional_actor(request)
    if token:
        case = selectors.case_by_token(token=token)
        if case.number != number:
            raise ValidationFailed(fields={"tracking_token": _("This token belongs to another case.")})
        return actor, case
    return actor, selectors.access_case(actor=actor, number=number, for_write=True)


def _resident_move(
    request: HttpRequest, number: str, token: str | None, service: Callable[..., Case], **fields: Any
) -> CaseOut:
    """A move the resident may make through the tracking link (`token`) or signed in: the case
    after its service has taken the payload's `fields`."""
    actor, case = _as_resident(request, number, token)
    return case_out(service(actor=actor, case=case, tracking_token=token, **fields), actor)


OUT = {200: CaseOut, **ERRORS}


@router.post("/cases/{number}/dispatch", response=OUT, summary="Dispatch, re-route or transfer")
@_one_transaction
def dispatch(request: HttpRequest, number: Code, payload: DispatchIn) -> Any:
    case = _act(request, number)
    unit = selectors.move_unit(unit_id=payload.unit_id)
    return _done(
        request,
        services.case_dispatch(
            actor=request.user, case=case, unit=unit, note=payload.note, version=payload.version
        ),
    )


@router.post("/cases/{number}/accept", response=OUT, summary="Accept (the lead unit)")
@_one_transaction
def accept(request: HttpRequest, number: Code, payload: NoteIn) -> Any:
    return _move(request, number, services.case_accept, version=payload.version)


@router.post("/cases/{number}/return", response=OUT, summary="Return: not this unit's")
@_one_transaction
def return_case(request: HttpRequest, number: Code, payload: ReasonIn) -> Any:
    return _move(request, number, services.case_return, reason=payload.reason, version=payload.version)


@router.post("/cases/{number}/start", response=OUT, summary="Start work")
@_one_transaction
def start(request: HttpRequest, number: Code, payload: NoteIn) -> Any:
    return _move(request, number, services.case_start, note=payload.note, version=payload.version)


@router.post("/cases/{number}/resolve", response=OUT, summary="Resolve with a note (and photos)")
@_one_transaction
def resolve(request: HttpRequest, number: Code, payload: ResolveIn) -> Any:
    case = services.case_resolve(
        actor=request.user,
        case=_act(request, number),
        note=payload.note,
        photos=_photos(payload.photos),
        version=payload.version,
    )
    return _done(request, case)


@router.post(
    "/cases/{number}/callback", response=OUT, auth=None, summary="Solved? Satisfied? (resident or staff)"
)
@_one_transaction
def callback(request: HttpRequest, number: Code, payload: CallbackIn) -> Any:
    """With `tracking_token` anyone holding the resident's private link may answer; otherwise
    the caller must be the reporter or staff making a callback call."""
    return _resident_move(
        request,
        number,
        payload.tracking_token,
        services.case_callback,
        solved=payload.solved,
        rating=payload.rating,
        comment=payload.comment,
        version=payload.version,
    )


@router.post("/cases/{number}/reopen", response=OUT, summary="Reopen to the same unit")
@_one_transaction
def reopen(request: HttpRequest, number: Code, payload: ReasonIn) -> Any:
    return _move(request, number, services.case_reopen, reason=payload.reason, version=payload.version)


@router.post("/cases/{number}/merge", response=OUT, summary="Merge a duplicate into another case")
@_one_transaction
def merge(request: HttpRequest, number: Code, payload: MergeIn) -> Any:
    # Read, not locked: the merge locks both cases itself, lower id first, so that two opposite
    # merges cannot each hold one case and wait for the other.
    case = selectors.access_case(actor=request.user, number=number)
    parent = selectors.access_case(actor=request.user, number=payload.parent)
    return _done(
        request, services.case_merge(actor=request.user, case=case, parent=parent, version=payload.version)
    )


@router.post("/cases/{number}/reject", response=OUT, summary="Reject an invalid or abusive request")
@_one_transaction
def reject(request: HttpRequest, number: Code, payload: ReasonIn) -> Any:
    return _move(request, number, services.case_reject, reason=payload.reason, version=payload.version)


@router.post("/cases/{number}/urge", response=OUT, summary="Urge (催办) or supervise (督办)")
@_one_transaction
def urge(request: HttpRequest, number: Code, payload: UrgeIn) -> Any:
    return _move(request, number, services.case_urge, note=payload.note, supervise=payload.supervise)


@router.post("/cases/{number}/whistle", response=OUT, summary="Call departments in (吹哨)")
@_one_transaction
def whistle(request: HttpRequest, number: Code, payload: WhistleIn) -> Any:
    case = _act(request, number)
    units = selectors.move_units(unit_ids=payload.unit_ids)
    services.case_whistle(actor=request.user, case=case, units=units, hours=payload.hours, note=payload.note)
    return _done(request, case)


@router.post("/cases/{number}/assist", response=OUT, summary="Add an assisting unit")
@_one_transaction
def assist(request: HttpRequest, number: Code, payload: AssistIn) -> Any:
    case = _act(request, number)
    services.case_assist(
        actor=request.user,
        case=case,
        unit=access_unit(actor=request.user, unit_id=payload.unit_id),
        note=payload.note,
    )
    return _done(request, case)


@router.post("/cases/{number}/notes", response=OUT, summary="Add a progress note")
@_one_transaction
def note(request: HttpRequest, number: Code, payload: ProgressNoteIn) -> Any:
    case = _act(request, number)
    services.case_note(actor=request.user, case=case, note=payload.note, public=payload.public)
    return _done(request, case)


@router.post("/cases/{number}/hide", response=OUT, summary="Hide personal details from public view")
@_one_transaction
def hide(request: HttpRequest, number: Code, payload: HideIn) -> Any:
    return _move(request, number, services.case_hide_details, public_description=payload.public_description)


@router.post("/cases/{number}/public", response=OUT, summary="Put on or take off the public list")
@_one_transaction
def set_public(request: HttpRequest, number: Code, payload: PublicIn) -> Any:
    """A moderator's choice (`cases.moderate` over the case's place); the case's service must be
    public and the case not rejected to go on the list."""
    return _move(request, number, services.case_set_public, public=payload.public, version=payload.version)


@router.post("/cases/{number}/respond", response=OUT, summary="A called-in or assisting unit responds")
@_one_transaction
def respond(request: HttpRequest, number: Code, payload: ProgressNoteIn) -> Any:
    case = _act(request, number)
    assist = selectors.assist_for(actor=request.user, case=case)
    services.assist_respond(actor=request.user, assist=assist, note=payload.note)
    return _done(request, case)


@router.post("/cases/{number}/grid", response=OUT, summary="Place the case in a grid of its community")
@_one_transaction
def place_in_grid(request: HttpRequest, number: Code, payload: GridIn) -> Any:
    case = _act(request, number)
    try:
        grid = area_get(code=payload.grid)
    except NotFound as exc:
        raise ValidationFailed(fields={"grid": exc.message}) from None
    return _done(
        request,
        services.case_place_in_grid(actor=request.user, case=case, grid=grid, version=payload.version),
    )
