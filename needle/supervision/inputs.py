"""What every supervision service checks its input with: free text and dates, each error
naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from needle.core import periods
from needle.core.errors import ValidationFailed, or_invalid
from needle.core.text import text_input as text

TITLE = 200
BODY = 5000
NOTE = 2000
TYPE = 40
# A deadline or a validity within five years of today: a year 2999 typed by mistake is refused.
YEARS_AHEAD = 5
# Free text is taken as every app takes it (core.text).
__all__ = [
    "area_targets",
    "chosen_unit",
    "code",
    "day",
    "form_errors",
    "future_day",
    "percent",
    "period",
    "text",
]


def code(value: Any, *, field: str) -> str:
    """A task type's code: letters, digits, "_", "-" and ".", 1 to 40 of them."""
    cleaned = text(value, limit=TYPE, field=field, required=True)
    if not all(c.isalnum() or c in "_-." for c in cleaned):
        raise ValidationFailed(fields={field: _("Use letters, digits, “_”, “-” and “.” only.")})
    return cleaned


def day(value: Any, *, field: str) -> dt.date:
    """A day as a form or a query string gives it ("YYYY-MM-DD")."""
    try:
        return periods.day(value)
    except ValueError as exc:
        raise ValidationFailed(fields={field: str(exc)}) from None


def future_day(value: Any, *, field: str, today: dt.date) -> dt.date:
    """A day from today to five years on."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(fields={field: _("Give a date (YYYY-MM-DD).")})
    if value < today:
        raise ValidationFailed(fields={field: _("This day has passed.")}, code="date_in_past")
    if value > today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28)):
        raise ValidationFailed(fields={field: _("Give a day within five years.")})
    return value


def percent(value: Any, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationFailed(fields={field: _("Give a whole number from 0 to 100.")})
    return value


def chosen_unit(units: list[Any], value: Any, *, field: str = "issuer") -> Any:
    """The unit a form chose among those it offered (a page's choice of issuer)."""
    found = next((u for u in units if str(u.pk) == str(value or "")), None)
    return or_invalid(found, field, _("Choose one of your units."))


# The burden pages' period when none is asked for: the last 90 days.
PERIOD_DAYS = 90


def period(query: Any, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """A page's period from its query string (`start`, `end`), by default the last 90 days."""
    start = (
        day(query["start"], field="start")
        if query.get("start")
        else today - dt.timedelta(days=PERIOD_DAYS - 1)
    )
    end = day(query["end"], field="end") if query.get("end") else today
    return start, end


def area_targets(post: Any) -> list[dict[str, str]]:
    """The issuing forms' one target: every unit of a type under an area."""
    return [{"area": str(post.get("area", ""))[:20], "unit_type": str(post.get("unit_type", ""))}]


def form_errors(exc: ValidationFailed, *, on_area: frozenset[str]) -> dict[str, str]:
    """A refusal as the issuing forms show it: by field, and the refusals about the targets
    (their `code` in `on_area`) beside the area chosen."""
    errors = exc.fields or {"title": exc.message}
    if exc.code in on_area:
        errors = {**errors, "area": exc.message}
    return errors
