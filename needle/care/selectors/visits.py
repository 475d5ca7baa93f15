"""What a helper's phone shows: the households they are paired with, each with what the visit
needs and how due it is; and a recipient's visits for those who see the recipient."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.care.access import access_of, accesses, helper_q, is_minor
from needle.care.crypto import SealBroken, unseal
from needle.care.inputs import text
from needle.care.models import (
    SENSITIVE,
    Category,
    Purpose,
    Recipient,
    Status,
    Visit,
    category_codes,
    checklist_topics,
)
from needle.core.audit import audit_event, audit_record, audit_record_all
from needle.core.errors import NotFound
from needle.core.models import AuditEvent

SENSITIVE_LABELS: dict[str, Any] = {
    "health": _("Health"),
    "disability": _("Disability"),
    "income": _("Income"),
    "notes": _("Notes"),
    "id_number": _("ID number"),
}

# "Due" on the helper's list: within this many days.
DUE_SOON_DAYS = 7
HOUSEHOLDS_MAX = 200
VISITS_MAX = 200


@dataclass
class HouseholdCard:
    recipient: Recipient
    name: str
    address: str
    phone: str
    categories: list[str]
    risk: str
    topics: list[str]
    # overdue | due | never | ok
    state: str
    days_overdue: int
    next_visit_due: dt.date | None
    next_call_due: dt.date | None
    last_visit_on: dt.date | None
    guardian: str = ""
    guardian_phone: str = ""
    # The sensitive fields this helper may read (opened and audited), by name.
    sensitive: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.recipient.pk

    @property
    def category_labels(self) -> list[Any]:
        return [Category(c).label for c in self.categories]

    @property
    def sensitive_items(self) -> list[tuple[Any, str]]:
        return [(SENSITIVE_LABELS[k], v) for k, v in self.sensitive.items()]


def due_state(recipient: Recipient, today: dt.date) -> tuple[str, int]:
    due = recipient.next_visit_due
    if due is not None and due < today:
        return "overdue", (today - due).days
    if recipient.last_visit_on is None:
        return "never", 0
    if due is not None and due <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "due", 0
    return "ok", 0


_ORDER = {"overdue": 0, "never": 1, "due": 2, "ok": 3}


def my_households(*, actor: Any, reason: str = "helper's list") -> list[HouseholdCard]:
    """The recipients in care the actor is paired with (directly or through a unit), most urgent
    first. The sensitive fields the actor may read are opened, each opening audited."""
    if not getattr(actor, "is_authenticated", False):
        return []
    rows = list(
        Recipient.objects.filter(helper_q(actor), status=Status.ACTIVE)
        .select_related("household")
        .order_by("next_visit_due", "pk")[:HOUSEHOLDS_MAX]
    )
    access_to = accesses(actor, rows)
    today = timezone.localdate()
    cards: list[HouseholdCard] = []
    events: list[AuditEvent] = []
    for r in rows:
        # Until the registration is consented to, the record is the care staff's only.
        if not r.consented(Purpose.REGISTRATION):
            continue
        access = access_to[r.pk]
        if not access.may_visit:
            continue
        state, late = due_state(r, today)
        card = HouseholdCard(
            recipient=r,
            name=r.name,
            address=r.household.address,
            phone=r.phone,
            categories=category_codes(r.categories),
            risk=r.risk,
            topics=checklist_topics(r.categories),
            state=state,
            days_overdue=late,
            next_visit_due=r.next_visit_due,
            next_call_due=r.next_call_due,
            last_visit_on=r.last_visit_on,
        )
        if is_minor(r, today):
            card.guardian, card.guardian_phone = r.guardian_name, r.guardian_phone
        opened = _opened(r, access.fields)
        card.sensitive = opened
        # A helper's card shows the contacts (phone, address) even when no sensitive field is
        # opened: that viewing is audited too, as the registry's cards do.
        events.append(
            audit_event(
                actor=actor,
                action="care.recipient.sensitive_read" if opened else "care.recipient.contact_viewed",
                obj=r,
                new={"fields": sorted(opened), "why": reason} if opened else {"why": reason},
            )
        )
        cards.append(card)
    audit_record_all(events)
    cards.sort(key=lambda c: (_ORDER[c.state], -c.days_overdue, c.next_visit_due or today, c.id))
    return cards


def _opened(recipient: Recipient, fields: frozenset[str]) -> dict[str, str]:
    """The readable sensitive fields that hold something, opened; none are opened when none of
    them is recorded, and none when no configured key opens the record (the card still shows)."""
    recorded = {name for i, name in enumerate(SENSITIVE) if recipient.sealed_fields & (1 << i)}
    if not fields & recorded:
        return {}
    try:
        values = unseal(recipient.sealed)
    except SealBroken:
        return {}
    return {k: str(values[k]) for k in SENSITIVE if k in fields and values.get(k)}


def visits_for(*, actor: Any, recipient: Recipient, why: str = "") -> list[Visit]:
    """The recipient's visits, newest first, for those who see the recipient; the reading is
    audited (a visit's notes tell of the person's life)."""
    if not access_of(actor, recipient).sees:
        raise NotFound()
    rows = list(
        Visit.objects.filter(recipient=recipient)
        .select_related("by")
        .prefetch_related("photos")
        .order_by("-visited_at")[:VISITS_MAX]
    )
    audit_record(
        actor=actor,
        action="care.visits.read",
        obj=recipient,
        new={"visits": len(rows), "why": text(why, limit=200, field="why")},
    )
    return rows
