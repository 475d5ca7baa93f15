"""The think tank as a source of the rollup engine: every figure read from the rollups equals a
direct count over topics, suggestions, supports and answers, for the city, a district and a
community, after suggestions, supports, withdrawals and answers; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import (
    ADOPTED,
    ANSWERED,
    ConsultFootprint,
    ConsultNodeRollup,
    ConsultRollup,
    Suggestion,
    Support,
    Topic,
)
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.orgs.models import Role, RoleAssignment
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

URL = "/api/v1/operations/indicators"
AREAS = ("city", "district_a", "street_a1", "community_a1a", "community_b1a", "district_b")


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


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
    return {
        "topics": sum(1 for x in topics if within(x.opens)),
        "suggestions": sum(1 for x in suggestions if within(_local(x.created_at))),
        "supports": len(supports),
        "answered": len(answers),
        "adopted": adopted,
        "adoption_rate": round(adopted / len(answers), 4) if answers else None,
        "answered_on_time_rate": round(on_time / len(answers), 4) if answers else None,
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
