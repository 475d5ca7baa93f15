"""The organizations as the rollup engine's second real source: every figure read from the
rollups equals the organization statistics counted directly (org_stats_for), for any area
subtree and period, after changes; the refresh equals a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle import testing as t
from needle.orgs.figures import SOURCE, TYPE_KEYS
from needle.orgs.models import (
    Membership,
    MembershipKind,
    OrgFootprint,
    OrgNodeRollup,
    OrgRollup,
    Unit,
    UnitType,
)
from needle.orgs.selectors import org_stats_for
from needle.rollups.check import rollups_check
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import rollups_refresh

URL = "/api/v1/operations/indicators"
AREAS = ("province", "city", "district_a", "street_a1", "community_a1a")


def assert_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    periods = [(dt.date(2026, 1, 1), dt.date(2026, 6, 30)), (today - dt.timedelta(days=29), today)]
    periods.append((today - dt.timedelta(days=3 * 365), today))
    for name in AREAS:
        area = world.areas[name]
        for start, end in periods:
            r = api.get(URL, area=area.code, source="orgs", start=start.isoformat(), end=end.isoformat())
            assert r.status_code == 200, r.content
            got = r.json()["node"]["figures"]
            stats = org_stats_for(actor=world.people["root"], area=area, start=start, end=end)
            want = {
                "founded": stats.units_founded,
                "dissolved": stats.units_dissolved,
                "joined": stats.members_joined,
                "left": stats.members_left,
                "units_net_change": stats.units_founded - stats.units_dissolved,
                "members_net_change": stats.members_joined - stats.members_left,
            }
            assert {k: got[k] for k in want} == want, (name, start, end)
            units = Unit.objects.filter(area_path__startswith=area.path, dissolved_on__isnull=True)
            members = Membership.objects.filter(unit__area_path__startswith=area.path, left_on__isnull=True)
            assert (got["units"], got["members"]) == (units.count(), members.count())
            children = r.json()["children"]
            assert sum(c["figures"]["founded"] for c in children) == want["founded"]
            by_type = {row["name"]: row["figures"]["founded"] for row in r.json()["breakdowns"]["type"]}
            founded = Unit.objects.filter(
                area_path__startswith=area.path, founded_on__gte=start, founded_on__lte=end
            )
            direct = {
                str(UnitType(k).label): founded.filter(type=k).count()
                for k in founded.values_list("type", flat=True)
            }
            assert {k: v for k, v in by_type.items() if v} == direct
    assert rollups_check(since=dt.date(2000, 1, 1)) == []


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        names = [f.attname for f in model._meta.fields if f.name != "id"]
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*names))

    return rows(OrgRollup), rows(OrgNodeRollup), rows(OrgFootprint)


def test_org_figures_from_the_rollups_equal_the_direct_statistics(world: t.World, api_for: Any) -> None:
    api = api_for("city_admin")
    assert rollups_refresh().read["orgs"] == Unit.objects.count()
    assert_agrees(world, api)

    now = timezone.now()
    Unit.objects.filter(pk=world.units["rc_a2a"].pk).update(founded_on=dt.date(2026, 2, 1), updated_at=now)
    Unit.objects.filter(pk=world.units["rc_a1a"].pk).update(dissolved_on=dt.date(2026, 3, 1), updated_at=now)
    t.UnitFactory.create(
        code="pb-new",
        name="新党支部",
        type=UnitType.PARTY_BRANCH,
        area=world.areas["grid_a1a"],
        founded_on=now.date(),
    )
    Membership.objects.create(
        person=world.people["resident"],
        unit=world.units["rc_a1a"],
        kind=MembershipKind.VOLUNTEER,
        joined_on=dt.date(2026, 1, 5),
        left_on=dt.date(2026, 4, 1),
    )
    Membership.objects.filter(person=world.people["member"]).update(
        left_on=dt.date(2026, 5, 1), updated_at=now
    )
    result = rollups_refresh()
    assert result.changed["orgs"] == 4 and result.changed["cases"] == 0
    assert_agrees(world, api)

    kept = tables()
    rollups_rebuild(actor=None, source="orgs")
    assert tables() == kept
    rollups_rebuild(actor=None, source="orgs", since=dt.date(2026, 1, 1))
    assert tables() == kept

    # The keys: a city's node rows break the figures down by unit type and by the depth of the
    # unit's area; districts have totals only, and nodes below them no node rows (they read the
    # leaf rows).
    city = world.areas["district_a"].parent
    by_type = OrgNodeRollup.objects.filter(area=city, grouping="s", span=1)
    assert {r.key for r in by_type} >= {
        TYPE_KEYS[UnitType.RESIDENT_COMMITTEE],
        TYPE_KEYS[UnitType.PARTY_BRANCH],
    }
    by_level = OrgNodeRollup.objects.filter(area=city, grouping="u", span=1)
    assert {r.key for r in by_level} >= {world.areas["community_a1a"].depth, world.areas["grid_a1a"].depth}
    assert OrgNodeRollup.objects.exists()
    assert OrgNodeRollup.objects.filter(area=world.areas["district_a"], grouping="t").exists()
    assert not OrgNodeRollup.objects.filter(depth=3).exclude(grouping="t").exists()
    assert not OrgNodeRollup.objects.filter(depth__gt=3).exists()


def test_org_figures_need_the_statistics_permission(world: t.World, api_for: Any) -> None:
    rollups_refresh()
    street = world.areas["street_a1"].code
    assert api_for("supervisor").get(URL, area=street, source="orgs").status_code == 200
    r = api_for("resident").get(URL, area=street, source="orgs")
    assert r.status_code == 404
    assert (
        api_for("city_admin").get(URL, unit=str(world.units["street_a1"].pk), source="orgs").status_code
        == 422
    )
    assert [f.name for f in SOURCE.figures][:2] == ["units", "founded"]


def test_the_migration_that_adds_the_level_has_the_next_refresh_rebuild_the_source(world: t.World) -> None:
    """Rows written before the level key have none: the migration empties the source's tables
    and marks it unbuilt, and the next refresh builds it from every unit again."""
    from importlib import import_module

    from django.apps import apps

    from needle.rollups.models import RollupState

    rollups_refresh()
    built = tables()
    assert built[0] and SOURCE.built_as in RollupState.objects.get().built
    import_module("needle.orgs.migrations.0007_rollup_level").rebuild_at_next_refresh(apps, None)
    assert not any(tables())
    assert not any(b.startswith("orgs") for b in RollupState.objects.get().built)
    assert rollups_refresh().read["orgs"] == Unit.objects.count()
    assert tables() == built


def test_changed_node_depths_have_the_next_refresh_sum_the_node_rows_again(
    world: t.World, api_for: Any
) -> None:
    """A source built with other node depths (recorded as "orgs@2.2"): the next refresh keeps
    its leaf rows, sums its node rows again to the depths declared now, and applies what
    changed since as usual; the rows are then those of a rebuild."""
    from needle.rollups.models import RollupState

    rollups_refresh()
    state = RollupState.objects.get()
    state.built = [b for b in state.built if b != SOURCE.built_as] + ["orgs@2.2"]
    state.save()
    OrgNodeRollup.objects.filter(depth=3).delete()
    Membership.objects.create(
        person=world.people["resident"],
        unit=world.units["rc_a1a"],
        kind=MembershipKind.VOLUNTEER,
        joined_on=timezone.localdate(),
    )
    result = rollups_refresh()
    assert result.changed["orgs"] == 1
    state.refresh_from_db()
    assert SOURCE.built_as in state.built and "orgs@2.2" not in state.built
    assert OrgNodeRollup.objects.filter(area=world.areas["district_a"], grouping="t").exists()
    refreshed = tables()
    rollups_rebuild(actor=None, source="orgs")
    assert tables() == refreshed
    assert_agrees(world, api_for("city_admin"))
