"""Visits and calls: logged by a helper, the grid worker or the community's care staff, often on a
phone without a network and sent later, many at once (`visits_sync`).

A visit's id is made on the device, and its `digest` is the hash of its content: the same id
with the same content again is a repeat and stores nothing; the same id with other content is a
conflict that names each differing field with the server's and the device's value, and nothing
is overwritten until the helper chooses per field (`visit_resolve`). Photos need the
recipient's consent to photos and go through the cases' photo checks."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import Image

from needle.care.access import Access, access_of, accesses
from needle.care.inputs import not_future, text
from needle.care.models import (
    Purpose,
    Recipient,
    Visit,
    VisitKind,
    VisitPhoto,
    checklist_topics,
)
from needle.care.services.schedule import Policies, dues, reschedule, reschedule_many
from needle.cases.uploads import CleanImage, clean_image, photo_files_removed_on_error, store_photo
from needle.core.audit import audit_event, audit_record, audit_record_all
from needle.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    or_not_found,
)
from needle.core.models import AuditEvent

# One request of a phone that was offline for a while; more is refused whole, so the device
# sends the rest in the next request.
MAX_SYNC = 500
# A visit may come a little before the registration: the visit that found the household is
# logged once its record exists.
BEFORE_REGISTRATION = dt.timedelta(days=30)
MAX_PHOTOS = 6
NOTE_MAX = 4000
CHECK_NOTE_MAX = 300
COMPANIONS_MAX = 200

# The content a digest covers and a conflict compares, in the order a conflict view lists them.
CONTENT: tuple[str, ...] = ("recipient", "kind", "visited_at", "companions", "checklist", "notes", "needs")
# What a helper may choose between in a conflict: a visit never moves to another person.
CHOOSABLE: tuple[str, ...] = tuple(f for f in CONTENT if f != "recipient")


@dataclass(frozen=True)
class Draft:
    """A visit's content as the services take it, checked."""

    id: uuid.UUID
    recipient_id: int
    kind: str
    visited_at: dt.datetime
    companions: str
    checklist: dict[str, Any]
    notes: str
    needs: str

    def content(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient_id,
            "kind": self.kind,
            "visited_at": _instant(self.visited_at),
            "companions": self.companions,
            "checklist": self.checklist,
            "notes": self.notes,
            "needs": self.needs,
        }


@dataclass
class SyncResult:
    """One visit of a sync: stored, repeat (stored before, nothing new), conflict (with
    `conflicts`: field -> {"server", "device"}) or error (with `fields` naming what is wrong)."""

    id: str
    status: str
    message: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    digest: str = ""
    visit: Visit | None = None


def _instant(moment: dt.datetime) -> str:
    """The moment in UTC to the second: the same instant typed in another zone is the same
    content."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def content_of(visit: Visit) -> dict[str, Any]:
    return {
        "recipient": visit.recipient_id,
        "kind": visit.kind,
        "visited_at": _instant(visit.visited_at),
        "companions": visit.companions,
        "checklist": visit.checklist,
        "notes": visit.notes,
        "needs": visit.needs,
    }


def digest_of(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def differences(server: dict[str, Any], device: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f: {"server": server[f], "device": device[f]} for f in CONTENT if server.get(f) != device.get(f)}


# Reading the input ---------------------------------------------------------------------------


def parse_id(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise ValidationFailed(fields={"id": _("Give the id the device made (a UUID).")})


def _moment(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else None
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None or timezone.is_naive(moment):
        raise ValidationFailed(fields={"visited_at": _("Give a date and time with its offset.")})
    try:
        _instant(moment)
    except OverflowError:
        raise ValidationFailed(fields={"visited_at": _("Give a date and time with its offset.")}) from None
    return moment


def _recipient_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**63 - 1:
        raise ValidationFailed(fields={"recipient": _("Give the recipient's id.")})
    return value


def _checklist(value: Any, topics: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed(fields={"checklist": _("Give the checklist as topics with their answers.")})
    cleaned: dict[str, Any] = {}
    for topic, answer in value.items():
        name = f"checklist.{topic}"[:80]
        if topic not in topics:
            raise ValidationFailed(fields={name: _("This topic is not asked of this person.")})
        if not isinstance(answer, dict) or set(answer) - {"ok", "note"}:
            raise ValidationFailed(fields={name: _("Give whether all is well and a note.")})
        ok = answer.get("ok")
        if ok is not None and not isinstance(ok, bool):
            raise ValidationFailed(fields={name: _("Give yes, no or nothing.")})
        note = text(answer.get("note"), limit=CHECK_NOTE_MAX, field=name)
        if ok is None and not note:
            continue
        cleaned[topic] = {"ok": ok, "note": note}
    return {t: cleaned[t] for t in topics if t in cleaned}


def _draft(raw: dict[str, Any], recipient: Recipient) -> Draft:
    """The checked content of one visit for this recipient (ValidationFailed names the field)."""
    kind = raw.get("kind")
    if kind not in VisitKind.values:
        raise ValidationFailed(fields={"kind": _("Give home, phone or video.")})
    visited_at = not_future(_moment(raw.get("visited_at")), field="visited_at")
    registered = recipient.created_at or timezone.now()
    if visited_at < registered - BEFORE_REGISTRATION:
        raise ValidationFailed(fields={"visited_at": _("This is long before the person was registered.")})
    return Draft(
        id=parse_id(raw.get("id")),
        recipient_id=recipient.pk,
        kind=str(kind),
        visited_at=visited_at.replace(microsecond=0),
        companions=text(raw.get("companions"), limit=COMPANIONS_MAX, field="companions"),
        checklist=_checklist(raw.get("checklist"), checklist_topics(recipient.categories)),
        notes=text(raw.get("notes"), limit=NOTE_MAX, field="notes"),
        needs=text(raw.get("needs"), limit=NOTE_MAX, field="needs"),
    )


def no_recipient() -> ValidationFailed:
    return ValidationFailed(fields={"recipient": _("No such recipient.")})


def _require_visit(access: Access) -> None:
    """Someone who does not see the recipient learns nothing of them, not even that they exist."""
    if not access.sees:
        raise no_recipient()
    if not access.may_visit:
        raise PermissionDenied(_("Only the helper, the grid worker or the care staff log visits."))


# Storing -------------------------------------------------------------------------------------


class _Batch:
    """What one request reads once: the recipients with the actor's access, the visits already
    stored under the ids sent, the policies; and the recipients' dues kept in memory as visits
    are stored, so each visit's due date and the schedule need no query per visit."""

    def __init__(self, actor: Any, recipient_ids: Iterable[int], visit_ids: Iterable[uuid.UUID]) -> None:
        self.actor = actor
        self.recipients = {
            r.pk: r for r in Recipient.objects.select_for_update().filter(pk__in=set(recipient_ids))
        }
        self.access: dict[int, Access] = accesses(actor, self.recipients.values())
        self.existing = {v.pk: v for v in Visit.objects.select_for_update().filter(pk__in=set(visit_ids))}
        self.policies = Policies()
        self.touched: set[int] = set()
        self.events: list[AuditEvent] = []
        self.pending: list[tuple[Visit, Draft, SyncResult]] = []

    def access_to(self, recipient: Recipient) -> Access:
        if recipient.pk not in self.access:
            self.access[recipient.pk] = access_of(self.actor, recipient)
        return self.access[recipient.pk]

    def recipient(self, recipient_id: int) -> Recipient:
        recipient = self.recipients.get(recipient_id)
        if recipient is None:
            raise no_recipient()
        _require_visit(self.access_to(recipient))
        return recipient

    def repeat_or_conflict(self, draft: Draft, visit: Visit) -> SyncResult:
        device = draft.content()
        if digest_of(device) == visit.digest:
            return SyncResult(id=str(draft.id), status="repeat", digest=visit.digest, visit=visit)
        stored_for = self.recipients.get(visit.recipient_id) or visit.recipient
        if not self.access_to(stored_for).may_visit:
            # An id taken by a visit the actor may not read: say so without its content.
            return SyncResult(
                id=str(draft.id), status="conflict", message=str(_("This id is taken by another visit."))
            )
        return SyncResult(
            id=str(draft.id),
            status="conflict",
            message=str(_("The visit was changed on the server; choose the value to keep for each field.")),
            conflicts=differences(content_of(visit), device),
            digest=visit.digest,
            visit=visit,
        )

    def store(self, draft: Draft, recipient: Recipient, result: SyncResult) -> Visit:
        """Queue the visit for the one INSERT of `flush`; later visits of the batch see it."""
        due_on, on_time = self._due(recipient, draft)
        visit = Visit(
            id=draft.id,
            recipient=recipient,
            kind=draft.kind,
            visited_at=draft.visited_at,
            by=self.actor,
            companions=draft.companions,
            checklist=draft.checklist,
            notes=draft.notes,
            needs=draft.needs,
            digest=digest_of(draft.content()),
            area_path=recipient.area_path,
            due_on=due_on,
            on_time=on_time,
        )
        self._advance(recipient, draft)
        self.existing[visit.pk] = visit
        self.pending.append((visit, draft, result))
        result.status, result.digest, result.visit = "stored", visit.digest, visit
        return visit

    def flush(self) -> None:
        """Insert the queued visits at once. When another request stored one of the ids in the
        meantime, they go one by one and each taken id is compared with the row found there."""
        try:
            with transaction.atomic():
                Visit.objects.bulk_create([v for v, _d, _r in self.pending])
            stored = self.pending
        except IntegrityError:
            stored = []
            for visit, draft, result in self.pending:
                try:
                    with transaction.atomic():
                        visit.save(force_insert=True)
                    stored.append((visit, draft, result))
                except IntegrityError:
                    found = Visit.objects.filter(pk=visit.pk).first()
                    if found is None:
                        raise
                    again = self.repeat_or_conflict(draft, found)
                    result.status, result.message, result.conflicts = (
                        again.status,
                        again.message,
                        again.conflicts,
                    )
                    result.digest, result.visit = again.digest, again.visit
        self.pending = []
        for visit, _draft, _result in stored:
            self.touched.add(visit.recipient_id)
            self.events.append(
                audit_event(
                    actor=self.actor,
                    action="care.visit.logged",
                    obj=visit,
                    new={"recipient": visit.recipient_id, "kind": visit.kind, "visited_at": visit.visited_at},
                )
            )

    def _due(self, recipient: Recipient, draft: Draft) -> tuple[dt.date | None, bool | None]:
        """The due date this contact answers: the next visit's for a home visit, the next call's
        for a call; none for a contact older than the last one of its kind (sent late)."""
        day = timezone.localdate(draft.visited_at)
        home = draft.kind == VisitKind.HOME
        last = recipient.last_visit_on if home else recipient.last_call_on
        due = recipient.next_visit_due if home else (recipient.next_call_due or recipient.next_visit_due)
        if due is None or (last is not None and day < last):
            return None, None
        return due, day <= due

    def _advance(self, recipient: Recipient, draft: Draft) -> None:
        day = timezone.localdate(draft.visited_at)
        if draft.kind == VisitKind.HOME:
            recipient.last_visit_on = max(filter(None, (recipient.last_visit_on, day)))
        else:
            recipient.last_call_on = max(filter(None, (recipient.last_call_on, day)))
        if recipient.next_visit_due is None:
            return
        interval = self.policies.interval(
            path=recipient.area_path, risk=recipient.risk, categories=recipient.categories
        )
        registered = timezone.localdate(recipient.created_at) if recipient.created_at else day
        recipient.next_visit_due, recipient.next_call_due = dues(
            interval=interval,
            registered=registered,
            last_visit=recipient.last_visit_on,
            last_call=recipient.last_call_on,
        )

    def finish(self) -> None:
        self.flush()
        reschedule_many([self.recipients[pk] for pk in sorted(self.touched)], self.policies)
        audit_record_all(self.events)


def _one(batch: _Batch, raw: Any) -> SyncResult:
    """One visit of a sync; a DomainError becomes its result and leaves the others alone."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    result = SyncResult(id=str(raw_id)[:64] if raw_id is not None else "", status="error")
    try:
        if not isinstance(raw, dict):
            raise ValidationFailed(fields={"visit": _("Give each visit as an object.")})
        visit_id = parse_id(raw_id)
        result.id = str(visit_id)
        recipient = batch.recipient(_recipient_id(raw.get("recipient")))
        draft = _draft(raw, recipient)
        existing = batch.existing.get(visit_id)
        if existing is not None:
            return batch.repeat_or_conflict(draft, existing)
        batch.store(draft, recipient, result)
        return result
    except DomainError as exc:
        result.message, result.fields = exc.message, exc.fields
        return result


def _raw_ids(visits: list[Any]) -> tuple[set[int], set[uuid.UUID]]:
    recipients, ids = set(), set()
    for raw in visits:
        if not isinstance(raw, dict):
            continue
        r = raw.get("recipient")
        if isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 2**63 - 1:
            recipients.add(r)
        with contextlib.suppress(ValidationFailed):
            ids.add(parse_id(raw.get("id")))
    return recipients, ids


@transaction.atomic
def visits_sync(*, actor: Any, visits: list[Any]) -> list[SyncResult]:
    """Store what a device logged while offline, each visit on its own: stored, repeat, conflict
    or error, in the order sent. Reschedules each recipient once; audits each stored visit."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if not isinstance(visits, list):
        raise ValidationFailed(fields={"visits": _("Give a list of visits.")})
    if len(visits) > MAX_SYNC:
        raise ValidationFailed(fields={"visits": _("At most %(n)d visits in one request.") % {"n": MAX_SYNC}})
    recipients, ids = _raw_ids(visits)
    batch = _Batch(actor, recipients, ids)
    # Oldest first, so each visit's due date is the one before it; the answers keep the order sent.
    order = sorted(range(len(visits)), key=lambda i: _sort_key(visits[i]))
    results: dict[int, SyncResult] = {i: _one(batch, visits[i]) for i in order}
    batch.finish()
    return [results[i] for i in range(len(visits))]


def _sort_key(raw: Any) -> str:
    value = raw.get("visited_at") if isinstance(raw, dict) else None
    if not isinstance(value, str):
        return ""
    try:
        moment = parse_datetime(value[:40])
        return _instant(moment) if moment is not None and not timezone.is_naive(moment) else ""
    except (ValueError, OverflowError):
        return ""


@transaction.atomic
def visit_log(
    *,
    actor: Any,
    recipient: Recipient,
    id: uuid.UUID | str,
    kind: str,
    visited_at: dt.datetime | str,
    notes: str = "",
    needs: str = "",
    checklist: dict[str, Any] | None = None,
    companions: str = "",
) -> tuple[Visit, bool]:
    """Log one visit or call (the visit and whether it is new). A repeat stores nothing; other
    content under a stored id is a Conflict naming both values of each field. Reschedules the
    recipient; audits the visit."""
    raw = {
        "id": id,
        "recipient": recipient.pk,
        "kind": kind,
        "visited_at": visited_at,
        "notes": notes,
        "needs": needs,
        "checklist": checklist or {},
        "companions": companions,
    }
    visit_id = parse_id(id)
    batch = _Batch(actor, [recipient.pk], [visit_id])
    fresh = batch.recipient(recipient.pk)
    draft = _draft(raw, fresh)
    existing = batch.existing.get(visit_id)
    result = (
        batch.repeat_or_conflict(draft, existing) if existing else SyncResult(id=str(visit_id), status="")
    )
    if existing is None:
        batch.store(draft, fresh, result)
        batch.finish()
    if result.status in ("stored", "repeat"):
        assert result.visit is not None
        return result.visit, result.status == "stored"
    raise Conflict(
        result.message, extra={"id": result.id, "digest": result.digest, "conflicts": result.conflicts}
    )


def access_visit(*, actor: Any, visit_id: uuid.UUID, for_write: bool = False) -> Visit:
    """The visit, if the actor sees its recipient (and may log visits, to write); locked to write."""
    rows = Visit.objects.select_related("recipient")
    if for_write:
        rows = rows.select_for_update()
    visit = or_not_found(rows.filter(pk=visit_id).first())
    access = access_of(actor, visit.recipient)
    if not access.sees:
        raise NotFound()
    if for_write and not access.may_visit:
        raise PermissionDenied(_("Only the helper, the grid worker or the care staff change visits."))
    return visit


@transaction.atomic
def visit_resolve(*, actor: Any, id: uuid.UUID | str, choices: dict[str, Any], seen: str = "") -> Visit:
    """Apply the values a helper chose in a conflict, field by field. `seen` is the server's
    digest the helper chose against: when the visit changed again since, a new Conflict shows the
    new values. Reschedules the recipient; audits which fields changed, never their values (a
    visit's notes tell of a person's life, and the log outlives the anonymised record)."""
    visit_id = parse_id(id)
    # The recipient's row before the visit's, as visits_sync and visit_log hold them: in the
    # other order a resolve and a sync of the same household could deadlock.
    owner = Visit.objects.filter(pk=visit_id).values_list("recipient_id", flat=True).first()
    if owner is not None:
        Recipient.objects.select_for_update().filter(pk=owner).values_list("pk").first()
    visit = access_visit(actor=actor, visit_id=visit_id, for_write=True)
    if not isinstance(choices, dict) or not choices:
        raise ValidationFailed(fields={"choices": _("Choose a value for at least one field.")})
    for name in choices:
        if name not in CHOOSABLE:
            raise ValidationFailed(fields={f"choices.{name}"[:80]: _("This field cannot be chosen.")})
    old = content_of(visit)
    if seen and seen != visit.digest:
        raise Conflict(
            _("The visit changed again meanwhile; choose again."),
            extra={"id": str(visit.pk), "digest": visit.digest, "server": old},
        )
    recipient = Recipient.objects.select_for_update().get(pk=visit.recipient_id)
    merged = {**old, **choices, "id": str(visit.pk)}
    try:
        draft = _draft(merged, recipient)
    except ValidationFailed as exc:
        raise ValidationFailed(fields={f"choices.{k}": v for k, v in exc.fields.items()}) from None
    new = draft.content()
    visit.kind, visit.visited_at = draft.kind, draft.visited_at
    visit.companions, visit.checklist = draft.companions, draft.checklist
    visit.notes, visit.needs = draft.notes, draft.needs
    visit.digest = digest_of(new)
    if visit.due_on is not None:
        visit.on_time = timezone.localdate(visit.visited_at) <= visit.due_on
    visit.save()
    reschedule(recipient)
    changed = differences(old, new)
    audit_record(
        actor=actor,
        action="care.visit.resolved",
        obj=visit,
        new={"changed": sorted(changed), "digest": visit.digest},
    )
    return visit


def as_jpeg(image: CleanImage) -> CleanImage:
    """A visit's photos are stored as JPEG (their file names say .jpg): a cleaned PNG or WebP is
    re-encoded, on white where it was transparent."""
    if image.content_type == "image/jpeg":
        return image
    with Image.open(io.BytesIO(image.data)) as picture:
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        out = io.BytesIO()
        flat.save(out, format="JPEG", quality=88)
    return CleanImage(data=out.getvalue(), content_type="image/jpeg", extension="jpg")


@photo_files_removed_on_error
@transaction.atomic
def visit_photo_add(*, actor: Any, visit: Visit, upload: bytes) -> VisitPhoto:
    """Add a photo to a visit: only with the recipient's consent to photos; the image is read
    from its bytes and stored without its metadata. Audited."""
    visit = access_visit(actor=actor, visit_id=visit.pk, for_write=True)
    if not visit.recipient.consented(Purpose.PHOTOS):
        raise PermissionDenied(
            _("The person has not consented to photos on visits."), code="no_photo_consent"
        )
    if visit.photos.count() >= MAX_PHOTOS:
        raise ValidationFailed(fields={"photo": _("At most %(n)d photos a visit.") % {"n": MAX_PHOTOS}})
    image = as_jpeg(clean_image(upload, field="photo"))
    photo = VisitPhoto(visit=visit)
    store_photo(photo, f"{visit.pk}-{secrets.token_hex(4)}.{image.extension}", image)
    audit_record(
        actor=actor,
        action="care.visit.photo_added",
        obj=visit,
        new={"photo": photo.pk},
    )
    return photo
