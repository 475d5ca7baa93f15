"""Deliberation meetings through /api/v1/consult/meetings: community staff run them, the street
supervisor reads them, residents and outsiders find nothing; the lifecycle's illegal moves are
409s and bad input a 422 naming the field; a passed decision becomes a result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import Decision, Meeting, MeetingParticipant, MeetingStatus, Result
from needle.consult.selectors import consult_today
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.models import AuditEvent
from needle.orgs.models import PersonRecord

BASE = "/api/v1/consult/meetings"


def meeting_body(world: t.World, **fields: Any) -> dict[str, Any]:
    return {
        "area": world.areas["community_a1a"].code,
        "title": "十二月议事会",
        "starts_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "place": "社区活动室",
        "participants": [
            {"kind": "representative", "person": world.people["resident"].pk},
            {"kind": "member", "person": world.people["member"].pk},
            {"kind": "unit", "unit": world.units["district_a_env"].pk},
            {"kind": "property", "name": "王经理", "phone": "13800001111"},
        ],
        **fields,
    }


@pytest.fixture
def meeting(world: t.World, api_for: Any) -> dict[str, Any]:
    res = api_for("staff").post(BASE, meeting_body(world))
    assert res.status_code == 201, res.content
    return res.json()


def held(api: Any, meeting: dict[str, Any], present: int = 3) -> dict[str, Any]:
    seats = [p["id"] for p in meeting["participants"]][:present]
    res = api.post(f"{BASE}/{meeting['id']}/hold", {"present": seats})
    assert res.status_code == 200, res.content
    return res.json()


def test_staff_call_a_meeting_with_people_without_an_account(world: t.World, meeting: dict[str, Any]) -> None:
    assert meeting["status"] == "scheduled" and meeting["moves"] == ["hold", "cancel"]
    kinds = [(p["kind"], p["name"]) for p in meeting["participants"]]
    assert kinds[0] == ("representative", world.people["resident"].get_full_name() or "resident")
    assert kinds[3] == ("property", "王经理")
    # The property company's manager is one shared record, found again the next time.
    record = PersonRecord.objects.get(name="王经理")
    assert meeting["participants"][3]["record"] == record.pk
    assert "13800001111" not in str(meeting)
    assert AuditEvent.objects.filter(action="consult.meeting.scheduled").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 201), ("supervisor", 403), ("resident", 403), ("outsider", 403), ("other_supervisor", 403)],
)
def test_who_may_call_a_meeting(world: t.World, api_for: Any, persona: str, status: int) -> None:
    res = api_for(persona).post(BASE, meeting_body(world, participants=[]))
    assert res.status_code == status, res.content


def test_anonymous_may_not_call_or_read_meetings(
    world: t.World, meeting: dict[str, Any], client: Any
) -> None:
    assert client.post(BASE, meeting_body(world), content_type="application/json").status_code == 401
    assert client.get(f"{BASE}/{meeting['id']}").status_code == 401


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("supervisor", 200), ("resident", 404), ("outsider", 404), ("other_supervisor", 404)],
)
def test_who_may_read_a_meeting(api_for: Any, meeting: dict[str, Any], persona: str, status: int) -> None:
    res = api_for(persona).get(f"{BASE}/{meeting['id']}")
    assert res.status_code == status, res.content
    listed = api_for(persona).get(BASE).json()["results"]
    assert [m["id"] for m in listed] == ([meeting["id"]] if status == 200 else [])


def test_reading_the_seats_is_audited(api_for: Any, meeting: dict[str, Any]) -> None:
    api_for("supervisor").get(f"{BASE}/{meeting['id']}")
    seen = AuditEvent.objects.filter(action="consult.meeting.participants_viewed")
    assert seen.filter(actor__username="supervisor").count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "resident", "outsider"])
def test_only_the_areas_staff_run_a_meeting(api_for: Any, meeting: dict[str, Any], persona: str) -> None:
    api = api_for(persona)
    mid = meeting["id"]
    seat = meeting["participants"][0]["id"]
    expected = 403 if persona == "supervisor" else 404
    assert api.post(f"{BASE}/{mid}/hold", {"present": [seat]}).status_code == expected
    assert api.post(f"{BASE}/{mid}/cancel", {"reason": "天气"}).status_code == expected
    assert api.post(f"{BASE}/{mid}/participants", {"kind": "member", "name": "李四"}).status_code == expected
    staff = api_for("staff")
    held(staff, meeting)
    vote = {"title": "t", "text": "x", "for": 3, "against": 0, "abstain": 0}
    assert api.post(f"{BASE}/{mid}/decisions", vote).status_code == expected
    assert api.post(f"{BASE}/{mid}/minutes", {"minutes": "纪要"}).status_code == expected
    assert Meeting.objects.get(pk=mid).status == MeetingStatus.HELD
    assert not Decision.objects.exists()


def test_a_meeting_held_decided_and_minuted(world: t.World, api_for: Any) -> None:
    staff = api_for("staff")
    topic = make_topic(world)
    suggestion = make_suggestion(world, topic)
    s.suggestion_answer(actor=world.people["staff"], suggestion=suggestion, answer="adopted", text_="采纳")
    res = staff.post(BASE, meeting_body(world, topics=[topic.pk], suggestions=[suggestion.pk]))
    assert res.status_code == 201, res.content
    meeting = res.json()
    assert meeting["topics"] == [topic.pk] and meeting["suggestions"] == [suggestion.pk]
    out = held(staff, meeting, present=3)
    assert out["status"] == "held" and out["moves"] == ["minute"]
    assert [p["attended"] for p in out["participants"]] == [True, True, True, False]

    vote = {"title": "错时停车", "text": "同意夜间开放单位车位", "for": 2, "against": 1, "abstain": 0}
    res = staff.post(f"{BASE}/{meeting['id']}/decisions", {**vote, "suggestion": suggestion.pk})
    assert res.status_code == 201, res.content
    decision = res.json()["decisions"][0]
    assert (decision["votes_for"], decision["votes_against"], decision["passed"]) == (2, 1, True)
    tie = staff.post(f"{BASE}/{meeting['id']}/decisions", {**vote, "for": 1, "against": 1, "abstain": 1})
    failed = tie.json()["decisions"][1]
    assert failed["passed"] is False

    res = staff.post(
        f"{BASE}/{meeting['id']}/minutes", {"minutes": "会议讨论了停车问题，表决通过错时停车方案。"}
    )
    assert res.status_code == 200 and res.json()["status"] == "minuted" and res.json()["moves"] == []

    # A passed decision becomes a result carrying the suggestion it decided on; a failed one 409.
    decided = f"{BASE}/{meeting['id']}/decisions/{decision['id']}/result"
    assert api_for("supervisor").post(decided, {}).status_code == 403
    assert api_for("outsider").post(decided, {}).status_code == 404
    res = staff.post(decided, {})
    assert res.status_code == 201, res.content
    result = res.json()
    assert result["decisions"] == [decision["id"]] and result["suggestions"] == [suggestion.pk]
    assert result["title"] == "错时停车" and result["progress"] == 0
    assert Result.objects.get(pk=result["id"]).area == world.areas["community_a1a"]
    res = staff.post(f"{BASE}/{meeting['id']}/decisions/{failed['id']}/result", {})
    assert res.status_code == 409 and res.json()["error"]["code"] == "not_passed"
    assert (
        api_for("resident").post(f"{BASE}/{meeting['id']}/decisions/{decision['id']}/result", {}).status_code
        == 404
    )
    got = staff.get(f"{BASE}/{meeting['id']}").json()
    assert got["decisions"][0]["results"] == [result["id"]]


def test_a_decision_on_a_meeting_not_held_is_a_409(api_for: Any, meeting: dict[str, Any]) -> None:
    vote = {"title": "t", "text": "x", "for": 1, "against": 0, "abstain": 0}
    res = api_for("staff").post(f"{BASE}/{meeting['id']}/decisions", vote)
    assert res.status_code == 409, res.content
    assert res.json()["error"]["code"] == "meeting_state"
    assert not Decision.objects.exists()


def test_minutes_on_a_cancelled_meeting_are_a_409(api_for: Any, meeting: dict[str, Any]) -> None:
    staff = api_for("staff")
    assert staff.post(f"{BASE}/{meeting['id']}/cancel", {"reason": ""}).status_code == 422
    res = staff.post(f"{BASE}/{meeting['id']}/cancel", {"reason": "台风停课"})
    assert res.status_code == 200 and res.json()["status"] == "cancelled"
    res = staff.post(f"{BASE}/{meeting['id']}/minutes", {"minutes": "纪要"})
    assert res.status_code == 409 and res.json()["error"]["code"] == "meeting_state"
    assert staff.post(f"{BASE}/{meeting['id']}/hold", {"present": []}).status_code == 409
    assert staff.post(f"{BASE}/{meeting['id']}/cancel", {"reason": "again"}).status_code == 409


def test_minutes_before_the_meeting_is_held_are_a_409(api_for: Any, meeting: dict[str, Any]) -> None:
    res = api_for("staff").post(f"{BASE}/{meeting['id']}/minutes", {"minutes": "纪要"})
    assert res.status_code == 409


@pytest.mark.parametrize(
    ("votes", "field"),
    [
        ({"for": -1, "against": 0, "abstain": 0}, "votes_for"),
        ({"for": 1, "against": -3, "abstain": 0}, "against"),
        ({"for": 1, "against": 0, "abstain": 10**9}, "abstain"),
        ({"for": 0, "against": 0, "abstain": 0}, "votes_for"),
        ({"for": 3, "against": 1, "abstain": 0}, "votes_for"),  # more votes than the three present
    ],
)
def test_bad_votes_are_a_422_naming_the_field(
    api_for: Any, meeting: dict[str, Any], votes: dict[str, int], field: str
) -> None:
    staff = api_for("staff")
    held(staff, meeting, present=3)
    res = staff.post(f"{BASE}/{meeting['id']}/decisions", {"title": "t", "text": "x", **votes})
    assert res.status_code == 422, res.content
    assert field in res.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"for": True, "against": 0, "abstain": 0, "title": "t", "text": "x"},
        {"for": "2", "against": 0, "abstain": 0, "title": "t", "text": "x"},
        {"for": 1, "against": 0, "abstain": 0, "title": "t\x00", "text": "x"},
        {"for": 1, "against": 0, "abstain": 0, "title": "t", "text": ""},
        {"for": 1, "against": 0, "abstain": 0, "title": "t" * 151, "text": "x"},
    ],
)
def test_bad_decisions_are_a_422(api_for: Any, meeting: dict[str, Any], body: dict[str, Any]) -> None:
    staff = api_for("staff")
    held(staff, meeting)
    res = staff.post(f"{BASE}/{meeting['id']}/decisions", body)
    assert res.status_code == 422, res.content
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"area": "999999999999"}, "area"),
        ({"starts_at": "2026-12-10T09:00:00"}, "starts_at"),
        ({"starts_at": "9999-12-31T09:00:00+08:00"}, "starts_at"),
        ({"place": ""}, "place"),
        ({"title": "a\x00b"}, "title"),
        ({"topics": [10**12]}, "topics"),
        ({"participants": [{"kind": "member"}]}, "participants"),
        ({"participants": [{"kind": "chair", "name": "x"}]}, "participants"),
        ({"participants": [{"kind": "member", "person": 10**12}]}, "participants.0.person"),
    ],
)
def test_bad_meetings_are_refused_with_the_field(
    world: t.World, api_for: Any, fields: dict[str, Any], field: str
) -> None:
    res = api_for("staff").post(BASE, meeting_body(world, **fields))
    assert res.status_code in (400, 422), res.content
    named = res.json()["error"].get("fields", {})
    assert any(k == field or k.startswith(field) or k.endswith(field) for k in named) or field in str(
        res.json()
    )
    assert not Meeting.objects.exists()


def test_a_participant_listed_twice_is_refused(world: t.World, api_for: Any) -> None:
    resident = {"kind": "representative", "person": world.people["resident"].pk}
    res = api_for("staff").post(BASE, meeting_body(world, participants=[resident, resident]))
    assert res.status_code == 422
    assert "participants" in res.json()["error"]["fields"]


def test_seats_are_settled_once_held_and_attendance_names_only_its_seats(
    world: t.World, api_for: Any, meeting: dict[str, Any]
) -> None:
    staff = api_for("staff")
    res = staff.post(f"{BASE}/{meeting['id']}/participants", {"kind": "member", "name": "李四"})
    assert res.status_code == 201 and res.json()["name"] == "李四"
    res = staff.post(f"{BASE}/{meeting['id']}/hold", {"present": [10**9]})
    assert res.status_code == 422 and "present" in res.json()["error"]["fields"]
    held(staff, meeting)
    res = staff.post(f"{BASE}/{meeting['id']}/participants", {"kind": "member", "name": "王五"})
    assert res.status_code == 409
    assert MeetingParticipant.objects.filter(meeting_id=meeting["id"]).count() == 5


def test_a_meeting_far_ahead_cannot_be_held_yet(world: t.World, api_for: Any) -> None:
    staff = api_for("staff")
    later = (timezone.now() + dt.timedelta(days=3)).isoformat()
    meeting = staff.post(BASE, meeting_body(world, starts_at=later)).json()
    res = staff.post(f"{BASE}/{meeting['id']}/hold", {"present": []})
    assert res.status_code == 422


def test_meetings_to_minute_on_the_staff_home(
    world: t.World, api_for: Any, client_for: Any, meeting: dict[str, Any]
) -> None:
    staff_today = consult_today(actor=world.people["staff"])
    assert staff_today is not None and staff_today.to_minute == 1  # its time passed, not recorded
    # The home page speaks the staff's language (Chinese by default).
    with translation.override("zh-hans"):
        label = translation.gettext("meetings to minute")
    page = client_for("staff").get("/").content.decode()
    assert label in page and "/consult/console/meetings/" in page
    staff = api_for("staff")
    held(staff, meeting)
    assert consult_today(actor=world.people["staff"]).to_minute == 1  # type: ignore[union-attr]
    staff.post(f"{BASE}/{meeting['id']}/minutes", {"minutes": "纪要"})
    assert consult_today(actor=world.people["staff"]).to_minute == 0  # type: ignore[union-attr]
    assert label not in client_for("staff").get("/").content.decode()
