"""Checking the rollups against direct counts over the raw facts, source by source: each source
knows how to count its facts directly."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from needle.rollups.sources import sources


def rollups_check(*, since: dt.date | None = None) -> list[str]:
    """Every source's differences from `since` (default 30 days ago) between its rollups and
    direct counts over its raw facts, as lines of text (prefixed with the source's name when
    there are several)."""
    since = since or timezone.localdate() - dt.timedelta(days=30)
    declared = sources()
    problems: list[str] = []
    for source in declared:
        if source.check is None:
            continue
        prefix = f"{source.name}: " if len(declared) > 1 else ""
        problems += [prefix + line for line in source.check(since)]
    return problems
