"""What the think tank's API operations check the names in their input with: a name that finds
nothing is refused on its field (a 422), never as the address (a 404)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.areas.selectors import area_get
from needle.core.errors import NotFound, ValidationFailed


def area_named(code: str) -> Area:
    """The area with this code, or a refusal naming the `area` field."""
    try:
        return area_get(code=code)
    except NotFound:
        raise ValidationFailed(fields={"area": _("No area has this code.")}) from None
