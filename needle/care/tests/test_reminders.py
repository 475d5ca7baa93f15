"""The visit reminders: helpers hear NEEDLE_CARE_REMIND_DAYS days before a visit falls due, the
community's care staff once it is overdue; once per due date, however often the job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle import testing as t
from needle.care.models import Pairing, Recipient, Reminder, ReminderKind, Risk
from needle.care.reminder_tasks import remind_visits
from needle.care.services.reminders import OVERDUE_TEXT, _send, reminders_send
from needle.care.tests.care_rows import pair, recipient, visit
from needle.core.models import AuditEvent
from needle.notify.messages import Message
from needle.notify.models import Notification


def told(person: Any) -> list[str]:
    return sorted(Notification.objects.filter(recipient=person).values_list("verb", flat=True))


def test_helpers_hear_before_the_due_date_and_staff_when_overdue_once_each(world: t.World) -> None:
    w, a = world, world.areas
    today = timezone.localdate()
    soon = recipient(a["community_a1a"], "王婆婆", risk=Risk.HIGH, next_due=today + dt.timedelta(days=2))
    later = recipient(a["community_a1a"], "刘爷爷", next_due=today + dt.timedelta(days=3))
    late = recipient(a["grid_a1a"], "李奶奶", next_due=today - dt.timedelta(days=4))
    elsewhere = recipient(a["community_b1a"], "陈大爷", next_due=today - dt.timedelta(days=1))
    pair(soon, w.people["member"])
    pair(later, w.people["member"])
    pair(late, w.people["member"])

    assert reminders_send() == 3
    # The helper hears of the visit due in two days, not of the one in three; the community's
    # care staff hear of the overdue one in its grid; nobody else hears of anything.
    assert told(w.people["member"]) == ["care.reminder.due"]
    assert told(w.people["staff"]) == ["care.reminder.overdue"]
    note = Notification.objects.get(recipient=w.people["staff"])
    assert "李奶奶" in note.params["name"] and note.params["days"] == 4
    for persona in ("city_admin", "supervisor", "street_admin", "resident", "outsider"):
        assert told(w.people[persona]) == [], persona
    # The overdue recipient in another district has no care staff here: the reminder is kept,
    # telling nobody, so that the job does not try again every hour.
    assert Reminder.objects.get(recipient=elsewhere).told == 0
    assert AuditEvent.objects.filter(action="care.reminder.sent").count() == 3

    # Again, and through the job: nothing more.
    assert reminders_send() == 0
    assert remind_visits.call_local() == 0
    assert Notification.objects.count() == 2

    # A visit moves the due date: the next one is a new reminder when it comes near.
    visit(
        soon, today, by=w.people["member"], due_on=soon.next_visit_due, next_due=today + dt.timedelta(days=1)
    )
    visit(
        late, today, by=w.people["member"], due_on=late.next_visit_due, next_due=today + dt.timedelta(days=14)
    )
    assert reminders_send() == 1
    assert told(w.people["member"]) == ["care.reminder.due", "care.reminder.due"]
    assert set(Reminder.objects.filter(recipient=soon).values_list("kind", "due_on")) == {
        (ReminderKind.DUE, today + dt.timedelta(days=2)),
        (ReminderKind.DUE, today + dt.timedelta(days=1)),
    }


def test_the_days_before_come_from_the_setting_and_a_unit_hears_through_its_people(
    world: t.World, settings: Any
) -> None:
    w, a = world, world.areas
    settings.NEEDLE_CARE_REMIND_DAYS = 5
    today = timezone.localdate()
    r = recipient(a["community_a1a"], "赵阿姨", next_due=today + dt.timedelta(days=5))
    Pairing.objects.create(
        recipient=r, unit=w.units["pb_a1a"], lead=True, started_on=today, area_path=r.area_path
    )
    assert reminders_send() == 1
    # The party committee's member is its helper.
    assert told(w.people["member"]) == ["care.reminder.due"]


def test_no_helper_no_reminder_until_one_is_paired_and_no_word_of_a_record_without_consent(
    world: t.World,
) -> None:
    w, a = world, world.areas
    today = timezone.localdate()
    alone = recipient(a["community_a1a"], "孙奶奶", next_due=today + dt.timedelta(days=1))
    gone = recipient(a["community_a1a"], "周爷爷", next_due=today - dt.timedelta(days=9))
    Recipient.objects.filter(pk=gone.pk).update(status="moved_away")
    # Registered without consent yet: only the care staff know of it, so its helper hears nothing.
    unconsented = recipient(a["community_a1a"], "吴阿姨", next_due=today + dt.timedelta(days=1), consents=0)
    pair(unconsented, w.people["member"])
    assert reminders_send() == 0
    pair(alone, w.people["member"])
    assert reminders_send() == 1
    assert told(w.people["member"]) == ["care.reminder.due"]
    assert "孙奶奶" in Notification.objects.get(recipient=w.people["member"]).params["name"]


def test_a_reminder_claimed_by_another_run_in_the_meantime_is_not_sent_again(world: t.World) -> None:
    """Two runs at once both find the recipient; the second one's insert meets the first one's
    row (the unique key is the claim) and sends nothing."""
    today = timezone.localdate()
    due = today - dt.timedelta(days=2)
    r = recipient(world.areas["community_a1a"], "老人", next_due=due)
    message = Message(OVERDUE_TEXT, {"name": r.name, "due": "", "days": 2})
    staff = {world.people["staff"].pk}
    assert _send(r, ReminderKind.OVERDUE, due, staff, message) is True
    assert _send(r, ReminderKind.OVERDUE, due, staff, message) is False
    assert reminders_send() == 0
    assert Notification.objects.filter(recipient=world.people["staff"]).count() == 1
    assert AuditEvent.objects.filter(action="care.reminder.sent").count() == 1
