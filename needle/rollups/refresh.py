"""The incremental refresh: every half minute, each source's objects changed since the watermark are
applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from needle.core.sql import AnyOf
from needle.rollups.footprints import _add, _decode, _encode
from needle.rollups.rebuild import _rebuild, nodes_rebuild
from needle.rollups.sources import Footprint, Source, sources
from needle.rollups.store import _chunks, _lock_state, _save_footprints, apply_deltas

# A refresh reads again this far behind its watermark: a transaction that stamped an object just
# before the last refresh read may have committed just after it.
OVERLAP = dt.timedelta(minutes=2)


def objects_apply(source: Source, ids: Sequence[int]) -> int:
    """Bring the source's rollups up to date with these objects' current facts; returns how many
    of them changed a row. Safe to call for unchanged objects (they add nothing)."""
    tz = timezone.get_default_timezone()
    now = source.footprints(ids, tz)
    old = dict(source.tables.footprints._default_manager.filter(AnyOf("pk", ids)).values_list("pk", "data"))
    deltas: Footprint = {}
    fresh: dict[int, Footprint] = {}
    gone = []
    for oid in ids:
        new = now.get(oid, {})
        previous = old.get(oid)
        if previous is not None and _encode(new) == previous:
            continue
        if previous is None and not new:
            continue
        _add(deltas, new, 1)
        if previous:
            _add(deltas, _decode(previous), -1)
        if oid not in now:
            gone.append(oid)
        else:
            fresh[oid] = new
    apply_deltas(source, deltas)
    _save_footprints(source, fresh, gone)
    return len(fresh) + len(gone)


@dataclass
class RefreshResult:
    read: dict[str, int]  # objects read, by source
    changed: dict[str, int]  # of those, objects whose rows changed
    rebuilt: bool

    @property
    def objects_read(self) -> int:
        return sum(self.read.values())

    @property
    def objects_changed(self) -> int:
        return sum(self.changed.values())


def rollups_refresh(*, limit: int | None = None) -> RefreshResult:
    """Apply every object changed since the watermark, source by source (the first run
    rebuilds everything, and so does a source's first refresh). Runs every half minute
    (operations.tasks); safe to run twice or at once (the state row serializes)."""
    with transaction.atomic():
        state = _lock_state()
        started = timezone.now()
        if state.watermark is None:
            built = {s.name: _rebuild(s, since=None) for s in sources()}
            state.watermark, state.refreshed_at, state.last_cases = started, started, sum(built.values())
            state.built = [s.built_as for s in sources()]
            state.save()
            return RefreshResult(read=built, changed=dict(built), rebuilt=True)
        since = state.watermark - OVERLAP
        read: dict[str, int] = {}
        changed: dict[str, int] = {}
        for source in sources():
            if source.built_as not in state.built:
                earlier = [b for b in state.built if b.split("@")[0] == source.name]
                state.built = [*(b for b in state.built if b not in earlier), source.built_as]
                if not earlier:
                    # A source declared since the first run: its rows are built from all its
                    # objects, as the first run built the others'.
                    read[source.name] = changed[source.name] = _rebuild(source, since=None)
                    continue
                # Its node depths changed: the leaf rows stand and the node rows are summed from
                # them again to the depths declared now; the objects changed since the
                # watermark are applied below as on any refresh.
                nodes_rebuild(source)
            ids = sorted(set(source.changed_since(since)))
            if limit is not None:
                ids = ids[:limit]
            read[source.name] = len(ids)
            changed[source.name] = sum(objects_apply(source, part) for part in _chunks(ids))
        state.watermark, state.refreshed_at, state.last_cases = started, started, sum(read.values())
        state.save()
    return RefreshResult(read=read, changed=changed, rebuilt=False)
