"""/api/v1/notifications and /api/v1/me/notification-settings."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import gettext_noop

from needle.notify.messages import Message
from needle.notify.models import Preference
from needle.notify.services import notify

pytestmark = pytest.mark.django_db


def test_the_list_is_in_the_language_the_caller_asks_for(world, api_for):
    notify(
        recipients=[world.people["resident"]],
        verb="case.reopened",
        message=Message(gettext_noop("Case %(number)s was reopened."), {"number": "7"}),
    )
    api = api_for("resident")
    english = api.client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["count"] == 1 and english["results"][0]["text"] == "Case 7 was reopened."
    assert english["results"][0]["verb"] == "case.reopened"
    chinese = api.client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "reopened" not in chinese["results"][0]["text"]
    assert api_for("member").get("/api/v1/notifications").json()["count"] == 0
    assert api.post("/api/v1/notifications/read").json() == {"marked": 1}


def test_a_person_reads_and_sets_their_notification_settings(world, api_for):
    api = api_for("resident")
    assert api.get("/api/v1/me/notification-settings").json() == {
        "channel": "in_app",
        "cadence": "immediately",
        "quiet_start": None,
        "quiet_end": None,
        "wechat_linked": False,
    }
    r = api.put(
        "/api/v1/me/notification-settings",
        {
            "channel": "wechat",
            "cadence": "daily",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "wechat_openid": "oX1",
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["wechat_linked"] is True and r.json()["quiet_start"] == "22:00:00"
    assert Preference.objects.get(person=world.people["resident"]).wechat_openid == "oX1"


def test_bad_settings_are_refused_naming_the_field(world, api_for):
    api = api_for("resident")
    r = api.put("/api/v1/me/notification-settings", {"channel": "email"})
    assert r.status_code == 422 and "channel" in r.json()["error"]["fields"]
    r = api.put("/api/v1/me/notification-settings", {"channel": "in_app", "quiet_start": "22:00"})
    assert r.status_code == 422 and "quiet_end" in r.json()["error"]["fields"]
    r = api.put("/api/v1/me/notification-settings", {"channel": "in_app", "quiet_start": "25:99"})
    assert r.status_code == 422
    assert not Preference.objects.exists()


def test_anonymous_callers_have_no_notifications(world):
    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().get("/api/v1/me/notification-settings").status_code == 401
