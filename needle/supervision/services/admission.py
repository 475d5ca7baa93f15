"""The admission list (准入清单): a unit applies for a kind of task it wants to push to the
communities of a district; a general office over that district admits or refuses it (and may
revoke it later). Admitted entries valid on a day let tasks of their type reach the
district's resident committees (services.issue)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.states import allowed
from needle.core.states import target as move_target
from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, require_authenticated
from needle.supervision import inputs, states
from needle.supervision.access import may_decide
from needle.supervision.models import Entry
from needle.supervision.services.issue import today

MAX_HOURS = Decimal("9999.9")
FIELDS = ["status", "task_type", "hours", "valid_from", "valid_until"]


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={"hours": _("Give a number of hours.")}) from None
    if isinstance(value, bool) or not hours.is_finite() or not Decimal(0) <= hours <= MAX_HOURS:
        raise ValidationFailed(fields={"hours": _("Give a number of hours from 0 to 9999.9.")})
    return hours.quantize(Decimal("0.1"))


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(fields={field: _("Give a date (YYYY-MM-DD).")})
    return value


@transaction.atomic
def entry_apply(
    *,
    actor: Any,
    issuer: Unit,
    district: Area,
    task_type: Any,
    asks: Any,
    basis: Any,
    hours: Any,
    valid_from: Any,
    valid_until: Any,
) -> Entry:
    """A unit applies to put a kind of task on a district's admission list."""
    actor = require_authenticated(actor)
    if not can_act_for_unit(actor, "supervision.apply_admission", issuer):
        raise PermissionDenied()
    if district.level != Level.DISTRICT:
        raise ValidationFailed(fields={"district": _("Give a district's code.")})
    if not (district.path.startswith(issuer.area_path) or issuer.area_path.startswith(district.path)):
        raise ValidationFailed(fields={"district": _("The district lies outside the unit's area.")})
    code = inputs.code(task_type, field="task_type")
    start = _day(valid_from, "valid_from")
    end = inputs.future_day(_day(valid_until, "valid_until"), field="valid_until", today=today())
    if end < start:
        raise ValidationFailed(fields={"valid_until": _("Give a day on or after the first day.")})
    entry = Entry.objects.create(
        district=district,
        area_path=district.path,
        issuer=issuer,
        task_type=code,
        asks=inputs.text(asks, limit=inputs.BODY, field="asks", required=True),
        basis=inputs.text(basis, limit=inputs.NOTE, field="basis", required=True),
        hours=_hours(hours),
        valid_from=start,
        valid_until=end,
        applied_by=actor,
    )
    audit_record(actor=actor, action="supervision.entry.applied", obj=entry, new=snapshot(entry, FIELDS))
    return entry


DECISIONS = {"admitted": "admit", "refused": "refuse", "revoked": "revoke"}
ACTIONS = {
    "admitted": "supervision.entry.admitted",
    "refused": "supervision.entry.refused",
    "revoked": "supervision.entry.revoked",
}


@transaction.atomic
def entry_decide(*, actor: Any, entry_id: int, decision: Any, note: Any = "") -> Entry:
    """The general office admits or refuses an application, or revokes an admitted entry."""
    actor = require_authenticated(actor)
    entry = Entry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    if decision not in DECISIONS:
        raise ValidationFailed(fields={"decision": _("Choose one of: %(c)s.") % {"c": ", ".join(DECISIONS)}})
    if not may_decide(actor, entry):
        raise PermissionDenied()
    why = inputs.text(note, limit=inputs.NOTE, field="note")
    name = DECISIONS[decision]
    if not allowed(states.ENTRY_MOVES, name, entry.status, {states.OFFICE}):
        raise Conflict(
            _("This cannot be done in the state “%(state)s”.") % {"state": entry.status},
            extra={"state": entry.status},
        )
    old = snapshot(entry, FIELDS)
    entry.status = move_target(states.ENTRY_MOVES, name)
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.decision_note = why
    entry.save()
    audit_record(actor=actor, action=ACTIONS[decision], obj=entry, old=old, new=snapshot(entry, FIELDS))
    return entry


AMENDABLE = ("asks", "basis", "hours", "valid_from", "valid_until")


@transaction.atomic
def entry_amend(*, actor: Any, entry_id: int, change: dict[str, Any], note: Any = "") -> Entry:
    """The general office amends an admitted entry (what it asks, its basis, hours, validity);
    the old values stay in the audit trail. Only the fields given change."""
    actor = require_authenticated(actor)
    entry = Entry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    if not may_decide(actor, entry):
        raise PermissionDenied()
    unknown = sorted(set(change) - set(AMENDABLE))
    if unknown or not change:
        raise ValidationFailed(
            fields={"change": _("Change one or more of: %(c)s.") % {"c": ", ".join(AMENDABLE)}}
        )
    if entry.status != states.N.ADMITTED:
        raise Conflict(
            _("This cannot be done in the state “%(state)s”.") % {"state": entry.status},
            extra={"state": entry.status},
        )
    old = snapshot(entry, [*FIELDS, "asks", "basis"])
    if "asks" in change:
        entry.asks = inputs.text(change["asks"], limit=inputs.BODY, field="asks", required=True)
    if "basis" in change:
        entry.basis = inputs.text(change["basis"], limit=inputs.NOTE, field="basis", required=True)
    if "hours" in change:
        entry.hours = _hours(change["hours"])
    if "valid_from" in change:
        entry.valid_from = _day(change["valid_from"], "valid_from")
    if "valid_until" in change:
        entry.valid_until = inputs.future_day(
            _day(change["valid_until"], "valid_until"), field="valid_until", today=today()
        )
    if entry.valid_until < entry.valid_from:
        raise ValidationFailed(fields={"valid_until": _("Give a day on or after the first day.")})
    entry.decision_note = inputs.text(note, limit=inputs.NOTE, field="note") or entry.decision_note
    entry.save()
    audit_record(
        actor=actor,
        action="supervision.entry.amended",
        obj=entry,
        old=old,
        new=snapshot(entry, [*FIELDS, "asks", "basis"]),
    )
    return entry
