"""/api/v1/care/: visits, their offline sync and conflicts, photos, and the helper's households."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from needle.care.access import Access, access_of
from needle.care.models import Recipient, Visit
from needle.care.presenters import visit_contents
from needle.care.schemas.visits import (
    CareHouseholdsOut,
    CarePhotoOut,
    CareVisitIn,
    CareVisitOut,
    CareVisitResolveIn,
    CareVisitsOut,
    CareVisitsSyncIn,
    CareVisitsSyncOut,
)
from needle.care.selectors import visits as sel
from needle.care.services import visits as svc
from needle.cases.uploads import MAX_BYTES
from needle.core.errors import or_not_found
from needle.core.schemas import ERRORS, Id, Term
from needle.orgs.permissions import require_authenticated

router = Router()

# The writes' answers: only those who may log or resolve a visit reach them, and they read it.
WRITER = Access(helper=True)


def visit_out(v: Visit, access: Access = WRITER) -> dict[str, Any]:
    """A visit; its contents only for a reader who may read them (presenters.visit_contents).
    The default is for the writes, whose callers may log visits and so read them."""
    return {
        "id": v.pk,
        "recipient": v.recipient_id,
        "kind": v.kind,
        "visited_at": v.visited_at,
        "by": v.by_id,
        **visit_contents(v, access),
        "digest": v.digest,
        "due_on": v.due_on,
        "on_time": v.on_time,
        "photos": len(v.photos.all()),
    }


@router.post(
    "/visits",
    response={200: CareVisitOut, 201: CareVisitOut, **ERRORS},
    summary="Log a visit",
    url_name="care-visits",
)
def visit_log(request: HttpRequest, payload: CareVisitIn) -> Any:
    """By the helper, the grid worker or the community's care staff. 201 when stored; 200 when
    the same id came with the same content before (nothing new); 409 when it came with other
    content, with `conflicts`: field -> {"server", "device"}."""
    actor = require_authenticated(request.user)
    recipient = Recipient.objects.filter(pk=payload.recipient).first()
    if recipient is None:
        raise svc.no_recipient()
    visit, created = svc.visit_log(
        actor=actor,
        recipient=recipient,
        id=payload.id,
        kind=payload.kind,
        visited_at=payload.visited_at,
        notes=payload.notes,
        needs=payload.needs,
        checklist=payload.checklist,
        companions=payload.companions,
    )
    return Status(201 if created else 200, visit_out(visit))


@router.get("/visits", response={200: CareVisitsOut, **ERRORS}, summary="A recipient's visits")
def visits_for(request: HttpRequest, recipient: Id, why: Term = "") -> Any:
    """Newest first (at most 200), for those who see the recipient; the reading is audited."""
    actor = require_authenticated(request.user)
    found = or_not_found(Recipient.objects.filter(pk=recipient).first())
    rows = sel.visits_for(actor=actor, recipient=found, why=why)
    access = access_of(actor, found)
    return {"items": [visit_out(v, access) for v in rows]}


@router.post("/visits/sync", response={200: CareVisitsSyncOut, **ERRORS}, summary="Send offline visits")
def visits_sync(request: HttpRequest, payload: CareVisitsSyncIn) -> Any:
    """Up to 500 visits, each on its own: stored, repeat, conflict (both values per field) or
    error (naming the field), in the order sent."""
    actor = require_authenticated(request.user)
    results = svc.visits_sync(actor=actor, visits=payload.visits)
    return {
        "results": [
            {
                "id": r.id,
                "status": r.status,
                "message": r.message,
                "fields": r.fields,
                "conflicts": r.conflicts,
                "digest": r.digest,
            }
            for r in results
        ]
    }


@router.post(
    "/visits/{visit_id}/resolve", response={200: CareVisitOut, **ERRORS}, summary="Choose in a conflict"
)
def visit_resolve(request: HttpRequest, visit_id: uuid.UUID, payload: CareVisitResolveIn) -> Any:
    """The values chosen per field are applied; 409 when the visit changed again since `seen`."""
    actor = require_authenticated(request.user)
    visit = svc.visit_resolve(actor=actor, id=visit_id, choices=payload.choices, seen=payload.seen)
    return visit_out(visit)


@router.post("/visits/{visit_id}/photos", response={201: CarePhotoOut, **ERRORS}, summary="Add a photo")
def visit_photo_add(request: HttpRequest, visit_id: uuid.UUID, photo: File[UploadedFile]) -> Any:
    """Only with the person's consent to photos (403 `no_photo_consent` otherwise)."""
    actor = require_authenticated(request.user)
    visit = svc.access_visit(actor=actor, visit_id=visit_id, for_write=False)
    added = svc.visit_photo_add(actor=actor, visit=visit, upload=photo.read(MAX_BYTES + 1))
    return Status(201, {"id": added.pk, "visit": visit.pk, "url": added.image.url})


@router.get("/me/households", response={200: CareHouseholdsOut, **ERRORS}, summary="My households")
def my_households(request: HttpRequest) -> Any:
    """The households the caller is paired with, most urgent first, with what a visit needs;
    the sensitive fields they may read (each reading audited)."""
    actor = require_authenticated(request.user)
    cards = sel.my_households(actor=actor)
    return {
        "items": [
            {
                "id": c.id,
                "name": c.name,
                "address": c.address,
                "phone": c.phone,
                "categories": c.categories,
                "risk": c.risk,
                "topics": c.topics,
                "state": c.state,
                "days_overdue": c.days_overdue,
                "next_visit_due": c.next_visit_due,
                "next_call_due": c.next_call_due,
                "last_visit_on": c.last_visit_on,
                "guardian": c.guardian,
                "guardian_phone": c.guardian_phone,
                "sensitive": c.sensitive,
            }
            for c in cards
        ]
    }
