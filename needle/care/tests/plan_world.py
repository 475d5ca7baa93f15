"""Recipients, helpers and visits for the pairing, schedule and ledger tests, made as rows (the
registry's services are tested on their own)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from needle.care.models import (
    PURPOSES,
    Household,
    Pairing,
    Recipient,
    Visit,
    VisitKind,
    category_bits,
    purpose_bit,
)
from needle.orgs.models import GridAssignment, Membership, MembershipKind, Person
from needle.testing import PersonFactory, World

ALL_CONSENTS = sum(purpose_bit(p) for p in PURPOSES)


def recipient(
    world: World,
    *,
    area: str = "community_a1a",
    name: str = "王大爷",
    risk: str = "high",
    categories: tuple[str, ...] = ("elderly_alone",),
    consents: int = ALL_CONSENTS,
    created: dt.datetime | None = None,
) -> Recipient:
    place = world.areas[area]
    household = Household.objects.create(area=place, area_path=place.path, address="1号楼")
    row = Recipient.objects.create(
        household=household,
        name=name,
        phone="13800000001",
        area=place,
        area_path=place.path,
        risk=risk,
        categories=category_bits(categories),
        consents=consents,
    )
    if created is not None:
        Recipient.objects.filter(pk=row.pk).update(created_at=created)
        row.refresh_from_db()
    return row


def member(world: World, username: str, unit: str = "pb_a1a", **fields: Any) -> Person:
    """A party member of `unit`: one who may help."""
    person = PersonFactory.create(username=username, **fields)
    Membership.objects.create(
        person=person, unit=world.units[unit], kind=MembershipKind.PARTY_MEMBER, joined_on=dt.date(2020, 1, 1)
    )
    return person


def grid_worker(world: World) -> Person:
    person = PersonFactory.create(username="gridder")
    grid = world.areas["grid_a1a"]
    GridAssignment.objects.create(grid=grid, worker=person, area_path=grid.path)
    return person


def pair(rec: Recipient, helper: Person, *, lead: bool = True) -> Pairing:
    return Pairing.objects.create(
        recipient=rec, helper=helper, lead=lead, started_on=timezone.localdate(), area_path=rec.area_path
    )


def visit(rec: Recipient, days_ago: int, kind: str = VisitKind.HOME) -> Visit:
    return Visit.objects.create(
        id=uuid.uuid4(),
        recipient=rec,
        kind=kind,
        visited_at=timezone.now() - dt.timedelta(days=days_ago),
        digest=uuid.uuid4().hex,
        area_path=rec.area_path,
    )
