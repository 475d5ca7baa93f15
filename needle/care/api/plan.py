"""/api/v1/care/: pairings, the schedule and the dashboard, the ledger, the visit policies. Thin:
parse, find what the actor may touch, call one service or selector."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from needle.areas.selectors import area_named, area_named_or_none
from needle.care.access import Access, access_of
from needle.care.models import Item, Pairing, Recipient, Visit
from needle.care.presenters import item_contents
from needle.care.schemas.plan import (
    CareCloseIn,
    CareDashboardOut,
    CareItemIn,
    CareItemListOut,
    CareItemOut,
    CarePairingIn,
    CarePairingListOut,
    CarePairingOut,
    CarePolicyIn,
    CarePolicyListOut,
    CarePolicyOut,
    CareReasonIn,
    CareScheduleOut,
    CareToCaseIn,
    CareToCaseOut,
)
from needle.care.selectors import ledger as ledger_sel
from needle.care.selectors import schedule as sel
from needle.care.services import ledger, pairings, policies
from needle.care.services.schedule import district_path
from needle.care.states import item_shown_status
from needle.cases.models import Service
from needle.core.errors import NotFound, ValidationFailed, or_invalid
from needle.core.schemas import ERRORS, NOT_BOOL, Code, Id
from needle.orgs.models import Person, Unit

router = Router()

MAX_ROWS = 500
# Far past any real registry, and small enough for the database's slice arithmetic.
MAX_OFFSET = 10**6
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET), NOT_BOOL]
Limit = Annotated[int, Field(ge=1, le=MAX_ROWS), NOT_BOOL]


def _recipient(actor: Any, recipient_id: int, *, field: str | None = None) -> Recipient:
    """The recipient when the actor may see it; unknown or hidden: 404, or 422 naming `field`
    when the id came in the body."""
    found = Recipient.objects.select_related("area", "household").filter(pk=recipient_id).first()
    if found is None or not access_of(actor, found).sees:
        if field:
            raise ValidationFailed(fields={field: _("No such recipient.")})
        raise NotFound()
    return found


def _pairing(actor: Any, pairing_id: int) -> Pairing:
    found = Pairing.objects.select_related("recipient", "unit").filter(pk=pairing_id).first()
    if found is None or not access_of(actor, found.recipient).sees:
        raise NotFound()
    return found


def pairing_out(p: Pairing) -> dict[str, Any]:
    return {
        "id": p.pk,
        "recipient": p.recipient_id,
        "helper": p.helper_id,
        "unit": p.unit.code if p.unit else None,
        "lead": p.lead,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
        "end_reason": p.end_reason,
        "reason": p.reason,
    }


# The writes' and the staff list's answers: only those who may add, close or list items reach
# them, and they read them.
WRITER = Access(staff=True)


def item_out(item: Item, access: Access = WRITER) -> dict[str, Any]:
    """An item; its text only for a reader who may read it (presenters.item_contents)."""
    return {
        "id": item.pk,
        "recipient": item.recipient_id,
        **item_contents(item, access),
        "since": item.since,
        "due_on": item.due_on,
        "status": item_shown_status(item),
        "case": item.case.number if item.case else None,
        "case_state": item.case.state if item.case else None,
        "closed_at": item.closed_at,
        "visit": item.visit_id,
    }


@router.post("/pairings", response={201: CarePairingOut, **ERRORS}, summary="Pair a helper with a recipient")
def create_pairing(request: HttpRequest, payload: CarePairingIn) -> Any:
    """The community's care staff. A helper from another district needs `reason`; the first
    helper leads, and `lead` moves the lead to this one."""
    recipient = _recipient(request.user, payload.recipient, field="recipient")
    helper = unit = None
    if payload.helper is not None:
        helper = or_invalid(Person.objects.filter(pk=payload.helper).first(), "helper", _("No such person."))
    if payload.unit:
        unit = or_invalid(Unit.objects.filter(code=payload.unit).first(), "unit", _("No unit has this code."))
    pairing = pairings.pairing_add(
        actor=request.user,
        recipient=recipient,
        helper=helper,
        unit=unit,
        lead=payload.lead,
        reason=payload.reason,
    )
    return Status(201, pairing_out(pairing))


@router.get(
    "/recipients/{recipient_id}/pairings", response={200: CarePairingListOut, **ERRORS}, summary="Helpers"
)
def list_pairings(request: HttpRequest, recipient_id: Id) -> Any:
    """A recipient's helpers, current ones first (the lead at the top), then the ended ones."""
    recipient = _recipient(request.user, recipient_id)
    return {"items": [pairing_out(p) for p in sel.pairings_for(actor=request.user, recipient=recipient)]}


@router.post("/pairings/{pairing_id}/end", response={200: CarePairingOut, **ERRORS}, summary="End a pairing")
def end_pairing(request: HttpRequest, pairing_id: Id, payload: CareReasonIn) -> Any:
    pairing = _pairing(request.user, pairing_id)
    return pairing_out(pairings.pairing_end(actor=request.user, pairing=pairing, reason=payload.reason))


@router.post("/pairings/{pairing_id}/lead", response={200: CarePairingOut, **ERRORS}, summary="Make the lead")
def lead_pairing(request: HttpRequest, pairing_id: Id) -> Any:
    pairing = _pairing(request.user, pairing_id)
    return pairing_out(pairings.pairing_lead(actor=request.user, pairing=pairing))


@router.get("/schedule", response={200: CareScheduleOut, **ERRORS}, summary="Who is due a visit")
def schedule(
    request: HttpRequest,
    area: Code | None = None,
    due: Code | None = None,
    helper: Code | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """`area` (a place's code) and/or `helper` ("me", or a helper's account id); `due`:
    overdue, week (due within seven days) or never (never visited); soonest due first."""
    if due is not None and due not in sel.DUE_CHOICES:
        raise ValidationFailed(fields={"due": _("Choose overdue, week or never.")})
    person: Person | None = None
    if helper == "me":
        person = request.user  # type: ignore[assignment]
    elif helper is not None:
        person = (
            # isdigit() would let "²" through to int().
            Person.objects.filter(pk=int(helper)).first()
            if helper.isascii() and helper.isdecimal() and len(helper) < 19
            else None
        )
        if person is None:
            raise ValidationFailed(fields={"helper": _("Give me or a helper's id.")})
    if area is None and person is None:
        raise ValidationFailed(fields={"area": _("Give an area or a helper.")})
    place = area_named(area).path if area is not None else None
    rows = sel.schedule_for(actor=request.user, area_path=place, helper=person, due=due)
    page = list(rows[offset : offset + limit])
    return {"count": rows.count(), "items": [_due_row(r) for r in page]}


def _due_row(r: Recipient) -> dict[str, Any]:
    """A line of the schedule's lists: who, where, and when they were last and are next seen."""
    return {
        "id": r.pk,
        "name": r.name,
        "area": r.area.code,
        "risk": r.risk,
        "categories": r.category_codes,
        "last_visit_on": r.last_visit_on,
        "last_call_on": r.last_call_on,
        "next_visit_due": r.next_visit_due,
        "next_call_due": r.next_call_due,
        "days_overdue": sel.days_overdue(r),
    }


@router.get("/dashboard", response={200: CareDashboardOut, **ERRORS}, summary="A place's visit dashboard")
def dashboard(request: HttpRequest, area: Code) -> Any:
    place = area_named(area)
    figures = sel.dashboard_for(actor=request.user, area_path=place.path)
    return {
        "area": place.code,
        **{k: figures[k] for k in ("total", "overdue", "week", "never", "needs_helper")},
        "by_helper": [
            {
                "helper": h.helper_id,
                "unit": h.unit_id,
                "name": h.name,
                "recipients": h.recipients,
                "overdue": h.overdue,
                "week": h.week,
                "never": h.never,
            }
            for h in figures["by_helper"]
        ],
    }


@router.get("/needs-helper", response={200: CareScheduleOut, **ERRORS}, summary="Recipients needing a helper")
def needs_helper(request: HttpRequest, area: Code) -> Any:
    rows = sel.needs_helper_for(actor=request.user, area_path=area_named(area).path)
    page = list(rows[:MAX_ROWS])
    return {"count": rows.count(), "items": [_due_row(r) for r in page]}


@router.post("/items", response={201: CareItemOut, **ERRORS}, summary="Put a problem on the ledger")
def create_item(request: HttpRequest, payload: CareItemIn) -> Any:
    """The helper, the grid worker or the community's care staff."""
    recipient = _recipient(request.user, payload.recipient, field="recipient")
    visit = None
    if payload.visit is not None:
        visit = or_invalid(
            Visit.objects.filter(pk=payload.visit, recipient=recipient).first(),
            "visit",
            _("No such visit of this person."),
        )
    item = ledger.item_add(
        actor=request.user,
        recipient=recipient,
        what=payload.what,
        since=payload.since,
        who_acts=payload.who_acts,
        due_on=payload.due_on,
        visit=visit,
    )
    return Status(201, item_out(item))


@router.get("/items", response={200: CareItemListOut, **ERRORS}, summary="A place's open items")
def list_open_items(request: HttpRequest, area: Code) -> Any:
    """The items still open (on a ledger or as a request) at or under a place, oldest first:
    the community's care staff."""
    items = ledger_sel.open_items_for(actor=request.user, area_path=area_named(area).path)
    return {"items": [item_out(i) for i in items[:MAX_ROWS]]}


@router.get("/recipients/{recipient_id}/items", response={200: CareItemListOut, **ERRORS}, summary="A ledger")
def list_items(request: HttpRequest, recipient_id: Id) -> Any:
    recipient = _recipient(request.user, recipient_id)
    rows = ledger_sel.items_for(actor=request.user, recipient=recipient)
    access = access_of(request.user, recipient)
    return {"items": [item_out(i, access) for i in rows]}


@router.post("/items/{item_id}/close", response={200: CareItemOut, **ERRORS}, summary="Close an item (销号)")
def close_item(request: HttpRequest, item_id: Id, payload: CareCloseIn) -> Any:
    """The community's care staff, with the household's confirmation."""
    item = ledger_sel.access_item(actor=request.user, item_id=item_id)
    return item_out(ledger.item_close(actor=request.user, item=item, confirmation=payload.confirmation))


@router.post("/items/{item_id}/to-case", response={201: CareToCaseOut, **ERRORS}, summary="Make it a request")
def item_to_case(request: HttpRequest, item_id: Id, payload: CareToCaseIn) -> Any:
    """The item becomes a resident's request, routed and timed like any; closing the request
    closes the item."""
    item = ledger_sel.access_item(actor=request.user, item_id=item_id)
    service = or_invalid(
        Service.objects.filter(code=payload.service).first(), "service", _("No service has this code.")
    )
    case = ledger.item_to_case(
        actor=request.user,
        item=item,
        service=service,
        description=payload.description,
        idempotency_key=payload.idempotency_key,
    )
    item = Item.objects.select_related("case").get(pk=item.pk)
    return Status(201, {"case": case.number, "item": item_out(item)})


def policy_out(p: sel.PolicyRow) -> dict[str, Any]:
    return {
        "district": p.district,
        "risk": p.risk,
        "category": p.category,
        "visit_days": p.visit_days,
        "call_days": p.call_days,
        "default": p.default,
    }


@router.get("/policies", response={200: CarePolicyListOut, **ERRORS}, summary="The visit policies")
def list_policies(request: HttpRequest, area: Code | None = None) -> Any:
    """The defaults, the deployment's rows and, with `area` (a district's code or a place in
    it), that district's rows."""
    path = None
    if area:
        place = area_named(area)
        path = district_path(place.path) or place.path
    rows = sel.policies_for(actor=request.user, district_path=path)
    return {"items": [policy_out(r) for r in rows]}


@router.post("/policies", response={200: CarePolicyOut, **ERRORS}, summary="Set a visit policy")
def set_policy(request: HttpRequest, payload: CarePolicyIn) -> Any:
    """A district's care staff (or those above) for the district; superusers for the whole
    deployment. The recipients it governs are rescheduled at once."""
    area = area_named_or_none(payload.area)
    policy = policies.policy_set(
        actor=request.user,
        area=area,
        risk=payload.risk,
        category=payload.category,
        visit_days=payload.visit_days,
        call_days=payload.call_days,
    )
    return policy_out(
        sel.PolicyRow(
            district=area.code if area else None,
            risk=policy.risk,
            category=policy.category,
            visit_days=policy.visit_days,
            call_days=policy.call_days,
            default=False,
        )
    )
