"""The rollup engine's tables: derived, rebuildable counts that dashboards read instead of the
raw facts.

`CaseRollup` has one row per day × the case's area × service × lead unit. Each row carries the
area's path and its ancestors' ids per depth (`a1`..`a6`, like DHIS2's resource table), so a
subtree is one indexed id and a level's breakdown one GROUP BY. `NodeRollup` repeats the same
counts for the few big nodes (province, city, districts: depth <= NODE_DEPTH), grouped by
service and by unit, and in total down to the streets (TOTAL_DEPTH), so that a city's
dashboard reads hundreds of rows, not millions.
Besides one row per day, NodeRollup sums aligned blocks of days (see SPANS), so that a long
period reads a few blocks, not every day.

The tables keep the names they were created with (`operations_*`): the rows of a running
deployment stay where they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area

# The day of the stock counters' rows (a source's counts of now, such as the cases' backlog):
# outside any period, so that "now" of any node reads a few rows.
BACKLOG_DAY = dt.date(1900, 1, 1)

# NodeRollup's block lengths in days. A block of `span` days starts on a day whose ordinal is a
# multiple of `span` (`day` is its first day), as in a segment tree with four children: any
# period is covered exactly by at most three blocks of each length on each side
# (period_blocks), so a year at the city reads about 12 rows per unit (at most 20) instead of
# 365, and a change to one day writes 5 rows per node and key. The backlog rows (BACKLOG_DAY)
# have span 1 only.
SPANS: tuple[int, ...] = (1, 4, 16, 64, 256)


def block_start(day: dt.date, span: int) -> dt.date:
    ordinal = day.toordinal()
    return dt.date.fromordinal(ordinal - ordinal % span)


def period_blocks(start: dt.date, end: dt.date) -> list[tuple[int, dt.date]]:
    """The fewest blocks (span, first day) that cover [start, end] exactly: from the left,
    always the longest aligned block that still fits."""
    lo, hi = start.toordinal(), end.toordinal() + 1
    out = []
    while lo < hi:
        span = max(s for s in SPANS if lo % s == 0 and lo + s <= hi)
        out.append((span, dt.date.fromordinal(lo)))
        lo += span
    return out


# Nodes this shallow (province 1, city 2, district 3) get their own NodeRollup rows; streets
# (4) their total rows only, for a district's breakdown by street and a street's trend. A
# source may keep node rows for fewer depths (Source.node_depth, Source.total_depth).
NODE_DEPTH = 3
TOTAL_DEPTH = 4
MAX_DEPTH = 6


def _reference(to: type[models.Model], verbose_name: Any) -> Any:
    """A rollup's reference to an area: kept as an id, with no constraint (the
    rows are derived and rebuilt) and no index of its own (rows are found by their keys and
    the a<depth> columns)."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


class Counters(models.Model):
    """The cases' counters (needle.cases.figures says what each counts)."""

    received = models.IntegerField(_("received"), default=0)
    dispatched = models.IntegerField(_("dispatched"), default=0)
    response_due = models.IntegerField(_("accept deadlines due"), default=0)
    responded_on_time = models.IntegerField(_("accepted on time"), default=0)
    resolved = models.IntegerField(_("resolved"), default=0)
    resolved_on_time = models.IntegerField(_("resolved on time"), default=0)
    callbacks = models.IntegerField(_("callbacks"), default=0)
    solved = models.IntegerField(_("solved"), default=0)
    rated = models.IntegerField(_("rated"), default=0)
    satisfied = models.IntegerField(_("satisfied"), default=0)
    reopened = models.IntegerField(_("reopened"), default=0)
    open = models.IntegerField(_("open"), default=0)
    due_soon = models.IntegerField(_("due soon"), default=0)
    overdue = models.IntegerField(_("overdue"), default=0)
    overdue_serious = models.IntegerField(_("seriously overdue"), default=0)

    class Meta:
        abstract = True


class LeafRows(models.Model):
    """The shape of a source's leaf rows: one per day × leaf area × its two keys, with the
    area's path and its ancestors' ids per depth. A concrete table adds the two key columns,
    one integer column per counter, its unique key (day, area, keys) and its indexes."""

    day = models.DateField(_("day"))
    area = _reference(Area, _("area"))
    area_path = models.CharField(_("area path"), max_length=255)
    area_depth = models.PositiveSmallIntegerField(_("area depth"))
    a1 = models.IntegerField(null=True, blank=True)
    a2 = models.IntegerField(null=True, blank=True)
    a3 = models.IntegerField(null=True, blank=True)
    a4 = models.IntegerField(null=True, blank=True)
    a5 = models.IntegerField(null=True, blank=True)
    a6 = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.area_path}"


class Grouping(models.TextChoices):
    TOTAL = "t", _("in total")
    KEY1 = "s", _("by the first key")
    KEY2 = "u", _("by the second key")


# The node rows' grouping of each of a source's keys, in the order it declares them.
KEY_GROUPINGS: tuple[str, str] = (Grouping.KEY1.value, Grouping.KEY2.value)


class NodeRows(models.Model):
    """The shape of a source's node rows: a big node's whole subtree per day and per block of
    days (SPANS), in total (for totals, trends and a parent's breakdown by child) and by each
    key. A concrete table adds one integer column per counter, its unique key (grouping,
    area, span, day, key) and its indexes."""

    grouping = models.CharField(_("grouping"), max_length=1, choices=Grouping.choices)
    span = models.PositiveSmallIntegerField(_("days"), default=1)
    day = models.DateField(_("first day"))
    # Found through the unique key (grouping, area, ...): no index of its own.
    area = _reference(Area, _("area"))
    depth = models.PositiveSmallIntegerField(_("depth"))
    parent_key = models.IntegerField(_("parent area"), default=0)
    # The first key's value (grouping "s"), the second's (grouping "u"); 0 for "t".
    key = models.IntegerField(_("key"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.grouping} {self.day}+{self.span} a{self.area_id} k{self.key}"


class Footprints(models.Model):
    """The shape of a source's footprints: what one object last added to the rollups ({key:
    counters}); the next change of the object subtracts it and adds the new one, so an update
    costs the changed objects only. A concrete table adds the object's id as primary key."""

    data = models.JSONField(_("contribution"), default=dict)
    # The latest day among the keys: a rebuild from a day finds the objects it must read again.
    last_day = models.DateField(_("latest day"), null=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.pk)


# A source's tables declare their unique keys and indexes through these, so that every source
# has the same ones; each takes the names the source's tables were created with (a new name
# would rename the index in every deployment). A table that keeps its base's __str__ says so to
# ruff (DJ008 does not look into a base from another module).


def leaf_constraints(name: str, *keys: str) -> list[models.BaseConstraint]:
    """The leaf rows' unique key: one row per day, leaf area and the source's keys."""
    return [models.UniqueConstraint(fields=["day", "area", *keys], name=name)]


def leaf_indexes(prefix: str) -> list[models.Index]:
    """A subtree below the node rows is its id in the column of its depth: with the day, an
    index range holds exactly a period's rows (a path range would hold every day's)."""
    return [
        models.Index(fields=[f"a{d}", "day"], name=f"{prefix}_a{d}_day")
        for d in range(NODE_DEPTH, MAX_DEPTH + 1)
    ]


def node_constraints(name: str) -> list[models.BaseConstraint]:
    """The node rows' unique key: one row per grouping, node, block of days and key."""
    return [models.UniqueConstraint(fields=["grouping", "area", "span", "day", "key"], name=name)]


def node_indexes(prefix: str, *, day: str = "") -> list[models.Index]:
    """A parent's breakdown by child reads its children's rows by parent_key; a rebuild finds
    each span's last block and deletes the emptied ones by span and day."""
    return [
        models.Index(fields=["grouping", "parent_key", "span", "day"], name=f"{prefix}_children"),
        models.Index(fields=["span", "day"], name=day or f"{prefix}_day"),
    ]


class CaseRollup(Counters, LeafRows):
    # The service's id (the cases' first grouping key): a plain id, since the engine knows no
    # app above the area tree.
    service_id = models.BigIntegerField(_("service"))
    # The lead unit's id; 0 while a case has none (submitted, returned).
    unit_key = models.IntegerField(_("lead unit"), default=0)

    class Meta:
        db_table = "operations_caserollup"
        verbose_name = _("case rollup")
        verbose_name_plural = _("case rollups")
        constraints = leaf_constraints("case_rollup_key", "service_id", "unit_key")
        # As leaf_indexes, but grids are the only areas at MAX_DEPTH: the other rows (most) have
        # no entry there, so that index is partial.
        indexes = [
            *leaf_indexes("rollup")[:-1],
            models.Index(
                fields=[f"a{MAX_DEPTH}", "day"],
                name=f"rollup_a{MAX_DEPTH}_day",
                condition=models.Q(**{f"a{MAX_DEPTH}__isnull": False}),
            ),
            models.Index(fields=["unit_key", "day"], name="rollup_unit_day"),
        ]

    def __str__(self) -> str:
        return f"{super().__str__()} s{self.service_id} u{self.unit_key}"


class NodeRollup(Counters, NodeRows):
    """The cases' node rows: by service (grouping "s") and by lead unit ("u", 0 for none)."""

    class Meta:
        db_table = "operations_noderollup"
        verbose_name = _("area rollup")
        verbose_name_plural = _("area rollups")
        constraints = node_constraints("node_rollup_key")
        indexes = node_indexes("node_rollup")


class CaseFootprint(Footprints):
    case_id = models.BigIntegerField(_("case"), primary_key=True)

    class Meta:
        db_table = "operations_casefootprint"
        verbose_name = _("case footprint")
        verbose_name_plural = _("case footprints")


class RollupState(models.Model):
    """One row: how far the incremental refresh has read, for every source. Its row lock
    serializes refreshes and rebuilds."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    watermark = models.DateTimeField(_("changes read up to"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    last_cases = models.PositiveIntegerField(_("cases in the last refresh"), default=0)
    # The sources whose rows have been built from all their objects: the refresh builds a source
    # declared since (its first refresh), and applies changes to the others.
    built = models.JSONField(_("sources built"), default=list, blank=True)

    class Meta:
        db_table = "operations_rollupstate"
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"{self.watermark}"
