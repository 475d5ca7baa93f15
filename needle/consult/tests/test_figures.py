"""The think tank as a source of the rollup engine: every figure read from the rollups equals a
direct count over topics, suggestions, supports and answers, for the city, a district and a
community, after suggestions, supports, withdrawals and answers; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.utils import timezone, translation

from needle import testing as t
from needle.consult import services as s
from needle.consult.figures import SOURCE
from needle.consult.models import (
    ADOPTED,
    ANSWERED,
    ConsultFootprint,
    ConsultNodeRollup,
    ConsultRollup,
    Decision,
    Meeting,
    MeetingParticipant,
    Result,
    Suggestion,
    Support,
    Topic,
)
from needle.consult.survey_models import Response
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.orgs.models import Role, RoleAssignment
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

URL = "/api/v1/operations/indicators"
AREAS = ("city", "district_a", "street_a1", "community_a1a", "community_b1a", "district_b")


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _participants(area: Any, start: dt.date, end: dt.date) -> int:
    """People taking part for the first time in an area's topics, each once per area."""
    first: dict[tuple[int, str, int], dt.date] = {}

    def took_part(area_id: int, who: tuple[str, int], day: dt.date) -> None:
        key = (area_id, *who)
        first[key] = min(first.get(key, day), day)

    for x in Suggestion.objects.filter(area_path__startswith=area.path).select_related("topic"):
        who = ("u", x.author_id) if x.author_id else ("r", x.record_id)
        took_part(x.topic.area_id, who, _local(x.created_at))
    for x in Support.objects.filter(suggestion__area_path__startswith=area.path).select_related(
        "suggestion__topic"
    ):
        took_part(x.suggestion.topic.area_id, ("u", x.person_id), _local(x.created_at))
    # Survey respondents, and the people present at held meetings (a unit's seat is no person).
    for r in Response.objects.filter(topic__area_path__startswith=area.path).select_related("topic"):
        who = ("u", r.person_id) if r.person_id else ("r", r.record_id)
        took_part(r.topic.area_id, who, _local(r.created_at))
    held = Meeting.objects.filter(area_path__startswith=area.path, status__in=("held", "minuted"))
    for p in MeetingParticipant.objects.filter(meeting__in=held, attended=True).select_related("meeting"):
        if p.person_id or p.record_id:
            who = ("u", p.person_id) if p.person_id else ("r", p.record_id)
            took_part(p.meeting.area_id, who, _local(p.meeting.starts_at))
    return sum(1 for day in first.values() if start <= day <= end)


def _results_now(area: Any) -> dict[str, Any]:
    """Each result's status and progress as the public API gives them, counted now."""
    client = Client()
    by_status = {"planned": 0, "in_progress": 0, "done": 0}
    progress = 0
    for r in Result.objects.filter(area_path__startswith=area.path):
        got = client.get(f"/api/v1/consult/results/{r.pk}").json()
        by_status[got["status"]] += 1
        progress += round(got["progress"])
    n = sum(by_status.values())
    return {
        "results_planned": by_status["planned"],
        "results_in_progress": by_status["in_progress"],
        "results_done": by_status["done"],
        "average_progress": round(progress / n, 4) if n else None,
    }


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The figures counted straight from the rows, as the source defines them."""
    within = lambda day: start <= day <= end  # noqa: E731
    topics = Topic.objects.filter(area_path__startswith=area.path)
    suggestions = list(Suggestion.objects.filter(topic__in=topics))
    answers = [x for x in suggestions if x.status in ANSWERED and within(_local(x.answered_at))]
    adopted = sum(1 for x in answers if x.status in ADOPTED)
    on_time = sum(1 for x in answers if _local(x.answered_at) <= x.answer_due)
    supports = [
        x for x in Support.objects.filter(suggestion__topic__in=topics) if within(_local(x.created_at))
    ]
    held = [
        m
        for m in Meeting.objects.filter(area_path__startswith=area.path, status__in=("held", "minuted"))
        if within(_local(m.starts_at))
    ]
    return {
        "topics": sum(1 for x in topics if within(x.opens)),
        "participants": _participants(area, start, end),
        "suggestions": sum(1 for x in suggestions if within(_local(x.created_at))),
        "supports": len(supports),
        "answered": len(answers),
        "answered_on_time": on_time,
        "adopted": adopted,
        "adoption_rate": round(adopted / len(answers), 4) if answers else None,
        "answered_on_time_rate": round(on_time / len(answers), 4) if answers else None,
        "meetings": len(held),
        "decisions": Decision.objects.filter(meeting__in=held).count(),
        "results": sum(
            1 for r in Result.objects.filter(area_path__startswith=area.path) if within(_local(r.created_at))
        ),
        **_results_now(area),
    }


def assert_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    for name in AREAS:
        area = world.areas[name]
        for start, end in ((today - dt.timedelta(days=30), today + dt.timedelta(days=30)), (today, today)):
            r = api.get(URL, area=area.code, source="consult", start=start.isoformat(), end=end.isoformat())
            assert r.status_code == 200, r.content
            got = r.json()["node"]["figures"]
            want = direct(area, start, end)
            assert {k: got[k] for k in want} == want, (name, start, end, got)


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(ConsultRollup), rows(ConsultNodeRollup), rows(ConsultFootprint)


def test_consult_figures_equal_direct_counts(world: t.World, api_for: Any, neighbours: list[Any]) -> None:
    api = api_for("city_admin")
    staff = world.people["staff"]
    parking = make_topic(world)
    noise = make_topic(world, participants="everyone", title="噪音")
    elsewhere = t.PersonFactory.create(username="b1a", home_area=world.areas["community_b1a"])
    other_staff = t.PersonFactory.create(username="staff_b1a")
    RoleAssignment.objects.create(person=other_staff, unit=world.units["rc_b1a"], role=Role.COORDINATOR)
    far = s.topic_open(
        actor=other_staff,
        area=world.areas["community_b1a"],
        draft=s.TopicDraft(
            title="加装电梯",
            question="老楼加装电梯怎么分摊？",
            opens=timezone.localdate(),
            closes=timezone.localdate() + dt.timedelta(days=5),
            participants="residents",
            answer_by=timezone.localdate() - dt.timedelta(days=0),
        ),
    )
    a = make_suggestion(world, parking, title="a")
    b = make_suggestion(world, parking, title="b")
    c = make_suggestion(world, noise, "outsider", title="c")
    d = s.suggestion_make(actor=elsewhere, topic=far, title="d", text_="按楼层分摊")
    for n in neighbours:
        s.support_add(actor=n, suggestion=a)
    s.support_add(actor=neighbours[0], suggestion=b)
    s.support_add(actor=world.people["outsider"], suggestion=c)
    rollups_refresh()
    assert_agrees(world, api)

    s.suggestion_answer(actor=staff, suggestion=a, answer="adopted", text_="采纳")
    s.suggestion_answer(actor=staff, suggestion=b, answer="not_adopted", text_="不具备条件")
    s.suggestion_answer(actor=staff, suggestion=c, answer="evaluating")
    s.support_withdraw(actor=neighbours[1], suggestion=a)
    # One answer given late: its due day moved into the past.
    Suggestion.objects.filter(pk=d.pk).update(answer_due=timezone.localdate() - dt.timedelta(days=3))
    s.suggestion_answer(actor=other_staff, suggestion=d, answer="partly_adopted", text_="部分采纳")
    # A topic that opened a week ago.
    Topic.objects.filter(pk=noise.pk).update(opens=timezone.localdate() - dt.timedelta(days=7))
    rollups_refresh()
    assert_agrees(world, api)
    got = api.get(URL, area=world.areas["city"].code, source="consult").json()["node"]["figures"]
    assert got["answered"] == 4 and got["adopted"] == 2 and got["adoption_rate"] == 0.5
    assert got["answered_on_time_rate"] == 0.75

    kept = tables()
    rollups_rebuild(actor=None, source="consult")
    assert tables() == kept


def test_consult_figures_need_the_consult_permission(world: t.World, api_for: Any) -> None:
    make_suggestion(world, make_topic(world))
    rollups_refresh()
    street = world.areas["street_a1"].code
    assert api_for("supervisor").get(URL, area=street, source="consult").status_code == 200
    assert api_for("resident").get(URL, area=street, source="consult").status_code == 404
    assert api_for("other_supervisor").get(URL, area=street, source="consult").status_code in (403, 404)


def dashboard_figures(client: Any, area: Any, start: dt.date, end: dt.date) -> dict[str, str]:
    """The think tank's section of the operations center's page for the area: figure -> value
    as shown (the labels read back in the page's language)."""
    page = client.get(f"/operations/area/{area.code}/", {"start": start.isoformat(), "end": end.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    section = re.search(r'<section class="card" id="source-consult">(.*?)</section>', html, re.S)
    assert section is not None, "no think tank section"
    shown = dict(re.findall(r'<div class="figure"><span>([^<]*)</span><b>([^<]*)</b>', section.group(1)))
    lang = re.search(r'<html lang="([^"]+)"', html)
    with translation.override(lang.group(1) if lang else "en"):
        return {f.name: shown[str(f.label)] for f in SOURCE.figures}


def test_participants_meetings_and_results_equal_direct_counts_on_the_api_and_the_dashboard(
    world: t.World, api_for: Any, client_for: Any, neighbours: list[Any]
) -> None:
    api = api_for("city_admin")
    staff = world.people["staff"]
    handler = world.people["handler"]
    parking = make_topic(world)
    noise = make_topic(world, participants="everyone", title="噪音")
    a = make_suggestion(world, parking, title="a")
    # The resident takes part in two topics of the area and supports too: one participant.
    make_suggestion(world, noise, title="a2")
    c = s.suggestion_make(
        actor=staff,
        topic=parking,
        title="c",
        text_="老人在窗口提的建议",
        on_behalf=s.OnBehalf(name="张奶奶", phone="13900002222"),
    )
    for n in neighbours:
        s.support_add(actor=n, suggestion=a)
        s.support_add(actor=n, suggestion=c)
    s.support_add(actor=world.people["resident"], suggestion=c)
    a = s.suggestion_answer(actor=staff, suggestion=a, answer="adopted", text_="采纳")
    c = s.suggestion_answer(actor=staff, suggestion=c, answer="partly_adopted", text_="部分采纳")

    # A meeting held with two decisions, one cancelled, one still to come.
    now = timezone.now()
    seat = s.Seat(kind="representative", person=world.people["resident"])
    met = s.meeting_schedule(
        actor=staff,
        area=world.areas["community_a1a"],
        draft=s.MeetingDraft(
            title="议事会",
            starts_at=now - dt.timedelta(hours=1),
            place="活动室",
            suggestions=[a],
            seats=[seat],
        ),
    )
    s.meeting_hold(actor=staff, meeting=met, present=list(met.participants.values_list("pk", flat=True)))
    passed = s.decision_record(
        actor=staff, meeting=met, title="错时停车", text_="同意", votes=s.Votes(1, 0, 0), suggestion=a
    )
    s.decision_record(actor=staff, meeting=met, title="另议", text_="暂缓", votes=s.Votes(0, 1, 0))
    s.meeting_minute(actor=staff, meeting=met, minutes="纪要")
    for title, when in (("取消的会", now + dt.timedelta(days=2)), ("下周的会", now + dt.timedelta(days=7))):
        m = s.meeting_schedule(
            actor=staff,
            area=world.areas["community_a1a"],
            draft=s.MeetingDraft(title=title, starts_at=when, place="活动室"),
        )
        if title == "取消的会":
            s.meeting_cancel(actor=staff, meeting=m, reason="台风")

    # Results: one from a suggestion with two actions (one following a request), one from the
    # decision with nothing done yet.
    catalog = t.build_catalog(world)
    case = t.submit(world, catalog["road"])
    r1 = s.result_create(actor=staff, area=world.areas["community_a1a"], title="停车", suggestions=[c])
    s.action_add(actor=staff, result=r1, draft=s.ActionDraft(title="协调", progress=50))
    s.action_add(actor=staff, result=r1, draft=s.ActionDraft(title="修路", case=case))
    s.result_from_decision(actor=staff, decision=passed)
    rollups_refresh()
    assert_agrees(world, api)
    city = world.areas["city"]
    got = api.get(URL, area=city.code, source="consult").json()["node"]["figures"]
    assert got["participants"] == 5  # the resident, three neighbours, 张奶奶
    assert (got["meetings"], got["decisions"], got["results"]) == (1, 2, 2)
    assert (got["results_planned"], got["results_in_progress"], got["average_progress"]) == (1, 1, 12.5)

    # The request is resolved through the cases' services: the result's progress moves, and
    # the next refresh finds it through the request.
    from needle.cases.services import case_accept, case_resolve

    case_resolve(actor=handler, case=case_accept(actor=handler, case=case), note="已修复")
    rollups_refresh()
    assert_agrees(world, api)
    got = api.get(URL, area=city.code, source="consult").json()["node"]["figures"]
    assert got["average_progress"] == 37.5  # (75 + 0) / 2

    # The operations center's page shows the same figures for the city, a district, a community.
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    for name in ("city", "district_a", "community_a1a"):
        area = world.areas[name]
        shown = dashboard_figures(client_for("city_admin"), area, start, end)
        want = direct(area, start, end)
        for figure in ("participants", "suggestions", "supports", "meetings", "decisions", "results"):
            assert shown[figure] == str(want[figure]), (name, figure, shown)
        for figure in ("results_planned", "results_in_progress", "results_done"):
            assert shown[figure] == str(want[figure]), (name, figure, shown)
        assert shown["average_progress"] == f"{want['average_progress']:.1f}"
    kept = tables()
    rollups_rebuild(actor=None, source="consult")
    assert tables() == kept
