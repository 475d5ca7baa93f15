"""Care rows for the figures', reminders' and home tests, written directly: these tests are about
what reads the rows (the rollups, the staff's day, the reminders' job), not about the services
that write them, which have their own tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from needle.care.crypto import seal
from needle.care.models import (
    Household,
    Item,
    ItemStatus,
    Pairing,
    Purpose,
    Recipient,
    Risk,
    Visit,
    VisitKind,
    category_bits,
    purpose_bit,
)

# Registered, with the consent to share with the helper.
CONSENTED = purpose_bit(Purpose.REGISTRATION) | purpose_bit(Purpose.SHARING)


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), timezone.get_current_timezone())


def recipient(
    area: Any,
    name: str = "张阿婆",
    *,
    categories: tuple[str, ...] = ("elderly_alone",),
    risk: str = Risk.MEDIUM,
    registered: dt.date | None = None,
    next_due: dt.date | None = None,
    **fields: Any,
) -> Recipient:
    household = Household.objects.create(area=area, area_path=area.path, address="解放西路1号")
    r = Recipient.objects.create(
        household=household,
        name=name,
        area=area,
        area_path=area.path,
        categories=category_bits(categories),
        risk=risk,
        consents=fields.pop("consents", CONSENTED),
        sealed=seal({"health": "高血压"}),
        next_visit_due=next_due,
        **fields,
    )
    if registered is not None:
        Recipient.objects.filter(pk=r.pk).update(created_at=local(registered))
        r.refresh_from_db()
    return r


def pair(r: Recipient, helper: Any, *, lead: bool = True, since: dt.date | None = None) -> Pairing:
    return Pairing.objects.create(
        recipient=r,
        helper=helper,
        lead=lead,
        started_on=since or timezone.localdate(),
        area_path=r.area_path,
    )


def visit(
    r: Recipient,
    day: dt.date,
    *,
    by: Any = None,
    kind: str = VisitKind.HOME,
    due_on: dt.date | None = None,
    next_due: dt.date | None = None,
) -> Visit:
    """A contact on `day` answering `due_on`; the recipient's next due date moves to `next_due`."""
    v = Visit.objects.create(
        id=uuid.uuid4(),
        recipient=r,
        kind=kind,
        visited_at=local(day),
        by=by,
        digest=uuid.uuid4().hex,
        area_path=r.area_path,
        due_on=due_on,
        on_time=None if due_on is None else day <= due_on,
    )
    Recipient.objects.filter(pk=r.pk).update(
        last_visit_on=day, next_visit_due=next_due, updated_at=timezone.now()
    )
    return v


def item(r: Recipient, what: str = "水管漏水", *, opened: dt.date | None = None, **fields: Any) -> Item:
    i = Item.objects.create(
        recipient=r, what=what, since=opened or timezone.localdate(), area_path=r.area_path, **fields
    )
    if opened is not None:
        Item.objects.filter(pk=i.pk).update(created_at=local(opened))
        i.refresh_from_db()
    return i


def close_item(i: Item, *, at: dt.datetime | None = None) -> None:
    Item.objects.filter(pk=i.pk).update(
        status=ItemStatus.CLOSED,
        closed_at=at or timezone.now(),
        confirmation="户主签字确认",
        updated_at=timezone.now(),
    )
