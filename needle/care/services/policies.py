"""Setting the visit policy: how often a recipient of a risk (and optionally a category) is
visited and called, for the whole deployment (superusers) or one district (its care staff and
those above), after which the recipients it governs are rescheduled."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.care.models import Category, Policy, Risk
from needle.care.services.schedule import reschedule_all
from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed
from needle.orgs.permissions import can_in_area, is_superuser, require, require_authenticated

MAX_DAYS = 366


def _days(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValidationFailed(
            fields={field: _("Give a whole number of days from 1 to %(max)d.") % {"max": MAX_DAYS}}
        )
    return value


@transaction.atomic
def policy_set(
    *,
    actor: Any,
    area: Area | None = None,
    risk: str,
    category: str = "",
    visit_days: int,
    call_days: int | None = None,
) -> Policy:
    """Set the visit (and call) interval for a risk, and a category or every category, in a
    district or (no area, superusers) the whole deployment; reschedules every recipient of the
    district (or all of them) in the same transaction."""
    require_authenticated(actor)
    if area is None:
        require(is_superuser(actor))
    else:
        if area.level != Level.DISTRICT:
            raise ValidationFailed(fields={"area": _("Choose a district.")})
        require(can_in_area(actor, "care.manage", area.path))
    if risk not in Risk.values:
        raise ValidationFailed(fields={"risk": _("Choose high, medium or low.")})
    if category not in ("", *Category.values):
        raise ValidationFailed(fields={"category": _("Unknown category.")})
    visit_days = _days(visit_days, "visit_days")
    if call_days is not None:
        call_days = _days(call_days, "call_days")
        if call_days >= visit_days:
            raise ValidationFailed(
                fields={"call_days": _("Calls fall between visits: fewer days than visits.")}
            )
    found = Policy.objects.select_for_update().filter(area=area, risk=risk, category=category).first()
    old = snapshot(found, ["visit_days", "call_days"]) if found is not None else None
    if found is None:
        policy = Policy.objects.create(
            area=area, risk=risk, category=category, visit_days=visit_days, call_days=call_days
        )
    else:
        policy = found
        policy.visit_days, policy.call_days = visit_days, call_days
        policy.save(update_fields=["visit_days", "call_days", "updated_at"])
    rescheduled = reschedule_all(path=area.path if area is not None else None, from_visits=False)
    audit_record(
        actor=actor,
        action="care.policy.set",
        obj=policy,
        area_path=area.path if area is not None else "",
        old=old,
        new={
            "area": area.code if area is not None else None,
            "risk": risk,
            "category": category,
            "visit_days": visit_days,
            "call_days": call_days,
            "rescheduled": rescheduled,
        },
    )
    return policy
