"""What the hours' services, selectors and pages share: quarters ("2026Q4"), a member's standing
check-in, a community's target, and who counts as the community's staff."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.errors import ValidationFailed
from needle.orgs.models import Person
from needle.orgs.permissions import can_in_area
from needle.volunteering.models import CheckIn, CheckInStatus, HourEntry, Target

MANAGE = "volunteering.manage"
QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(value: Any) -> tuple[dt.date, dt.date]:
    """'2026Q4' -> its first and last day; anything else is a field error on `quarter`."""
    match = QUARTER_RE.match(value) if isinstance(value, str) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationFailed(fields={"quarter": _("Give a quarter like 2026Q4.")})
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return start, end


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def require_ended(quarter: str) -> tuple[dt.date, dt.date]:
    start, end = parse_quarter(quarter)
    if end >= timezone.localdate():
        raise ValidationFailed(fields={"quarter": _("This quarter has not ended yet.")})
    return start, end


def standing_checkin(person: Person) -> CheckIn | None:
    return (
        CheckIn.objects.filter(person=person, status__in=[CheckInStatus.SUBMITTED, CheckInStatus.CONFIRMED])
        .select_related("community", "workplace")
        .first()
    )


def is_staff_for(actor: Any, entry_or_area: HourEntry | Area) -> bool:
    path = entry_or_area.area_path if isinstance(entry_or_area, HourEntry) else entry_or_area.path
    return can_in_area(actor, MANAGE, path)


def target_for(community: Area) -> tuple[Decimal, Decimal]:
    """(hours per quarter, hours per year) a member of the community is asked for."""
    target = Target.objects.filter(community=community).first() if community.pk else None
    if target is not None:
        return target.quarter_hours, target.year_hours
    return (
        Decimal(str(settings.NEEDLE_VOLUNTEERING_QUARTER_HOURS)),
        Decimal(str(settings.NEEDLE_VOLUNTEERING_YEAR_HOURS)),
    )
