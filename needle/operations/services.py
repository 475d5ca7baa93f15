"""Writes of the operations app: keeping the rollups, rebuilding them, report subscriptions.

How the rollups stay right. Each case's contribution to the rollups (its "footprint": which
rows it adds to, by how much) is a pure function of the raw facts: the case's columns, its
callbacks and its reopenings. The refresh finds the cases changed since its watermark, computes
each one's footprint again, and adds (new - old) to the rows; the new footprint is stored in the
same transaction. A case seen twice adds nothing the second time, so a refresh may run twice
or overlap its predecessor's window. `rollups_rebuild` computes the footprints again from the
raw facts (all rows anew, or from a day on compared with the stored rows): the two must agree,
and the tests check that they do.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.cases.models import OPEN_STATES, Callback, Case, CaseEvent, Colour, EventKind
from needle.core.audit import audit_record
from needle.core.errors import NotFound, ValidationFailed
from needle.core.sql import AnyOf
from needle.operations.models import (
    BACKLOG,
    BACKLOG_DAY,
    COUNTERS,
    MAX_DEPTH,
    NODE_DEPTH,
    SPANS,
    TOTAL_DEPTH,
    CaseFootprint,
    CaseRollup,
    Frequency,
    Grouping,
    NodeRollup,
    ReportSubscription,
    RollupState,
    block_start,
)
from needle.orgs.permissions import can_in_area, require_authenticated

log = logging.getLogger(__name__)

N = len(COUNTERS)
BACKLOG_NAMES = BACKLOG
IX = {name: i for i, name in enumerate(COUNTERS)}
# A refresh reads again this far behind its watermark: a transaction that stamped a case just
# before the last refresh read may have committed just after it.
OVERLAP = dt.timedelta(minutes=2)
CHUNK = 2000

LeafKey = tuple[dt.date, int, int, int]  # day, area id, service id, lead unit id (0: none)
NodeKey = tuple[str, dt.date, int, int]  # grouping, day, node area id, service or unit id
NodeRowKey = tuple[str, int, dt.date, int, int]  # grouping, span, first day, node area id, key
NODE_KEY = ["grouping", "area_id", "span", "day", "key"]  # NodeRollup's unique key
Vec = list[int]


# Footprints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """The raw facts one case's footprint is computed from."""

    id: int
    area_id: int
    service_id: int
    lead_unit_id: int | None
    state: str
    colour: str
    submitted_at: dt.datetime
    dispatched_at: dt.datetime | None
    accept_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    callbacks: tuple[tuple[dt.datetime, int | None, bool, int | None], ...] = ()
    reopenings: tuple[tuple[dt.datetime, int | None], ...] = ()


CASE_FIELDS = [
    "id",
    "area_id",
    "service_id",
    "lead_unit_id",
    "state",
    "colour",
    "submitted_at",
    "dispatched_at",
    "accept_due_at",
    "accepted_at",
    "resolved_at",
    "resolve_due_at",
]


def local_day(moment: dt.datetime, tz: Any = None) -> dt.date:
    return moment.astimezone(tz or timezone.get_default_timezone()).date()


def footprint(case: CaseFacts, tz: Any = None) -> dict[LeafKey, Vec]:
    """The rows a case adds to and by how much, exactly as DESIGN.md defines the rates (and as
    needle.cases.selectors.rates_for counts them): each fact on the day it happened, under the
    case's area and service; case facts under the current lead unit, a callback under the unit
    it rated, a reopening under the unit it went back to."""
    tz = tz or timezone.get_default_timezone()
    out: dict[LeafKey, Vec] = {}

    def add(moment: dt.datetime, unit: int | None, *names: str) -> None:
        key = (moment.astimezone(tz).date(), case.area_id, case.service_id, unit or 0)
        vec = out.get(key)
        if vec is None:
            vec = out[key] = [0] * N
        for name in names:
            vec[IX[name]] += 1

    unit = case.lead_unit_id
    if case.state in OPEN_STATES:
        key = (BACKLOG_DAY, case.area_id, case.service_id, unit or 0)
        vec = out[key] = [0] * N
        vec[IX["open"]] = 1
        colour: dict[str, str] = {
            Colour.BLUE.value: "due_soon",
            Colour.YELLOW.value: "overdue",
            Colour.RED.value: "overdue_serious",
        }
        if case.colour in colour:
            vec[IX[colour[case.colour]]] = 1
    add(case.submitted_at, unit, "received")
    if case.dispatched_at is not None:
        add(case.dispatched_at, unit, "dispatched")
    if case.accept_due_at is not None:
        on_time = case.accepted_at is not None and case.accepted_at <= case.accept_due_at
        add(case.accept_due_at, unit, "response_due", *(["responded_on_time"] if on_time else []))
    if case.resolved_at is not None:
        on_time = case.resolve_due_at is not None and case.resolved_at <= case.resolve_due_at
        add(case.resolved_at, unit, "resolved", *(["resolved_on_time"] if on_time else []))
    for at, cb_unit, solved, rating in case.callbacks:
        names = ["callbacks"]
        if solved:
            names.append("solved")
        if rating is not None:
            names.append("rated")
            if rating >= 4:
                names.append("satisfied")
        add(at, cb_unit, *names)
    for at, ev_unit in case.reopenings:
        add(at, ev_unit, "reopened")
    return out


def _encode(fp: dict[LeafKey, Vec]) -> dict[str, Vec]:
    return {f"{d.isoformat()}|{a}|{s}|{u}": v for (d, a, s, u), v in fp.items()}


def _decode(data: dict[str, Vec]) -> dict[LeafKey, Vec]:
    out: dict[LeafKey, Vec] = {}
    for key, vec in data.items():
        d, a, s, u = key.split("|")
        out[(dt.date.fromisoformat(d), int(a), int(s), int(u))] = list(vec)
    return out


def case_facts(ids: Sequence[int]) -> list[CaseFacts]:
    """The facts of these cases (the ones that still exist), in three queries."""
    callbacks: dict[int, list[tuple[dt.datetime, int | None, bool, int | None]]] = defaultdict(list)
    for cid, at, unit, solved, rating in Callback.objects.filter(AnyOf("case_id", ids)).values_list(
        "case_id", "at", "lead_unit_id", "solved", "rating"
    ):
        callbacks[cid].append((at, unit, solved, rating))
    reopenings: dict[int, list[tuple[dt.datetime, int | None]]] = defaultdict(list)
    for cid, at, unit in CaseEvent.objects.filter(AnyOf("case_id", ids), kind=EventKind.REOPENED).values_list(
        "case_id", "at", "unit_id"
    ):
        reopenings[cid].append((at, unit))
    return [
        CaseFacts(
            **dict(zip(CASE_FIELDS, row, strict=True)),
            callbacks=tuple(callbacks.get(row[0], ())),
            reopenings=tuple(reopenings.get(row[0], ())),
        )
        for row in Case.objects.filter(AnyOf("id", ids)).order_by().values_list(*CASE_FIELDS)
    ]


# Writing rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaInfo:
    path: str
    depth: int
    levels: tuple[int | None, ...]  # ancestor-or-self id at depth 1..MAX_DEPTH


def area_infos(ids: Iterable[int]) -> dict[int, AreaInfo]:
    """Path, depth and ancestors' ids per depth of these areas, in two queries."""
    rows = list(Area.objects.filter(pk__in=set(ids)).values_list("pk", "path", "depth"))
    ancestor_paths: set[str] = set()
    for _pk, path, _depth in rows:
        parts = path.strip("/").split("/")
        ancestor_paths.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts) - 1))
    by_path = dict(Area.objects.filter(path__in=ancestor_paths).values_list("path", "pk"))
    out = {}
    for pk, path, depth in rows:
        parts = path.strip("/").split("/")
        levels: list[int | None] = [
            by_path.get("/".join(parts[: i + 1]) + "/") for i in range(len(parts) - 1)
        ]
        levels.append(pk)
        levels += [None] * (MAX_DEPTH - len(levels))
        out[pk] = AreaInfo(path=path, depth=depth, levels=tuple(levels[:MAX_DEPTH]))
    return out


def _upsert(model: Any, key_cols: list[str], rows: list[tuple[Any, ...]], cols: list[str]) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the counters (PostgreSQL and SQLite)."""
    _insert(model, cols, rows, _adding_on_conflict(model, key_cols))


def _adding_on_conflict(model: Any, key_cols: list[str]) -> str:
    """ON CONFLICT (key) DO UPDATE adding each counter of the new row to the stored one."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    adds = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in COUNTERS)
    return f"ON CONFLICT ({', '.join(qn(c) for c in key_cols)}) DO UPDATE SET {adds}"


def _all_zero() -> str:
    """Every counter of a row is zero (such rows are deleted: a table without them is the same
    whether it was refreshed or rebuilt)."""
    return " AND ".join(f"{connection.ops.quote_name(c)} = 0" for c in COUNTERS)


def _insert(model: Any, cols: list[str], rows: list[tuple[Any, ...]], tail: str) -> None:
    """INSERT these rows, then `tail` (an ON CONFLICT clause). On PostgreSQL all rows go in one
    statement as one array per column, each written in the array's text form: psycopg would
    spend seconds on thousands of placeholders, or dumping lists element by element."""
    if not rows:
        return
    qn = connection.ops.quote_name
    # Identifiers come from model metadata, values are parameters.
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in cols)}) "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [model._meta.get_field(c).db_type(connection) for c in cols]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"{head}SELECT * FROM unnest({arrays}) {tail}",  # noqa: S608
                [
                    _array_text(column, quoted=t not in UNQUOTED_TYPES)
                    for column, t in zip(zip(*rows, strict=True), types, strict=True)
                ],
            )
        else:
            cursor.executemany(f"{head}VALUES ({', '.join(['%s'] * len(cols))}) {tail}", rows)


UNQUOTED_TYPES = {"smallint", "integer", "bigint", "date"}


def _array_text(values: Sequence[Any], *, quoted: bool) -> str:
    """PostgreSQL's text form of a one-dimensional array of numbers or dates (as they print)
    or, `quoted`, of strings."""
    items: Iterable[str]
    if quoted:
        items = (
            "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
    elif None in values:
        items = ("NULL" if v is None else str(v) for v in values)
    else:
        items = map(str, values)
    return "{" + ",".join(items) + "}"


def _drop_empty(table: str, key_cols: list[str], keys: list[tuple[Any, ...]]) -> None:
    """Rows whose every counter fell to zero go, so a refreshed table equals a rebuilt one."""
    if not keys:
        return
    qn = connection.ops.quote_name
    where = " AND ".join(f"{qn(c)} = %s" for c in key_cols)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {qn(table)} WHERE {where} AND {_all_zero()}", keys)  # noqa: S608


def apply_deltas(deltas: dict[LeafKey, Vec], *, nodes: bool = True) -> None:
    """Add these per-key changes to CaseRollup and (unless `nodes` is off) to the NodeRollup
    rows of every ancestor down to NODE_DEPTH (TOTAL_DEPTH for the totals)."""
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas:
        return
    infos = area_infos(k[1] for k in deltas)
    adapt = connection.ops.adapt_datefield_value
    leaf_rows, shrinking = [], []
    node_deltas: dict[NodeKey, Vec] = {}
    node_meta: dict[int, tuple[int, int]] = {}
    for (day, area, service, unit), vec in deltas.items():
        info = infos.get(area)
        if info is None:  # an area deleted meanwhile: the next rebuild drops its rows
            continue
        leaf_rows.append((adapt(day), area, info.path, info.depth, *info.levels, service, unit, *vec))
        if min(vec) < 0:
            shrinking.append((adapt(day), area, service, unit))
        if not nodes:
            continue
        for d in range(1, min(info.depth, TOTAL_DEPTH) + 1):
            node = info.levels[d - 1]
            if node is None:
                continue
            node_meta[node] = (d, (info.levels[d - 2] or 0) if d > 1 else 0)
            keys = [(Grouping.TOTAL.value, day, node, 0)]
            if d <= NODE_DEPTH:
                keys += [(Grouping.SERVICE.value, day, node, service), (Grouping.UNIT.value, day, node, unit)]
            for key in keys:
                _accumulate(node_deltas, key, vec)
    leaf_key = ["day", "area_id", "service_id", "unit_key"]
    leaf_cols = ["day", "area_id", "area_path", "area_depth", "a1", "a2", "a3", "a4", "a5", "a6"]
    _upsert(CaseRollup, leaf_key, leaf_rows, [*leaf_cols, "service_id", "unit_key", *COUNTERS])
    _drop_empty(CaseRollup._meta.db_table, leaf_key, shrinking)
    if nodes:
        write_node_deltas(node_deltas, node_meta)


def _accumulate(sums: dict[Any, Vec], key: Any, vec: Vec) -> None:
    """sums[key] += vec, counter by counter (a copy of vec for a new key)."""
    acc = sums.get(key)
    if acc is None:
        sums[key] = list(vec)
    else:
        for i, x in enumerate(vec):
            acc[i] += x


def write_node_deltas(node_deltas: dict[NodeKey, Vec], node_meta: dict[int, tuple[int, int]]) -> None:
    """Add per-day changes to their NodeRollup day rows and to every block holding the day."""
    blocks: dict[NodeRowKey, Vec] = {}
    for (grouping, day, node, key), vec in node_deltas.items():
        for span in SPANS if day != BACKLOG_DAY else SPANS[:1]:
            _accumulate(blocks, (grouping, span, block_start(day, span), node, key), vec)
    _node_rows_write(blocks, node_meta)


def _node_rows_write(deltas: dict[NodeRowKey, Vec], node_meta: dict[int, tuple[int, int]]) -> None:
    """Add these changes, keyed (grouping, span, first day, node, key), to NodeRollup."""
    adapt = connection.ops.adapt_datefield_value
    rows, shrinking = [], []
    for (grouping, span, day, node, key), vec in deltas.items():
        if not any(vec):
            continue
        depth, parent = node_meta[node]
        rows.append((grouping, span, adapt(day), node, depth, parent, key, *vec))
        if min(vec) < 0:
            shrinking.append((grouping, node, span, adapt(day), key))
    cols = ["grouping", "span", "day", "area_id", "depth", "parent_key", "key", *COUNTERS]
    _upsert(NodeRollup, NODE_KEY, rows, cols)
    _drop_empty(NodeRollup._meta.db_table, NODE_KEY, shrinking)


def _add(into: dict[LeafKey, Vec], fp: dict[LeafKey, Vec], sign: int) -> None:
    for key, vec in fp.items():
        acc = into.get(key)
        if acc is None:
            into[key] = [sign * x for x in vec]
        else:
            for i, x in enumerate(vec):
                acc[i] += sign * x


def _save_footprints(fresh: dict[int, dict[LeafKey, Vec]], gone: Iterable[int]) -> None:
    adapt = connection.ops.adapt_datefield_value
    rows = [
        (cid, json.dumps(_encode(fp)), adapt(max(k[0] for k in fp)) if fp else None)
        for cid, fp in fresh.items()
    ]
    _insert(
        CaseFootprint,
        ["case_id", "data", "last_day"],
        rows,
        "ON CONFLICT (case_id) DO UPDATE SET data = excluded.data, last_day = excluded.last_day",
    )
    gone = list(gone)
    if gone:
        CaseFootprint.objects.filter(AnyOf("case_id", gone)).delete()


def cases_apply(ids: Sequence[int]) -> int:
    """Bring the rollups up to date with these cases' current facts; returns how many of them
    changed a row. Safe to call for unchanged cases (they add nothing)."""
    tz = timezone.get_default_timezone()
    facts = {f.id: f for f in case_facts(ids)}
    old = dict(CaseFootprint.objects.filter(AnyOf("case_id", ids)).values_list("case_id", "data"))
    deltas: dict[LeafKey, Vec] = {}
    fresh: dict[int, dict[LeafKey, Vec]] = {}
    gone = []
    for cid in ids:
        f = facts.get(cid)
        new = footprint(f, tz) if f is not None else {}
        previous = old.get(cid)
        if previous is not None and _encode(new) == previous:
            continue
        if previous is None and not new:
            continue
        _add(deltas, new, 1)
        if previous:
            _add(deltas, _decode(previous), -1)
        if f is None:
            gone.append(cid)
        else:
            fresh[cid] = new
    apply_deltas(deltas)
    _save_footprints(fresh, gone)
    return len(fresh) + len(gone)


# Refresh and rebuild ------------------------------------------------------------------------------


def _lock_state() -> RollupState:
    """The state row, locked for the rest of the transaction (PostgreSQL row lock; on SQLite
    the UPDATE takes the database's write lock)."""
    RollupState.objects.get_or_create(id=1)
    RollupState.objects.filter(id=1).update(id=1)
    return RollupState.objects.select_for_update().get(id=1)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


@dataclass
class RefreshResult:
    cases_read: int
    cases_changed: int
    rebuilt: bool


def rollups_refresh(*, limit: int | None = None) -> RefreshResult:
    """Apply every case changed since the watermark (the first run rebuilds everything).
    Runs every minute (tasks.py); safe to run twice or at once (the state row serializes)."""
    with transaction.atomic():
        state = _lock_state()
        started = timezone.now()
        if state.watermark is None:
            result = _rebuild(since=None)
            state.watermark, state.refreshed_at, state.last_cases = started, started, result
            state.save()
            return RefreshResult(cases_read=result, cases_changed=result, rebuilt=True)
        since = state.watermark - OVERLAP
        changed = set(Case.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
        changed |= set(Callback.objects.filter(at__gte=since).values_list("case_id", flat=True))
        ids = sorted(changed)
        if limit is not None:
            ids = ids[:limit]
        n = 0
        for part in _chunks(ids):
            n += cases_apply(part)
        state.watermark, state.refreshed_at, state.last_cases = started, started, len(ids)
        state.save()
    return RefreshResult(cases_read=len(ids), cases_changed=n, rebuilt=False)


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
        fresh[(grouping, span, _as_date(day), node, key)] = vec
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


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


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


def _node_sql() -> tuple[str, str]:
    """The head of an INSERT into NodeRollup, and the sums of the counters."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in COUNTERS)
    head = (
        f"INSERT INTO {qn(NodeRollup._meta.db_table)} ({qn('grouping')}, {qn('span')}, {qn('day')}, "
        f"{qn('area_id')}, {qn('depth')}, {qn('parent_key')}, {qn('key')}, {cols}) "
    )
    return head, ", ".join(f"SUM({qn(c)})" for c in COUNTERS)


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


# Report subscriptions ------------------------------------------------------------------------------


@transaction.atomic
def subscription_create(*, actor: Any, area: Area, frequency: str) -> ReportSubscription:
    """Subscribe the actor to an area's weekly or monthly report; audited."""
    require_authenticated(actor)
    if not can_in_area(actor, "cases.view", area):
        raise NotFound(_("You have no figures for this area."))
    if frequency not in Frequency.values:
        raise ValidationFailed(fields={"frequency": _("Choose weekly or monthly.")})
    sub, created = ReportSubscription.objects.get_or_create(person=actor, area=area, frequency=frequency)
    if created:
        audit_record(
            actor=actor,
            action="operations.subscription.created",
            obj=sub,
            new={"area": area.code, "frequency": frequency},
            area_path=area.path,
        )
    return sub


@transaction.atomic
def subscription_delete(*, actor: Any, subscription_id: int) -> None:
    """Stop one of the actor's own report subscriptions; audited."""
    require_authenticated(actor)
    sub = ReportSubscription.objects.select_related("area").filter(pk=subscription_id, person=actor).first()
    if sub is None:
        raise NotFound(_("No such subscription."))
    audit_record(
        actor=actor,
        action="operations.subscription.deleted",
        obj=sub,
        old={"area": sub.area.code, "frequency": sub.frequency},
        area_path=sub.area.path,
    )
    sub.delete()


# Scheduled reports --------------------------------------------------------------------------------


def reports_send(*, frequency: str, today: dt.date | None = None) -> int:
    """Email each subscriber of `frequency` the PDF report of their area for the last complete
    week or month, once per period (last_sent_on), in their language, read with their own
    rights (a subscriber who lost them gets nothing). Returns how many were sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import translation

    from needle.operations import selectors
    from needle.operations.reports import last_complete_period, report_pdf

    today = today or timezone.localdate()
    start, end = last_complete_period(frequency, today)
    sent = 0
    due = ReportSubscription.objects.filter(frequency=frequency).filter(
        Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=end)
    )
    for sub in due.select_related("person", "area"):
        person = sub.person
        if not person.email or not person.is_active or not can_in_area(person, "cases.view", sub.area):
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            d = selectors.dashboard_for(actor=person, area=sub.area, start=start, end=end)
            title = (
                _("Weekly report") if frequency == Frequency.WEEKLY else _("Monthly report")
            ) + f" · {d.name}"
            message = EmailMessage(
                subject=f"{title} ({start} – {end})",
                body=_("The report of %(area)s for %(start)s to %(end)s is attached.")
                % {"area": d.name, "start": start, "end": end},
                to=[person.email],
            )
            message.attach(
                f"needle-{frequency}-{sub.area.code}-{start}.pdf",
                report_pdf(d, title=title),
                "application/pdf",
            )
        # Claim the period first, so that a second run (or a crash after sending) never sends twice.
        with transaction.atomic():
            claimed = (
                ReportSubscription.objects.filter(pk=sub.pk)
                .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=end))
                .update(last_sent_on=end)
            )
            if not claimed:
                continue
            audit_record(
                actor=None,
                action="operations.report.sent",
                obj=sub,
                new={"period": f"{start}..{end}", "to": person.pk},
                area_path=sub.area.path,
            )
        message.send()
        sent += 1
    return sent
