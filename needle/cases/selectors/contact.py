"""The reporter's contact details: whole (a staff read audited) for those who may see them,
masked for everyone else."""

from __future__ import annotations

from dataclasses import dataclass

from needle.cases.models import Case
from needle.core.audit import audit_record
from needle.orgs.models import mask_phone
from needle.orgs.permissions import Actor, can_for_unit, can_in_area


def may_see_contact(actor: Actor, case: Case) -> bool:
    if getattr(actor, "pk", None) and actor.pk == case.reporter_id:
        return True
    if can_in_area(actor, "cases.view_contact", case.area_path):
        return True
    return case.lead_unit is not None and can_for_unit(actor, "cases.view_contact", case.lead_unit)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    full: bool


def _mask_name(name: str) -> str:
    return name[:1] + "*" * min(len(name) - 1, 3) if name else ""


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ""


def masked_contact(case: Case) -> Contact:
    """The reporter's contact details masked, as lists show them to everyone: a whole number is
    read one case at a time, through case_contact."""
    return Contact(
        name=_mask_name(case.contact_name),
        phone=mask_phone(case.contact_phone),
        email=_mask_email(case.contact_email),
        full=False,
    )


def case_contact(*, actor: Actor, case: Case) -> Contact:
    """The reporter's contact details: whole for those who may see them (a staff read is
    audited), masked for everyone else."""
    if not may_see_contact(actor, case):
        return masked_contact(case)
    if getattr(actor, "pk", None) != case.reporter_id and (case.contact_phone or case.contact_email):
        audit_record(actor=actor, action="cases.case.contact_viewed", obj=case)
    return Contact(name=case.contact_name, phone=case.contact_phone, email=case.contact_email, full=True)
