"""Recipients and pairings made as rows, for the visits' tests (the registry's and pairing's
services are tested on their own)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle.care.crypto import seal
from needle.care.models import (
    SENSITIVE,
    Household,
    Pairing,
    Purpose,
    Recipient,
    category_bits,
    purpose_bit,
)
from needle.orgs.models import GridAssignment
from needle.testing import World

ALL = (Purpose.REGISTRATION, Purpose.SHARING, Purpose.PHOTOS)


def recipient(
    w: World,
    *,
    name: str = "王秀英",
    area: str = "grid_a1a",
    categories: tuple[str, ...] = ("elderly_alone",),
    risk: str = "high",
    consents: tuple[str, ...] = ALL,
    helper: str | None = "member",
    registered_days_ago: int = 60,
    sensitive: dict[str, str] | None = None,
    **extra: Any,
) -> Recipient:
    place = w.areas[area]
    household = Household.objects.create(area=place, area_path=place.path, address="中山一路12号3-2")
    values = sensitive if sensitive is not None else {"health": "高血压", "id_number": "500103194501011234"}
    r = Recipient.objects.create(
        household=household,
        name=name,
        phone="13800001234",
        area=place,
        area_path=place.path,
        categories=category_bits(list(categories)),
        risk=risk,
        consents=sum(purpose_bit(p) for p in consents),
        sealed=seal(values),
        sealed_fields=sum(1 << SENSITIVE.index(k) for k in values if values[k]),
        next_visit_due=timezone.localdate() - dt.timedelta(days=3),
        **extra,
    )
    Recipient.objects.filter(pk=r.pk).update(
        created_at=timezone.now() - dt.timedelta(days=registered_days_ago)
    )
    r.refresh_from_db()
    if helper:
        pair(w, r, helper)
    return r


def pair(w: World, r: Recipient, persona: str, *, lead: bool = True) -> Pairing:
    return Pairing.objects.create(
        recipient=r,
        helper=w.people[persona],
        lead=lead,
        started_on=timezone.localdate() - dt.timedelta(days=30),
        area_path=r.area_path,
    )


def grid_worker(w: World, persona: str = "outsider") -> Any:
    grid = w.areas["grid_a1a"]
    GridAssignment.objects.create(grid=grid, worker=w.people[persona], area_path=grid.path)
    return w.people[persona]
