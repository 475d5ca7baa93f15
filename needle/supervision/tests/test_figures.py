"""Supervised tasks as a source of the rollup engine: every counter read from the rollups
equals a direct count over the targets, for any area subtree and period, after issues,
progress, done, sign-off, returns, declines and extensions; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from needle.orgs.models import UnitType
from needle.rollups import read
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh
from needle.rollups.sources import source_named
from needle.supervision import services as svc
from needle.supervision.models import Status, Target, TaskFootprint, TaskNodeRollup, TaskRollup
from needle.testing import World

AREAS = ("province", "city", "district_a", "street_a1", "street_a2", "community_a1a", "district_b")
TODAY = timezone.localdate()


def direct(area: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    targets = Target.objects.filter(area_path__startswith=area.path)
    on_time = Q(status__in=[Status.DONE, Status.SIGNED_OFF], done_on__isnull=False)
    done_on_time = [
        t
        for t in targets.filter(on_time).values_list("done_on", "deadline")
        if t[0] <= t[1] and start <= t[0] <= end
    ]
    late = [
        t
        for t in targets.exclude(status=Status.DECLINED).values_list("status", "done_on", "deadline")
        if not (t[0] in (Status.DONE, Status.SIGNED_OFF) and t[1] and t[1] <= t[2]) and start <= t[2] <= end
    ]
    return {
        "received": targets.filter(task__issued_on__gte=start, task__issued_on__lte=end).count(),
        "done_on_time": len(done_on_time),
        "late": len(late),
        "declined": targets.filter(
            status=Status.DECLINED, declined_on__gte=start, declined_on__lte=end
        ).count(),
    }


def assert_agrees(world: World) -> None:
    source = source_named("supervision")
    periods = (
        (TODAY - dt.timedelta(days=40), TODAY + dt.timedelta(days=40)),
        (TODAY, TODAY),
        (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=30)),
    )
    for start, end in periods:
        areas = [world.areas[n] for n in AREAS]
        got = read.area_sums(source, areas, start, end)
        for name in AREAS:
            area = world.areas[name]
            assert got[area.pk] == direct(area, start, end), (name, start, end)


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(TaskRollup), rows(TaskNodeRollup), rows(TaskFootprint)


def test_rollups_equal_direct_counts(world: World) -> None:
    p, u = world.people, world.units
    office = u["district_a_go"]
    entry = svc.entry_apply(
        actor=p["handler"],
        issuer=u["district_a_env"],
        district=world.areas["district_a"],
        task_type="survey",
        asks="count",
        basis="rule",
        hours=2,
        valid_from=TODAY,
        valid_until=TODAY + dt.timedelta(days=90),
    )
    svc.entry_decide(actor=p["office"], entry_id=entry.pk, decision="admitted")
    streets = svc.task_issue(
        actor=p["office"],
        issuer=office,
        draft=svc.Draft(title="Streets", deadline=TODAY + dt.timedelta(days=10)),
        targets=[{"area": "500103000000", "unit_type": UnitType.STREET_OFFICE}],
    )
    communities = svc.task_issue(
        actor=p["handler"],
        issuer=u["district_a_env"],
        draft=svc.Draft(title="Count", task_type="survey", deadline=TODAY),
        targets=[{"area": "500103000000", "unit_type": UnitType.RESIDENT_COMMITTEE}],
    )
    unlisted = svc.task_issue(
        actor=p["office"],
        issuer=office,
        draft=svc.Draft(title="Wall", task_type="photo_wall", deadline=TODAY + dt.timedelta(days=3)),
        targets=[u["rc_a1a"].pk],
        deliver_unlisted=True,
    )
    rollups_refresh()
    assert_agrees(world)

    a1 = Target.objects.get(task=streets, unit=u["street_a1"])
    svc.target_done(actor=p["supervisor"], target_id=a1.pk)
    svc.target_sign_off(actor=p["office"], target_id=a1.pk)
    a2a = Target.objects.get(task=communities, unit=u["rc_a2a"])
    svc.target_done(actor=p["staff_a2a"], target_id=a2a.pk)
    a1b = Target.objects.get(task=communities, unit=u["rc_a1b"])
    svc.target_done(actor=p["staff_a1b"], target_id=a1b.pk)
    svc.target_return(actor=p["supervisor"], target_id=a1b.pk, reason="again")
    svc.target_decline(actor=p["staff"], target_id=Target.objects.get(task=unlisted).pk)
    a2 = Target.objects.get(task=streets, unit=u["street_a2"])
    svc.extension_ask(actor=p["root"], target_id=a2.pk, until=TODAY + dt.timedelta(days=20), reason="x")
    svc.extension_decide(actor=p["office"], target_id=a2.pk, grant=True)
    # A target done late: its deadline moved into the past behind the services' back, then done.
    old = Target.objects.get(task=communities, unit=u["rc_a1a"])
    Target.objects.filter(pk=old.pk).update(deadline=TODAY - dt.timedelta(days=2), updated_at=timezone.now())
    svc.target_done(actor=p["staff"], target_id=old.pk)
    rollups_refresh()
    assert_agrees(world)
    got = read.key_sums(source_named("supervision"), world.areas["district_a"], 0, TODAY, TODAY)
    assert got[office.pk]["received"] == 3 and got[u["district_a_env"].pk]["received"] == 3

    kept = tables()
    rollups_rebuild(actor=None, source="supervision")
    assert tables() == kept
