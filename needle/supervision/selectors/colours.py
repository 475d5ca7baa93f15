"""A target's colour, computed in one place for a page's row, a board's counts and the figures:

- green: signed off;
- red: still open after its deadline;
- yellow: open, and its reported progress behind the share of the time from issue to deadline
  already gone;
- blue: open, and the deadline within NEEDLE_SUPERVISION_BLUE_DAYS working days (the cases'
  working-day calendar);
- none: on track, done and awaiting sign-off, or declined."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from needle.cases.deadlines import add_hours
from needle.supervision.models import Colour, Status
from needle.supervision.states import OPEN


@dataclass(frozen=True)
class Clock:
    """Today on the deployment's calendar and the last deadline that is "near" today."""

    today: dt.date
    blue_until: dt.date


def clock(now: dt.datetime | None = None) -> Clock:
    now = now or timezone.now()
    local = timezone.localtime(now, timezone.get_default_timezone())
    days = settings.NEEDLE_SUPERVISION_BLUE_DAYS
    near = add_hours(now, days * 24, working_days=True) if days else now
    return Clock(today=local.date(), blue_until=timezone.localtime(near, local.tzinfo).date())


def expected_progress(*, issued_on: dt.date, deadline: dt.date, today: dt.date) -> int:
    """The share (0-100) of the time from issue to deadline gone by today."""
    window = (deadline - issued_on).days
    if window <= 0:
        return 100
    gone = (today - issued_on).days
    return max(0, min(100, gone * 100 // window))


def colour_of(*, status: str, progress: int, deadline: dt.date, issued_on: dt.date, at: Clock) -> str:
    if status == Status.SIGNED_OFF:
        return Colour.GREEN
    if status not in OPEN:
        return Colour.NONE
    if at.today > deadline:
        return Colour.RED
    if progress < expected_progress(issued_on=issued_on, deadline=deadline, today=at.today):
        return Colour.YELLOW
    if deadline <= at.blue_until:
        return Colour.BLUE
    return Colour.NONE
