"""The care registry's writes: registering a recipient in a household, changing their details,
their status (RECIPIENT_MOVES in states.py), their address, and their consents.

Every write is for the community's care staff ("care.manage" over the recipient's place). The
sensitive fields are sealed here (crypto.seal) and never written to an audit event: the events
name which sensitive fields changed, not what they hold.

`recipient_input` is the one check of a recipient's details as the API, the pages and the
import give them (JSON-like values: strings, lists, codes), each error naming its field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.areas.selectors import area_named
from needle.care import crypto
from needle.care.access import is_minor
from needle.care.inputs import text
from needle.care.models import (
    CATEGORIES,
    PURPOSES,
    RISKS,
    SENSITIVE,
    Category,
    Consent,
    ConsentMethod,
    Household,
    Item,
    ItemStatus,
    Pairing,
    Recipient,
    Risk,
    Status,
    category_bits,
    purpose_bit,
)
from needle.care.selectors.records import open_sealed
from needle.care.services.pairings import ended_event
from needle.care.services.schedule import reschedule
from needle.care.states import RECIPIENT_MOVES, STAFF
from needle.core.audit import audit_record, audit_record_all, snapshot
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import allowed, target
from needle.orgs.models import Person, PersonRecord
from needle.orgs.permissions import can_in_area, require_authenticated

MAX_NAME = 100
MAX_ADDRESS = 200
MAX_PHONE = 20
MAX_CONTACT = 200
MAX_REASON = 300
# The free-text sensitive fields; notes may be longer than the others.
SENSITIVE_LIMITS: dict[str, int] = {
    "health": 2000,
    "disability": 2000,
    "income": 1000,
    "notes": 4000,
    "id_number": 18,
}
EARLIEST_BIRTH = dt.date(1900, 1, 1)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{2,19}$")
# What an audit event of a recipient's details holds: never a sensitive value, and of the
# names and contacts (CONTACT_FIELDS) only which changed, so the log keeps no way to name or
# reach the person after their record is anonymised.
SNAP_FIELDS = [
    "area",
    "area_path",
    "categories",
    "risk",
    "status",
    "ended_on",
    "guardian",
    "person",
    "record",
]
CONTACT_FIELDS = [
    "name",
    "phone",
    "birth_date",
    "guardian_name",
    "guardian_phone",
    "emergency_contact",
    "address",
]


def _contacts(recipient: Recipient) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(recipient, name) for name in CONTACT_FIELDS if name != "address"}
    values["address"] = recipient.household.address
    return values


@dataclass
class RecipientInput:
    name: str
    area: Area
    address: str = ""
    categories: list[str] = field(default_factory=list)
    risk: str = Risk.MEDIUM
    birth_date: dt.date | None = None
    phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian: Person | None = None
    emergency_contact: str = ""
    person: Person | None = None
    record: PersonRecord | None = None
    # Of SENSITIVE: the values given ("" empties one). For an update, the fields left out keep
    # what they hold.
    sensitive: dict[str, str] = field(default_factory=dict)


# The ID number ------------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECKS = "10X98765432"


def id_number_error(value: str) -> str | None:
    """Why `value` is not a resident ID number (GB 11643: 17 digits, the birth date in
    positions 7-14, and the ISO 7064 MOD 11-2 check character), or None."""
    if len(value) != 18:
        return _("An ID number has 18 characters.")
    body, check = value[:17], value[17].upper()
    if not body.isascii() or not body.isdigit() or not (check.isdigit() or check == "X"):
        return _("An ID number is 17 digits and a digit or X.")
    try:
        born = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return _("The birth date in the ID number is not a date.")
    if born < EARLIEST_BIRTH or born > timezone.localdate():
        return _("The birth date in the ID number is not possible.")
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    if ID_CHECKS[total % 11] != check:
        return _("The ID number's check character is wrong.")
    return None


# Reading the input --------------------------------------------------------------------------


def _area(value: Any) -> Area:
    if isinstance(value, Area):
        found = value
    elif isinstance(value, str) or value is None:
        found = area_named(value)
    else:
        raise ValidationFailed(fields={"area": _("No area has this code.")})
    if found.level not in (Level.COMMUNITY, Level.GRID):
        raise ValidationFailed(fields={"area": _("Give a community or a grid.")})
    return found


def _categories(value: Any) -> list[str]:
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        raise ValidationFailed(fields={"categories": _("Give a list of category codes.")})
    unknown = [c for c in value if c not in CATEGORIES]
    if unknown:
        raise ValidationFailed(
            fields={"categories": _("Unknown category: %(code)s.") % {"code": unknown[0][:40]}}
        )
    if not value:
        raise ValidationFailed(fields={"categories": _("Give at least one category.")})
    return sorted(set(value), key=CATEGORIES.index)


def _risk(value: Any) -> str:
    if value is None or value == "":
        return Risk.MEDIUM
    if not isinstance(value, str) or value not in RISKS:
        raise ValidationFailed(fields={"risk": _("Give high, medium or low.")})
    return value


def _birth_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        if "\x00" in value or len(value) > 10:
            raise ValidationFailed(fields={"birth_date": _("Give a date as YYYY-MM-DD.")})
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(fields={"birth_date": _("Give a date as YYYY-MM-DD.")}) from None
    if not isinstance(value, dt.date):
        raise ValidationFailed(fields={"birth_date": _("Give a date as YYYY-MM-DD.")})
    if value > timezone.localdate():
        raise ValidationFailed(fields={"birth_date": _("This is in the future.")})
    if value < EARLIEST_BIRTH:
        raise ValidationFailed(fields={"birth_date": _("This date is too long ago.")})
    return value


def _phone(value: Any, name: str) -> str:
    phone = text(value, limit=MAX_PHONE, field=name)
    if phone and not PHONE_RE.match(phone):
        raise ValidationFailed(fields={name: _("Give a phone number: digits, spaces and dashes.")})
    return phone


def _person(value: Any, name: str) -> Person | None:
    if value is None or value == "":
        return None
    if isinstance(value, Person):
        return value
    if isinstance(value, str) and "\x00" not in value and len(value) <= 150:
        found = Person.objects.filter(username=value).first()
        if found is not None:
            return found
    raise ValidationFailed(fields={name: _("No account has this name.")})


def _record(value: Any) -> PersonRecord | None:
    if value is None or value == "":
        return None
    if isinstance(value, PersonRecord):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        found = PersonRecord.objects.filter(pk=value, merged_into__isnull=True).first()
        if found is not None:
            return found
    raise ValidationFailed(fields={"record": _("No person's record has this id.")})


def _sensitive(raw: dict[str, Any], *, partial: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in SENSITIVE:
        if name not in raw and partial:
            continue
        value = text(raw.get(name), limit=SENSITIVE_LIMITS[name], field=name)
        if name == "id_number" and value:
            value = value.upper()
            error = id_number_error(value)
            if error:
                raise ValidationFailed(fields={"id_number": error})
        values[name] = value
    return values


def recipient_input(raw: dict[str, Any], *, partial_sensitive: bool = False) -> RecipientInput:
    """A recipient's details checked; ValidationFailed naming the first bad field.
    `partial_sensitive`: the sensitive fields not in `raw` are left out (an update keeps them)."""
    if not isinstance(raw, dict):
        raise ValidationFailed(fields={"request": _("Give the recipient's details.")})
    person = _person(raw.get("person"), "person")
    record = _record(raw.get("record"))
    if person is not None and record is not None:
        raise ValidationFailed(fields={"record": _("Give an account or a person's record, not both.")})
    name = text(raw.get("name"), limit=MAX_NAME, field="name")
    if not name:
        identity = person.display_name or person.username if person is not None else None
        name = identity or (record.name if record is not None else "")
    if not name:
        raise ValidationFailed(fields={"name": _("This field is required.")})
    data = RecipientInput(
        name=name,
        area=_area(raw.get("area")),
        address=text(raw.get("address"), limit=MAX_ADDRESS, field="address"),
        categories=_categories(raw.get("categories")),
        risk=_risk(raw.get("risk")),
        birth_date=_birth_date(raw.get("birth_date")),
        phone=_phone(raw.get("phone"), "phone"),
        guardian_name=text(raw.get("guardian_name"), limit=MAX_NAME, field="guardian_name"),
        guardian_phone=_phone(raw.get("guardian_phone"), "guardian_phone"),
        guardian=_person(raw.get("guardian"), "guardian"),
        emergency_contact=text(raw.get("emergency_contact"), limit=MAX_CONTACT, field="emergency_contact"),
        person=person,
        record=record,
        sensitive=_sensitive(raw, partial=partial_sensitive),
    )
    if data.birth_date is not None and _minor_on(data.birth_date) and not data.guardian_name:
        raise ValidationFailed(fields={"guardian_name": _("A minor's guardian is required.")})
    # Whether a consent must come from the guardian is read from the birth date: a child in
    # care without one would be taken for an adult who answers for themself.
    if Category.LEFT_BEHIND_CHILD in data.categories and data.birth_date is None:
        raise ValidationFailed(fields={"birth_date": _("A child's date of birth is required.")})
    return data


def _minor_on(born: dt.date) -> bool:
    probe = Recipient(birth_date=born)
    return is_minor(probe)


def recipient_raw(recipient: Recipient) -> dict[str, Any]:
    """A recipient's non-sensitive details as `recipient_input` takes them: what a partial
    update starts from."""
    return {
        "name": recipient.name,
        "area": recipient.area,
        "address": recipient.household.address,
        "categories": recipient.category_codes,
        "risk": recipient.risk,
        "birth_date": recipient.birth_date,
        "phone": recipient.phone,
        "guardian_name": recipient.guardian_name,
        "guardian_phone": recipient.guardian_phone,
        "guardian": recipient.guardian,
        "emergency_contact": recipient.emergency_contact,
        "person": recipient.person,
        "record": recipient.record,
    }


# Sealing ------------------------------------------------------------------------------------


def sealed_bits(values: dict[str, str]) -> int:
    """Recipient.sealed_fields: bit i for SENSITIVE[i] holding something."""
    return sum(1 << i for i, name in enumerate(SENSITIVE) if values.get(name))


def recorded_fields(recipient: Recipient) -> list[str]:
    return [name for i, name in enumerate(SENSITIVE) if recipient.sealed_fields & (1 << i)]


def _seal(recipient: Recipient, values: dict[str, str]) -> None:
    kept = {k: v for k, v in values.items() if k in SENSITIVE and v}
    recipient.sealed = crypto.seal(kept)
    recipient.sealed_fields = sealed_bits(kept)


# The services -------------------------------------------------------------------------------


def require_staff(actor: Any, path: str) -> None:
    require_authenticated(actor)
    if not can_in_area(actor, "care.manage", path):
        raise PermissionDenied()


def _apply(recipient: Recipient, data: RecipientInput) -> None:
    recipient.name = data.name
    recipient.phone = data.phone
    recipient.birth_date = data.birth_date
    recipient.categories = category_bits(data.categories)
    recipient.risk = data.risk
    recipient.guardian_name = data.guardian_name
    recipient.guardian_phone = data.guardian_phone
    recipient.guardian = data.guardian
    recipient.emergency_contact = data.emergency_contact
    recipient.person = data.person
    recipient.record = data.record


def _in_place(area: Area, household: Household) -> bool:
    """A household at this area, or at the community of this grid (or a grid of it)."""
    return household.area_path.startswith(area.path) or area.path.startswith(household.area_path)


@transaction.atomic
def recipient_register(*, actor: Any, data: RecipientInput, household: Household | None = None) -> Recipient:
    """A new recipient, in `household` or a new one at the address. The consent to
    registration is recorded when given (consent_record); until then only the care staff see
    the record."""
    require_staff(actor, data.area.path)
    if household is not None and not _in_place(data.area, household):
        raise ValidationFailed(fields={"household": _("The household is in another community.")})
    _one_record_each(data)
    if household is None:
        household = Household.objects.create(area=data.area, area_path=data.area.path, address=data.address)
    recipient = Recipient(household=household, area=data.area, area_path=data.area.path, created_by=actor)
    _apply(recipient, data)
    _seal(recipient, data.sensitive)
    try:
        with transaction.atomic():
            recipient.save()
    except IntegrityError:
        # Another registration of the same person landed between the check and this insert.
        _one_record_each(data)
        raise
    reschedule(recipient)
    audit_record(
        actor=actor,
        action="care.recipient.registered",
        obj=recipient,
        new={
            **snapshot(recipient, SNAP_FIELDS),
            "household": household.pk,
            "sensitive": recorded_fields(recipient),
            "contacts": [name for name, value in _contacts(recipient).items() if value],
        },
    )
    return recipient


def _one_record_each(data: RecipientInput, *, but: int | None = None) -> None:
    """A person (account or record) is in the registry once while their record stands."""
    standing = Recipient.objects.exclude(status=Status.ANONYMISED)
    if but is not None:
        standing = standing.exclude(pk=but)
    if data.person is not None and standing.filter(person=data.person).exists():
        raise Conflict(
            _("This person is already in the care registry."), fields={"person": _("Already registered.")}
        )
    if data.record is not None and standing.filter(record=data.record).exists():
        raise Conflict(
            _("This person is already in the care registry."), fields={"record": _("Already registered.")}
        )


def _locked(recipient: Recipient) -> Recipient:
    return Recipient.objects.select_for_update().select_related("household", "area").get(pk=recipient.pk)


@transaction.atomic
def recipient_update(*, actor: Any, recipient: Recipient, data: RecipientInput) -> Recipient:
    """New details; the sensitive fields in data.sensitive replace theirs, the others stay. The
    place changes through recipient_move, not here."""
    require_staff(actor, recipient.area_path)
    recipient = _locked(recipient)
    if recipient.status == Status.ANONYMISED:
        raise Conflict(_("This record is anonymised."))
    if data.area.pk != recipient.area_id:
        raise ValidationFailed(fields={"area": _("Move the recipient to change their place.")})
    _one_record_each(data, but=recipient.pk)
    before = snapshot(recipient, SNAP_FIELDS)
    contacts_before = _contacts(recipient)
    changed: list[str] = []
    if data.sensitive:
        values = open_sealed(recipient)
        for name, value in data.sensitive.items():
            if values.get(name, "") != value:
                changed.append(name)
                values[name] = value
        if changed:
            _seal(recipient, values)
    _apply(recipient, data)
    if data.address != recipient.household.address:
        recipient.household.address = data.address
        recipient.household.save(update_fields=["address", "updated_at"])
    recipient.save()
    reschedule(recipient)
    after = snapshot(recipient, SNAP_FIELDS)
    if changed:
        before["sensitive_changed"], after["sensitive_changed"] = [], sorted(changed)
    contacts_after = _contacts(recipient)
    contacts_changed = [name for name in CONTACT_FIELDS if contacts_before[name] != contacts_after[name]]
    if contacts_changed:
        before["contacts_changed"], after["contacts_changed"] = [], contacts_changed
    if before != after:
        audit_record(actor=actor, action="care.recipient.updated", obj=recipient, old=before, new=after)
    return recipient


@transaction.atomic
def recipient_status(
    *, actor: Any, recipient: Recipient, move: str, on: dt.date | None = None, reason: str = ""
) -> Recipient:
    """End care, mark moved away or deceased, or resume (RECIPIENT_MOVES): the staff's moves.
    `on` is the day it happened (today when not given)."""
    require_staff(actor, recipient.area_path)
    if not isinstance(move, str) or move not in RECIPIENT_MOVES:
        raise ValidationFailed(fields={"move": _("Unknown move.")})
    if not RECIPIENT_MOVES[move].capacities & {STAFF}:
        raise PermissionDenied(_("This change is made by the system."))
    reason = text(reason, limit=MAX_REASON, field="reason")
    today = timezone.localdate()
    day = on or today
    if day > today:
        raise ValidationFailed(fields={"on": _("This is in the future.")})
    if day < EARLIEST_BIRTH:
        raise ValidationFailed(fields={"on": _("This date is too long ago.")})
    recipient = _locked(recipient)
    if not allowed(RECIPIENT_MOVES, move, recipient.status, {STAFF}):
        raise Conflict(
            _("A recipient whose status is %(status)s cannot be moved so.")
            % {"status": recipient.get_status_display()}
        )
    old = {"status": recipient.status, "ended_on": recipient.ended_on}
    recipient.status = target(RECIPIENT_MOVES, move)
    recipient.ended_on = None if recipient.status == Status.ACTIVE else day
    recipient.save(update_fields=["status", "ended_on", "updated_at"])
    if recipient.status in LEFT_CARE:
        _pairings_end(actor, recipient, day)
    reschedule(recipient)
    audit_record(
        actor=actor,
        action="care.recipient.status_changed",
        obj=recipient,
        old=old,
        new={"status": recipient.status, "ended_on": recipient.ended_on, "move": move, "reason": reason},
    )
    return recipient


# Out of care: the helpers stop seeing the recipient the moment care ends.
LEFT_CARE = frozenset({Status.ENDED, Status.MOVED_AWAY, Status.DECEASED})


def _pairings_end(actor: Any, recipient: Recipient, day: dt.date) -> None:
    """End the recipient's open pairings, each audited, in the caller's transaction."""
    pairings = list(
        Pairing.objects.select_for_update(of=("self",)).filter(recipient=recipient, ended_on__isnull=True)
    )
    if not pairings:
        return
    reason = _("Care ended: %(status)s.") % {"status": recipient.get_status_display()}
    events = []
    for pairing in pairings:
        # Never before the pairing began (a status back-dated past a recent pairing).
        ended = max(day, pairing.started_on)
        events.append(
            ended_event(actor, pairing, action="care.pairing.ended", ended=ended, end_reason=reason)
        )
        pairing.ended_on, pairing.end_reason, pairing.lead = ended, reason[:200], False
        pairing.save(update_fields=["ended_on", "end_reason", "lead", "updated_at"])
    audit_record_all(events)


@transaction.atomic
def recipient_move(*, actor: Any, recipient: Recipient, area: Area, address: str) -> Recipient:
    """A new place (a community or grid) and address: the staff of both places. The household
    moves with the recipient when they are its only member; otherwise the recipient starts a new
    household there. Open pairings and ledger items follow; past visits keep where they were."""
    area = _area(area)
    address = text(address, limit=MAX_ADDRESS, field="address")
    require_staff(actor, recipient.area_path)
    require_staff(actor, area.path)
    recipient = _locked(recipient)
    if recipient.status == Status.ANONYMISED:
        raise Conflict(_("This record is anonymised."))
    # The addresses stay out of the log: only that it changed.
    old = {"area": recipient.area_id, "area_path": recipient.area_path}
    address_changed = recipient.household.address != address
    household = recipient.household
    if household.recipients.exclude(pk=recipient.pk).exists():
        household = Household.objects.create(area=area, area_path=area.path, address=address)
    else:
        household.area, household.area_path, household.address = area, area.path, address
        household.save()
    recipient.household = household
    recipient.area, recipient.area_path = area, area.path
    recipient.save(update_fields=["household", "area", "area_path", "updated_at"])
    Pairing.objects.filter(recipient=recipient, ended_on__isnull=True).update(area_path=area.path)
    Item.objects.filter(recipient=recipient).exclude(status=ItemStatus.CLOSED).update(area_path=area.path)
    reschedule(recipient)
    audit_record(
        actor=actor,
        action="care.recipient.moved",
        obj=recipient,
        old=old,
        new={"area": area.pk, "area_path": area.path, "address_changed": address_changed},
    )
    return recipient


# Consents -----------------------------------------------------------------------------------


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


@transaction.atomic
def consent_record(
    *,
    actor: Any,
    recipient: Recipient,
    purpose: str,
    given: bool,
    method: str,
    given_by: str,
    by_guardian: bool = False,
    witness: str = "",
) -> Consent:
    """One consent given or withdrawn, for one purpose, recorded by the care staff. A minor's
    consent comes from their guardian (named on the record); an adult's from themself. A verbal
    consent needs a witness. Withdrawing stops what the purpose covered at once: without the
    consent to share the helper reads no sensitive field, without the consent to registration
    only the care staff see the record, without the consent to photos no photo is taken."""
    require_staff(actor, recipient.area_path)
    if not isinstance(purpose, str) or purpose not in PURPOSES:
        raise ValidationFailed(fields={"purpose": _("Give registration, sharing or photos.")})
    if not isinstance(given, bool):
        raise ValidationFailed(fields={"given": _("Give true or false.")})
    if not isinstance(by_guardian, bool):
        raise ValidationFailed(fields={"by_guardian": _("Give true or false.")})
    if not isinstance(method, str) or method not in ConsentMethod.values:
        raise ValidationFailed(fields={"method": _("Give signed_form or verbal_witnessed.")})
    given_by = text(given_by, limit=MAX_NAME, field="given_by", required=True)
    witness = text(witness, limit=MAX_NAME, field="witness")
    if method == ConsentMethod.VERBAL_WITNESSED and not witness:
        raise ValidationFailed(fields={"witness": _("A verbal consent needs a witness.")})
    recipient = _locked(recipient)
    if recipient.status == Status.ANONYMISED:
        raise Conflict(_("This record is anonymised."))
    if is_minor(recipient):
        if not by_guardian or not _same_name(given_by, recipient.guardian_name):
            raise ValidationFailed(
                fields={
                    "given_by": _("A minor's consent is given by their guardian, %(name)s.")
                    % {"name": recipient.guardian_name}
                }
            )
    elif by_guardian:
        # An adult answers for themself; a guardian only when one is on the record (an adult
        # under guardianship), and then by name.
        if not recipient.guardian_name or not _same_name(given_by, recipient.guardian_name):
            raise ValidationFailed(fields={"given_by": _("This is not the recipient's guardian.")})
    elif (
        recipient.guardian_name
        and _same_name(given_by, recipient.guardian_name)
        and not _same_name(given_by, recipient.name)
    ):
        raise ValidationFailed(fields={"by_guardian": _("The guardian answers as the guardian.")})
    consent = Consent.objects.create(
        recipient=recipient,
        purpose=purpose,
        given=given,
        method=method,
        given_by=given_by,
        by_guardian=by_guardian,
        witness=witness,
        recorded_by=actor,
    )
    old_bits = recipient.consents
    bit = purpose_bit(purpose)
    recipient.consents = (old_bits | bit) if given else (old_bits & ~bit)
    if recipient.consents != old_bits:
        recipient.save(update_fields=["consents", "updated_at"])
    audit_record(
        actor=actor,
        action="care.consent.given" if given else "care.consent.withdrawn",
        obj=recipient,
        new={
            "consent": consent.pk,
            "purpose": purpose,
            "method": method,
            "by_guardian": by_guardian,
            "consents": recipient.consents,
        },
    )
    return consent
