"""When a message may go out: quiet hours and the daily digest, on the deployment's local clock
(TIME_ZONE). Pure functions of a moment and a person's choices."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

Span = tuple[dt.time, dt.time]


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    # Local wall-clock time on that day; Django's zone handles any daylight-saving shift.
    return timezone.make_aware(dt.datetime.combine(day, time))


def quiet_until(moment: dt.datetime, span: Span | None) -> dt.datetime | None:
    """The end of the quiet span `moment` falls in (local times; 22:00-07:00 spans midnight),
    or None when it is not quiet then."""
    if span is None:
        return None
    start, end = span
    local = timezone.localtime(moment)
    now = local.time()
    if start < end:
        return _at(local.date(), end) if start <= now < end else None
    if now >= start:
        return _at(local.date() + dt.timedelta(days=1), end)
    if now < end:
        return _at(local.date(), end)
    return None


def send_at(moment: dt.datetime, span: Span | None) -> dt.datetime:
    """`moment`, or the end of its quiet hours."""
    return quiet_until(moment, span) or moment


def next_digest(moment: dt.datetime, hour: int, span: Span | None) -> dt.datetime:
    """The first digest time (`hour`:00 local) after `moment`, moved to the end of quiet hours
    when it falls in them."""
    local = timezone.localtime(moment)
    due = _at(local.date(), dt.time(hour))
    if due <= moment:
        due = _at(local.date() + dt.timedelta(days=1), dt.time(hour))
    return send_at(due, span)
