"""Exports of care data: one recipient's file for the staff or a helper (a stated reason, audited,
leaving out what the reader may not see), and a person's own care data for them (PIPL: the
right to a copy), audited as well."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.care.access import Access, is_minor
from needle.care.models import SENSITIVE, Recipient, Status
from needle.care.presenters import recipient_card
from needle.care.selectors.records import open_sealed
from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.core.text import bounded
from needle.orgs.permissions import require_authenticated

MAX_REASON = 300
# One export holds at most this many visits and items (the newest): a file, not a dump.
MAX_ROWS = 1000


def _reason(value: Any) -> str:
    if value is None or not isinstance(value, str):
        raise ValidationFailed(fields={"reason": _("Say why you export this file.")})
    if "\x00" in value:
        raise ValidationFailed(fields={"reason": _("The text holds a NUL character.")})
    reason = bounded(value, limit=MAX_REASON, field="reason")
    if not reason:
        raise ValidationFailed(fields={"reason": _("Say why you export this file.")})
    return reason


def _consents(recipient: Recipient, *, names: bool) -> list[dict[str, Any]]:
    return [
        {
            "purpose": c.purpose,
            "given": c.given,
            "method": c.method,
            "given_by": c.given_by if names else "",
            "by_guardian": c.by_guardian,
            "witness": c.witness if names else "",
            "at": c.created_at,
        }
        for c in recipient.consent_log.all()[:MAX_ROWS]
    ]


def _visits(recipient: Recipient, *, contents: bool) -> list[dict[str, Any]]:
    rows = recipient.visits.order_by("-visited_at")[:MAX_ROWS]
    return [
        {
            "id": str(v.id),
            "kind": v.kind,
            "visited_at": v.visited_at,
            "on_time": v.on_time,
            **(
                {"companions": v.companions, "checklist": v.checklist, "notes": v.notes, "needs": v.needs}
                if contents
                else {}
            ),
        }
        for v in rows
    ]


def _items(recipient: Recipient, *, contents: bool) -> list[dict[str, Any]]:
    rows = recipient.items.order_by("-since", "-pk")[:MAX_ROWS]
    return [
        {
            "id": i.pk,
            "status": i.status,
            "since": i.since,
            "due_on": i.due_on,
            "closed_at": i.closed_at,
            "case": i.case_id,
            **({"what": i.what, "who_acts": i.who_acts, "confirmation": i.confirmation} if contents else {}),
        }
        for i in rows
    ]


def _logs(recipient: Recipient, *, contents: bool) -> dict[str, list[dict[str, Any]]]:
    """The consent log, the visits and the ledger of an export; `contents` adds the names of who
    gave consent and what visits and items say."""
    return {
        "consents": _consents(recipient, names=contents),
        "visits": _visits(recipient, contents=contents),
        "items": _items(recipient, contents=contents),
    }


def recipient_export(*, actor: Any, recipient: Recipient, access: Access, reason: Any) -> dict[str, Any]:
    """The household file as this reader may see it: the card with the sensitive fields they may
    read, the consent log, the visits and the ledger (their contents for those who keep or visit
    the record; dates and statuses for supervisors). The reason is required and audited with the
    fields that left."""
    why = _reason(reason)
    close = access.staff or access.helper or access.grid
    recorded = {name for i, name in enumerate(SENSITIVE) if recipient.sealed_fields & (1 << i)}
    readable = access.fields & recorded
    opened: dict[str, str] = {}
    if readable:
        values = open_sealed(recipient)
        opened = {name: str(values.get(name, "")) for name in SENSITIVE if name in readable}
    data = {
        "exported_at": timezone.now(),
        "reason": why,
        "recipient": recipient_card(recipient, access, opened),
        **_logs(recipient, contents=close),
    }
    audit_record(
        actor=actor,
        action="care.recipient.exported",
        obj=recipient,
        new={"fields": sorted(opened), "why": why, "contents": close},
    )
    return data


def own_export(*, actor: Any) -> dict[str, Any]:
    """The caller's own care records (and, for a guardian with an account, their minor wards'),
    with every sensitive field: the person's right to a copy of what is held about them."""
    person = require_authenticated(actor)
    today = timezone.localdate()
    rows = (
        Recipient.objects.filter(Q(person=person) | Q(guardian=person))
        .exclude(status=Status.ANONYMISED)
        .select_related("household", "area", "person", "record", "guardian")
        .order_by("pk")
    )
    full = Access(staff=True, fields=frozenset(SENSITIVE))
    records = []
    for recipient in rows:
        if recipient.person_id != person.pk and not is_minor(recipient, today):
            # A ward who came of age asks for their own copy.
            continue
        opened = open_sealed(recipient)
        card = recipient_card(recipient, full, {k: str(v) for k, v in opened.items()})
        card.pop("can_manage")
        records.append(
            {
                "recipient": card,
                "as": "self" if recipient.person_id == person.pk else "guardian",
                **_logs(recipient, contents=True),
            }
        )
        audit_record(
            actor=actor,
            action="care.own_data.exported",
            obj=recipient,
            new={"fields": sorted(k for k in opened if opened[k])},
        )
    return {"exported_at": timezone.now(), "person": person.username, "records": records}
