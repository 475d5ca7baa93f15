"""Reminders of the visit schedule: a recipient's helpers hear NEEDLE_CARE_REMIND_DAYS days
before the next visit falls due, the community's care staff once it is overdue; each once per
due date, however often the job runs.

A reminder's row (models.Reminder, unique per recipient, kind and due date) is its claim: it is
inserted in the transaction that notifies, so a second run, or two at once, finds it and sends
nothing more, and a failed notification leaves no row and is tried again on the next run. A new
due date (after a visit) is a new reminder."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.care.models import Pairing, Purpose, Recipient, Reminder, ReminderKind, Status, purpose_bit
from needle.core.audit import audit_record
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Membership, Person, RoleAssignment
from needle.orgs.permissions import PERMISSIONS

DUE_TEXT = gettext_noop("A reminder: the visit to %(name)s is due on %(due)s.")
OVERDUE_TEXT = gettext_noop("The visit to %(name)s was due on %(due)s and has not been made (%(days)s days).")


def community_path(path: str) -> str:
    """The community's path in a recipient's place (a community or one of its grids): its
    first five levels (province/city/district/street/community)."""
    parts = path.split("/")
    return "/".join(parts[:5]) + "/" if len(parts) > 5 else path


def _not_reminded(kind: str) -> Any:
    return ~Exists(
        Reminder.objects.filter(recipient=OuterRef("pk"), kind=kind, due_on=OuterRef("next_visit_due"))
    )


def _helpers(recipient_ids: list[int]) -> dict[int, set[int]]:
    """The people who help each recipient now: paired themselves, or through a unit they serve
    in (an open membership or a role)."""
    people: dict[int, set[int]] = defaultdict(set)
    by_unit: dict[int, set[int]] = defaultdict(set)
    for rid, helper, unit in Pairing.objects.filter(
        recipient_id__in=recipient_ids, ended_on__isnull=True
    ).values_list("recipient_id", "helper_id", "unit_id"):
        if helper is not None:
            people[rid].add(helper)
        else:
            by_unit[unit].add(rid)
    if by_unit:
        members = list(
            Membership.objects.filter(unit_id__in=by_unit, left_on__isnull=True).values_list(
                "unit_id", "person_id"
            )
        )
        members += list(
            RoleAssignment.objects.filter(unit_id__in=by_unit).values_list("unit_id", "person_id")
        )
        for unit, person in members:
            for rid in by_unit[unit]:
                people[rid].add(person)
    return people


def _care_staff(paths: set[str]) -> dict[str, set[int]]:
    """The people with care.manage in the unit of each community (its care staff)."""
    staff: dict[str, set[int]] = defaultdict(set)
    for path, person in RoleAssignment.objects.filter(
        role__in=PERMISSIONS["care.manage"], unit__area_path__in=paths, unit__dissolved_on__isnull=True
    ).values_list("unit__area_path", "person_id"):
        staff[path].add(person)
    return staff


def _send(recipient: Recipient, kind: str, due: dt.date, people: set[int], message: Message) -> bool:
    """Claim and send one reminder; False when another run has sent it."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(recipient=recipient, kind=kind, due_on=due, told=len(people))
            told = list(Person.objects.filter(pk__in=people, is_active=True))
            notify(recipients=told, verb=f"care.reminder.{kind}", message=message, link=reverse("home"))
            audit_record(
                actor=None,
                action="care.reminder.sent",
                obj=recipient,
                new={"kind": kind, "due_on": reminder.due_on, "told": len(told)},
            )
    except IntegrityError:
        return False
    return True


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the helpers of the visits due within NEEDLE_CARE_REMIND_DAYS days, and the care
    staff of the visits overdue, each once per due date. Returns the reminders sent."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + dt.timedelta(days=settings.NEEDLE_CARE_REMIND_DAYS)
    active = Recipient.objects.filter(status=Status.ACTIVE).only("pk", "name", "area_path", "next_visit_due")
    # A recipient without a helper waits on the staff's "needs a helper" list; once paired, the
    # new helper still hears of the coming visit.
    # Until the consent to registration is recorded only the care staff see the record
    # (access.py): its helpers hear nothing of it, not even its name.
    registered = [v for v in range(1 << len(Purpose)) if v & purpose_bit(Purpose.REGISTRATION)]
    soon = list(
        active.filter(next_visit_due__gte=today, next_visit_due__lte=horizon, consents__in=registered)
        .filter(Exists(Pairing.objects.filter(recipient=OuterRef("pk"), ended_on__isnull=True)))
        .filter(_not_reminded(ReminderKind.DUE))
        .order_by("next_visit_due", "pk")
    )
    late = list(
        active.filter(next_visit_due__lt=today)
        .filter(_not_reminded(ReminderKind.OVERDUE))
        .order_by("next_visit_due", "pk")
    )
    sent = 0
    helpers = _helpers([r.pk for r in soon])
    for r in soon:
        assert r.next_visit_due is not None
        # `record` is not in the text: it lets the anonymisation find the name it must clear.
        message = Message(DUE_TEXT, {"name": r.name, "due": r.next_visit_due.isoformat(), "record": r.pk})
        sent += _send(r, ReminderKind.DUE, r.next_visit_due, helpers.get(r.pk, set()), message)
    staff = _care_staff({community_path(r.area_path) for r in late})
    for r in late:
        assert r.next_visit_due is not None
        days = (today - r.next_visit_due).days
        message = Message(
            OVERDUE_TEXT, {"name": r.name, "due": r.next_visit_due.isoformat(), "days": days, "record": r.pk}
        )
        told = staff.get(community_path(r.area_path), set())
        sent += _send(r, ReminderKind.OVERDUE, r.next_visit_due, told, message)
    return sent
