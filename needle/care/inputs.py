"""What every care service and API operation checks its input with: free text and dates as the
services take them, each error naming its field (areas named by code: areas.selectors.area_named)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed
from needle.core.text import text_input as text

# Free text is taken as every app takes it (core.text); dates as care takes them.
__all__ = ["not_future", "text"]


def not_future(moment: dt.datetime, *, field: str) -> dt.datetime:
    """A moment that has happened (a few minutes of clock drift on a phone allowed)."""
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationFailed(fields={field: _("This is in the future.")})
    return moment
