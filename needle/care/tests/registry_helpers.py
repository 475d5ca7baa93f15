"""The registry's personas and recipients for the tests: care staff (the community's
coordinator), a paired helper with and without the consent to share, the grid worker, the street
supervisor (care.view), the district's auditor, a resident, an outsider."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle.care.models import Pairing, Purpose, Recipient
from needle.care.services.registry import consent_record, recipient_input, recipient_register
from needle.orgs.models import GridAssignment, Membership, MembershipKind, Person
from needle.testing import PersonFactory, World

# A valid resident ID number (GB 11643 check character computed): born 1949-05-01.
ID_NUMBER = "110105194905010029"
SECRETS = {
    "health": "高血压三级，需每日服药",
    "disability": "左腿二级肢体残疾",
    "income": "月收入一千二百元低保",
    "notes": "独居，儿子在外地务工",
    "id_number": ID_NUMBER,
}


def body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "name": "王秀英",
        "area": world.areas["grid_a1a"].code,
        "address": "华一坡3号2单元",
        "categories": ["elderly_alone", "low_income"],
        "risk": "high",
        "birth_date": "1949-05-01",
        "phone": "13800000001",
        "emergency_contact": "王强 13900000002",
        **SECRETS,
        **extra,
    }


def register(world: World, *, consent: bool = True, **extra: Any) -> Recipient:
    staff = world.people["staff"]
    recipient = recipient_register(actor=staff, data=recipient_input(body(world, **extra)))
    if consent:
        for purpose in (Purpose.REGISTRATION, Purpose.SHARING):
            consent_record(
                actor=staff,
                recipient=recipient,
                purpose=purpose,
                given=True,
                method="signed_form",
                given_by=recipient.guardian_name if recipient.guardian_name else recipient.name,
                by_guardian=bool(recipient.guardian_name),
            )
    recipient.refresh_from_db()
    return recipient


def personas(world: World, recipient: Recipient) -> dict[str, Person]:
    """The helpers and the grid worker for `recipient`, added to the world's people."""
    p = world.people
    if "helper" not in p:
        p["helper"] = PersonFactory.create(username="helper")
        # A helper is a current one while they belong to a unit (access.current_q).
        Membership.objects.get_or_create(
            person=p["helper"],
            unit=world.units["pb_a1a"],
            kind=MembershipKind.PARTY_MEMBER,
            defaults={"joined_on": dt.date(2020, 1, 1)},
        )
        p["grid_worker"] = PersonFactory.create(username="grid_worker")
        GridAssignment.objects.create(
            grid=world.areas["grid_a1a"], worker=p["grid_worker"], area_path=world.areas["grid_a1a"].path
        )
    Pairing.objects.get_or_create(
        recipient=recipient,
        helper=p["helper"],
        ended_on=None,
        defaults={
            "lead": True,
            "started_on": timezone.localdate() - dt.timedelta(days=30),
            "area_path": recipient.area_path,
        },
    )
    return p
