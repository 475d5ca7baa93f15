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


def notifications_mark_read(*, actor: Any) -> int:
    """Mark all of the actor's notifications read (their own inbox only; not audited: no
    shared state changes)."""
    from django.utils import timezone

    from needle.orgs.permissions import require_authenticated

    require_authenticated(actor)
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
