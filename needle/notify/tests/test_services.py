"""Notifications stored as codes, each person's way of hearing of them, and the jobs that send
them outside Needle: at once, after quiet hours, or in a daily digest; once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.gateways import MemorySms, MemoryWeChat
from needle.notify.messages import Message, render
from needle.notify.models import Delivery, Notification, Preference
from needle.notify.schedule import next_digest, quiet_until
from needle.notify.services import (
    MAX_ATTEMPTS,
    deliveries_send,
    digests_send,
    notify,
    preference_set,
    sms_to_phone,
)

pytestmark = pytest.mark.django_db

REOPENED = Message(gettext_noop("Case %(number)s was reopened."), {"number": "20261204000001"})


def _confirm_email(person, address="resident@example.org"):
    person.email, person.email_confirmed_at = address, timezone.now()
    person.save(update_fields=["email", "email_confirmed_at"])
    return person


def _prefer(person, channel, **options):
    options.setdefault("cadence", "immediately")
    return preference_set(actor=person, person=person, channel=channel, **options)


# Messages ------------------------------------------------------------------------------------


def test_a_notification_reads_in_the_language_of_whoever_reads_it(world):
    resident = world.people["resident"]
    resident.language = "en"
    notify(recipients=[resident], verb="case.reopened", message=REOPENED, link="/x/")
    n = Notification.objects.get(recipient=resident)
    assert n.message == "Case %(number)s was reopened." and n.params == {"number": "20261204000001"}
    with translation.override("en"):
        assert n.text == "Case 20261204000001 was reopened."
    with translation.override("zh-hans"):
        assert "20261204000001" in n.text and "reopened" not in n.text


def test_notifications_made_before_codes_show_the_words_they_were_sent_with(world):
    old = Notification.objects.create(recipient=world.people["resident"], verb="x", rendered_text="旧的通知")
    with translation.override("en"):
        assert old.text == "旧的通知"


def test_a_translation_that_does_not_fit_its_parameters_falls_back_to_english():
    assert render("Case %(number)s was reopened.", {"other": 1}) == "Case %(number)s was reopened."
    assert render("%(n)d requests", {"n": "many"}) == "%(n)d requests"


def test_each_recipient_is_notified_once(world):
    people = world.people
    assert notify(recipients=[people["resident"], None, people["resident"]], verb="v", message=REOPENED) == 1
    assert Notification.objects.count() == 1


# Preferences ---------------------------------------------------------------------------------


def test_a_person_sets_their_own_preferences_audited(world):
    resident = _confirm_email(world.people["resident"])
    pref = _prefer(resident, "email", cadence="daily", quiet_start=dt.time(22), quiet_end=dt.time(7))
    assert (pref.channel, pref.cadence, pref.quiet_start, pref.quiet_end) == (
        "email",
        "daily",
        dt.time(22),
        dt.time(7),
    )
    event = AuditEvent.objects.get(action="notify.preference.changed")
    assert event.actor == resident and event.changes["new"]["channel"] == "email"
    _prefer(resident, "in_app")
    assert Preference.objects.get(person=resident).channel == "in_app"


def test_nobody_sets_someone_elses_preferences_but_a_superuser(world):
    people = world.people
    with pytest.raises(PermissionDenied):
        preference_set(
            actor=people["city_admin"], person=people["resident"], channel="in_app", cadence="daily"
        )
    preference_set(actor=people["root"], person=people["resident"], channel="in_app", cadence="daily")
    assert Preference.objects.get(person=people["resident"]).cadence == "daily"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"cadence": "hourly"}, "cadence"),
        ({"channel": "email"}, "channel"),  # no confirmed address
        ({"channel": "wechat"}, "channel"),  # not linked
        ({"quiet_start": dt.time(22)}, "quiet_end"),
        ({"quiet_start": dt.time(22), "quiet_end": dt.time(22)}, "quiet_end"),
        ({"wechat_openid": "not an id!"}, "wechat_openid"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field(world, options, field):
    resident = world.people["resident"]
    resident.email = "typed-but-unconfirmed@example.org"
    args = {"channel": "in_app", "cadence": "immediately", **options}
    with pytest.raises(ValidationFailed) as refused:
        preference_set(actor=resident, person=resident, **args)
    assert field in refused.value.fields
    assert not Preference.objects.exists()


def test_text_messages_need_a_mobile_number(world):
    resident = world.people["resident"]
    resident.phone = "023-12345678"
    with pytest.raises(ValidationFailed) as refused:
        _prefer(resident, "sms")
    assert "mobile" in refused.value.fields["channel"]


# Sending -------------------------------------------------------------------------------------


def test_a_text_message_goes_out_once_in_the_recipients_language(world):
    resident = world.people["resident"]
    resident.language = "zh-hans"
    _prefer(resident, "sms")
    notify(recipients=[resident], verb="case.reopened", message=REOPENED, link="/cases/1/")
    assert deliveries_send() == 1
    assert deliveries_send() == 0  # a second run finds the row claimed and sent
    (sent,) = MemorySms.outbox
    assert sent["to"] == resident.phone and sent["verb"] == "case.reopened"
    assert sent["params"] == {"number": "20261204000001"}
    assert "已" in sent["text"] and sent["text"].endswith("http://127.0.0.1:8000/cases/1/")
    assert Delivery.objects.get().sent_at is not None


def test_an_email_goes_to_the_confirmed_address(world):
    resident = _confirm_email(world.people["resident"])
    resident.language = "en"
    resident.save(update_fields=["language"])
    _prefer(resident, "email")
    notify(recipients=[resident], verb="case.reopened", message=REOPENED, link="/cases/1/")
    assert deliveries_send() == 1
    (email,) = mail.outbox
    assert email.to == ["resident@example.org"]
    assert (
        "Case 20261204000001 was reopened." in email.body and "http://127.0.0.1:8000/cases/1/" in email.body
    )
    assert "/notifications/settings/" in email.body


def test_a_wechat_template_message_carries_the_code_and_parameters(world):
    resident = world.people["resident"]
    _prefer(resident, "wechat", wechat_openid="oABC123_x-y")
    notify(recipients=[resident], verb="case.reopened", message=REOPENED, link="/cases/1/")
    deliveries_send()
    (sent,) = MemoryWeChat.outbox
    assert sent["openid"] == "oABC123_x-y" and sent["verb"] == "case.reopened"
    assert sent["url"] == "http://127.0.0.1:8000/cases/1/"


def test_nothing_goes_out_during_quiet_hours(world):
    resident = world.people["resident"]
    now = timezone.localtime()
    span = ((now - dt.timedelta(hours=1)).time(), (now + dt.timedelta(hours=1)).time())
    _prefer(resident, "sms", quiet_start=span[0], quiet_end=span[1])
    notify(recipients=[resident], verb="case.reopened", message=REOPENED)
    end = quiet_until(timezone.now(), span)
    assert end is not None and Delivery.objects.get().due_at == end
    assert deliveries_send() == 0
    assert deliveries_send(now=end - dt.timedelta(seconds=1)) == 0
    assert deliveries_send(now=end) == 1 and len(MemorySms.outbox) == 1


def test_a_daily_digest_gathers_the_days_messages_into_one(world):
    resident = world.people["resident"]
    resident.language = "en"
    resident.save(update_fields=["language"])
    _prefer(resident, "sms", cadence="daily")
    for number in ("1", "2", "3"):
        notify(
            recipients=[resident], verb="case.reopened", message=Message(REOPENED.text, {"number": number})
        )
    assert deliveries_send() == 0  # digests are not single messages
    due = next_digest(timezone.now(), 8, None)
    assert set(Delivery.objects.values_list("due_at", flat=True)) == {due}
    assert digests_send(now=due - dt.timedelta(seconds=1)) == 0
    assert digests_send(now=due) == 1
    assert digests_send(now=due) == 0  # safe to run twice
    (sent,) = MemorySms.outbox
    assert sent["verb"] == "notify.digest" and sent["params"] == {"count": 3}
    assert sent["text"] == "Needle: 3 new messages. http://127.0.0.1:8000/notifications/"


def test_a_digest_by_email_lists_each_message(world):
    resident = _confirm_email(world.people["resident"])
    _prefer(resident, "email", cadence="daily")
    notify(recipients=[resident], verb="a", message=Message(REOPENED.text, {"number": "1"}), link="/cases/1/")
    notify(recipients=[resident], verb="b", message=Message(REOPENED.text, {"number": "2"}))
    assert digests_send(now=timezone.now() + dt.timedelta(days=1)) == 1
    (email,) = mail.outbox
    assert email.body.count("• ") == 2 and "http://127.0.0.1:8000/cases/1/" in email.body


def test_a_provider_failure_is_retried_then_given_up(world, settings):
    settings.NEEDLE_SMS_BACKEND = "needle.notify.tests.test_services.BrokenSms"
    resident = world.people["resident"]
    _prefer(resident, "sms")
    notify(recipients=[resident], verb="v", message=REOPENED)
    later = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliveries_send(now=later) == 0
        d = Delivery.objects.get()
        assert d.attempts == attempt and "provider down" in d.error
        later = d.due_at
    assert d.failed_at is not None and d.sent_at is None


def test_a_message_follows_a_changed_mind(world):
    resident = world.people["resident"]
    _prefer(resident, "sms")
    notify(recipients=[resident], verb="v", message=REOPENED)
    _prefer(resident, "in_app")
    assert deliveries_send() == 0 and not MemorySms.outbox
    assert Delivery.objects.get().failed_at is not None


def test_a_resident_without_an_account_gets_a_text_message_in_the_deployments_language(world, settings):
    settings.NEEDLE_QUIET_HOURS = None
    assert not sms_to_phone(phone="023-12345678", verb="v", message=REOPENED)  # a landline cannot
    assert sms_to_phone(phone="139 0000 1111", verb="v", message=REOPENED, link="http://x/track/t/")
    deliveries_send()
    (sent,) = MemorySms.outbox
    assert sent["to"] == "13900001111" and "已" in sent["text"] and sent["text"].endswith("http://x/track/t/")


def test_a_resident_without_an_account_is_not_texted_at_night(world, settings):
    now = timezone.localtime()
    settings.NEEDLE_QUIET_HOURS = ((now - dt.timedelta(hours=2)).time(), (now + dt.timedelta(hours=2)).time())
    sms_to_phone(phone="13900001111", verb="v", message=REOPENED)
    assert deliveries_send() == 0
    assert Delivery.objects.get().due_at == quiet_until(timezone.now(), settings.NEEDLE_QUIET_HOURS)


class BrokenSms:
    def send_sms(self, **message):
        raise ConnectionError("provider down")
