"""Checking the rollups against direct counts over the raw facts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.cases.models import OPEN_STATES, Callback, Case
from needle.operations.models import BACKLOG_DAY, CaseRollup
from needle.operations.rollups import read


def rollups_check(*, since: dt.date | None = None) -> list[str]:
    """Compare, per top-level area and per day from `since` (default 30 days ago), the rolled-up
    counts with direct counts over cases and callbacks; the differences, as lines of text."""
    tz = timezone.get_default_timezone()
    since = since or timezone.localdate() - dt.timedelta(days=30)
    lo = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    problems: list[str] = []
    for root in Area.objects.filter(parent__isnull=True):
        within = subtree_q(root.path, "area_path")
        rolled: dict[tuple[str, dt.date], int] = {}
        for row in read.sums(
            CaseRollup.objects.filter(within, day__gte=since),
            ["day"],
            ["received", "resolved", "response_due"],
        ):
            for name in ("received", "resolved", "response_due"):
                rolled[(name, read.as_date(row["day"]))] = row[name] or 0
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
            read.sums(CaseRollup.objects.filter(within, day__gte=since), [], ["callbacks"])[0]["callbacks"]
            or 0
        )
        cb_raw = Callback.objects.filter(subtree_q(root.path, "case__area_path"), at__gte=lo).count()
        for key in sorted(set(rolled) | set(raw)):
            if rolled.get(key, 0) != raw.get(key, 0):
                problems.append(
                    f"{root.code} {key[1]} {key[0]}: rollups {rolled.get(key, 0)}, cases {raw.get(key, 0)}"
                )
        if cb_rolled != cb_raw:
            problems.append(f"{root.code} callbacks since {since}: rollups {cb_rolled}, cases {cb_raw}")
        open_rolled = (
            read.sums(CaseRollup.objects.filter(within, day=BACKLOG_DAY), [], ["open"])[0]["open"] or 0
        )
        open_raw = Case.objects.filter(within, state__in=OPEN_STATES).count()
        if open_rolled != open_raw:
            problems.append(f"{root.code} open now: rollups {open_rolled}, cases {open_raw}")
    return problems
