from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from needle.notify.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header; the query runs only if a template uses it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": lambda: unread_count(actor=user)}
