"""Rebuilding a source's rollups from the raw facts: everything anew, or from a day on by
comparing with the stored rows and writing only where they differ."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.core.audit import audit_record
from needle.core.errors import ValidationFailed
from needle.core.sql import AnyOf
from needle.rollups.footprints import _add, _decode, _encode
from needle.rollups.models import (
    BACKLOG_DAY,
    KEY_GROUPINGS,
    SPANS,
    Grouping,
    block_start,
)
from needle.rollups.read import as_date
from needle.rollups.sources import Footprint, Source, Vec, source_named, sources
from needle.rollups.store import (
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
    leaf_key_columns,
)


def _affected_since(source: Source, lo: dt.datetime, day: dt.date) -> list[int]:
    """Objects with any fact at or after `lo`, or whose stored footprint reaches `day`."""
    ids = set(source.touched_since(lo))
    footprints = source.tables.footprints._default_manager
    ids |= set(footprints.filter(last_day__gte=day).values_list("pk", flat=True))
    return sorted(ids)


def _rebuild(source: Source, *, since: dt.date | None) -> int:
    if since is not None:
        return _rebuild_from(source, since)
    tz = timezone.get_default_timezone()
    source.tables.leaf._default_manager.all().delete()
    source.tables.footprints._default_manager.all().delete()
    ids = list(source.all_ids())
    for part in _chunks(ids):
        fresh = source.footprints(part, tz)
        rows: Footprint = {}
        for fp in fresh.values():
            _add(rows, fp, 1)
        apply_deltas(source, rows, nodes=False)
        _save_footprints(source, fresh, [])
    nodes_rebuild(source)
    return len(ids)


def _rebuild_from(source: Source, since: dt.date) -> int:
    """Recompute every row from `since` on from the raw facts and write only where the stored
    rows differ: a day whose rows are right costs reads, not writes (the writes, through the
    tables' indexes, are what a rebuild spends its time on). Rows before `since` take the
    usual difference of the objects read (a case submitted long ago and closed since has
    left the backlog row of its submission)."""
    tz = timezone.get_default_timezone()
    ids = _affected_since(source, dt.datetime.combine(since, dt.time.min, tzinfo=tz), since)
    recomputed: Footprint = {}  # every leaf row from `since` on
    earlier: Footprint = {}  # changes to the rows before `since`
    footprints = source.tables.footprints._default_manager
    for part in _chunks(ids):
        old = dict(footprints.filter(AnyOf("pk", part)).values_list("pk", "data"))
        fresh = source.footprints(part, tz)
        for cid in part:
            for key, vec in fresh.get(cid, {}).items():
                _accumulate(recomputed if key[0] >= since else earlier, key, vec)
            previous = old.get(cid)
            if previous:
                _add(earlier, {k: v for k, v in _decode(previous).items() if k[0] < since}, -1)
        changed = {cid: fp for cid, fp in fresh.items() if old.get(cid) != _encode(fp)}
        _save_footprints(source, changed, [cid for cid in old if cid not in fresh])
    apply_deltas(source, earlier)
    apply_deltas(source, _leaf_differences(source, since, recomputed), nodes=False)
    _node_differences_apply(source, since)
    return len(ids)


def _leaf_differences(source: Source, since: dt.date, recomputed: Footprint) -> Footprint:
    """recomputed - stored, for the leaf rows from `since` on that differ. A stored row whose
    area has moved in the tree (or gone) since it was written is deleted, so that it comes back
    with the area's current path and ancestors."""
    leaf = source.tables.leaf._default_manager
    nkeys = len(source.keys)
    rows = list(
        leaf.filter(day__gte=since).values_list(
            "id", "area_path", *leaf_key_columns(source), *source.counter_names
        )
    )
    paths = dict(Area.objects.filter(AnyOf("id", {r[3] for r in rows})).values_list("pk", "path"))
    fresh = dict(recomputed)
    out: Footprint = {}
    stale = []
    for pk, path, day, area, *rest in rows:
        keys, vec = (*rest[:nkeys], 0, 0)[:2], rest[nkeys:]
        key = (day, area, keys[0], keys[1])
        new = fresh.pop(key, None)
        if paths.get(area) != path:
            stale.append(pk)
            if new is not None:
                out[key] = new
        elif new != vec:
            out[key] = _minus(new, vec)
    if stale:
        leaf.filter(AnyOf("id", stale)).delete()
    out.update(fresh)  # rows not stored at all
    return out


def _node_differences_apply(source: Source, since: dt.date) -> None:
    """Bring the node rows from `since` on to the sums of the (already rebuilt) leaf rows: first
    the day rows, then each span's blocks that hold a day from `since` from the blocks half as
    long, each summed again, compared with the stored rows and written where they differ."""
    meta: dict[int, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        sums_by_key: list[tuple[Any, ...]] = []
        for sql, params in _node_day_selects(source, since):
            cursor.execute(sql, params)
            sums_by_key += cursor.fetchall()
        stored = _node_rows(source, source.tables.node._default_manager.filter(span=1, day__gte=since))
        _node_rows_write(source, _node_differences(source, sums_by_key, stored, meta), meta)
    _blocks_differences_apply(source, since)


def _blocks_differences_apply(source: Source, since: dt.date) -> None:
    """Each span's blocks from the one holding `since` on, summed again from the blocks half as
    long and compared with the stored ones, in the database: one INSERT per block adds the
    rows that differ (the new sums, less the stored rows, grouped), then rows left at zero go."""
    # The last block of each span (index (span, day)): a stale block past the last day row goes too.
    model, counters = source.tables.node, source.counter_names
    ends = [model._default_manager.filter(span=span).aggregate(last=Max("day"))["last"] for span in SPANS]
    last = max((d for d in ends if d is not None), default=None)
    if last is None:
        return
    last = max(last, since)
    qn, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    node = qn(model._meta.db_table)
    head, sums = _node_sql(source)
    cols = f"{qn('grouping')}, area_id, depth, parent_key, {qn('key')}"
    plus = ", ".join(qn(c) for c in counters)
    minus = ", ".join(f"-{qn(c)}" for c in counters)
    differs = " OR ".join(f"SUM({qn(c)}) <> 0" for c in counters)
    # Identifiers come from model metadata, values are parameters.
    statement = (
        f"{head}SELECT {qn('grouping')}, %s, %s, area_id, depth, parent_key, {qn('key')}, {sums} "  # noqa: S608
        f"FROM (SELECT {cols}, {plus} FROM {node} WHERE span = %s AND day >= %s AND day < %s "
        f"UNION ALL SELECT {cols}, {minus} FROM {node} WHERE span = %s AND day = %s) AS d "
        f"WHERE true GROUP BY {cols} HAVING {differs} {_adding_on_conflict(model, NODE_KEY, counters)}"
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
                f"DELETE FROM {node} WHERE span = %s AND day >= %s AND {_all_zero(counters)}",  # noqa: S608
                [span, adapt(first)],
            )


def _node_rows(source: Source, qs: Any) -> Iterator[tuple[Any, ...]]:
    """Node rows in the column order of _node_sql's INSERT."""
    names = ["grouping", "span", "day", "area_id", "depth", "parent_key", "key", *source.counter_names]
    return qs.values_list(*names).iterator(chunk_size=5000)


def _minus(new: Vec | None, stored: Sequence[int]) -> Vec:
    """What to add to a stored row to make it `new` (None: a row that should not exist)."""
    return [a - b for a, b in zip(new or [0] * len(stored), stored, strict=True)]


def _node_differences(
    source: Source,
    sums: Iterable[tuple[Any, ...]],
    stored: Iterable[tuple[Any, ...]],
    meta: dict[int, tuple[int, int]],
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
        source.tables.node._default_manager.filter(grouping__in=Grouping.values, area_id=node).update(
            depth=depth, parent_key=parent
        )
    out.update(fresh)  # rows not stored at all
    return out


def nodes_rebuild(source: Source) -> None:
    """The node rows from scratch: the day rows from the leaf rows by one grouped INSERT per
    depth and grouping, then every block, each span's from the one below."""
    nodes = source.tables.node._default_manager
    nodes.all().delete()
    head, _sums = _node_sql(source)
    with connection.cursor() as cursor:
        for sql, params in _node_day_selects(source, None):
            cursor.execute(head + sql, params)
    first = nodes.filter(span=1, day__gt=BACKLOG_DAY).aggregate(first=Min("day"))["first"]
    if first is not None:
        _blocks_differences_apply(source, first)


def _node_day_selects(source: Source, since: dt.date | None) -> Iterator[tuple[str, list[Any]]]:
    """SELECTs of the node day rows (from `since` on) summed from the leaf rows: one per depth
    and grouping, in the node table's column order."""
    _head, sums = _node_sql(source)
    qn = connection.ops.quote_name
    leaf = qn(source.tables.leaf._meta.db_table)
    params: list[Any] = []
    where = ""
    if since is not None:
        where = " AND day >= %s"
        params = [connection.ops.adapt_datefield_value(since)]
    for d in range(1, source.total_depth + 1):
        parent = f"COALESCE(a{d - 1}, 0)" if d > 1 else "0"
        group_parent = f", {parent}" if d > 1 else ""
        groupings = [(Grouping.TOTAL.value, "0")]
        if d <= source.node_depth:
            groupings += [(g, qn(k.column)) for g, k in zip(KEY_GROUPINGS, source.keys, strict=False)]
        for grouping, key in groupings:
            yield (
                f"SELECT '{grouping}', 1, day, a{d}, {d}, {parent}, {key}, {sums} "  # noqa: S608
                f"FROM {leaf} WHERE a{d} IS NOT NULL{where} GROUP BY day, a{d}{group_parent}"
                f"{'' if key == '0' else ', ' + key}",
                params,
            )


def rollups_rebuild(*, actor: Any, since: dt.date | None = None, source: str | None = None) -> int:
    """Recompute the rollups of one source (every source when None) from `since` (all when
    None) from the raw facts, in one transaction; audited. From a day, rows are compared and
    only the differing ones written (_rebuild_from). Returns the number of objects read."""
    if since is not None and since > timezone.localdate():
        raise ValidationFailed(fields={"since": _("The day must not be in the future.")})
    chosen = [source_named(source)] if source is not None else sources()
    with transaction.atomic():
        state = _lock_state()
        started = timezone.now()
        read = {s.name: _rebuild(s, since=since) for s in chosen}
        if since is None and source is None:
            state.watermark = started
        if since is None:
            names = {s.name for s in chosen}
            kept = [b for b in state.built if b.split("@")[0] not in names]
            state.built = sorted({*kept, *(s.built_as for s in chosen)})
        state.refreshed_at = started
        state.save()
        audit_record(
            actor=actor,
            action="operations.rollups.rebuilt",
            object_type="rollups.source",
            new={"since": since, "read": read},
        )
    return sum(read.values())
