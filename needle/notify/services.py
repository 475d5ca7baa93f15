"""Sending notifications. Each text is rendered in its recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation

from needle.notify.models import Notification


def notify(*, recipients: Iterable[Any], verb: str, render: Callable[[], str], link: str = "") -> int:
    """Create one notification per distinct recipient; `render` is called inside each
    recipient's language so that gettext picks the right catalog."""
    rows = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = str(render())[:500]
        rows.append(Notification(recipient=person, verb=verb, text=text, link=link))
    Notification.objects.bulk_create(rows)
    return len(rows)
