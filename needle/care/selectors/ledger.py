"""The ledger's reads: a household's items for whoever may see the recipient (each read by the
care staff audited, as the items describe a household's troubles), one item by id, a place's
open items, and the household's timeline of visits and items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from needle.areas.models import subtree_q
from needle.care.access import access_of
from needle.care.models import Item, ItemStatus, Recipient, Visit
from needle.care.states import item_shown_status
from needle.core.audit import audit_record
from needle.core.errors import NotFound
from needle.orgs.permissions import can_in_area, require, require_authenticated

ORDER: dict[str, int] = {ItemStatus.OPEN: 0, ItemStatus.CASE: 1, ItemStatus.CLOSED: 2}
TIMELINE_MAX = 100


def access_item(*, actor: Any, item_id: int) -> Item:
    """The item, when the actor may see its recipient; else 404 (whether or not it exists)."""
    require_authenticated(actor)
    item = Item.objects.select_related("recipient", "case").filter(pk=item_id).first()
    if item is None or not access_of(actor, item.recipient).sees:
        raise NotFound()
    return item


def items_for(*, actor: Any, recipient: Recipient) -> list[Item]:
    """The household's ledger, open items first, newest first; the read is audited."""
    require_authenticated(actor)
    require(access_of(actor, recipient).sees, visible=False)
    rows = Item.objects.filter(recipient=recipient).select_related("case").order_by("-since", "-pk")
    items = sorted(rows, key=lambda i: ORDER[item_shown_status(i)])
    audit_record(
        actor=actor,
        action="care.ledger.read",
        obj=recipient,
        area_path=recipient.area_path,
        new={"items": len(items)},
    )
    return items


def open_items_for(*, actor: Any, area_path: str) -> QuerySet[Item]:
    """A place's items still open (on the ledger or as a request), oldest first: care staff."""
    require_authenticated(actor)
    require(can_in_area(actor, "care.manage", area_path))
    return (
        Item.objects.filter(subtree_q(area_path, "area_path"))
        .filter(status__in=[ItemStatus.OPEN, ItemStatus.CASE])
        .select_related("case", "recipient")
        .order_by("since", "pk")
    )


@dataclass(frozen=True)
class Entry:
    """One line of the household's timeline."""

    when: dt.datetime
    kind: str  # "visit" | "item" | "closed" | "case"
    visit: Visit | None = None
    item: Item | None = None


def household_timeline(recipient: Recipient, items: list[Item]) -> list[Entry]:
    """Visits, problems found and closed, and the requests they became, newest first."""
    entries: list[Entry] = []
    for visit in (
        Visit.objects.filter(recipient=recipient).select_related("by").order_by("-visited_at")[:TIMELINE_MAX]
    ):
        entries.append(Entry(visit.visited_at, "visit", visit=visit))
    tz = timezone.get_current_timezone()
    for item in items[:TIMELINE_MAX]:
        entries.append(Entry(dt.datetime.combine(item.since, dt.time(), tz), "item", item=item))
        if item.closed_at is not None:
            entries.append(Entry(item.closed_at, "closed", item=item))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
