"""What an app declares to the engine: a source of figures.

A source lives in its app's `figures.py` as `SOURCE`, and the setting NEEDLE_ROLLUP_SOURCES
names those modules: the engine knows a source only through that list, so an app that counts
something for the operations center declares it and imports `needle.rollups`, never the other
way round.

A source names its counters (a flow counts what happened within a period, on the day it
happened; a stock counts what stands now, on the rows of BACKLOG_DAY), up to two grouping keys
(the cases: service and lead unit; 0 where an object has none), its figures (a counter, a sum
of counters, or a ratio of two such sums, each with its label in both languages) and its
tables, and the permission that reads its figures. It gives the footprint of its objects (the
counter deltas by day, leaf area and keys, a pure function of the raw facts) and finds the
objects changed since a moment. A deleted object leaves nothing a later refresh could find:
the service that deletes one calls `refresh.objects_apply(SOURCE, [pk])` in the same
transaction, which takes its stored footprint off the rows; one deleted behind the services'
back (raw SQL) stays counted until its source is rebuilt, and `needle rollups check` shows it.

One state row serves every source: one watermark, and one lock that serializes every refresh
and rebuild (a source's rows are never written by two workers at once); it records the sources
built, each with the depths of its node rows (`Source.built_as`), so that a source declared
later is built by its first refresh, and one whose node depths changed has its node rows built
again from its leaf rows.

Tables. Each source has its own three tables of one shape (leaf rows day × leaf area × two
keys, node rows per node and block of days, footprints per object), with one integer column per
counter: the engine writes and reads them by the names the source declares. One shared table
with generic counter columns and a source column would have made every row and index wider
and rewritten the cases' tens of millions of rows; same-shape tables cost the cases nothing and
let a small source keep small tables. The cases' tables are in `needle.rollups.models` (their
tables keep the names `operations_*`, so a deployment's rows stay); every other source declares
its tables in its own app's models, on the engine's abstract shapes (`LeafRows`, `NodeRows`,
`Footprints`), as `needle.orgs.models` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from needle.core.errors import DomainError
from needle.rollups.models import NODE_DEPTH, TOTAL_DEPTH

LeafKey = tuple[dt.date, int, int, int]  # day, leaf area id, first key, second key (0: none)
Vec = list[int]
Footprint = dict[LeafKey, Vec]


@dataclass(frozen=True)
class Counter:
    name: str
    label: Promise  # a column's header
    counts: Promise  # what it counts
    stock: bool = False  # a count of now (on BACKLOG_DAY), not a flow within a period


@dataclass(frozen=True)
class Key:
    name: str  # "service"
    column: str  # the leaf table's column that holds it ("service_id")
    label: Promise
    # The names of these values of the key, in the active language (absent ones show the value).
    names: Callable[[Iterable[int]], dict[int, str]] | None = None


@dataclass(frozen=True)
class Figure:
    """A counter, a sum of counters (less others: a net change), or the ratio of two sums (a
    rate)."""

    name: str
    label: Promise
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    counts: Promise | None = None  # what the figure counts, for the page that explains it
    less: tuple[str, ...] = ()  # counters subtracted from the numerator's sum
    lower_is_better: bool = False  # a ranking puts the smallest values first (a backlog)
    # A ratio that is an average (a sum of ratings over their number): shown as a number, not
    # as a share.
    mean: bool = False
    # A count kept in hundredths (hours to two places on integer counters): divided back.
    scale: int = 1

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)

    def value(self, counts: Any) -> float | int | None:
        """The figure of an object that carries the counters as attributes; a ratio to four
        places, none when nothing was counted (not 0%, which would be a verdict)."""
        top = sum(getattr(counts, n) for n in self.numerator) - sum(getattr(counts, n) for n in self.less)
        if not self.denominator:
            return top if self.scale == 1 else round(top / self.scale, 2)
        return ratio(top, sum(getattr(counts, n) for n in self.denominator))

    def base(self, counts: Any) -> int | None:
        """How many objects a ratio is taken over (its denominator); none for a count."""
        return sum(getattr(counts, n) for n in self.denominator) if self.denominator else None


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass(frozen=True)
class Tables:
    leaf: type[models.Model]
    node: type[models.Model]
    footprints: type[models.Model]


@dataclass(frozen=True)
class Source:
    name: str
    label: Promise
    counters: tuple[Counter, ...]
    keys: tuple[Key, ...]  # at most two
    figures: tuple[Figure, ...]
    tables: Tables
    # The permission (orgs' table of permissions) that reads the figures over an area.
    permission: str
    # The footprints of these objects (the ones that still exist), by id.
    footprints: Callable[[Sequence[int], Any], dict[int, Footprint]]
    # The objects changed since a moment (the refresh's watermark).
    changed_since: Callable[[dt.datetime], Iterable[int]]
    # The objects with any fact at or after a moment (a rebuild from a day).
    touched_since: Callable[[dt.datetime], Iterable[int]]
    # Every object's id, ascending (a full rebuild).
    all_ids: Callable[[], Sequence[int]]
    # The differences between the rollups and direct counts over the raw facts from a day on.
    check: Callable[[dt.date], list[str]] | None = None
    # The deepest nodes with node rows by key, and in total; deeper ones are read from the leaf
    # rows. Node rows pay where a node's days are dense (the cases: every day, every service);
    # a source whose facts are sparse over years (a unit founded once in a decade) would write
    # a node row per fact and ancestor and block, more rows than its leaf rows, and keeps them
    # for the few big nodes only.
    node_depth: int = NODE_DEPTH
    total_depth: int = TOTAL_DEPTH
    counter_names: tuple[str, ...] = field(init=False)
    stocks: tuple[str, ...] = field(init=False)
    flows: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(c.name for c in self.counters)
        object.__setattr__(self, "counter_names", names)
        object.__setattr__(self, "stocks", tuple(c.name for c in self.counters if c.stock))
        object.__setattr__(self, "flows", tuple(c.name for c in self.counters if not c.stock))
        if len(self.keys) > 2:
            raise ValueError(f"source {self.name}: at most two grouping keys")
        if not 1 <= self.node_depth <= self.total_depth <= TOTAL_DEPTH:
            raise ValueError(f"source {self.name}: needs 1 <= node_depth <= total_depth <= {TOTAL_DEPTH}")
        for f in self.figures:
            unknown = set(f.numerator + f.denominator + f.less) - set(names)
            if unknown:
                raise ValueError(f"source {self.name}, figure {f.name}: no counters {sorted(unknown)}")

    @property
    def built_as(self) -> str:
        """How the state row records this source built: its name, with its node depths where
        they are not the defaults (a changed declaration is then a source not built yet)."""
        if (self.node_depth, self.total_depth) == (NODE_DEPTH, TOTAL_DEPTH):
            return self.name
        return f"{self.name}@{self.node_depth}.{self.total_depth}"

    def figure(self, name: str) -> Figure:
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def rates(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.is_ratio)


def sources() -> list[Source]:
    """The declared sources, in the setting's order."""
    return [import_module(path).SOURCE for path in settings.NEEDLE_ROLLUP_SOURCES]


def source_named(name: str, *, field_name: str = "source") -> Source:
    """The source of this name, or a clear error (400) naming the field and the known sources."""
    known = sources()
    for s in known:
        if s.name == name:
            return s
    message = _("No source is named %(name)s; the sources are: %(known)s.") % {
        "name": name,
        "known": ", ".join(s.name for s in known),
    }
    raise DomainError(message, fields={field_name: message}, code="unknown_source")
