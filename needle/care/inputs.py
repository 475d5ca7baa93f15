"""What every care service checks its input with: free text and dates as the services take
them, each error naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed
from needle.core.text import bounded


def text(value: Any, *, limit: int, field: str, required: bool = False) -> str:
    """A string without NUL bytes, stripped, within `limit` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: _("Give text.")})
    if "\x00" in value:
        raise ValidationFailed(fields={field: _("The text holds a NUL character.")})
    cleaned = bounded(value, limit=limit, field=field)
    if required and not cleaned:
        raise ValidationFailed(fields={field: _("This field is required.")})
    return cleaned


def not_future(moment: dt.datetime, *, field: str) -> dt.datetime:
    """A moment that has happened (a few minutes of clock drift on a phone allowed)."""
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationFailed(fields={field: _("This is in the future.")})
    return moment
