"""The reporter's contact details: whole (a staff read audited) for those who may see them,
masked for everyone else; and a caller's earlier requests found by their phone (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from needle.cases.models import Case
from needle.cases.selectors.access import case_scope_q
from needle.core.audit import audit_event, audit_record, audit_record_all
from needle.core.errors import ValidationFailed
from needle.orgs.models import mask_phone, phone_validator
from needle.orgs.permissions import (
    Actor,
    can_for_unit,
    can_in_area,
    has_perm_anywhere,
    require,
    require_authenticated,
)


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


# How many of a caller's earlier requests the intake page shows, newest first; and how many
# lookups a person makes a minute (one caller at a time: more is someone harvesting numbers).
CALLER_CASES = 10
CALLER_LOOKUPS_PER_MINUTE = 20


def caller_cases(*, actor: Actor, phone: str) -> list[Case]:
    """A caller's earlier requests by the phone they call from, for staff taking the call: the
    cases with that contact phone the actor may see contacts of, newest first. Staff reading
    who raised what: each case shown is audited (`cases.case.caller_looked_up`)."""
    require_authenticated(actor)
    require(has_perm_anywhere(actor, "cases.intake"))
    phone = phone.strip()
    try:
        phone_validator(phone)
    except ValidationError:
        raise ValidationFailed(fields={"phone": _("Enter a valid phone number.")}) from None
    qs = Case.objects.filter(contact_phone=phone)
    scope = case_scope_q(actor, "cases.view_contact")
    if scope is not None:
        qs = qs.filter(scope)
    found = list(
        qs.select_related("service")
        .only("number", "submitted_at", "state", "title", "contact_name", "area_path", "service")
        .order_by("-submitted_at", "-id")[:CALLER_CASES]
    )
    audit_record_all(
        [
            audit_event(
                actor=actor, action="cases.case.caller_looked_up", obj=case, new={"phone": mask_phone(phone)}
            )
            for case in found
        ]
    )
    return found
