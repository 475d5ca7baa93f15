"""The incremental refresh: every minute, the cases changed since the watermark are applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from needle.cases.models import Callback, Case
from needle.core.sql import AnyOf
from needle.operations.models import CaseFootprint
from needle.operations.rollups.footprints import LeafKey, Vec, _add, _decode, _encode, case_facts, footprint
from needle.operations.rollups.rebuild import _rebuild
from needle.operations.rollups.store import _chunks, _lock_state, _save_footprints, apply_deltas

# A refresh reads again this far behind its watermark: a transaction that stamped a case just
# before the last refresh read may have committed just after it.
OVERLAP = dt.timedelta(minutes=2)


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
