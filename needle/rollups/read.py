"""Reading a source's rollups: the rows that sum to a node's figures over a period (the fewest node
blocks, or leaf days below the node depth), summed by the database."""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db.models import Max, Model, Q, QuerySet, Sum

from needle.areas.models import Area
from needle.rollups.models import (
    BACKLOG_DAY,
    KEY_GROUPINGS,
    Grouping,
    NodeRows,
    RollupState,
    period_blocks,
)
from needle.rollups.sources import Source


def sums(qs: QuerySet[Any], group: list[str], names: Iterable[str]) -> list[dict[str, Any]]:
    """The sums of the `names` counters of these rows, per `group` (one dict when none)."""
    totals = {n: Sum(n) for n in names}
    if not group:
        return [qs.order_by().aggregate(**totals)]
    return list(qs.order_by().values(*group).annotate(**totals))


def days(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The rows of each day of [start, end]."""
    if issubclass(qs.model, NodeRows):
        qs = qs.filter(span=1)
    return qs.filter(day__gte=start, day__lte=end)


def _period_q(model: Any, start: dt.date, end: dt.date) -> Q:
    """Rows that sum to [start, end]: a leaf table's days, a node table's fewest blocks."""
    if not issubclass(model, NodeRows):
        return Q(day__gte=start, day__lte=end)
    by_span: dict[int, list[dt.date]] = defaultdict(list)
    for span, day in period_blocks(start, end):
        by_span[span].append(day)
    return reduce(operator.or_, (Q(span=s, day__in=days) for s, days in by_span.items()))


def _backlog_q(model: Any) -> Q:
    return Q(day=BACKLOG_DAY, **({"span": 1} if issubclass(model, NodeRows) else {}))


def period(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    return qs.filter(_period_q(qs.model, start, end))


def backlog(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(_backlog_q(qs.model))


def period_and_backlog(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """The rows of [start, end] and of the backlog: flows sit on days and the backlog on
    BACKLOG_DAY, never on one row, so one sum of every counter gives both."""
    return qs.filter(_period_q(qs.model, start, end) | _backlog_q(qs.model))


def subtree(leaf: type[Model], area: Area) -> QuerySet[Any]:
    """A leaf table's rows of the area's subtree (indexed by the id at the area's depth and the
    day, from the depths a source reads leaf rows at)."""
    return leaf._default_manager.filter(**{f"a{area.depth}": area.pk})


def as_date(value: Any) -> dt.date:
    """A day as the database returns it (SQLite: text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def rollup_status() -> dict[str, Any]:
    state = RollupState.objects.filter(id=1).first()
    return {"refreshed_at": state.refreshed_at if state else None, "ready": bool(state and state.watermark)}


def area_sums(
    source: Source, areas: Iterable[Area], start: dt.date, end: dt.date, *, stocks: bool = True
) -> dict[int, dict[str, int]]:
    """Each area's counters of a source, by the area's id: its flows over [start, end] and (if
    `stocks`) its stocks now, zero where nothing was counted. One GROUP BY per depth among the
    areas: node rows down to the source's total depth, leaf rows below."""
    by_depth: dict[int, list[int]] = defaultdict(list)
    for area in areas:
        by_depth[area.depth].append(area.pk)
    names = source.counter_names
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(names, 0) for ids in by_depth.values() for pk in ids}
    for depth, ids in by_depth.items():
        rows: QuerySet[Any]
        if depth <= source.total_depth:
            key = "area_id"
            rows = source.tables.node._default_manager.filter(grouping=Grouping.TOTAL, area_id__in=ids)
        else:
            key = f"a{depth}"
            rows = source.tables.leaf._default_manager.filter(**{f"{key}__in": ids})
        chosen = period_and_backlog(rows, start, end) if stocks else period(rows, start, end)
        for row in sums(chosen, [key], names):
            out[row[key]] = {n: int(row[n] or 0) for n in names}
    return out


def key_sums(
    source: Source, area: Area, index: int, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """The area's counters of a source by the value of its `index`th key (flows over [start,
    end], stocks now): node rows down to the source's node depth, leaf rows below."""
    names = source.counter_names
    rows: QuerySet[Any]
    if area.depth <= source.node_depth:
        key = "key"
        rows = source.tables.node._default_manager.filter(grouping=KEY_GROUPINGS[index], area_id=area.pk)
    else:
        key = source.keys[index].column
        rows = subtree(source.tables.leaf, area)
    return {
        row[key]: {n: int(row[n] or 0) for n in names}
        for row in sums(period_and_backlog(rows, start, end), [key], names)
    }


def last_day(source: Source) -> dt.date | None:
    """The latest day a source has counted anything on (facts may be dated ahead of today);
    none when it has counted nothing."""
    last = source.tables.leaf._default_manager.filter(day__gt=BACKLOG_DAY).aggregate(last=Max("day"))["last"]
    return as_date(last) if last is not None else None
