"""The three rates (and the on-time rate) of a unit or an area subtree over a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.figures import HasRates
from needle.cases.models import Callback, Case
from needle.core.errors import NotFound, ValidationFailed
from needle.orgs.models import Unit
from needle.orgs.permissions import Actor, can_for_unit, can_in_area, require_authenticated


@dataclass
class Rates(HasRates):
    start: dt.date
    end: dt.date
    response_due: int
    responded_on_time: int
    callbacks: int
    solved: int
    rated: int
    satisfied: int
    resolved: int
    resolved_on_time: int
    received: int


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the deployment's time zone."""
    if start > end:
        raise ValidationFailed(fields={"start": _("The start must not be after the end.")})
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def rates_for(
    *, actor: Actor, start: dt.date, end: dt.date, area: Area | None = None, unit: Unit | None = None
) -> Rates:
    """Response, resolution, satisfaction and on-time rates for a unit or an area subtree,
    exactly as DESIGN.md defines them."""
    require_authenticated(actor)
    if area is None and unit is None:
        raise ValidationFailed(fields={"area": _("Give an area or a unit.")})
    if area is not None and not can_in_area(actor, "cases.view", area):
        raise NotFound(_("You have no figures for this area."))
    if unit is not None and not can_for_unit(actor, "cases.view", unit):
        raise NotFound(_("No such unit."))
    lo, hi = period_bounds(start, end)
    cases = Case.objects.all()
    callbacks = Callback.objects.all()
    if area is not None:
        cases = cases.filter(subtree_q(area.path, "area_path"))
        callbacks = callbacks.filter(subtree_q(area.path, "case__area_path"))
    if unit is not None:
        cases = cases.filter(lead_unit=unit)
        callbacks = callbacks.filter(lead_unit=unit)
    c = cases.aggregate(
        response_due=Count("id", filter=Q(accept_due_at__gte=lo, accept_due_at__lt=hi)),
        responded=Count(
            "id", filter=Q(accept_due_at__gte=lo, accept_due_at__lt=hi, accepted_at__lte=F("accept_due_at"))
        ),
        resolved=Count("id", filter=Q(resolved_at__gte=lo, resolved_at__lt=hi)),
        resolved_on_time=Count(
            "id", filter=Q(resolved_at__gte=lo, resolved_at__lt=hi, resolved_at__lte=F("resolve_due_at"))
        ),
        received=Count("id", filter=Q(submitted_at__gte=lo, submitted_at__lt=hi)),
    )
    b = callbacks.filter(at__gte=lo, at__lt=hi).aggregate(
        total=Count("id"),
        solved=Count("id", filter=Q(solved=True)),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    return Rates(
        start=start,
        end=end,
        response_due=c["response_due"],
        responded_on_time=c["responded"],
        callbacks=b["total"],
        solved=b["solved"],
        rated=b["rated"],
        satisfied=b["satisfied"],
        resolved=c["resolved"],
        resolved_on_time=c["resolved_on_time"],
        received=c["received"],
    )
