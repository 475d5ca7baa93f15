"""/api/v1/care/recipients and /api/v1/care/me/export: the registry (register, read, change,
status, move, consents), a recipient's export with a stated reason, and a person's own care
data. Every operation calls the registry's services and selectors; the card shows the
sensitive fields the reader may read, each reading audited, and "recorded" for the others."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named, area_named_or_none
from needle.care.models import PURPOSES, SENSITIVE, Consent, Household, Recipient
from needle.care.presenters import recipient_card, recipient_row
from needle.care.schemas.registry import (
    CareConsentIn,
    CareConsentListOut,
    CareConsentOut,
    CareExportOut,
    CareMoveIn,
    CareOwnExportOut,
    CareRecipientIn,
    CareRecipientOut,
    CareRecipientPageOut,
    CareRecipientPatchIn,
    CareStatusIn,
)
from needle.care.selectors import export as exports
from needle.care.selectors import records as sel
from needle.care.services import registry as svc
from needle.core import periods
from needle.core.errors import PermissionDenied, ValidationFailed, or_invalid
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Id, Page, PageSize, Term
from needle.orgs.permissions import require_authenticated

router = Router()

# What a PATCH may not set to null (the others' null empties them).
REQUIRED = frozenset({"name", "risk", "categories"})
# The sealed fields' key missing answers 503 (records.SealUnavailable), never a 500.
CARE_ERRORS = {**ERRORS, 503: ERRORS[500]}


def _fresh(recipient: Recipient) -> Recipient:
    return Recipient.objects.select_related("household", "area", "person", "record", "guardian").get(
        pk=recipient.pk
    )


def _masked(request: HttpRequest, recipient: Recipient) -> dict[str, Any]:
    """The card after a write: nothing opened (the writer reads it with GET, audited)."""
    recipient, access = sel.access_recipient(actor=request.user, recipient_id=recipient.pk)
    return recipient_card(recipient, access, None)


@router.post("/recipients", response={201: CareRecipientOut, **CARE_ERRORS}, summary="Register a recipient")
def recipient_create(request: HttpRequest, payload: CareRecipientIn) -> Any:
    """The community's care staff. The consent to registration is recorded when given
    (POST .../consents); until then only the care staff see the record."""
    require_authenticated(request.user)
    raw = payload.dict()
    household_id = raw.pop("household")
    household = None
    if household_id is not None:
        household = or_invalid(
            Household.objects.filter(pk=household_id).first(), "household", _("No household has this id.")
        )
    data = svc.recipient_input(raw)
    recipient = svc.recipient_register(actor=request.user, data=data, household=household)
    return Status(201, _masked(request, recipient))


@router.get("/recipients", response={200: CareRecipientPageOut, **CARE_ERRORS}, summary="The registry")
def recipient_list(
    request: HttpRequest,
    area: Code | None = None,
    q: Term = "",
    status: Code | None = None,
    risk: Code | None = None,
    category: Code | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """The recipients the caller may see under the area, soonest due first; no sensitive field
    and nothing to reach the person by."""
    place = area_named_or_none(area, field="area")
    rows = sel.recipient_list_for(
        actor=request.user,
        area_path=place.path if place else None,
        query=q,
        status=status or None,
        risk=risk or None,
        category=category or None,
    )
    result = paginate(rows, page=page, page_size=page_size)
    return page_out(result, [recipient_row(r) for r in result.items])


@router.get(
    "/recipients/{recipient_id}", response={200: CareRecipientOut, **CARE_ERRORS}, summary="One recipient"
)
def recipient_get(request: HttpRequest, recipient_id: Id, reason: str = "") -> Any:
    """The sensitive fields the caller may read are opened and the reading audited (with
    `reason` when given); the others are "recorded". A reader shown the contacts alone is
    audited too."""
    recipient, access = sel.access_recipient(actor=request.user, recipient_id=recipient_id)
    opened = sel.recipient_read(actor=request.user, recipient=recipient, access=access, why=reason)
    return recipient_card(recipient, access, opened)


@router.patch(
    "/recipients/{recipient_id}",
    response={200: CareRecipientOut, **CARE_ERRORS},
    summary="Change a recipient",
)
def recipient_patch(request: HttpRequest, recipient_id: Id, payload: CareRecipientPatchIn) -> Any:
    """The care staff; the fields left out keep their values. The place changes with .../move."""
    recipient, _access = sel.access_recipient(actor=request.user, recipient_id=recipient_id, for_write=True)
    given = payload.dict(exclude_unset=True)
    raw = svc.recipient_raw(recipient)
    for name, value in given.items():
        if name in SENSITIVE:
            raw[name] = "" if value is None else value
        elif value is None and name in REQUIRED:
            raise ValidationFailed(fields={name: _("This field cannot be emptied.")})
        else:
            raw[name] = value
    data = svc.recipient_input(raw, partial_sensitive=True)
    done = svc.recipient_update(actor=request.user, recipient=recipient, data=data)
    return _masked(request, done)


@router.post(
    "/recipients/{recipient_id}/status",
    response={200: CareRecipientOut, **CARE_ERRORS},
    summary="End, resume, moved away, deceased",
)
def recipient_status(request: HttpRequest, recipient_id: Id, payload: CareStatusIn) -> Any:
    recipient, _access = sel.access_recipient(actor=request.user, recipient_id=recipient_id, for_write=True)
    done = svc.recipient_status(
        actor=request.user,
        recipient=recipient,
        move=payload.move,
        on=periods.parse_day(payload.on, "on"),
        reason=payload.reason,
    )
    return _masked(request, done)


@router.post(
    "/recipients/{recipient_id}/move",
    response={200: CareRecipientOut, **CARE_ERRORS},
    summary="A new address",
)
def recipient_move(request: HttpRequest, recipient_id: Id, payload: CareMoveIn) -> Any:
    """The care staff of both places."""
    recipient, _access = sel.access_recipient(actor=request.user, recipient_id=recipient_id, for_write=True)
    area = area_named(payload.area)
    done = svc.recipient_move(actor=request.user, recipient=recipient, area=area, address=payload.address)
    return _masked(request, _fresh(done))


def consent_out(consent: Consent, recipient: Recipient) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "purpose": consent.purpose,
        "given": consent.given,
        "method": consent.method,
        "given_by": consent.given_by,
        "by_guardian": consent.by_guardian,
        "witness": consent.witness,
        "recorded_by": consent.recorded_by.username if consent.recorded_by else None,
        "at": consent.created_at,
        "consents": [p for p in PURPOSES if recipient.consented(p)],
    }


@router.post(
    "/recipients/{recipient_id}/consents",
    response={201: CareConsentOut, **CARE_ERRORS},
    summary="Record a consent given or withdrawn",
)
def consent_create(request: HttpRequest, recipient_id: Id, payload: CareConsentIn) -> Any:
    """The care staff. A minor's consent is the guardian's (`by_guardian`, named as on the
    record); a verbal one needs a witness; `given: false` withdraws."""
    recipient, _access = sel.access_recipient(actor=request.user, recipient_id=recipient_id, for_write=True)
    consent = svc.consent_record(actor=request.user, recipient=recipient, **payload.dict())
    recipient.refresh_from_db(fields=["consents"])
    return Status(201, consent_out(consent, recipient))


@router.get(
    "/recipients/{recipient_id}/consents",
    response={200: CareConsentListOut, **CARE_ERRORS},
    summary="A recipient's consent log",
)
def consent_list(request: HttpRequest, recipient_id: Id) -> Any:
    """For those who keep or visit the record."""
    recipient, access = sel.access_recipient(actor=request.user, recipient_id=recipient_id)
    if not access.may_visit:
        raise PermissionDenied()
    rows = recipient.consent_log.select_related("recorded_by")[:200]
    return {"items": [consent_out(c, recipient) for c in rows]}


@router.get(
    "/recipients/{recipient_id}/export",
    response={200: CareExportOut, **CARE_ERRORS},
    summary="Export a household file",
)
def recipient_export(request: HttpRequest, recipient_id: Id, reason: str | None = None) -> Any:
    """With a stated `reason` (required, audited); what the caller may not see is left out."""
    recipient, access = sel.access_recipient(actor=request.user, recipient_id=recipient_id)
    return exports.recipient_export(actor=request.user, recipient=recipient, access=access, reason=reason)


@router.get("/me/export", response={200: CareOwnExportOut, **CARE_ERRORS}, summary="My care data")
def own_export(request: HttpRequest) -> Any:
    """The caller's own care records (and their minor wards'), every field: a copy for them."""
    return exports.own_export(actor=request.user)
