"""Calendar days and periods [start, end] as every page, API operation and export reads them:
"YYYY-MM-DD" only, within years a deployment can mean. Outside them a period's arithmetic (the
day after the end, 30 days before it, a local midnight in UTC) leaves Python's dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed

EARLIEST = dt.date(1901, 1, 1)
LATEST = dt.date(2999, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day(value: Any) -> dt.date:
    """A day from a date or "YYYY-MM-DD" within [EARLIEST, LATEST]; ValueError naming the rule."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        text = str(value)
        try:
            if not _ISO_DAY.fullmatch(text):
                raise ValueError(text)
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Give a date as YYYY-MM-DD.")) from None
    if not EARLIEST <= value <= LATEST:
        raise ValueError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
        )
    return value


def parse_day(value: Any, name: str) -> dt.date | None:
    """`day` of a parameter that may be left out ("" or None); the error names the parameter."""
    if value in (None, ""):
        return None
    try:
        return day(value)
    except ValueError as exc:
        raise ValidationFailed(fields={name: str(exc)}) from None


def parse_period(
    start: Any, end: Any, *, default_start: Callable[[dt.date], dt.date]
) -> tuple[dt.date, dt.date]:
    """[start, end] from strings or dates: `end` defaults to today, `start` to
    default_start(end); a start after the end is refused."""
    end_d = parse_day(end, "end") or timezone.localdate()
    start_d = parse_day(start, "start") or max(default_start(end_d), EARLIEST)
    if start_d > end_d:
        raise ValidationFailed(fields={"start": _("The start must not be after the end.")})
    return start_d, end_d
