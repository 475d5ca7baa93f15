"""The notification list and the page of notification settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.notify.messages import Message
from needle.notify.models import Notification, Preference
from needle.notify.services import notify

pytestmark = pytest.mark.django_db


def _page(client, path, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path)


def test_each_person_sees_only_their_notifications_in_the_language_they_read_in(world, client_for):
    people = world.people
    people["resident"].language = "zh-hans"  # made while they used Chinese: read in either
    notify(
        recipients=[people["resident"], people["member"], people["resident"]],
        verb="test",
        message=Message(gettext_noop("Case %(number)s was reopened."), {"number": "20261204000009"}),
        link="/me/",
    )
    client = client_for("resident")
    english = _page(client, "/notifications/").content.decode()
    assert "Case 20261204000009 was reopened." in english and 'href="/me/"' in english
    chinese = _page(client, "/notifications/", "zh-hans").content.decode()
    assert "20261204000009" in chinese and "was reopened" not in chinese
    assert "20261204000009" not in _page(client_for("outsider"), "/notifications/").content.decode()
    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=people["resident"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people["member"], read_at__isnull=True).exists()


def test_the_settings_page_saves_a_persons_choices(world, client_for):
    client = client_for("resident")
    page = _page(client, "/notifications/settings/").content.decode()
    assert 'type="time"' in page and "needs a confirmed email address" in page
    r = client.post(
        "/notifications/settings/",
        {"channel": "sms", "cadence": "daily", "quiet_start": "22:00", "quiet_end": "07:30"},
    )
    assert r.status_code == 302
    pref = Preference.objects.get(person=world.people["resident"])
    assert (pref.channel, pref.cadence, pref.quiet_end) == ("sms", "daily", dt.time(7, 30))
    # The page shows the saved times as a time input reads them, in Chinese too.
    page = _page(client, "/notifications/settings/", "zh-hans").content.decode()
    assert 'value="22:00"' in page and 'value="07:30"' in page


def test_the_settings_page_names_what_is_wrong(world, client_for):
    client = client_for("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post("/notifications/settings/", {"channel": "email", "cadence": "immediately"})
    assert r.status_code == 400
    assert "confirm it first" in r.content.decode()
    r = client.post("/notifications/settings/", {"channel": "sms", "cadence": "soon", "quiet_start": "25:00"})
    assert r.status_code == 400
    assert not Preference.objects.exists()


def test_the_settings_page_needs_a_sign_in(client):
    r = client.get("/notifications/settings/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_the_list_keeps_old_notifications_readable(world, client_for):
    Notification.objects.create(
        recipient=world.people["resident"], verb="x", rendered_text="旧的通知", created_at=timezone.now()
    )
    assert "旧的通知" in _page(client_for("resident"), "/notifications/").content.decode()
