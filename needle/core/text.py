"""Free text as services take it: stripped, and refused (never cut) when over its limit, so a
request loses nothing without the sender being told which field was too long."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed


def too_long(value: str, limit: int) -> str | None:
    """The error for a text over `limit` characters, or None."""
    return _("At most %(n)d characters.") % {"n": limit} if len(value) > limit else None


def bounded(value: str, *, limit: int, field: str) -> str:
    """`value` stripped; ValidationFailed naming `field` if it is longer than `limit`."""
    text = value.strip()
    error = too_long(text, limit)
    if error:
        raise ValidationFailed(fields={field: error})
    return text


def text_input(value: Any, *, limit: int, field: str, required: bool = False) -> str:
    """Free text as a service takes it from any entry point: a string (None is empty), without
    NUL bytes, stripped, within `limit`; each refusal names `field`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: _("Give text.")})
    if "\x00" in value:
        raise ValidationFailed(fields={field: _("The text holds a NUL character.")})
    text = bounded(value, limit=limit, field=field)
    if required and not text:
        raise ValidationFailed(fields={field: _("This field is required.")})
    return text


def id_or_none(value: str) -> int | None:
    """A row id typed in a query string or a form: ASCII digits that fit a bigint, else None.
    (`str.isdigit` also accepts "²" and "٣", which `int` refuses or reads as another number.)"""
    if value.isascii() and value.isdecimal() and len(value) <= 18:
        return int(value)
    return None
