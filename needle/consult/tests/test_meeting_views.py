"""The deliberation console's pages (staff run them, the street supervisor reads them, residents
and outsiders get a 404) and an area's public progress page (results by state with their
timeline and origins, nothing personal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.services import case_accept, case_resolve
from needle.consult import services as s
from needle.consult.models import Decision, Meeting, MeetingStatus, Result, ResultEvent
from needle.consult.tests.conftest import make_suggestion, make_topic


def _meeting(world: t.World, **fields: Any) -> Meeting:
    draft = s.MeetingDraft(
        **{
            "title": "十二月议事会",
            "starts_at": timezone.now() - dt.timedelta(hours=1),
            "place": "社区活动室",
            "seats": [
                s.Seat(kind="representative", person=world.people["resident"]),
                s.Seat(kind="property", newcomer=s.OnBehalf(name="王经理", phone="13800001111")),
            ],
            **fields,
        }
    )
    return s.meeting_schedule(actor=world.people["staff"], area=world.areas["community_a1a"], draft=draft)


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 200), ("supervisor", 200), ("resident", 403), ("outsider", 403)]
)
def test_the_meetings_list(world: t.World, client_for: Any, persona: str, status: int) -> None:
    _meeting(world)
    res = client_for(persona).get("/consult/console/meetings/")
    assert res.status_code == status
    if status == 200:
        assert "十二月议事会" in res.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 200), ("supervisor", 200), ("resident", 404), ("outsider", 404)]
)
def test_a_meeting_page(world: t.World, client_for: Any, persona: str, status: int) -> None:
    meeting = _meeting(world)
    res = client_for(persona).get(f"/consult/console/meetings/{meeting.pk}/")
    assert res.status_code == status
    if status == 200:
        page = res.content.decode()
        assert "王经理" in page and "13800001111" not in page
        # Only the staff see the buttons.
        assert (f'action="/consult/console/meetings/{meeting.pk}/hold/"' in page) is (persona == "staff")


def test_anonymous_are_sent_to_sign_in(world: t.World, client: Any) -> None:
    meeting = _meeting(world)
    res = client.get(f"/consult/console/meetings/{meeting.pk}/")
    assert res.status_code == 302 and "login" in res["Location"]


def test_staff_run_a_meeting_from_its_page(world: t.World, client_for: Any) -> None:
    topic = make_topic(world)
    suggestion = make_suggestion(world, topic)
    c = client_for("staff")
    res = c.post(
        "/consult/console/meetings/new/",
        {
            "area": world.areas["community_a1a"].code,
            "title": "停车议事会",
            "starts_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "place": "活动室",
            "topics": [topic.pk],
            "suggestions": [suggestion.pk],
        },
    )
    meeting = Meeting.objects.get(title="停车议事会")
    assert res.status_code == 302 and res["Location"] == f"/consult/console/meetings/{meeting.pk}/"
    base = f"/consult/console/meetings/{meeting.pk}"
    c.post(f"{base}/seats/", {"kind": "member", "name": "李四", "phone": "", "consent": "on"})
    c.post(f"{base}/seats/", {"kind": "member", "username": "member"})
    seats = list(meeting.participants.values_list("pk", flat=True))
    assert len(seats) == 2
    c.post(f"{base}/hold/", {"present": [str(seats[0])]})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert list(meeting.participants.values_list("attended", flat=True)) == [True, False]
    # One vote for with one present: passed; a negative count is refused with a message.
    res = c.post(
        f"{base}/decide/", {"title": "t", "text": "x", "votes_for": "-1", "against": "0", "abstain": "0"}
    )
    assert not Decision.objects.exists()
    c.post(
        f"{base}/decide/",
        {
            "title": "错时停车",
            "text": "同意",
            "votes_for": "1",
            "against": "0",
            "abstain": "0",
            "suggestion": "",
        },
    )
    decision = Decision.objects.get()
    assert decision.passed
    c.post(f"{base}/minutes/", {"minutes": "会议纪要"})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTED and meeting.minutes == "会议纪要"
    res = c.post(f"{base}/decisions/{decision.pk}/result/")
    result = Result.objects.get()
    assert res["Location"] == f"/consult/results/{result.pk}/"
    assert list(result.decisions.all()) == [decision]


def test_the_supervisor_cannot_write_from_the_pages(world: t.World, client_for: Any) -> None:
    meeting = _meeting(world)
    c = client_for("supervisor")
    c.post(f"/consult/console/meetings/{meeting.pk}/cancel/", {"reason": "x"})
    c.post(f"/consult/console/meetings/{meeting.pk}/hold/", {"present": []})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert (
        client_for("resident")
        .post(f"/consult/console/meetings/{meeting.pk}/cancel/", {"reason": "x"})
        .status_code
        == 404
    )


def test_the_public_progress_page_shows_results_by_state_with_their_timeline(
    world: t.World, client: Any
) -> None:
    staff = world.people["staff"]
    handler = world.people["handler"]
    topic = make_topic(world)
    suggestion = make_suggestion(world, topic, title="错时共享停车")
    s.suggestion_answer(actor=staff, suggestion=suggestion, answer="adopted", text_="采纳")
    suggestion.refresh_from_db()
    result = s.result_create(
        actor=staff, area=world.areas["community_a1a"], title="停车改善", suggestions=[suggestion]
    )
    catalog = t.build_catalog(world)
    case = t.submit(world, catalog["road"])
    first = s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="协调单位"))
    s.action_add(actor=staff, result=result, draft=s.ActionDraft(title="修路", case=case))
    s.action_update(actor=staff, action=first, change=s.ActionChange(progress=40))
    s.action_update(actor=staff, action=first, change=s.ActionChange(progress=60))
    meeting = _meeting(world, suggestions=[suggestion])
    s.meeting_hold(
        actor=staff, meeting=meeting, present=list(meeting.participants.values_list("pk", flat=True))
    )
    decision = s.decision_record(
        actor=staff, meeting=meeting, title="加装电梯", text_="同意", votes=s.Votes(2, 0, 0)
    )
    s.result_from_decision(actor=staff, decision=decision)
    case_resolve(actor=handler, case=case_accept(actor=handler, case=case), note="已修复")
    kinds = list(ResultEvent.objects.filter(result=result).values_list("kind", "progress"))
    assert kinds == [
        ("created", 0.0),
        ("action_added", 0.0),
        ("action_added", 0.0),
        ("status", 20.0),
        ("progress", 30.0),
    ]

    page = client.get(f"/consult/{world.areas['street_a1'].code}/results/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    in_progress = html.index('id="results-in_progress"')
    planned = html.index('id="results-planned"')
    assert in_progress < html.index("停车改善") < planned < html.index("加装电梯")
    assert "80.0% done" in html  # (60 + 100) / 2: the request resolved
    assert "错时共享停车" in html and "for 2 · against 0 · abstain 0" in html
    assert "the request followed by 修路 was resolved" in html
    for private in ("王经理", "13800001111", "Resident", case.number, case.description[:10]):
        assert private not in html
    assert client.get("/consult/999999999999/results/").status_code == 404
    zh = client.get(f"/consult/{world.areas['street_a1'].code}/results/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200 and "停车改善" in zh.content.decode()
    # The result's page carries the same timeline.
    assert (
        "the request followed by 修路 was resolved"
        in client.get(f"/consult/results/{result.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
