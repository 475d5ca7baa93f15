"""Deadline arithmetic: hours on the clock, or whole working days on the calendar."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from needle.cases.models import Colour, Holiday

# A case turns blue when this share of its resolve window has passed, and red once it is
# overdue by this share of the window again (a 7-day case: blue after 5.25 days, red 3.5
# days past its deadline).
BLUE_AT = 0.75
RED_AFTER = 0.5


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def add_hours(start: dt.datetime, hours: int, *, working_days: bool) -> dt.datetime:
    """`start` plus `hours`; with working days, each full 24 hours is one working day. Days
    and holidays are those of the deployment's calendar (TIME_ZONE), not UTC's: a request
    made on Saturday morning in Shanghai is still Friday night in UTC."""
    if not working_days or hours < 24:
        return start + dt.timedelta(hours=hours)
    days, rest = divmod(hours, 24)
    local = timezone.localtime(start, timezone.get_default_timezone())
    exceptions = _exceptions(local.date(), local.date() + dt.timedelta(days=days * 3 + 30))
    day = local.date()
    while days:
        day += dt.timedelta(days=1)
        if exceptions.get(day, day.weekday() < 5):
            days -= 1
    # The same wall-clock time on the due day (a day across a clock change is not 24 hours).
    due = timezone.make_aware(dt.datetime.combine(day, local.time()), local.tzinfo)
    return (due + dt.timedelta(hours=rest)).astimezone(start.tzinfo)


def colour_for(
    *,
    now: dt.datetime,
    submitted_at: dt.datetime,
    resolve_due_at: dt.datetime | None,
    paused_seconds: int = 0,
) -> str:
    """The colour at `now`. Time on hold counts in neither the window nor the time passed (a
    hold that ended moved `resolve_due_at` on by its length, see services._common._end_hold)."""
    if resolve_due_at is None:
        return Colour.NONE
    window = max((resolve_due_at - submitted_at).total_seconds() - paused_seconds, 1.0)
    elapsed = (now - submitted_at).total_seconds() - paused_seconds
    if now >= resolve_due_at + dt.timedelta(seconds=window * RED_AFTER):
        return Colour.RED
    if now >= resolve_due_at:
        return Colour.YELLOW
    if elapsed >= window * BLUE_AT:
        return Colour.BLUE
    return Colour.NONE
