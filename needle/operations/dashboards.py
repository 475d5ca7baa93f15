"""The dashboard of an area or a unit: its figures over a period and the period before, by
child, by service, by lead unit and by day, read from the rollups only; the ranking of its
rows; and what else an area's dashboard reads (its hot topics, its organizations' statistics).

Every figure for a node is a sum of rollup rows, so a node's counts equal the sum over its
children (plus "directly here": cases located at the node itself, or led by the unit itself).
The page, the API, the exports and the PDF report all read `dashboard_for`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet, Sum, Window
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.areas.selectors import jurisdictional_children
from needle.cases.figures import BACKLOG, FLOWS
from needle.cases.figures import SOURCE as CASES
from needle.cases.models import Service
from needle.core.errors import NotFound, ValidationFailed
from needle.intel.selectors import hot_topics_for
from needle.operations.figures_types import (
    COUNTER_NAMES,
    RATE_BASES,
    Dashboard,
    Figures,
    Row,
    figures_by,
    figures_of,
    value_of,
)
from needle.operations.params import (
    PERM,
    access_area,
    access_unit_figures,
    areas_without_boundary,
    default_area,
    parse_period,
)
from needle.orgs.models import Unit
from needle.orgs.permissions import can_for_unit, can_in_area, require_authenticated
from needle.orgs.selectors import org_stats_for
from needle.rollups import read
from needle.rollups.models import NODE_DEPTH, TOTAL_DEPTH, CaseRollup, Grouping, NodeRollup


def _service_rows(per_service: dict[Any, Figures]) -> list[Row]:
    services = (
        Service.objects.only("pk", "code", "name", "name_en")
        .order_by()
        .in_bulk([k for k in per_service if k])
    )
    rows = [
        Row(kind="service", key=s.code, name=s.label, figures=per_service[pk])
        for pk, s in services.items()
        if not per_service[pk].is_empty()
    ]
    return sorted(rows, key=lambda r: (-r.figures.received, -r.figures.open, r.key))


# A city's cases have a thousand lead units: the busiest are listed, the rest summed in one row.
UNIT_ROWS = 50


def _unit_rows(qs: QuerySet[Any], key: str, totals: Figures, actor: Any) -> list[Row]:
    """The busiest units of these rows (ranked by the database), the others summed in one row
    (the totals less the rest), and the cases without a unit."""
    sums = {n: Sum(n) for n in COUNTER_NAMES}
    with_unit = qs.exclude(**{key: 0}).order_by()
    # `units` counts the groups (a window over the grouped rows): how many units in all.
    ranked = with_unit.values(key).annotate(**sums, units=Window(Count("*")))
    busiest = list(ranked.order_by("-received", "-open", key)[:UNIT_ROWS])
    units = Unit.objects.only("pk", "name", "area_path").in_bulk([r[key] for r in busiest])
    rows = [
        Row(
            kind="unit",
            key=str(r[key]),
            name=units[r[key]].name,
            figures=figures_of([r]),
            drill=can_for_unit(actor, PERM, units[r[key]]),
        )
        for r in busiest
        if r[key] in units
    ]
    none = figures_of(read.sums(qs.filter(**{key: 0}), [], COUNTER_NAMES))
    rest = busiest[0]["units"] - len(busiest) if busiest else 0
    if rest:
        others = totals.minus(figures_of(busiest)).minus(none)
        rows.append(Row(kind="unit", key="", name=_("%(n)d other units") % {"n": rest}, figures=others))
    if not none.is_empty():
        rows.append(Row(kind="unit", key="", name=_("No unit yet"), figures=none))
    return rows


def _here_row(totals: Figures, children: list[Row], name: str) -> list[Row]:
    rest = totals
    for row in children:
        rest = rest.minus(row.figures)
    return [Row(kind="here", key="", name=name, figures=rest)] if not rest.is_empty() else []


def _area_dashboard(
    *, actor: Any, area: Area, start: dt.date, end: dt.date, daily: bool, units: bool
) -> Dashboard:
    prev_start = start - (end - start) - dt.timedelta(days=1)
    prev_end = start - dt.timedelta(days=1)
    child_areas = {a.pk: a for a in jurisdictional_children(area=area, queryset=areas_without_boundary())}
    # Each breakdown is its own GROUP BY: the database sums, Python only reads a few rows.
    total: QuerySet[Any]
    node: QuerySet[Any]
    units_q: QuerySet[Any]
    if area.depth <= NODE_DEPTH:
        node = NodeRollup.objects.filter(grouping=Grouping.KEY1, area=area)
        units_q = NodeRollup.objects.filter(grouping=Grouping.KEY2, area=area)
        service_key, unit_key = "key", "key"
    else:
        node = units_q = read.subtree(CaseRollup, area)
        service_key, unit_key = "service_id", "unit_key"
    if area.depth <= TOTAL_DEPTH:
        total = NodeRollup.objects.filter(grouping=Grouping.TOTAL, area=area)
    else:
        total = read.subtree(CaseRollup, area)
    by_service = read.sums(read.period_and_backlog(node, start, end), [service_key], COUNTER_NAMES)
    daily_rows = read.sums(read.days(total, start, end), ["day"], FLOWS) if daily else []
    previous = read.sums(read.period(total, prev_start, prev_end), [], FLOWS)
    per_child = _children_figures(area, list(child_areas.values()), start, end)
    totals = figures_of(by_service)
    children = [
        Row(kind="area", key=a.code, name=a.name, figures=per_child.get(pk, Figures()), drill=True)
        for pk, a in child_areas.items()
    ]
    children += _here_row(totals, children, _("Directly in %(name)s") % {"name": area.name})
    return Dashboard(
        kind="area",
        start=start,
        end=end,
        area=area,
        unit=None,
        totals=totals,
        previous=figures_of(previous),
        children=children,
        by_service=_service_rows(figures_by(by_service, service_key)),
        units=_unit_rows(read.period_and_backlog(units_q, start, end), unit_key, totals, actor)
        if units
        else [],
        daily={read.as_date(d): f for d, f in figures_by(daily_rows, "day").items()},
        ancestors=list(
            areas_without_boundary().filter(path__in=area.ancestor_paths, placeholder=False).order_by("depth")
        ),
    )


def _children_figures(area: Area, children: list[Area], start: dt.date, end: dt.date) -> dict[int, Figures]:
    """Each child's figures (period and backlog), by id: one GROUP BY per depth among them
    (children found through a placeholder sit a level deeper than the others)."""
    by_depth: dict[int, list[int]] = defaultdict(list)
    for child in children:
        by_depth[child.depth].append(child.pk)
    out: dict[int, Figures] = {}
    for depth, ids in sorted(by_depth.items()):
        rows: QuerySet[Any]
        if depth <= TOTAL_DEPTH:
            rows = NodeRollup.objects.filter(grouping=Grouping.TOTAL, area_id__in=ids)
            key = "area_id"
        else:
            key = f"a{depth}"
            rows = read.subtree(CaseRollup, area).filter(**{f"{key}__in": ids})
        out.update(
            figures_by(read.sums(read.period_and_backlog(rows, start, end), [key], COUNTER_NAMES), key)
        )
    return out


def unit_subtrees(unit: Unit) -> dict[int, int]:
    """Every unit below `unit` (and itself) -> the id of the child of `unit` it sits under
    (`unit.pk` for the unit itself): one query per level of the unit tree."""
    owner: dict[int, int] = {unit.pk: unit.pk}
    frontier = [unit.pk]
    first = True
    while frontier:
        rows = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", "parent_id"))
        frontier = []
        for pk, parent in rows:
            if pk in owner:  # a cycle in bad data: stop there
                continue
            owner[pk] = pk if first else owner[parent]
            frontier.append(pk)
        first = False
    return owner


def _unit_dashboard(*, actor: Any, unit: Unit, start: dt.date, end: dt.date) -> Dashboard:
    prev_start = start - (end - start) - dt.timedelta(days=1)
    prev_end = start - dt.timedelta(days=1)
    owner = unit_subtrees(unit)
    visible = {u.pk: u for u in Unit.objects.filter(pk__in=set(owner.values()) - {unit.pk})}
    visible = {pk: u for pk, u in visible.items() if can_for_unit(actor, PERM, u)}
    ids = [pk for pk, top in owner.items() if top == unit.pk or top in visible]
    mine = CaseRollup.objects.filter(unit_key__in=ids)
    flows = read.sums(read.period(mine, start, end), ["day", "service_id", "unit_key"], FLOWS)
    backlog = read.sums(read.backlog(mine), ["service_id", "unit_key"], BACKLOG)
    previous = read.sums(read.period(mine, prev_start, prev_end), [], FLOWS)
    totals = figures_of([*flows, *backlog])
    per_top: dict[int, Figures] = defaultdict(Figures)
    for row in [*flows, *backlog]:
        per_top[owner[row["unit_key"]]].add(row)
    children = [
        Row(kind="unit", key=str(pk), name=u.name, figures=per_top.get(pk, Figures()), drill=True)
        for pk, u in sorted(visible.items(), key=lambda kv: kv[1].name)
    ]
    children += _here_row(totals, children, _("%(name)s itself") % {"name": unit.name})
    ancestors: list[Area | Unit] = []
    parent_id = unit.parent_id
    while parent_id and len(ancestors) < 12:
        parent = Unit.objects.filter(pk=parent_id).first()
        if parent is None or not can_for_unit(actor, PERM, parent):
            break
        ancestors.insert(0, parent)
        parent_id = parent.parent_id
    return Dashboard(
        kind="unit",
        start=start,
        end=end,
        area=None,
        unit=unit,
        totals=totals,
        previous=figures_of(previous),
        children=children,
        by_service=_service_rows(figures_by([*flows, *backlog], "service_id")),
        units=[],
        daily={read.as_date(d): f for d, f in figures_by(flows, "day").items()},
        ancestors=ancestors,
    )


def dashboard_for(
    *,
    actor: Any,
    start: dt.date,
    end: dt.date,
    area: Area | None = None,
    unit: Unit | None = None,
    daily: bool = True,
    units: bool = True,
) -> Dashboard:
    """The figures of an area subtree or a unit subtree over [start, end], with its children,
    services, units (an area's only if `units`), daily flows (an area's only if `daily`) and
    the previous period of the same length. The caller has the node from access_area or
    access_unit_figures; checked again here."""
    require_authenticated(actor)
    if unit is not None:
        if not can_for_unit(actor, PERM, unit):
            raise NotFound(_("You have no figures for this unit."))
        return _unit_dashboard(actor=actor, unit=unit, start=start, end=end)
    if area is None:
        raise ValidationFailed(fields={"area": _("Give an area or a unit.")})
    if not can_in_area(actor, PERM, area):
        raise NotFound(_("You have no figures for the area %(code)s.") % {"code": area.code})
    return _area_dashboard(actor=actor, area=area, start=start, end=end, daily=daily, units=units)


def dashboard_from_params(
    actor: Any,
    area: str | None,
    unit: str | int | None,
    start: Any,
    end: Any,
    *,
    daily: bool = True,
    units: bool = True,
) -> Dashboard:
    """Parse the shared parameters of the API, the exports and the pages; one error shape."""
    if area and unit:
        raise ValidationFailed(fields={"unit": _("Give an area or a unit, not both.")})
    start_d, end_d = parse_period(start, end)
    if unit:
        node_unit = access_unit_figures(actor=actor, unit_id=unit)
        return dashboard_for(actor=actor, unit=node_unit, start=start_d, end=end_d)
    node_area = access_area(actor=actor, code=area) if area else default_area(actor=actor)
    if node_area is None:
        raise ValidationFailed(fields={"area": _("Give an area.")})
    return dashboard_for(actor=actor, area=node_area, start=start_d, end=end_d, daily=daily, units=units)


# A rate over fewer cases than this says little; such rows rank only when too few others can.
RANK_MIN_BASE = 5


def ranking(rows: list[Row], indicator: str, n: int = 5) -> tuple[list[Row], list[Row]]:
    """The best and the worst `n` rows by an indicator; rows without a value, "directly here"
    and "no unit yet" are left out, and so are rates over few cases when enough rows have more.
    No row is in both lists: with fewer than 2n rows, the better half is the best and the
    worse half the worst (one row is only the best)."""
    scored = [(value_of(r.figures, indicator), r) for r in rows if r.kind != "here" and r.key]
    scored = [(v, r) for v, r in scored if v is not None]
    if indicator in RATE_BASES:
        solid = [(v, r) for v, r in scored if (r.figures.base_of(indicator) or 0) >= RANK_MIN_BASE]
        if len(solid) >= 2:
            scored = solid
    lower_is_better = CASES.figure(indicator).lower_is_better
    scored.sort(key=lambda vr: (vr[0], vr[1].name), reverse=not lower_is_better)
    split = min(n, (len(scored) + 1) // 2)
    best = [r for _v, r in scored[:split]]
    worst = [r for _v, r in reversed(scored[split:][-n:])]
    return best, worst


def hot_topics_in(*, actor: Any, area: Area, limit: int = 5) -> list[Any]:
    """The intelligence app's hot topics within the area that the actor may see, hottest first."""
    return list(hot_topics_for(actor=actor).filter(subtree_q(area.path, "area_path"))[:limit])


def org_figures(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> Any:
    """The organization statistics of the area (orgs.selectors), or None without the right."""
    if not can_in_area(actor, "orgs.view_stats", area):
        return None
    return org_stats_for(actor=actor, area=area, start=start, end=end)
