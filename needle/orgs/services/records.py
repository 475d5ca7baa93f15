"""People without an account: one shared record each, kept with their consent.

Staff at a counter find a person again by phone, or by name and year of birth, before making a
new record; two records found to be the same person are merged, the older history staying on
the record it was written to. Every app that serves such people (the center, care, the think
tank) calls these services rather than keeping its own copy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.audit import audit_record, field_set_audited, snapshot
from needle.core.errors import Conflict, ValidationFailed
from needle.orgs.models import (
    ConsentMethod,
    Person,
    PersonRecord,
    mask_phone,
    normalize_phone,
    phone_validator,
)
from needle.orgs.permissions import area_scope_q, can_in_area, require, require_authenticated
from needle.orgs.services.accounts import check_birth_year

RECORD_FIELDS = ["name", "birth_year", "area", "address", "consent_method", "consent_noted_at"]


def _check(*, name: str, phone: str, birth_year: int | None, address: str, consent_method: str) -> None:
    errors: dict[str, str] = {}
    if not name or len(name) > 100 or "\x00" in name:
        errors["name"] = _("Give a name of 1 to 100 characters.")
    if phone:
        try:
            phone_validator(phone)
        except ValidationError:
            errors["phone"] = _("Enter a valid phone number.")
    year_error = check_birth_year(birth_year)
    if year_error:
        errors["birth_year"] = year_error
    if len(address) > 200 or "\x00" in address:
        errors["address"] = _("At most 200 characters.")
    if consent_method not in ConsentMethod.values:
        errors["consent"] = _("Note how the person agreed to their details being kept.")
    if errors:
        raise ValidationFailed(fields=errors)


def _find(*, actor: Any, area: Area, name: str, phone: str, birth_year: int | None) -> PersonRecord | None:
    """The same person among the records the actor keeps: the same name with the same phone
    (a phone alone is no match: elderly neighbours often give one daughter's number), or
    without a phone the same name and year of birth, or the same name in the same area on a
    record whose year is not known yet."""
    qs = PersonRecord.objects.filter(merged_into__isnull=True, name=name).order_by("pk")
    scope = area_scope_q(actor, "orgs.manage_records", "area_path")
    if scope is not None:
        qs = qs.filter(scope)
    if phone:
        return qs.filter(phone=phone).first()
    unknown_year = qs.filter(phone="", birth_year__isnull=True, area=area)
    if birth_year is not None:
        return qs.filter(phone="", birth_year=birth_year).first() or unknown_year.first()
    return unknown_year.first()


def _record_create(
    *,
    actor: Any,
    area: Area,
    name: str,
    phone: str,
    birth_year: int | None,
    consent_method: str,
    address: str = "",
    family_of: Person | None = None,
) -> PersonRecord:
    """A new record, its consent noted by the actor now, audited with its phone masked (and the
    resident who answers for it, for a family member)."""
    record = PersonRecord.objects.create(
        name=name,
        phone=phone,
        birth_year=birth_year,
        area=area,
        area_path=area.path,
        address=address,
        consent_method=consent_method,
        consent_noted_by=actor,
        consent_noted_at=timezone.now(),
        family_of=family_of,
    )
    new = {**snapshot(record, RECORD_FIELDS), "phone": mask_phone(phone)}
    if family_of is not None:
        new["family_of"] = family_of
    audit_record(actor=actor, action="orgs.person_record.created", obj=record, new=new)
    return record


@transaction.atomic
def person_record_find_or_create(
    *,
    actor: Any,
    area: Area,
    name: str,
    phone: str = "",
    birth_year: int | None = None,
    address: str = "",
    consent_method: str = "",
) -> tuple[PersonRecord, bool]:
    """The record of a person without an account, found again among the records the actor
    keeps (by name and phone, or name and year of birth, see `_find`), else made with their
    consent noted. Returns (record, made). A new record is audited; a record found keeps its
    details, but learns a year of birth it lacked (audited too). The find and the make run
    under a lock on the name, so two counters registering one person at once make one record."""
    require_authenticated(actor)
    require(can_in_area(actor, "orgs.manage_records", area))
    name = name.strip()
    phone = normalize_phone(phone)
    address = address.strip()
    _check(name=name, phone=phone, birth_year=birth_year, address=address, consent_method=consent_method)
    # Serialize finds of one name: a row lock on its earliest record where there is one
    # (PostgreSQL; SQLite's IMMEDIATE transactions serialize writers anyway).
    list(PersonRecord.objects.select_for_update().filter(name=name).order_by("pk").values_list("pk")[:1])
    found = _find(actor=actor, area=area, name=name, phone=phone, birth_year=birth_year)
    if found is not None:
        if found.birth_year is None and birth_year is not None:
            field_set_audited(
                actor=actor,
                obj=found,
                field="birth_year",
                value=birth_year,
                action="orgs.person_record.changed",
            )
        return found, False
    record = _record_create(
        actor=actor,
        area=area,
        name=name,
        phone=phone,
        birth_year=birth_year,
        address=address,
        consent_method=consent_method,
    )
    return record, True


@transaction.atomic
def person_record_merge(*, actor: Any, record: PersonRecord, into: PersonRecord) -> PersonRecord:
    """`record` is the same person as `into`: it points at `into` from now on (and so do the
    records merged into it before). What was written about either stays where it was."""
    require_authenticated(actor)
    locked = {r.pk: r for r in PersonRecord.objects.select_for_update().filter(pk__in=[record.pk, into.pk])}
    record, into = locked[record.pk], locked[into.pk]
    require(can_in_area(actor, "orgs.manage_records", record.area_path))
    require(can_in_area(actor, "orgs.manage_records", into.area_path))
    if record.pk == into.pk:
        raise ValidationFailed(fields={"into": _("A record cannot be merged into itself.")})
    if record.merged_into_id is not None or into.merged_into_id is not None:
        raise Conflict(_("One of these records was merged already."))
    PersonRecord.objects.filter(merged_into=record).update(merged_into=into, updated_at=timezone.now())
    field_set_audited(
        actor=actor, obj=record, field="merged_into", value=into, action="orgs.person_record.merged"
    )
    return into


def person_record_phone(*, actor: Any, record: PersonRecord) -> str:
    """The record's phone: whole for staff who keep such records in its area (a read of personal
    data, audited), masked for everyone else."""
    if not record.phone or not can_in_area(actor, "orgs.manage_records", record.area_path):
        return mask_phone(record.phone)
    audit_record(actor=actor, action="orgs.person_record.phone_viewed", obj=record)
    return record.phone


# A family's own records ------------------------------------------------------------------------

# How many people one resident may look after on the platform: a household, not a register.
MAX_FAMILY = 10


@transaction.atomic
def family_member_add(*, actor: Any, name: str, birth_year: int | None, phone: str = "") -> PersonRecord:
    """A resident records a parent or a child they look after, to register them for what the
    community offers: a record in the shared registry, at the resident's own community, the
    details given (and answered for) by the resident."""
    require_authenticated(actor)
    if actor.home_area_id is None:
        said = _("Set the community you live in first (your profile).")
        raise ValidationFailed(said, fields={"home_area": said})
    name = name.strip()
    phone = normalize_phone(phone)
    _check(name=name, phone=phone, birth_year=birth_year, address="", consent_method=ConsentMethod.FAMILY)
    # Counted under the actor's row lock, so two tabs cannot pass the limit together.
    list(Person.objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
    family = PersonRecord.objects.filter(family_of=actor, merged_into__isnull=True)
    if family.count() >= MAX_FAMILY:
        raise Conflict(_("At most %(n)s family members.") % {"n": MAX_FAMILY}, code="too_many")
    if family.filter(name=name, birth_year=birth_year).exists():
        raise Conflict(_("This family member is recorded already."), code="already_recorded")
    return _record_create(
        actor=actor,
        area=actor.home_area,
        name=name,
        phone=phone,
        birth_year=birth_year,
        consent_method=ConsentMethod.FAMILY,
        family_of=actor,
    )
