"""A scheduled meeting's date, place, title and agenda change until it is held, through
PATCH /api/v1/consult/meetings/{id} and the meeting's console page: the area's staff may, the
street supervisor reads but may not, residents and outsiders find nothing; a meeting held or
cancelled stands (409); bad input is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import Meeting, MeetingStatus, Topic
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.models import AuditEvent

BASE = "/api/v1/consult/meetings"


def _meeting(world: t.World, topic: Topic | None = None) -> Meeting:
    return s.meeting_schedule(
        actor=world.people["staff"],
        area=world.areas["community_a1a"],
        draft=s.MeetingDraft(
            title="十二月议事会",
            starts_at=timezone.now() + dt.timedelta(days=3),
            place="社区活动室",
            topics=[topic] if topic else [],
            seats=[s.Seat(kind="representative", person=world.people["resident"])],
        ),
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("street_admin", 200), ("supervisor", 403), ("resident", 404), ("outsider", 404)],
)
def test_who_may_change_a_meeting(
    world: t.World, api_for: Any, topic: Topic, persona: str, status: int
) -> None:
    meeting = _meeting(world, topic)
    parking = make_suggestion(world, topic)
    later = timezone.now() + dt.timedelta(days=5)
    change = {
        "title": "一月议事会",
        "place": "党群服务中心",
        "starts_at": later.isoformat(),
        "topics": [],
        "suggestions": [parking.pk],
    }
    res = api_for(persona).patch(f"{BASE}/{meeting.pk}", change)
    assert res.status_code == status, res.content
    meeting.refresh_from_db()
    if status == 200:
        out = res.json()
        assert (out["title"], out["place"], out["topics"], out["suggestions"]) == (
            "一月议事会",
            "党群服务中心",
            [],
            [parking.pk],
        )
        assert meeting.starts_at == later
        event = AuditEvent.objects.get(action="consult.meeting.edited", object_id=str(meeting.pk))
        assert event.changes["old"]["title"] == "十二月议事会" and event.changes["new"]["topics"] == []
    else:
        assert (meeting.title, list(meeting.topics.all())) == ("十二月议事会", [topic])
        assert not AuditEvent.objects.filter(action="consult.meeting.edited").exists()


def test_anonymous_may_not_change_a_meeting(world: t.World) -> None:
    meeting = _meeting(world)
    res = Client().patch(f"{BASE}/{meeting.pk}", json.dumps({"title": "x"}), content_type="application/json")
    assert res.status_code == 401


def test_only_the_fields_given_change(world: t.World, api_for: Any, topic: Topic) -> None:
    meeting = _meeting(world, topic)
    res = api_for("staff").patch(f"{BASE}/{meeting.pk}", {"place": "二楼会议室"})
    assert res.status_code == 200
    out = res.json()
    assert (out["title"], out["place"], out["topics"]) == ("十二月议事会", "二楼会议室", [topic.pk])


@pytest.mark.parametrize("move", ["hold", "cancel"])
def test_a_meeting_held_or_cancelled_stands(world: t.World, api_for: Any, move: str) -> None:
    meeting = _meeting(world)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    staff = world.people["staff"]
    if move == "hold":
        s.meeting_hold(actor=staff, meeting=meeting, present=[])
    else:
        s.meeting_cancel(actor=staff, meeting=meeting, reason="台风")
    res = api_for("staff").patch(f"{BASE}/{meeting.pk}", {"place": "别处"})
    assert res.status_code == 409 and res.json()["error"]["code"] == "meeting_state"
    meeting.refresh_from_db()
    assert meeting.place == "社区活动室" and meeting.status in (MeetingStatus.HELD, MeetingStatus.CANCELLED)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2099-01-01T19:00:00+08:00"}, "starts_at"),
        ({"starts_at": "2026-01-01T19:00:00"}, "starts_at"),
        ({"title": "  "}, "title"),
        ({"place": "x" * 201}, "place"),
        ({"topics": [999999]}, "topics"),
        ({"suggestions": [999999]}, "suggestions"),
        ({"topics": "elsewhere"}, "topics"),
    ],
)
def test_bad_changes_are_422s_naming_the_field(
    world: t.World, api_for: Any, change: dict[str, Any], field: str
) -> None:
    meeting = _meeting(world)
    if change.get("topics") == "elsewhere":
        # A topic of another street's community is not this meeting's to take up.
        elsewhere = make_topic(world, area="community_b1a", by="root", unit=world.units["rc_b1a"])
        change = {"topics": [elsewhere.pk]}
    res = api_for("staff").patch(f"{BASE}/{meeting.pk}", change)
    assert res.status_code == 422, res.content
    assert field in res.json()["error"]["fields"]
    meeting.refresh_from_db()
    assert (meeting.title, meeting.place) == ("十二月议事会", "社区活动室")


@pytest.mark.parametrize(("persona", "status"), [("staff", 302), ("supervisor", 302), ("resident", 404)])
def test_the_meeting_page_s_change_form(
    world: t.World, client_for: Any, topic: Topic, persona: str, status: int
) -> None:
    meeting = _meeting(world, topic)
    client = client_for(persona)
    if persona == "staff":
        with translation.override("en"):
            page = client.get(f"/consult/console/meetings/{meeting.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert f'action="/consult/console/meetings/{meeting.pk}/edit/"' in page.content.decode()
    when = timezone.localtime() + dt.timedelta(days=4)
    form = {
        "title": "一月议事会",
        "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
        "place": "党群服务中心",
        "agenda_text": "其他事项",
    }
    res = client.post(f"/consult/console/meetings/{meeting.pk}/edit/", form)
    assert res.status_code == status
    meeting.refresh_from_db()
    changed = persona == "staff"
    assert (meeting.title == "一月议事会") is changed
    if changed:
        # The agenda is what the form ticks: no topic now.
        assert list(meeting.topics.all()) == [] and meeting.agenda_text == "其他事项"
    else:
        assert list(meeting.topics.all()) == [topic]
    # No change form once the meeting is cancelled.
    s.meeting_cancel(actor=world.people["staff"], meeting=meeting, reason="台风")
    if persona == "staff":
        page = client.get(f"/consult/console/meetings/{meeting.pk}/").content.decode()
        assert f'action="/consult/console/meetings/{meeting.pk}/edit/"' not in page
