"""The center as a source of the rollup engine: every figure read from the rollups equals a
direct count over activities and registrations, for any area subtree and period, after
registrations, cancellations, offers, attendance and no-shows; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from needle import testing as t
from needle.center import services as s
from needle.center.figures import AUDIENCE_KEYS
from needle.center.models import (
    SEATED,
    Activity,
    CenterFootprint,
    CenterNodeRollup,
    CenterRollup,
    Registration,
)
from needle.center.tests.conftest import make_activity
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

URL = "/api/v1/operations/indicators"
AREAS = ("province", "city", "district_a", "street_a1", "community_a1a", "district_b")


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    acts = Activity.objects.filter(
        area_path__startswith=area.path,
        starts_at__gte=dt.datetime.combine(start, dt.time(), tz),
        starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
    )
    regs = Registration.objects.filter(activity__in=acts)
    taken = regs.filter(status__in=SEATED).count()
    attended = regs.filter(status="attended").count()
    no_shows = regs.filter(status="no_show").count()
    rated = regs.filter(rating__isnull=False).aggregate(n=Count("pk"), total=Sum("rating"))
    return {
        "activities": acts.count(),
        "places_offered": acts.aggregate(n=Sum("capacity"))["n"] or 0,
        "places_taken": taken,
        "participants": attended,
        # Of the seats whose attendance was recorded.
        "attendance_rate": round(attended / (attended + no_shows), 4) if attended + no_shows else None,
        "no_show_rate": round(no_shows / (attended + no_shows), 4) if attended + no_shows else None,
        "feedback": round(rated["total"] / rated["n"], 4) if rated["n"] else None,
    }


def assert_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    for name in AREAS:
        area = world.areas[name]
        for start, end in ((today - dt.timedelta(days=30), today + dt.timedelta(days=30)), (today, today)):
            r = api.get(URL, area=area.code, source="center", start=start.isoformat(), end=end.isoformat())
            assert r.status_code == 200, r.content
            got = r.json()["node"]["figures"]
            want = direct(area, start, end)
            assert {k: got[k] for k in want} == want, (name, start, end)


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(CenterRollup), rows(CenterNodeRollup), rows(CenterFootprint)


def test_center_figures_equal_direct_counts(world: t.World, center: Any, api_for: Any) -> None:
    api = api_for("city_admin")
    staff = world.people["staff"]
    past = make_activity(world, capacity=3)
    soon = make_activity(world, capacity=1, audience="children")
    people = [t.PersonFactory.create(username=f"p{i}") for i in range(4)]
    regs = [s.registration_create(actor=p, activity=past) for p in people]
    s.registration_create(actor=people[0], activity=soon)
    waiting = s.registration_create(actor=people[1], activity=soon)
    rollups_refresh()
    assert_agrees(world, api)

    # It took place yesterday: two came, one did not, the fourth waited in vain.
    yesterday = timezone.now() - dt.timedelta(days=1)
    Activity.objects.filter(pk=past.pk).update(starts_at=yesterday, ends_at=yesterday + dt.timedelta(hours=1))
    s.registration_check_in(actor=staff, registration=regs[0])
    s.registration_check_in(actor=staff, registration=regs[1])
    s.registration_mark_no_show(actor=staff, registration=regs[2])
    first = Registration.objects.get(activity=soon, person=people[0])
    s.registration_cancel(actor=people[0], registration=first)
    s.registration_confirm(actor=people[1], registration=waiting)
    # The second activity's seat passed from one to the other: its footprint stays the same.
    assert rollups_refresh().changed["center"] == 1
    assert_agrees(world, api)
    got = api.get(URL, area=world.areas["community_a1a"].code, source="center").json()["node"]["figures"]
    assert (got["attendance_rate"], got["no_show_rate"]) == (round(2 / 3, 4), round(1 / 3, 4))
    assert got["feedback"] is None
    # Those who came rate it.
    s.registration_feedback(actor=people[0], registration=regs[0], rating=5, comment="老师很耐心")
    s.registration_feedback(actor=people[1], registration=regs[1], rating=2)
    rollups_refresh()
    assert_agrees(world, api)
    got = api.get(URL, area=world.areas["community_a1a"].code, source="center").json()["node"]["figures"]
    assert got["feedback"] == 3.5

    kept = tables()
    rollups_rebuild(actor=None, source="center")
    assert tables() == kept

    # The audience key: the community's node rows break the figures down by audience.
    by_audience = CenterNodeRollup.objects.filter(grouping="s", span=1).values_list("key", flat=True)
    assert set(by_audience) >= {AUDIENCE_KEYS["elderly"], AUDIENCE_KEYS["children"]}
    assert Activity.objects.aggregate(n=Count("pk", filter=Q(audience="children")))["n"] == 1


def test_center_figures_need_the_center_permission(world: t.World, center: Any, api_for: Any) -> None:
    make_activity(world)
    rollups_refresh()
    street = world.areas["street_a1"].code
    assert api_for("supervisor").get(URL, area=street, source="center").status_code == 200
    assert api_for("resident").get(URL, area=street, source="center").status_code == 404
    assert api_for("other_supervisor").get(URL, area=street, source="center").status_code in (403, 404)
