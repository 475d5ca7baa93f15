from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from needle.notify.models import Notification
from needle.orgs.permissions import require_authenticated


def notifications_for(*, actor: Any) -> QuerySet[Notification]:
    require_authenticated(actor)
    return Notification.objects.filter(recipient=actor).order_by("-created_at", "-id")


def unread_count(*, actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
