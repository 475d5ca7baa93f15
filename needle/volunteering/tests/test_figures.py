"""Volunteering as two sources of the rollup engine: every figure read from the rollups (through
the operations center's indicators API) equals a direct count over the raw facts, for the city,
a district, a street and a community, over several periods, after check-ins, hours, corrections,
needs, shifts, ratings and pairings change; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from needle import testing as t
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh
from needle.volunteering.models import (
    CheckIn,
    CheckInStatus,
    HourEntry,
    HourStatus,
    ListFootprint,
    ListNodeRollup,
    ListRollup,
    MemberFootprint,
    MemberNodeRollup,
    MemberRollup,
    Need,
    NeedStatus,
    Project,
    Rating,
    Shift,
    Target,
    UnitCheckIn,
)
from needle.volunteering.tests.conftest import make_checkin

URL = "/api/v1/operations/indicators"
AREAS = ("province", "district_a", "street_a1", "community_a1a", "community_a1b", "district_b")


def local(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), timezone.get_current_timezone())


def in_area(qs: Any, area: Any, field: str = "area_path") -> Any:
    return qs.filter(**{f"{field}__startswith": area.path})


def met_targets(area: Any, start: dt.date, end: dt.date) -> int:
    """Members whose verified hours of a quarter reached its target on a day in the period, the
    entry that crossed it lying in the area: walked entry by entry, as a coordinator would."""
    default = Decimal(str(settings.NEEDLE_VOLUNTEERING_QUARTER_HOURS))
    targets = dict(Target.objects.values_list("community_id", "quarter_hours"))
    crossed: dict[tuple[int, int, int], tuple[dt.date, str]] = {}
    running: dict[tuple[int, int, int], Decimal] = {}
    for e in HourEntry.objects.filter(status=HourStatus.VERIFIED).order_by("person_id", "date", "pk"):
        q = (e.person_id, e.date.year, (e.date.month - 1) // 3)
        running[q] = running.get(q, Decimal(0)) + e.hours
        reached = running[q] >= targets.get(e.community_id, default)
        if reached and q not in crossed:
            crossed[q] = (e.date, e.community.path)
        elif not reached:
            crossed.pop(q, None)
    return sum(1 for day, path in crossed.values() if start <= day <= end and path.startswith(area.path))


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    lo, hi = local(start, 0), dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    checkins = in_area(CheckIn.objects.all(), area)
    verified = in_area(HourEntry.objects.filter(status=HourStatus.VERIFIED), area, "community__path").filter(
        date__gte=start, date__lte=end
    )
    needs = in_area(Need.objects.all(), area)
    raised = needs.filter(created_at__gte=lo, created_at__lt=hi)
    shifts = in_area(Shift.objects.filter(cancelled=False), area, "project__community__path")
    in_period = [
        s for s in shifts if start <= (s.starts_at.astimezone(tz).date() if s.starts_at else s.due_on) <= end
    ]
    ratings = in_area(Rating.objects.all(), area, "project__community__path").filter(
        created_at__gte=lo, created_at__lt=hi
    )
    rated = ratings.count()
    slots = sum(s.slots for s in in_period)
    hours = verified.aggregate(h=Sum("hours"))["h"] or Decimal(0)
    return {
        "members_checked_in": checkins.filter(status=CheckInStatus.CONFIRMED).count(),
        "checkins_confirmed": checkins.filter(confirmed_at__gte=lo, confirmed_at__lt=hi).count(),
        "verified_hours": float(hours),
        "hour_entries": verified.filter(reverses__isnull=True).count()
        - verified.filter(reverses__isnull=False).count(),
        "targets_met": met_targets(area, start, end),
        "needs_raised": raised.count(),
        "needs_open": raised.filter(status=NeedStatus.OPEN).count(),
        "needs_met": needs.filter(status=NeedStatus.MET, met_at__gte=lo, met_at__lt=hi).count(),
        "shifts": len(in_period),
        "shifts_filled": sum(1 for s in in_period if s.filled >= s.slots),
        "fill_rate": round(sum(s.filled for s in in_period) / slots, 4) if slots else None,
        "service_rating": round(sum(r.rating for r in ratings) / rated, 4) if rated else None,
        "units_paired": len(
            set(
                in_area(UnitCheckIn.objects.filter(status=CheckInStatus.CONFIRMED), area).values_list(
                    "community_id", "unit_id"
                )
            )
        ),
    }


MEMBER_FIGURES = ("members_checked_in", "checkins_confirmed", "verified_hours", "hour_entries", "targets_met")


def assert_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    periods = (
        (today - dt.timedelta(days=120), today + dt.timedelta(days=30)),
        (today - dt.timedelta(days=10), today),
        (today, today),
    )
    for name in AREAS:
        area = world.areas[name]
        for start, end in periods:
            want = direct(area, start, end)
            got: dict[str, Any] = {}
            for source in ("volunteering", "volunteering_lists"):
                r = api.get(URL, area=area.code, source=source, start=start.isoformat(), end=end.isoformat())
                assert r.status_code == 200, r.content
                got.update(r.json()["node"]["figures"])
            assert {k: got[k] for k in want} == want, (name, start, end)


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return tuple(
        rows(m)
        for m in (MemberRollup, MemberNodeRollup, MemberFootprint, ListRollup, ListNodeRollup, ListFootprint)
    )


def entry(world: t.World, person: str, day: dt.date, hours: str, **fields: Any) -> HourEntry:
    community = fields.pop("community", world.areas["community_a1a"])
    return HourEntry.objects.create(
        person=world.people[person],
        community=community,
        area_path=community.path,
        date=day,
        hours=Decimal(hours),
        description="巡逻",
        status=fields.pop("status", HourStatus.VERIFIED),
        reported_by=world.people[person],
        **{"verified_by": world.people["staff"], **fields},
    )


def test_volunteering_figures_equal_direct_counts(vworld: t.World, api_for: Any) -> None:
    w, a = vworld, vworld.areas
    api = api_for("city_admin")
    today = timezone.localdate()
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=a["community_a1a"])
    make_checkin(
        w.people["member2"], workplace=w.units["workplace"], community=a["community_a1a"], grid=a["grid_a1a"]
    )
    make_checkin(
        w.people["member3"],
        workplace=w.units["workplace"],
        community=a["community_a1b"],
        status=CheckInStatus.SUBMITTED,
    )
    entry(w, "member", today - dt.timedelta(days=3), "5")
    entry(w, "member", today - dt.timedelta(days=2), "4.5")
    entry(w, "member2", today, "2.25")
    entry(w, "member2", today, "3", status=HourStatus.REPORTED, verified_by=None)
    entry(w, "member3", today - dt.timedelta(days=100), "9", community=a["community_a1b"])
    Target.objects.create(community=a["community_a1b"], quarter_hours=Decimal(20), year_hours=Decimal(80))
    need = Need.objects.create(
        community=a["community_a1a"],
        grid=a["grid_a1a"],
        area_path=a["grid_a1a"].path,
        title="帮独居老人买菜",
        category="elderly",
        starts_on=today,
    )
    Need.objects.create(
        community=a["community_a1b"],
        area_path=a["community_a1b"].path,
        title="楼道清扫",
        category="environment",
        starts_on=today,
    )
    project = Project.objects.create(
        community=a["community_a1a"], area_path=a["community_a1a"].path, title="助老", category="elderly"
    )
    Shift.objects.create(
        project=project,
        area_path=project.area_path,
        starts_at=local(today),
        ends_at=local(today, 11),
        slots=2,
        filled=2,
    )
    Shift.objects.create(
        project=project, area_path=project.area_path, due_on=today + dt.timedelta(days=5), slots=3, filled=1
    )
    Shift.objects.create(
        project=project,
        area_path=project.area_path,
        starts_at=local(today, 14),
        ends_at=local(today, 16),
        slots=1,
        cancelled=True,
    )
    Rating.objects.create(project=project, person=w.people["resident"], rating=4)
    Rating.objects.create(project=project, person=w.people["outsider"], rating=5)
    UnitCheckIn.objects.create(
        unit=w.units["workplace"],
        community=a["community_a1a"],
        area_path=a["community_a1a"].path,
        year=today.year,
        status=CheckInStatus.CONFIRMED,
    )
    UnitCheckIn.objects.create(
        unit=w.units["workplace"],
        community=a["community_a1a"],
        area_path=a["community_a1a"].path,
        year=today.year - 1,
        status=CheckInStatus.CONFIRMED,
    )
    rollups_refresh()
    assert_agrees(w, api)

    # Changes: a need met, a correction that unmeets a target, a check-in moved, a target raised.
    Need.objects.filter(pk=need.pk).update(
        status=NeedStatus.MET, met_at=timezone.now(), updated_at=timezone.now()
    )
    first = HourEntry.objects.filter(person=w.people["member"]).order_by("pk").first()
    assert first is not None
    entry(w, "member", first.date, "-5", reverses=first)
    CheckIn.objects.filter(person=w.people["member2"]).update(
        status=CheckInStatus.MOVED, ended_at=timezone.now(), updated_at=timezone.now()
    )
    Target.objects.filter(community=a["community_a1b"]).update(
        quarter_hours=Decimal(5), updated_at=timezone.now()
    )
    rollups_refresh()
    assert_agrees(w, api)
    before = tables()
    rollups_rebuild(actor=None)
    assert tables() == before
    assert MemberRollup.objects.filter(day=BACKLOG_DAY).exists()
