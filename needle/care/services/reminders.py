"""The schedule's reminders, sent by the daily job: each helper hears of the households they
help that are due a visit within two days, and each community's care staff of the households
overdue there. One message per person and day, whatever the number of households: a second run
the same day sends nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.care.models import Pairing, Recipient, Status
from needle.notify.messages import Message
from needle.notify.models import Notification
from needle.notify.services import notify
from needle.orgs.models import Person, RoleAssignment
from needle.orgs.permissions import PERMISSIONS

DUE_SOON = "care.visit_due"
OVERDUE = "care.visits_overdue"
AHEAD = dt.timedelta(days=2)
COMMUNITY_DEPTH = 5


def community_path(path: str) -> str:
    """The community's path in a recipient's path (a grid's recipients belong to its community)."""
    parts = path.split("/")
    return "/".join(parts[:COMMUNITY_DEPTH]) + "/" if len(parts) > COMMUNITY_DEPTH else path


def _told_today(verb: str, today: dt.date) -> set[int]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return set(
        Notification.objects.filter(verb=verb, created_at__gte=start).values_list("recipient_id", flat=True)
    )


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> int:
    """Remind helpers of visits due within two days and the community's care staff of the
    overdue ones. Returns how many people were told."""
    today = today or timezone.localdate()
    told = 0
    soon = Counter(
        Pairing.objects.filter(
            ended_on__isnull=True,
            helper__isnull=False,
            helper__is_active=True,
            recipient__status=Status.ACTIVE,
            recipient__next_visit_due__gte=today,
            recipient__next_visit_due__lte=today + AHEAD,
        ).values_list("helper_id", flat=True)
    )
    already = _told_today(DUE_SOON, today)
    for person in Person.objects.filter(pk__in=set(soon) - already):
        told += notify(
            recipients=[person],
            verb=DUE_SOON,
            message=Message(
                gettext_noop("%(count)d households you help are due a visit by %(day)s."),
                {"count": soon[person.pk], "day": (today + AHEAD).isoformat()},
            ),
        )
    overdue = Counter(
        community_path(path)
        for path in Recipient.objects.filter(status=Status.ACTIVE, next_visit_due__lt=today).values_list(
            "area_path", flat=True
        )
    )
    if not overdue:
        return told
    staff: dict[int, int] = Counter()
    # A person with two roles in one community counts its households once.
    for person_id, path in set(
        RoleAssignment.objects.filter(
            role__in=PERMISSIONS["care.manage"],
            unit__area_path__in=list(overdue),
            unit__dissolved_on__isnull=True,
        ).values_list("person_id", "unit__area_path")
    ):
        staff[person_id] += overdue[path]
    already = _told_today(OVERDUE, today)
    for person in Person.objects.filter(pk__in=set(staff) - already, is_active=True):
        told += notify(
            recipients=[person],
            verb=OVERDUE,
            message=Message(
                gettext_noop("%(count)d households in your community are overdue a visit."),
                {"count": staff[person.pk]},
            ),
        )
    return told
