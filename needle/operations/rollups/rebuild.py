"""Rebuilding the rollups from the raw facts: everything anew, or from a day on by comparing
with the stored rows and writing only where they differ."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.cases.models import Callback, Case, CaseEvent, EventKind
from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.core.sql import AnyOf
from needle.operations.models import (
    BACKLOG_DAY,
    COUNTERS,
    NODE_DEPTH,
    SPANS,
    TOTAL_DEPTH,
    CaseFootprint,
    CaseRollup,
    Grouping,
    NodeRollup,
    block_start,
)
from needle.operations.rollups.footprints import (
    LeafKey,
    N,
    Vec,
    _add,
    _decode,
    _encode,
    case_facts,
    footprint,
)
from needle.operations.rollups.read import as_date
from needle.operations.rollups.store import (
    NODE_KEY,
    NodeRowKey,
    _accumulate,
    _adding_on_conflict,
    _all_zero,
    _chunks,
    _lock_state,
    _node_rows_write,
    _node_sql,
    _save_footprints,
    apply_deltas,
)


def _affected_since(lo: dt.datetime, day: dt.date) -> list[int]:
    """Cases with any fact at or after `lo`, or whose stored footprint reaches `day`. Every arm
    is an indexed column, so the cases table is read by index ranges, not scanned: a dispatch
    (dispatched_at has no index) stamps updated_at, as every change of a case does."""
    q = Q(submitted_at__gte=lo) | Q(accept_due_at__gte=lo) | Q(resolved_at__gte=lo) | Q(updated_at__gte=lo)
    ids = set(Case.objects.filter(q).values_list("pk", flat=True))
    ids |= set(Callback.objects.filter(at__gte=lo).values_list("case_id", flat=True))
    ids |= set(
        CaseEvent.objects.filter(at__gte=lo, kind=EventKind.REOPENED).values_list("case_id", flat=True)
    )
    ids |= set(CaseFootprint.objects.filter(last_day__gte=day).values_list("case_id", flat=True))
    return sorted(ids)


def _rebuild(*, since: dt.date | None) -> int:
    if since is not None:
        return _rebuild_from(since)
    tz = timezone.get_default_timezone()
    CaseRollup.objects.all().delete()
    CaseFootprint.objects.all().delete()
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for part in _chunks(ids):
        fresh = {f.id: footprint(f, tz) for f in case_facts(part)}
        rows: dict[LeafKey, Vec] = {}
        for fp in fresh.values():
            _add(rows, fp, 1)
        apply_deltas(rows, nodes=False)
        _save_footprints(fresh, [])
    nodes_rebuild()
    return len(ids)


def _rebuild_from(since: dt.date) -> int:
    """Recompute every row from `since` on from the raw facts and write only where the stored
    rows differ: a day whose rows are right costs reads, not writes (the writes, through the
    tables' indexes, are what a rebuild spends its time on). Rows before `since` take the
    usual difference of the cases read (a case submitted long ago and closed since has left
    the backlog row of its submission)."""
    tz = timezone.get_default_timezone()
    ids = _affected_since(dt.datetime.combine(since, dt.time.min, tzinfo=tz), since)
    recomputed: dict[LeafKey, Vec] = {}  # every leaf row from `since` on
    earlier: dict[LeafKey, Vec] = {}  # changes to the rows before `since`
    for part in _chunks(ids):
        old = dict(CaseFootprint.objects.filter(AnyOf("case_id", part)).values_list("case_id", "data"))
        fresh = {f.id: footprint(f, tz) for f in case_facts(part)}
        for cid in part:
            for key, vec in fresh.get(cid, {}).items():
                _accumulate(recomputed if key[0] >= since else earlier, key, vec)
            previous = old.get(cid)
            if previous:
                _add(earlier, {k: v for k, v in _decode(previous).items() if k[0] < since}, -1)
        changed = {cid: fp for cid, fp in fresh.items() if old.get(cid) != _encode(fp)}
        _save_footprints(changed, [cid for cid in old if cid not in fresh])
    apply_deltas(earlier)
    apply_deltas(_leaf_differences(since, recomputed), nodes=False)
    _node_differences_apply(since)
    return len(ids)


def _leaf_differences(since: dt.date, recomputed: dict[LeafKey, Vec]) -> dict[LeafKey, Vec]:
    """recomputed - stored, for the leaf rows from `since` on that differ. A stored row whose
    area has moved in the tree (or gone) since it was written is deleted, so that it comes back
    with the area's current path and ancestors."""
    rows = list(
        CaseRollup.objects.filter(day__gte=since).values_list(
            "id", "day", "area_id", "service_id", "unit_key", "area_path", *COUNTERS
        )
    )
    paths = dict(Area.objects.filter(AnyOf("id", {r[2] for r in rows})).values_list("pk", "path"))
    fresh = dict(recomputed)
    out: dict[LeafKey, Vec] = {}
    stale = []
    for pk, day, area, service, unit, path, *vec in rows:
        key = (day, area, service, unit)
        new = fresh.pop(key, None)
        if paths.get(area) != path:
            stale.append(pk)
            if new is not None:
                out[key] = new
        elif new != vec:
            out[key] = _minus(new, vec)
    if stale:
        CaseRollup.objects.filter(AnyOf("id", stale)).delete()
    out.update(fresh)  # rows not stored at all
    return out


def _node_differences_apply(since: dt.date) -> None:
    """Bring NodeRollup from `since` on to the sums of the (already rebuilt) leaf rows: first
    the day rows, then each span's blocks that hold a day from `since` from the blocks half as
    long, each summed again, compared with the stored rows and written where they differ."""
    meta: dict[int, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        sums_by_key: list[tuple[Any, ...]] = []
        for sql, params in _node_day_selects(since):
            cursor.execute(sql, params)
            sums_by_key += cursor.fetchall()
        stored = _node_rows(NodeRollup.objects.filter(span=1, day__gte=since))
        _node_rows_write(_node_differences(sums_by_key, stored, meta), meta)
    _blocks_differences_apply(since)


def _blocks_differences_apply(since: dt.date) -> None:
    """Each span's blocks from the one holding `since` on, summed again from the blocks half as
    long and compared with the stored ones, in the database: one INSERT per block adds the
    rows that differ (the new sums, less the stored rows, grouped), then rows left at zero go."""
    # The last block of each span (index (span, day)): a stale block past the last day row goes too.
    ends = [NodeRollup.objects.filter(span=span).aggregate(last=Max("day"))["last"] for span in SPANS]
    last = max((d for d in ends if d is not None), default=None)
    if last is None:
        return
    last = max(last, since)
    qn, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    node = qn(NodeRollup._meta.db_table)
    head, sums = _node_sql()
    cols = f"{qn('grouping')}, area_id, depth, parent_key, {qn('key')}"
    plus = ", ".join(qn(c) for c in COUNTERS)
    minus = ", ".join(f"-{qn(c)}" for c in COUNTERS)
    differs = " OR ".join(f"SUM({qn(c)}) <> 0" for c in COUNTERS)
    # Identifiers come from model metadata, values are parameters.
    statement = (
        f"{head}SELECT {qn('grouping')}, %s, %s, area_id, depth, parent_key, {qn('key')}, {sums} "  # noqa: S608
        f"FROM (SELECT {cols}, {plus} FROM {node} WHERE span = %s AND day >= %s AND day < %s "
        f"UNION ALL SELECT {cols}, {minus} FROM {node} WHERE span = %s AND day = %s) AS d "
        f"WHERE true GROUP BY {cols} HAVING {differs} {_adding_on_conflict(NodeRollup, NODE_KEY)}"
    )
    with connection.cursor() as cursor:
        for half, span in itertools.pairwise(SPANS):
            first = block_start(since, span)
            for ordinal in range(first.toordinal(), last.toordinal() + 1, span):
                lo = dt.date.fromordinal(ordinal)
                cursor.execute(
                    statement,
                    [span, adapt(lo), half, adapt(lo), adapt(lo + dt.timedelta(days=span)), span, adapt(lo)],
                )
            cursor.execute(
                f"DELETE FROM {node} WHERE span = %s AND day >= %s AND {_all_zero()}",  # noqa: S608
                [span, adapt(first)],
            )


def _node_rows(qs: Any) -> Iterator[tuple[Any, ...]]:
    """NodeRollup rows in the column order of _node_sql's INSERT."""
    names = ["grouping", "span", "day", "area_id", "depth", "parent_key", "key", *COUNTERS]
    return qs.values_list(*names).iterator(chunk_size=5000)


def _minus(new: Vec | None, stored: Sequence[int]) -> Vec:
    """What to add to a stored row to make it `new` (None: a row that should not exist)."""
    return [a - b for a, b in zip(new or [0] * N, stored, strict=True)]


def _node_differences(
    sums: Iterable[tuple[Any, ...]], stored: Iterable[tuple[Any, ...]], meta: dict[int, tuple[int, int]]
) -> dict[NodeRowKey, Vec]:
    """sums - stored, for the rows that differ. The sums say where each node now sits in the
    tree; stored rows that say otherwise belong to a node that has moved, and all its rows
    are relabelled at once."""
    fresh: dict[NodeRowKey, Vec] = {}
    for grouping, span, day, node, depth, parent, key, *vec in sums:
        fresh[(grouping, span, as_date(day), node, key)] = vec
        meta[node] = (depth, parent)
    out: dict[NodeRowKey, Vec] = {}
    moved = {}
    for grouping, span, day, node, depth, parent, key, *vec in stored:
        row_key = (grouping, span, day, node, key)
        new = fresh.pop(row_key, None)
        if new != vec:
            out[row_key] = _minus(new, vec)
        now = meta.setdefault(node, (depth, parent))
        if now != (depth, parent):
            moved[node] = now
    for node, (depth, parent) in moved.items():
        NodeRollup.objects.filter(grouping__in=Grouping.values, area_id=node).update(
            depth=depth, parent_key=parent
        )
    out.update(fresh)  # rows not stored at all
    return out


def nodes_rebuild() -> None:
    """NodeRollup from scratch: the day rows from CaseRollup by one grouped INSERT per depth and
    grouping, then every block, each span's from the one below."""
    NodeRollup.objects.all().delete()
    head, _sums = _node_sql()
    with connection.cursor() as cursor:
        for sql, params in _node_day_selects(None):
            cursor.execute(head + sql, params)
    first = NodeRollup.objects.filter(span=1, day__gt=BACKLOG_DAY).aggregate(first=Min("day"))["first"]
    if first is not None:
        _blocks_differences_apply(first)


def _node_day_selects(since: dt.date | None) -> Iterator[tuple[str, list[Any]]]:
    """SELECTs of NodeRollup's day rows (from `since` on) summed from CaseRollup: one per
    depth and grouping, in NodeRollup's column order."""
    _head, sums = _node_sql()
    leaf = connection.ops.quote_name(CaseRollup._meta.db_table)
    params: list[Any] = []
    where = ""
    if since is not None:
        where = " AND day >= %s"
        params = [connection.ops.adapt_datefield_value(since)]
    for d in range(1, TOTAL_DEPTH + 1):
        parent = f"COALESCE(a{d - 1}, 0)" if d > 1 else "0"
        group_parent = f", {parent}" if d > 1 else ""
        groupings = [(Grouping.TOTAL.value, "0")]
        if d <= NODE_DEPTH:
            groupings += [(Grouping.SERVICE.value, "service_id"), (Grouping.UNIT.value, "unit_key")]
        for grouping, key in groupings:
            yield (
                f"SELECT '{grouping}', 1, day, a{d}, {d}, {parent}, {key}, {sums} "  # noqa: S608
                f"FROM {leaf} WHERE a{d} IS NOT NULL{where} GROUP BY day, a{d}{group_parent}"
                f"{'' if key == '0' else ', ' + key}",
                params,
            )


def rollups_rebuild(*, actor: Any, since: dt.date | None = None) -> int:
    """Recompute the rollups from `since` (all when None) from the raw facts, in one
    transaction; audited. From a day, rows are compared and only the differing ones written
    (_rebuild_from). Returns the number of cases read."""
    if since is not None and since > timezone.localdate():
        raise ValidationFailed(fields={"since": _("The day must not be in the future.")})
    with transaction.atomic():
        state = _lock_state()
        started = timezone.now()
        n = _rebuild(since=since)
        if since is None:
            state.watermark = started
        state.refreshed_at = started
        state.save()
        audit_record(
            actor=actor,
            action="operations.rollups.rebuilt",
            object_type="operations.caserollup",
            new={"since": since, "cases": n},
        )
    return n
