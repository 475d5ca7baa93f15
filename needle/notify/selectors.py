from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from needle.notify.models import Notification, Preference
from needle.orgs.models import Person
from needle.orgs.permissions import Actor, is_superuser, require, require_authenticated


def notifications_for(*, actor: Any) -> QuerySet[Notification]:
    require_authenticated(actor)
    return Notification.objects.filter(recipient=actor).order_by("-created_at", "-id")


def unread_count(*, actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def preference_of(*, actor: Actor, person: Person) -> Preference:
    """The person's choices, or the defaults (only in Needle, at once, no quiet hours) when they
    made none; their own, or a superuser's view."""
    require_authenticated(actor)
    require(actor.pk == person.pk or is_superuser(actor))
    return Preference.objects.filter(person=person).first() or Preference(person=person)
