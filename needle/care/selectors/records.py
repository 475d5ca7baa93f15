"""Reading the care registry: one recipient with what the reader may do (access.py), the lists a
reader may see, and the sensitive fields opened for those allowed, each opening audited."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from needle.care import crypto
from needle.care.access import Access, access_of, visible_q
from needle.care.models import CATEGORIES, RISKS, SENSITIVE, Recipient, Status
from needle.core.audit import audit_record
from needle.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from needle.core.text import bounded
from needle.orgs.permissions import require_authenticated

MAX_WHY = 300
MAX_QUERY = 100


class SealUnavailable(DomainError):
    """No configured key opens the sealed fields: the service cannot read them until the key is
    configured again. Said plainly rather than as a server error."""

    status = 503
    code = "care_key_unavailable"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The sensitive fields cannot be opened: the key that sealed them is not configured. "
                "Ask the administrator to restore it."
            )
        )


def access_recipient(*, actor: Any, recipient_id: int, for_write: bool = False) -> tuple[Recipient, Access]:
    """The recipient and the reader's access: 404 when the reader may not know it exists, 403
    when they may see it but `for_write` asks for the care staff."""
    require_authenticated(actor)
    if isinstance(recipient_id, bool) or not isinstance(recipient_id, int) or not 0 < recipient_id < 2**63:
        raise NotFound()
    recipient = (
        Recipient.objects.select_related("household", "area", "person", "record", "guardian")
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        raise NotFound()
    access = access_of(actor, recipient)
    if not access.sees:
        raise NotFound()
    if for_write and not access.staff:
        raise PermissionDenied()
    return recipient, access


def recipient_list_for(
    *,
    actor: Any,
    area_path: str | None = None,
    query: str = "",
    status: str | None = None,
    risk: str | None = None,
    category: str | None = None,
) -> QuerySet[Recipient]:
    """The recipients the reader may see, under `area_path`, by name, status, risk and category;
    the soonest due first."""
    require_authenticated(actor)
    rows = Recipient.objects.filter(visible_q(actor)).select_related("area", "household")
    if area_path:
        rows = rows.filter(area_path__startswith=area_path)
    if query:
        if "\x00" in query or len(query) > MAX_QUERY:
            raise ValidationFailed(fields={"q": _("At most %(n)d characters.") % {"n": MAX_QUERY}})
        rows = rows.filter(name__icontains=query.strip())
    if status:
        if status not in Status.values:
            raise ValidationFailed(fields={"status": _("Unknown status.")})
        rows = rows.filter(status=status)
    if risk:
        if risk not in RISKS:
            raise ValidationFailed(fields={"risk": _("Give high, medium or low.")})
        rows = rows.filter(risk=risk)
    if category:
        if category not in CATEGORIES:
            raise ValidationFailed(fields={"category": _("Unknown category.")})
        bit = 1 << CATEGORIES.index(category)
        rows = rows.annotate(category_bit=F("categories").bitand(bit)).filter(category_bit__gt=0)
    return rows.order_by(F("next_visit_due").asc(nulls_last=True), "pk")


def open_sealed(recipient: Recipient) -> dict[str, Any]:
    """The sealed fields, or SealUnavailable when no configured key opens them."""
    try:
        return crypto.unseal(recipient.sealed)
    except crypto.SealBroken:
        raise SealUnavailable() from None


def recipient_sensitive(*, actor: Any, recipient: Recipient, access: Access, why: str = "") -> dict[str, str]:
    """The sensitive fields this reader may read (access.fields) that hold something, opened;
    the reading is audited (who, which record, which fields, why). Nothing is opened nor
    audited when the reader may read none of them, or none of those is recorded."""
    recorded = {name for i, name in enumerate(SENSITIVE) if recipient.sealed_fields & (1 << i)}
    readable = access.fields & recorded
    if not readable:
        return {}
    if not isinstance(why, str) or "\x00" in why:
        raise ValidationFailed(fields={"reason": _("Give text.")})
    why = bounded(why, limit=MAX_WHY, field="reason")
    values = open_sealed(recipient)
    shown = {name: str(values.get(name, "")) for name in SENSITIVE if name in readable}
    audit_record(
        actor=actor,
        action="care.recipient.sensitive_read",
        obj=recipient,
        new={"fields": sorted(shown), "why": why},
    )
    return shown


def recipient_read(*, actor: Any, recipient: Recipient, access: Access, why: str = "") -> dict[str, str]:
    """One recipient's card read: the sensitive fields opened as recipient_sensitive does; a
    reader who opens none but is shown the contacts (phone, address, birth date: the care staff,
    a helper, the grid worker) is audited as having viewed them. A supervisor's masked card
    holds neither and is not."""
    opened = recipient_sensitive(actor=actor, recipient=recipient, access=access, why=why)
    if not opened and (access.staff or access.helper or access.grid):
        if not isinstance(why, str) or "\x00" in why:
            raise ValidationFailed(fields={"reason": _("Give text.")})
        audit_record(
            actor=actor,
            action="care.recipient.contact_viewed",
            obj=recipient,
            new={"why": bounded(why, limit=MAX_WHY, field="reason")},
        )
    return opened
