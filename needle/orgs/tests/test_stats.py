"""The organization statistics (org_stats_for: /stats/, the orgs API, the operations center) read
the rollups; after every kind of change and a refresh they equal direct counts over the units
and memberships, for any subtree and period, past ones and ones with facts dated ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from needle import testing as t
from needle.areas.models import Area, Level, subtree_q
from needle.orgs import services
from needle.orgs.models import Membership, MembershipKind, Unit, UnitType
from needle.orgs.selectors import org_stats_for
from needle.rollups.refresh import rollups_refresh

AREAS = ("province", "city", "district_a", "district_b", "street_a1", "community_a1a", "grid_a1a")


def direct(area: Area, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The statistics counted from the units and memberships themselves: the oracle."""
    units = Unit.objects.filter(subtree_q(area.path, "area_path"))
    alive = Q(founded_on__lte=end) & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=end))
    members = Membership.objects.filter(subtree_q(area.path, "unit__area_path"))
    by_type = dict(units.filter(alive).values_list("type").annotate(n=Count("id")))
    by_level = dict(units.filter(alive).values_list("area__level").annotate(n=Count("id")))
    return {
        "units_total": units.filter(alive).count(),
        "units_founded": units.filter(founded_on__gte=start, founded_on__lte=end).count(),
        "units_dissolved": units.filter(dissolved_on__gte=start, dissolved_on__lte=end).count(),
        "members_total": members.filter(
            Q(joined_on__lte=end) & (Q(left_on__isnull=True) | Q(left_on__gt=end))
        ).count(),
        "members_joined": members.filter(joined_on__gte=start, joined_on__lte=end).count(),
        "members_left": members.filter(left_on__gte=start, left_on__lte=end).count(),
        "units_by_type": [
            {"type": k.value, "label": str(k.label), "count": by_type[k.value]}
            for k in UnitType
            if by_type.get(k.value)
        ],
        "units_by_level": [
            {"level": lvl.value, "label": str(lvl.label), "count": by_level[lvl.value]}
            for lvl in Level
            if by_level.get(lvl.value)
        ],
    }


def assert_equal_to_direct_counts(world: t.World) -> None:
    rollups_refresh()
    today = timezone.localdate()
    periods = [
        (today - dt.timedelta(days=29), today),
        (today.replace(month=1, day=1), today),
        (dt.date(2026, 1, 1), dt.date(2026, 2, 15)),  # in the past, with facts after its end
        (dt.date(2020, 1, 1), dt.date(2020, 12, 31)),  # before almost everything
        (today - dt.timedelta(days=3 * 365), today + dt.timedelta(days=60)),  # reaching ahead
    ]
    for name in AREAS:
        area = Area.objects.get(pk=world.areas[name].pk)
        for start, end in periods:
            s = org_stats_for(actor=world.people["root"], area=area, start=start, end=end)
            got = {k: getattr(s, k) for k in direct(area, start, end)}
            assert got == direct(area, start, end), (name, start, end)


def test_stats_equal_direct_counts_after_every_kind_of_change(world: t.World) -> None:
    root = world.people["root"]
    assert_equal_to_direct_counts(world)

    services.unit_create(
        actor=root,
        code="pb-new",
        name="新党支部",
        type=UnitType.PARTY_BRANCH,
        area=world.areas["grid_a1a"],
        founded_on=dt.date(2026, 2, 1),
    )
    assert_equal_to_direct_counts(world)

    services.unit_dissolve(actor=root, unit=world.units["rc_a1a"], on=dt.date(2026, 3, 1))
    assert_equal_to_direct_counts(world)

    services.unit_move(actor=root, unit=world.units["rc_a2a"], area=world.areas["street_b1"])
    assert_equal_to_direct_counts(world)

    member = services.membership_add(
        actor=root,
        person=world.people["resident"],
        unit=world.units["street_a1"],
        kind=MembershipKind.VOLUNTEER,
        joined_on=dt.date(2026, 1, 5),
    )
    assert_equal_to_direct_counts(world)
    services.membership_end(actor=root, membership=member, on=dt.date(2026, 2, 1))
    assert_equal_to_direct_counts(world)


def test_facts_dated_ahead_count_from_their_day(world: t.World) -> None:
    """A unit founded next month is not yet standing at today's end; one dissolved next month
    still is; a membership ending next week still counts today."""
    root = world.people["root"]
    today = timezone.localdate()
    ahead = today + dt.timedelta(days=30)
    Unit.objects.filter(pk=world.units["rc_a2a"].pk).update(founded_on=ahead, updated_at=timezone.now())
    Unit.objects.filter(pk=world.units["rc_a1a"].pk).update(dissolved_on=ahead, updated_at=timezone.now())
    Membership.objects.filter(person=world.people["member"]).update(
        left_on=today + dt.timedelta(days=7), updated_at=timezone.now()
    )
    assert_equal_to_direct_counts(world)
    district = world.areas["district_a"]
    now = org_stats_for(actor=root, area=district, start=today, end=today)
    later = org_stats_for(actor=root, area=district, start=ahead, end=ahead)
    assert (later.units_founded, later.units_dissolved) == (1, 1)
    assert now.members_total == later.members_total + 1


def test_stats_before_any_refresh_are_empty(world: t.World) -> None:
    """Until the rollups are built (the periodic job's first run) there is nothing to read."""
    s = org_stats_for(actor=world.people["root"], area=world.areas["province"], start=None, end=None)
    assert (s.units_total, s.members_total, s.units_by_type, s.units_by_level) == (0, 0, [], [])
