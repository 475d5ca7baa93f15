"""Reads of the operations center: indicators for an area or a unit, from the rollups only.

Every figure for a node is a sum of rollup rows, so a node's counts equal the sum over its
children (plus "directly here": cases located at the node itself, or led by the unit itself).
The page, the API, the exports and the PDF report all read `dashboard_for`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import reduce
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, Window
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from needle.areas.models import Area, subtree_q
from needle.cases.models import Service
from needle.core import periods
from needle.core.errors import NotFound, ValidationFailed
from needle.operations.models import (
    BACKLOG,
    BACKLOG_DAY,
    FLOWS,
    MAX_DEPTH,
    NODE_DEPTH,
    TOTAL_DEPTH,
    CaseRollup,
    Grouping,
    NodeRollup,
    period_blocks,
)
from needle.orgs.models import Unit
from needle.orgs.permissions import (
    can_for_unit,
    can_in_area,
    is_superuser,
    require_authenticated,
    scope_paths,
)

PERM = "cases.view"
MAX_DAYS = 3 * 366
GRAINS = ("day", "week", "month")


@dataclass
class Figures:
    """Counts over a period (flows) and now (backlog), with the rates DESIGN.md defines."""

    received: int = 0
    dispatched: int = 0
    response_due: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    callbacks: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    overdue_serious: int = 0

    @staticmethod
    def _ratio(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def response_rate(self) -> float | None:
        return self._ratio(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._ratio(self.solved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._ratio(self.resolved_on_time, self.resolved)

    @property
    def overdue_open(self) -> int:
        return self.overdue + self.overdue_serious

    def add(self, row: dict[str, Any]) -> Figures:
        d = self.__dict__
        for name, value in row.items():
            if value and name in d and name in COUNTER_SET:
                d[name] += int(value)
        return self

    def minus(self, other: Figures) -> Figures:
        return Figures(**{n: getattr(self, n) - getattr(other, n) for n in COUNTER_NAMES})

    def counts(self) -> dict[str, int]:
        return {n: getattr(self, n) for n in COUNTER_NAMES}

    def rates(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in RATE_NAMES}

    def is_empty(self) -> bool:
        return not any(self.counts().values())


COUNTER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))
COUNTER_SET = frozenset(COUNTER_NAMES)
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
INDICATORS: dict[str, Any] = {
    "response_rate": gettext_lazy("Response rate"),
    "resolution_rate": gettext_lazy("Resolution rate"),
    "satisfaction_rate": gettext_lazy("Satisfaction rate"),
    "on_time_rate": gettext_lazy("On-time rate"),
    "received": gettext_lazy("Received"),
    "open": gettext_lazy("Backlog"),
    "overdue_open": gettext_lazy("Overdue"),
}


@dataclass
class Row:
    """One line of a breakdown: a child area, a child unit, a service, or "directly here"."""

    kind: str  # "area", "unit", "service", "here"
    key: str  # area code, unit id, service code, ""
    name: str
    figures: Figures
    drill: bool = False  # a dashboard exists one level down


@dataclass
class Dashboard:
    kind: str  # "area" or "unit"
    start: dt.date
    end: dt.date
    area: Area | None
    unit: Unit | None
    totals: Figures
    previous: Figures
    children: list[Row]
    by_service: list[Row]
    units: list[Row]
    daily: dict[dt.date, Figures]
    ancestors: list[Area | Unit] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.area.name if self.area is not None else str(self.unit)

    @property
    def previous_start(self) -> dt.date:
        return self.start - (self.end - self.start) - dt.timedelta(days=1)

    @property
    def previous_end(self) -> dt.date:
        return self.start - dt.timedelta(days=1)

    def trend(self, grain: str = "day") -> list[tuple[dt.date, Figures]]:
        """The period's flows per day, per week (Mondays) or per month, gaps filled."""
        buckets: dict[dt.date, Figures] = {}
        day = self.start
        while day <= self.end:
            buckets.setdefault(bucket_of(day, grain), Figures())
            day += dt.timedelta(days=1)
        for day, figures in self.daily.items():
            buckets[bucket_of(day, grain)].add(figures.counts())
        return sorted(buckets.items())


def bucket_of(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


# Parameters ----------------------------------------------------------------------------------


def parse_period(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    """[start, end] from strings or dates; default: the last 30 days up to today."""
    start_d, end_d = periods.parse_period(start, end, default_start=lambda e: e - dt.timedelta(days=29))
    if (end_d - start_d).days >= MAX_DAYS:
        raise ValidationFailed(fields={"start": _("A period is at most three years long.")})
    return start_d, end_d


def parse_grain(value: Any) -> str:
    if value in (None, ""):
        return "day"
    if value not in GRAINS:
        raise ValidationFailed(fields={"grain": _("Choose day, week or month.")})
    return str(value)


def default_area(*, actor: Any) -> Area | None:
    """The widest area whose figures the actor may read (the root for superusers)."""
    require_authenticated(actor)
    if is_superuser(actor):
        return _areas().filter(parent__isnull=True, retired=False).order_by("code").first()
    paths = scope_paths(actor, PERM)
    return _areas().filter(path=paths[0]).first() if paths else None


def access_area(*, actor: Any, code: str) -> Area:
    """The area if the actor may read its figures; 404 otherwise (its existence does not leak)."""
    require_authenticated(actor)
    area = _areas().filter(code=code).first()
    if area is None or not can_in_area(actor, PERM, area):
        raise NotFound(_("You have no figures for the area %(code)s.") % {"code": code})
    return area


def access_unit(*, actor: Any, unit_id: Any) -> Unit:
    require_authenticated(actor)
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"unit": _("Give a unit's number.")}) from None
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not can_for_unit(actor, PERM, unit):
        raise NotFound(_("You have no figures for this unit."))
    return unit


def _areas() -> QuerySet[Area]:
    """Areas as the figures need them: without their boundaries (GeoJSON, megabytes for a city)."""
    return Area.objects.defer("boundary")


# Reading the rollups --------------------------------------------------------------------------


def _sums(qs: QuerySet[Any], group: list[str], names: Iterable[str]) -> list[dict[str, Any]]:
    sums = {n: Sum(n) for n in names}
    if not group:
        return [qs.order_by().aggregate(**sums)]
    return list(qs.order_by().values(*group).annotate(**sums))


def _days(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The rows of each day of [start, end]."""
    if qs.model is NodeRollup:
        qs = qs.filter(span=1)
    return qs.filter(day__gte=start, day__lte=end)


def _period_q(model: Any, start: dt.date, end: dt.date) -> Q:
    """Rows that sum to [start, end]: CaseRollup's days, NodeRollup's fewest blocks."""
    if model is not NodeRollup:
        return Q(day__gte=start, day__lte=end)
    by_span: dict[int, list[dt.date]] = defaultdict(list)
    for span, day in period_blocks(start, end):
        by_span[span].append(day)
    return reduce(operator.or_, (Q(span=s, day__in=days) for s, days in by_span.items()))


def _backlog_q(model: Any) -> Q:
    return Q(day=BACKLOG_DAY, **({"span": 1} if model is NodeRollup else {}))


def _period(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    return qs.filter(_period_q(qs.model, start, end))


def _backlog(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(_backlog_q(qs.model))


def _period_and_backlog(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The rows of [start, end] and of the backlog: flows sit on days and the backlog on
    BACKLOG_DAY, never on one row, so one sum of every counter gives both."""
    return qs.filter(_period_q(qs.model, start, end) | _backlog_q(qs.model))


def _subtree(area: Area) -> QuerySet[Any]:
    """CaseRollup's rows of the area's subtree (indexed with the day from NODE_DEPTH down)."""
    return CaseRollup.objects.filter(**{f"a{area.depth}": area.pk})


def _figures(rows: Iterable[dict[str, Any]]) -> Figures:
    f = Figures()
    for row in rows:
        f.add(row)
    return f


def _grouped(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, Figures]:
    out: dict[Any, Figures] = defaultdict(Figures)
    for row in rows:
        out[row[key]].add(row)
    return out


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
            figures=_figures([r]),
            drill=can_for_unit(actor, PERM, units[r[key]]),
        )
        for r in busiest
        if r[key] in units
    ]
    none = _figures(_sums(qs.filter(**{key: 0}), [], COUNTER_NAMES))
    rest = busiest[0]["units"] - len(busiest) if busiest else 0
    if rest:
        others = totals.minus(_figures(busiest)).minus(none)
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
    child_areas = {a.pk: a for a in _areas().filter(parent=area).order_by("code")}
    # Each breakdown is its own GROUP BY: the database sums, Python only reads a few rows.
    total: QuerySet[Any]
    node: QuerySet[Any]
    units_q: QuerySet[Any]
    if area.depth <= NODE_DEPTH:
        node = NodeRollup.objects.filter(grouping=Grouping.SERVICE, area=area)
        units_q = NodeRollup.objects.filter(grouping=Grouping.UNIT, area=area)
        service_key, unit_key = "key", "key"
    else:
        node = units_q = _subtree(area)
        service_key, unit_key = "service_id", "unit_key"
    if area.depth <= TOTAL_DEPTH:
        total = NodeRollup.objects.filter(grouping=Grouping.TOTAL, area=area)
    else:
        total = _subtree(area)
    by_service = _sums(_period_and_backlog(node, start, end), [service_key], COUNTER_NAMES)
    daily_rows = _sums(_days(total, start, end), ["day"], FLOWS) if daily else []
    previous = _sums(_period(total, prev_start, prev_end), [], FLOWS)
    if area.depth + 1 <= TOTAL_DEPTH:
        kids = NodeRollup.objects.filter(grouping=Grouping.TOTAL, parent_key=area.pk)
        child_rows = _sums(_period_and_backlog(kids, start, end), ["area_id"], COUNTER_NAMES)
        child_key = "area_id"
    elif area.depth >= MAX_DEPTH:
        child_rows, child_key = [], "none"
    else:
        child_key = f"a{area.depth + 1}"
        sub = _subtree(area).filter(**{f"{child_key}__isnull": False})
        child_rows = _sums(_period_and_backlog(sub, start, end), [child_key], COUNTER_NAMES)
    per_child = _grouped(child_rows, child_key)
    totals = _figures(by_service)
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
        previous=_figures(previous),
        children=children,
        by_service=_service_rows(_grouped(by_service, service_key)),
        units=_unit_rows(_period_and_backlog(units_q, start, end), unit_key, totals, actor) if units else [],
        daily={_as_date(d): f for d, f in _grouped(daily_rows, "day").items()},
        ancestors=list(_areas().filter(path__in=area.ancestor_paths).order_by("depth")),
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


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
    flows = _sums(_period(mine, start, end), ["day", "service_id", "unit_key"], FLOWS)
    backlog = _sums(_backlog(mine), ["service_id", "unit_key"], BACKLOG)
    previous = _sums(_period(mine, prev_start, prev_end), [], FLOWS)
    totals = _figures([*flows, *backlog])
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
        previous=_figures(previous),
        children=children,
        by_service=_service_rows(_grouped([*flows, *backlog], "service_id")),
        units=[],
        daily={_as_date(d): f for d, f in _grouped(flows, "day").items()},
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
    the previous period of the same length. The caller has the node from access_area/access_unit; checked again here."""
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


# A rate over fewer cases than this says little; such rows rank only when too few others can.
RANK_MIN_BASE = 5
RATE_BASES = {
    "response_rate": "response_due",
    "resolution_rate": "callbacks",
    "satisfaction_rate": "rated",
    "on_time_rate": "resolved",
}


def dashboard_from_params(
    actor: Any,
    area: str | None,
    unit: str | int | None,
    start: Any,
    end: Any,
    *,
    daily: bool = True,
    units: bool = True,
) -> Any:
    """Parse the shared parameters of the API, the exports and the pages; one error shape."""
    if area and unit:
        raise ValidationFailed(fields={"unit": _("Give an area or a unit, not both.")})
    start_d, end_d = parse_period(start, end)
    if unit:
        node_unit = access_unit(actor=actor, unit_id=unit)
        return dashboard_for(actor=actor, unit=node_unit, start=start_d, end=end_d)
    node_area = access_area(actor=actor, code=area) if area else default_area(actor=actor)
    if node_area is None:
        raise ValidationFailed(fields={"area": _("Give an area.")})
    return dashboard_for(actor=actor, area=node_area, start=start_d, end=end_d, daily=daily, units=units)


def ranking(rows: list[Row], indicator: str, n: int = 5) -> tuple[list[Row], list[Row]]:
    """The best and the worst `n` rows by an indicator; rows without a value, "directly here"
    and "no unit yet" are left out, and so are rates over few cases when enough rows have more."""
    scored = [(value_of(r.figures, indicator), r) for r in rows if r.kind != "here" and r.key]
    scored = [(v, r) for v, r in scored if v is not None]
    base = RATE_BASES.get(indicator)
    if base:
        solid = [(v, r) for v, r in scored if getattr(r.figures, base) >= RANK_MIN_BASE]
        if len(solid) >= 2:
            scored = solid
    lower_is_better = indicator in {"open", "overdue_open"}
    scored.sort(key=lambda vr: (vr[0], vr[1].name), reverse=not lower_is_better)
    best = [r for _v, r in scored[:n]]
    worst = [r for _v, r in reversed(scored[-n:])] if len(scored) > 1 else []
    return best, worst


def value_of(figures: Figures, indicator: str) -> float | int | None:
    if indicator not in INDICATORS:
        raise ValidationFailed(fields={"indicator": _("Unknown indicator.")})
    return getattr(figures, indicator)


def parse_indicator(value: Any) -> str:
    if value in (None, ""):
        return "response_rate"
    if value not in INDICATORS:
        raise ValidationFailed(fields={"indicator": _("Unknown indicator.")})
    return str(value)


def rollup_status() -> dict[str, Any]:
    from needle.operations.models import RollupState

    state = RollupState.objects.filter(id=1).first()
    return {"refreshed_at": state.refreshed_at if state else None, "ready": bool(state and state.watermark)}


def area_case_points(
    *, actor: Any, area: Area, start: dt.date, end: dt.date, limit: int = 2000
) -> list[list[float]]:
    """[lat, lng] of cases located in the area and received in the period (for the heat layer
    of street and community maps), newest first, at most `limit`."""
    from needle.cases.models import Case
    from needle.cases.selectors import case_scope_q, period_bounds

    lo, hi = period_bounds(start, end)
    qs = Case.objects.filter(subtree_q(area.path, "area_path"), submitted_at__gte=lo, submitted_at__lt=hi)
    scope = case_scope_q(actor)
    if scope is not None:
        qs = qs.filter(scope)
    qs = qs.filter(lat__isnull=False, lng__isnull=False).order_by("-submitted_at")
    return [[round(lat or 0.0, 5), round(lng or 0.0, 5)] for lat, lng in qs.values_list("lat", "lng")[:limit]]


def rollups_check(*, since: dt.date | None = None) -> list[str]:
    """Compare, per top-level area and per day from `since` (default 30 days ago), the rolled-up
    counts with direct counts over cases and callbacks; the differences, as lines of text."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from needle.cases.models import OPEN_STATES, Callback, Case

    tz = timezone.get_default_timezone()
    since = since or timezone.localdate() - dt.timedelta(days=30)
    lo = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    problems: list[str] = []
    for root in Area.objects.filter(parent__isnull=True):
        within = subtree_q(root.path, "area_path")
        rolled: dict[tuple[str, dt.date], int] = {}
        for row in _sums(
            CaseRollup.objects.filter(within, day__gte=since),
            ["day"],
            ["received", "resolved", "response_due"],
        ):
            for name in ("received", "resolved", "response_due"):
                rolled[(name, _as_date(row["day"]))] = row[name] or 0
        raw: dict[tuple[str, dt.date], int] = {}
        for name, column in (
            ("received", "submitted_at"),
            ("resolved", "resolved_at"),
            ("response_due", "accept_due_at"),
        ):
            rows = (
                Case.objects.filter(within, **{f"{column}__gte": lo})
                .annotate(d=TruncDate(column, tzinfo=tz))
                .values("d")
                .annotate(n=Count("id"))
                .order_by()
            )
            for r in rows:
                raw[(name, r["d"])] = r["n"]
        cb_rolled = (
            _sums(CaseRollup.objects.filter(within, day__gte=since), [], ["callbacks"])[0]["callbacks"] or 0
        )
        cb_raw = Callback.objects.filter(subtree_q(root.path, "case__area_path"), at__gte=lo).count()
        for key in sorted(set(rolled) | set(raw)):
            if rolled.get(key, 0) != raw.get(key, 0):
                problems.append(
                    f"{root.code} {key[1]} {key[0]}: rollups {rolled.get(key, 0)}, cases {raw.get(key, 0)}"
                )
        if cb_rolled != cb_raw:
            problems.append(f"{root.code} callbacks since {since}: rollups {cb_rolled}, cases {cb_raw}")
        open_rolled = _sums(CaseRollup.objects.filter(within, day=BACKLOG_DAY), [], ["open"])[0]["open"] or 0
        open_raw = Case.objects.filter(within, state__in=OPEN_STATES).count()
        if open_rolled != open_raw:
            problems.append(f"{root.code} open now: rollups {open_rolled}, cases {open_raw}")
    return problems


# Maps ------------------------------------------------------------------------------------------

# Street level and below: few enough cases in a period to draw each one.
POINTS_FROM_DEPTH = 4


def _simplify_ring(ring: list[list[float]], tolerance: float) -> list[list[float]]:
    """Drop vertices closer than `tolerance` degrees to the last kept one; round to 5 decimals
    (about a metre). Keeps the ring closed and at least four points."""
    if len(ring) <= 8:
        return [[round(x, 5), round(y, 5)] for x, y, *_rest in ring]
    kept = [ring[0]]
    for point in ring[1:-1]:
        last = kept[-1]
        if abs(point[0] - last[0]) >= tolerance or abs(point[1] - last[1]) >= tolerance:
            kept.append(point)
    kept.append(ring[-1])
    if len(kept) < 4:
        kept = [ring[0], ring[len(ring) // 3], ring[2 * len(ring) // 3], ring[-1]]
    return [[round(x, 5), round(y, 5)] for x, y, *_rest in kept]


def simplify_geometry(geometry: dict[str, Any], tolerance: float) -> dict[str, Any]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_simplify_ring(r, tolerance) for r in coords]}
    if kind == "MultiPolygon":
        return {
            "type": kind,
            "coordinates": [[_simplify_ring(r, tolerance) for r in poly] for poly in coords],
        }
    return geometry


def map_layers(*, actor: Any, dashboard: Dashboard) -> dict[str, Any]:
    """GeoJSON of the area's children with their figures, markers for children without a
    boundary, and case points from street level down."""
    from needle.areas.selectors import boundary_features

    area = dashboard.area
    if area is None:
        raise ValidationFailed(fields={"area": _("Maps are drawn for areas.")})
    by_code = {r.key: r.figures for r in dashboard.children if r.kind == "area"}
    by_code[area.code] = dashboard.totals
    tolerance = 0.0008 if area.depth <= 2 else 0.0003 if area.depth == 3 else 0.0001
    features = []
    drawn = set()
    shapes = boundary_features(area=area)
    # A city's map may draw its grandchildren (the districts): their figures too.
    missing = [f["properties"]["code"] for f in shapes if f["properties"]["code"] not in by_code]
    if missing:
        by_code.update(
            figures_of_areas(list(_areas().filter(code__in=missing)), dashboard.start, dashboard.end)
        )
    for f in shapes:
        code = f["properties"]["code"]
        figures = by_code.get(code)
        drawn.add(code)
        f["geometry"] = simplify_geometry(f["geometry"], tolerance)
        f["properties"]["figures"] = _map_figures(figures) if figures else None
        f["properties"]["url"] = f"/operations/area/{code}/"
        features.append(f)
    children = {r.key: r for r in dashboard.children if r.kind == "area"}
    centroids = {
        a["code"]: a
        for a in Area.objects.filter(
            code__in=[c for c in children if c not in drawn], centroid_lat__isnull=False
        ).values("code", "centroid_lat", "centroid_lng")
    }
    markers = [
        {
            "code": code,
            "name": children[code].name,
            "lat": c["centroid_lat"],
            "lng": c["centroid_lng"],
            "url": f"/operations/area/{code}/",
            "figures": _map_figures(children[code].figures),
        }
        for code, c in centroids.items()
    ]
    points = (
        area_case_points(actor=actor, area=area, start=dashboard.start, end=dashboard.end)
        if area.depth >= POINTS_FROM_DEPTH
        else []
    )
    return {
        "type": "FeatureCollection",
        "features": features,
        "markers": markers,
        "points": points,
        "centre": [area.centroid_lat, area.centroid_lng] if area.has_centroid else None,
    }


def figures_of_areas(areas: list[Area], start: dt.date, end: dt.date) -> dict[str, Figures]:
    """Figures (period flows and backlog) of some areas of one depth, by code, in two queries."""
    if not areas:
        return {}
    depth = areas[0].depth
    areas = [a for a in areas if a.depth == depth]
    ids = {a.pk: a.code for a in areas}
    if depth <= TOTAL_DEPTH:
        qs: QuerySet[Any] = NodeRollup.objects.filter(grouping=Grouping.TOTAL, area_id__in=ids)
        key = "area_id"
    else:
        level = f"a{depth}"
        qs = CaseRollup.objects.filter(**{f"{level}__in": ids})
        key = level
    rows = _sums(_period_and_backlog(qs, start, end), [key], COUNTER_NAMES)
    return {ids[k]: f for k, f in _grouped(rows, key).items()}


def _map_figures(f: Figures) -> dict[str, Any]:
    return {
        "received": f.received,
        "open": f.open,
        "overdue_open": f.overdue_open,
        "response_rate": f.response_rate,
        "resolution_rate": f.resolution_rate,
        "satisfaction_rate": f.satisfaction_rate,
        "on_time_rate": f.on_time_rate,
    }


def subscriptions_of(*, actor: Any) -> list[Any]:
    from needle.operations.models import ReportSubscription

    require_authenticated(actor)
    return list(ReportSubscription.objects.filter(person=actor).select_related("area").order_by("area__path"))


# Alerts --------------------------------------------------------------------------------------


@dataclass
class Alert:
    area: Area
    service: Service
    day: dt.date
    count: int
    mean: float
    sd: float

    @property
    def ratio(self) -> float | None:
        return round(self.count / self.mean, 1) if self.mean else None


ALERT_WINDOW = 28
ALERT_SIGMAS = 3.0
ALERT_MINIMUM = 5


def alerts_for(
    *, actor: Any, area: Area, day: dt.date, minimum: int = ALERT_MINIMUM, sigmas: float = ALERT_SIGMAS
) -> list[Alert]:
    """Child area × service pairs whose requests received on `day` exceed the mean plus
    `sigmas` standard deviations of the previous 28 days, and at least `minimum`. The node
    itself is compared when it has no children (a grid)."""
    require_authenticated(actor)
    if not can_in_area(actor, PERM, area):
        raise NotFound(_("You have no figures for the area %(code)s.") % {"code": area.code})
    first = day - dt.timedelta(days=ALERT_WINDOW)
    qs: QuerySet[Any]
    if area.depth + 1 <= NODE_DEPTH:
        qs = NodeRollup.objects.filter(grouping=Grouping.SERVICE, parent_key=area.pk)
        rows = _sums(_days(qs, first, day), ["area_id", "key", "day"], ["received"])
        a_key, s_key = "area_id", "key"
    elif area.depth >= MAX_DEPTH or not Area.objects.filter(parent=area).exists():
        qs = _subtree(area)  # the area's own rows: it has no children
        rows = [
            {**r, "node": area.pk} for r in _sums(_days(qs, first, day), ["service_id", "day"], ["received"])
        ]
        a_key, s_key = "node", "service_id"
    else:
        level = f"a{area.depth + 1}"
        qs = _subtree(area).filter(**{f"{level}__isnull": False})
        rows = _sums(_days(qs, first, day), [level, "service_id", "day"], ["received"])
        a_key, s_key = level, "service_id"
    series: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    for r in rows:
        series[(r[a_key], r[s_key])][_as_date(r["day"])] = r["received"] or 0
    found = []
    for (area_id, service_id), counts in series.items():
        today = counts.get(day, 0)
        if today < minimum:
            continue
        history = [counts.get(first + dt.timedelta(days=i), 0) for i in range(ALERT_WINDOW)]
        mean = sum(history) / ALERT_WINDOW
        sd = (sum((x - mean) ** 2 for x in history) / ALERT_WINDOW) ** 0.5
        if today > mean + sigmas * sd:
            found.append((area_id, service_id, today, mean, sd))
    areas = _areas().in_bulk({f[0] for f in found})
    services = Service.objects.in_bulk({f[1] for f in found})
    alerts = [
        Alert(area=areas[a], service=services[s], day=day, count=n, mean=round(m, 2), sd=round(sd, 2))
        for a, s, n, m, sd in found
        if a in areas and s in services
    ]
    return sorted(alerts, key=lambda x: (-(x.count - x.mean), x.area.code))


def org_figures(*, actor: Any, area: Area, start: dt.date, end: dt.date) -> Any:
    """The organization statistics of the area (orgs.selectors), or None without the right."""
    from needle.orgs.selectors import org_stats_for

    if not can_in_area(actor, "orgs.view_stats", area):
        return None
    return org_stats_for(actor=actor, area=area, start=start, end=end)
