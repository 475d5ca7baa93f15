"""The organizations as a source of the rollup engine: units founded and dissolved by type,
members joined and left, and the units and members there are now, for any area subtree and
period (the "4.936 million members, a net increase of 117,000" kind of figure).

A source's object is a unit: its footprint holds its own founding and dissolution and its
memberships' joins and departures, all under the unit's home area and type. A membership that
changes stamps its own updated_at; the refresh reads the units of the memberships changed since
its watermark. Days are the facts' own dates (founded_on, joined_on...), already local days.
The stocks count what stands now: units not dissolved, memberships not ended."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area, Level, subtree_q
from needle.core.sql import AnyOf
from needle.orgs.models import Membership, OrgFootprint, OrgNodeRollup, OrgRollup, Unit, UnitType
from needle.rollups import read
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Key, LeafKey, Source, Tables, Vec

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("founded", _("founded"), _("units founded")),
    Counter("dissolved", _("dissolved"), _("units dissolved")),
    Counter("joined", _("joined"), _("memberships begun")),
    Counter("left", _("left"), _("memberships ended")),
    Counter("units", _("units"), _("units not dissolved, now"), stock=True),
    Counter("members", _("members"), _("memberships not ended, now"), stock=True),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)
IX = {name: i for i, name in enumerate(COUNTERS)}

# The engine's keys are integers: a type is its place in UnitType (1 for the first, 0 unknown).
TYPE_KEYS: dict[str, int] = {t.value: i for i, t in enumerate(UnitType, start=1)}


def type_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {i: str(t.label) for i, t in enumerate(UnitType, start=1)}
    return {k: labels[k] for k in keys if k in labels}


def depth_names(keys: Iterable[int]) -> dict[int, str]:
    return {k: str(Level(k).label) for k in keys if k in Level.values}


FIGURES: tuple[Figure, ...] = (
    Figure("units", _("Units"), ("units",)),
    Figure("founded", _("Units founded"), ("founded",)),
    Figure("dissolved", _("Units dissolved"), ("dissolved",)),
    Figure("units_net_change", _("Net change of units"), ("founded",), less=("dissolved",)),
    Figure("members", _("Members"), ("members",)),
    Figure("joined", _("Members joined"), ("joined",)),
    Figure("left", _("Members left"), ("left",)),
    Figure("members_net_change", _("Net change of members"), ("joined",), less=("left",)),
)


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these units (the ones that still exist), in two queries."""
    units = (
        Unit.objects.filter(AnyOf("id", ids))
        .order_by()
        .values_list("pk", "area_id", "area__depth", "type", "founded_on", "dissolved_on")
    )
    memberships: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for unit_id, joined, left in Membership.objects.filter(AnyOf("unit_id", ids)).values_list(
        "unit_id", "joined_on", "left_on"
    ):
        memberships[unit_id].append((joined, left))
    out: dict[int, Footprint] = {}
    for pk, area, depth, kind, founded, dissolved in units:
        fp: dict[LeafKey, Vec] = {}
        key = TYPE_KEYS.get(kind, 0)

        def add(
            day: dt.date,
            name: str,
            fp: dict[LeafKey, Vec] = fp,
            area: int = area,
            key: int = key,
            depth: int = depth,
        ) -> None:
            vec = fp.setdefault((day, area, key, depth), [0] * len(COUNTERS))
            vec[IX[name]] += 1

        add(founded, "founded")
        if dissolved is not None:
            add(dissolved, "dissolved")
        else:
            add(BACKLOG_DAY, "units")
        for joined, left in memberships.get(pk, ()):
            add(joined, "joined")
            if left is not None:
                add(left, "left")
            else:
                add(BACKLOG_DAY, "members")
        out[pk] = fp
    return out


def changed_since(moment: dt.datetime) -> set[int]:
    ids = set(Unit.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
    ids |= set(Membership.objects.filter(updated_at__gte=moment).values_list("unit_id", flat=True))
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Units with a fact on or after the moment's day, or changed since."""
    day = timezone.localtime(moment).date()
    units = Q(founded_on__gte=day) | Q(dissolved_on__gte=day) | Q(updated_at__gte=moment)
    ids = set(Unit.objects.filter(units).values_list("pk", flat=True))
    members = Q(joined_on__gte=day) | Q(left_on__gte=day) | Q(updated_at__gte=moment)
    ids |= set(Membership.objects.filter(members).values_list("unit_id", flat=True))
    return ids


def all_ids() -> list[int]:
    return list(Unit.objects.order_by("pk").values_list("pk", flat=True))


def check(since: dt.date) -> list[str]:
    """Compare, per top-level area, the rolled-up counts from `since` to today and now with
    direct counts over units and memberships; the differences, as lines of text."""
    today = timezone.localdate()
    problems: list[str] = []
    for root in Area.objects.filter(parent__isnull=True):
        rolled = read.area_sums(SOURCE, [root], since, today)[root.pk]
        units = Unit.objects.filter(subtree_q(root.path, "area_path"))
        members = Membership.objects.filter(subtree_q(root.path, "unit__area_path"))
        raw = {
            "founded": units.filter(founded_on__gte=since, founded_on__lte=today).count(),
            "dissolved": units.filter(dissolved_on__gte=since, dissolved_on__lte=today).count(),
            "joined": members.filter(joined_on__gte=since, joined_on__lte=today).count(),
            "left": members.filter(left_on__gte=since, left_on__lte=today).count(),
            "units": units.filter(dissolved_on__isnull=True).count(),
            "members": members.filter(left_on__isnull=True).count(),
        }
        problems += [
            f"{root.code} {name} since {since}: rollups {rolled[name]}, units and members {n}"
            for name, n in raw.items()
            if rolled[name] != n
        ]
    return problems


SOURCE = Source(
    name="orgs",
    label=_("Organizations"),
    counters=COUNTER_DEFINITIONS,
    # The depth of the unit's area as a key too: the statistics by level of a province or a city
    # read it from the few node rows, not from the leaf rows of the whole subtree.
    keys=(
        Key("type", "unit_type", _("type"), names=type_names),
        Key("level", "area_level", _("level"), names=depth_names),
    ),
    figures=FIGURES,
    tables=Tables(leaf=OrgRollup, node=OrgNodeRollup, footprints=OrgFootprint),
    permission="orgs.view_stats",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
    check=check,
    # A unit is founded once in years and most memberships last: facts are sparse by day below
    # the cities, where a node row per fact and block would outnumber the leaf rows (14M node
    # rows for 1.3M leaf rows at 200,000 units). Districts keep their totals (a city's page
    # and the indicators API give every child's figures: without them a big city's districts
    # were one GROUP BY over all its leaf rows); streets and below read their leaf rows.
    node_depth=2,
    total_depth=3,
)
