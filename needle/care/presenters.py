"""Turning care rows into what a page, the API or an export shows: a recipient's card with the
sensitive fields the reader may read, and for the others only whether something is recorded."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from needle.care.access import Access, is_minor
from needle.care.models import PURPOSES, SENSITIVE, Item, Recipient, Visit

# What a masked card shows for a sensitive field that holds something the reader may not read.
RECORDED = "recorded"
RECORDED_LABEL = _("recorded")


def recorded(recipient: Recipient) -> list[str]:
    return [name for i, name in enumerate(SENSITIVE) if recipient.sealed_fields & (1 << i)]


def recipient_card(recipient: Recipient, access: Access, sensitive: dict[str, str] | None) -> dict[str, Any]:
    """The recipient as this reader sees them. `sensitive` holds the fields opened for the
    reader (records.recipient_sensitive); of the rest, a field that holds something is
    "recorded", an empty one is absent. The ID number, phone numbers and the address are for
    those who keep or visit the record; a supervisor above reads the registry without them."""
    opened = sensitive or {}
    close = access.staff or access.helper or access.grid
    card: dict[str, Any] = {
        "id": recipient.pk,
        "name": recipient.name,
        "area": recipient.area.code,
        "area_name": recipient.area.name,
        "household": recipient.household_id,
        "address": recipient.household.address if close else "",
        "categories": recipient.category_codes,
        "risk": recipient.risk,
        "status": recipient.status,
        "ended_on": recipient.ended_on,
        "birth_date": recipient.birth_date if close else None,
        "minor": is_minor(recipient),
        "phone": recipient.phone if close else "",
        "guardian_name": recipient.guardian_name if close else "",
        "guardian_phone": recipient.guardian_phone if close else "",
        "emergency_contact": recipient.emergency_contact if close else "",
        "person": recipient.person.username if close and recipient.person else None,
        "record": recipient.record_id if close else None,
        "consents": [p for i, p in enumerate(PURPOSES) if recipient.consents & (1 << i)],
        "last_visit_on": recipient.last_visit_on,
        "last_call_on": recipient.last_call_on,
        "next_visit_due": recipient.next_visit_due,
        "next_call_due": recipient.next_call_due,
        "sensitive": {},
        "can_manage": access.staff,
    }
    shown: dict[str, str] = {}
    for name in recorded(recipient):
        shown[name] = opened[name] if name in opened and name in access.fields else RECORDED
    card["sensitive"] = shown
    return card


def recipient_row(recipient: Recipient) -> dict[str, Any]:
    """A list's row: nothing sensitive, nothing to reach the person by."""
    return {
        "id": recipient.pk,
        "name": recipient.name,
        "area": recipient.area.code,
        "categories": recipient.category_codes,
        "risk": recipient.risk,
        "status": recipient.status,
        "next_visit_due": recipient.next_visit_due,
        "next_call_due": recipient.next_call_due,
    }


def visit_contents(visit: Visit, access: Access) -> dict[str, Any]:
    """What a visit found, for those who read it (`Access.reads_contents`); blank for others."""
    if access.reads_contents:
        return {
            "companions": visit.companions,
            "checklist": visit.checklist,
            "notes": visit.notes,
            "needs": visit.needs,
        }
    return {"companions": "", "checklist": {}, "notes": "", "needs": ""}


def item_contents(item: Item, access: Access) -> dict[str, Any]:
    """A ledger item's text, for those who read it (`Access.reads_contents`); blank for others."""
    if access.reads_contents:
        return {"what": item.what, "who_acts": item.who_acts, "confirmation": item.confirmation}
    return {"what": "", "who_acts": "", "confirmation": ""}
