"""Writing a source's rollup tables: leaf rows with every ancestor's node rows and blocks, the
stored footprints, and the state row that serializes refreshes and rebuilds. Columns are named
by the source's declaration (its counters and keys), so one code writes every source."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from needle.areas.models import Area
from needle.core.sql import AnyOf
from needle.rollups.footprints import _encode
from needle.rollups.models import (
    BACKLOG_DAY,
    KEY_GROUPINGS,
    MAX_DEPTH,
    SPANS,
    Grouping,
    RollupState,
    block_start,
)
from needle.rollups.sources import Footprint, Source, Vec

CHUNK = 2000

NodeKey = tuple[str, dt.date, int, int]  # grouping, day, node area id, key value
NodeRowKey = tuple[str, int, dt.date, int, int]  # grouping, span, first day, node area id, key
NODE_KEY = ["grouping", "area_id", "span", "day", "key"]  # a node table's unique key


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


def _upsert(
    model: Any, key_cols: list[str], rows: list[tuple[Any, ...]], cols: list[str], counters: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the counters (PostgreSQL and SQLite)."""
    _insert(model, cols, rows, _adding_on_conflict(model, key_cols, counters))


def _adding_on_conflict(model: Any, key_cols: list[str], counters: Sequence[str]) -> str:
    """ON CONFLICT (key) DO UPDATE adding each counter of the new row to the stored one."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    adds = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in counters)
    return f"ON CONFLICT ({', '.join(qn(c) for c in key_cols)}) DO UPDATE SET {adds}"


def _all_zero(counters: Sequence[str]) -> str:
    """Every counter of a row is zero (such rows are deleted: a table without them is the same
    whether it was refreshed or rebuilt)."""
    return " AND ".join(f"{connection.ops.quote_name(c)} = 0" for c in counters)


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


def _drop_empty(
    table: str, key_cols: list[str], keys: list[tuple[Any, ...]], counters: Sequence[str]
) -> None:
    """Rows whose every counter fell to zero go, so a refreshed table equals a rebuilt one."""
    if not keys:
        return
    qn = connection.ops.quote_name
    where = " AND ".join(f"{qn(c)} = %s" for c in key_cols)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {qn(table)} WHERE {where} AND {_all_zero(counters)}",  # noqa: S608
            keys,
        )


def leaf_key_columns(source: Source) -> list[str]:
    """The leaf table's unique key: day, area and the source's two key columns."""
    return ["day", "area_id", *(k.column for k in source.keys)]


def apply_deltas(source: Source, deltas: Footprint, *, nodes: bool = True) -> None:
    """Add these per-key changes to the source's leaf rows and (unless `nodes` is off) to the
    node rows of every ancestor down to the source's node depth (its total depth for the
    totals)."""
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas:
        return
    infos = area_infos(k[1] for k in deltas)
    adapt = connection.ops.adapt_datefield_value
    leaf_rows, shrinking = [], []
    node_deltas: dict[NodeKey, Vec] = {}
    node_meta: dict[int, tuple[int, int]] = {}
    nkeys = len(source.keys)
    for (day, area, k1, k2), vec in deltas.items():
        info = infos.get(area)
        if info is None:  # an area deleted meanwhile: the next rebuild drops its rows
            continue
        keys_of_row = (k1, k2)[:nkeys]
        leaf_rows.append((adapt(day), area, info.path, info.depth, *info.levels, *keys_of_row, *vec))
        if min(vec) < 0:
            shrinking.append((adapt(day), area, *keys_of_row))
        if not nodes:
            continue
        for d in range(1, min(info.depth, source.total_depth) + 1):
            node = info.levels[d - 1]
            if node is None:
                continue
            node_meta[node] = (d, (info.levels[d - 2] or 0) if d > 1 else 0)
            _accumulate(node_deltas, (Grouping.TOTAL.value, day, node, 0), vec)
            if d <= source.node_depth:
                for grouping, value in zip(KEY_GROUPINGS, keys_of_row, strict=False):
                    _accumulate(node_deltas, (grouping, day, node, value), vec)
    leaf, counters = source.tables.leaf, source.counter_names
    leaf_key = leaf_key_columns(source)
    leaf_cols = ["day", "area_id", "area_path", "area_depth", "a1", "a2", "a3", "a4", "a5", "a6"]
    key_cols = [k.column for k in source.keys]
    _upsert(leaf, leaf_key, leaf_rows, [*leaf_cols, *key_cols, *counters], counters)
    _drop_empty(leaf._meta.db_table, leaf_key, shrinking, counters)
    if nodes:
        write_node_deltas(source, node_deltas, node_meta)


def _accumulate(sums: dict[Any, Vec], key: Any, vec: Vec) -> None:
    """sums[key] += vec, counter by counter (a copy of vec for a new key)."""
    acc = sums.get(key)
    if acc is None:
        sums[key] = list(vec)
    else:
        for i, x in enumerate(vec):
            acc[i] += x


def write_node_deltas(
    source: Source, node_deltas: dict[NodeKey, Vec], node_meta: dict[int, tuple[int, int]]
) -> None:
    """Add per-day changes to their node day rows and to every block holding the day."""
    blocks: dict[NodeRowKey, Vec] = {}
    for (grouping, day, node, key), vec in node_deltas.items():
        for span in SPANS if day != BACKLOG_DAY else SPANS[:1]:
            _accumulate(blocks, (grouping, span, block_start(day, span), node, key), vec)
    _node_rows_write(source, blocks, node_meta)


def _node_rows_write(
    source: Source, deltas: dict[NodeRowKey, Vec], node_meta: dict[int, tuple[int, int]]
) -> None:
    """Add these changes, keyed (grouping, span, first day, node, key), to the node table."""
    adapt = connection.ops.adapt_datefield_value
    rows, shrinking = [], []
    for (grouping, span, day, node, key), vec in deltas.items():
        if not any(vec):
            continue
        depth, parent = node_meta[node]
        rows.append((grouping, span, adapt(day), node, depth, parent, key, *vec))
        if min(vec) < 0:
            shrinking.append((grouping, node, span, adapt(day), key))
    table, counters = source.tables.node, source.counter_names
    cols = ["grouping", "span", "day", "area_id", "depth", "parent_key", "key", *counters]
    _upsert(table, NODE_KEY, rows, cols, counters)
    _drop_empty(table._meta.db_table, NODE_KEY, shrinking, counters)


def _save_footprints(source: Source, fresh: dict[int, Footprint], gone: Iterable[int]) -> None:
    adapt = connection.ops.adapt_datefield_value
    model = source.tables.footprints
    # The object's id: a plain integer primary key whose column bears its name.
    pk = model._meta.pk.name
    rows = [
        (cid, json.dumps(_encode(fp)), adapt(max(k[0] for k in fp)) if fp else None)
        for cid, fp in fresh.items()
    ]
    _insert(
        model,
        [pk, "data", "last_day"],
        rows,
        f"ON CONFLICT ({connection.ops.quote_name(pk)}) "
        "DO UPDATE SET data = excluded.data, last_day = excluded.last_day",
    )
    gone = list(gone)
    if gone:
        model._default_manager.filter(AnyOf("pk", gone)).delete()


def _lock_state() -> RollupState:
    """The state row, locked for the rest of the transaction (PostgreSQL row lock; on SQLite
    the UPDATE takes the database's write lock)."""
    RollupState.objects.get_or_create(id=1)
    RollupState.objects.filter(id=1).update(id=1)
    return RollupState.objects.select_for_update().get(id=1)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _node_sql(source: Source) -> tuple[str, str]:
    """The head of an INSERT into the source's node table, and the sums of the counters."""
    qn = connection.ops.quote_name
    counters = source.counter_names
    cols = ", ".join(qn(c) for c in counters)
    head = (
        f"INSERT INTO {qn(source.tables.node._meta.db_table)} ({qn('grouping')}, {qn('span')}, "
        f"{qn('day')}, {qn('area_id')}, {qn('depth')}, {qn('parent_key')}, {qn('key')}, {cols}) "
    )
    return head, ", ".join(f"SUM({qn(c)})" for c in counters)
