"""What every care service and API operation checks its input with: free text, dates and
areas named by code as the services take them, each error naming its field."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.areas.selectors import area_get
from needle.core.errors import NotFound, ValidationFailed
from needle.core.text import text_input as text

# Free text is taken as every app takes it (core.text); dates as care takes them.
__all__ = ["area_by_code", "area_required", "not_future", "text"]


def not_future(moment: dt.datetime, *, field: str) -> dt.datetime:
    """A moment that has happened (a few minutes of clock drift on a phone allowed)."""
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationFailed(fields={field: _("This is in the future.")})
    return moment


def area_by_code(code: str | None, *, field: str) -> Area | None:
    """The area an input names by its code, or None when it names none. A code no area has is
    the input's fault: a ValidationFailed naming `field`, not a 404 on the address."""
    if not code:
        return None
    try:
        return area_get(code=code)
    except NotFound:
        raise ValidationFailed(fields={field: _("No area has this code.")}) from None


def area_required(code: str | None, *, field: str = "area") -> Area:
    """The area an input must name by its code (area_by_code, and an empty code refused)."""
    area = area_by_code(code, field=field)
    if area is None:
        raise ValidationFailed(fields={field: _("This field is required.")})
    return area
