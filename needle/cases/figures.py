"""The cases as a source of the rollup engine: their counters, keys and figures, each defined
once with its label, and the footprint of one case. The cases' own rates page and API, and the
operations center's cards, tables, indicators, exports and alerts all read these definitions.

A case's footprint (the rows it adds to, by how much) is a pure function of its raw facts: its
columns, its callbacks and its reopenings; the engine keeps the rollups equal to the sum of the
footprints (needle.rollups)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.areas.models import Area, subtree_q
from needle.cases.models import OPEN_STATES, Callback, Case, CaseEvent, Colour, EventKind
from needle.core.sql import AnyOf
from needle.rollups import read
from needle.rollups.models import BACKLOG_DAY, CaseFootprint, CaseRollup, NodeRollup
from needle.rollups.sources import Counter, Figure, Footprint, Key, LeafKey, Source, Tables, Vec

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("received", _("received"), _("cases submitted")),
    Counter("dispatched", _("dispatched"), _("cases dispatched (their latest dispatch)")),
    Counter("response_due", _("accept deadlines due"), _("cases whose accept deadline fell in the period")),
    Counter("responded_on_time", _("accepted on time"), _("of those, accepted by the deadline")),
    Counter("resolved", _("resolved"), _("cases resolved")),
    Counter("resolved_on_time", _("resolved on time"), _("of those, resolved by their deadline")),
    Counter("callbacks", _("callbacks"), _("residents' answers to “solved?”")),
    Counter("solved", _("solved"), _("of those, answered “solved”")),
    Counter("rated", _("rated"), _("answers with a rating")),
    Counter("satisfied", _("satisfied"), _("of those, rated 4 or 5")),
    Counter("reopened", _("reopened"), _("reopenings")),
    Counter("open", _("open"), _("cases open now"), stock=True),
    Counter("due_soon", _("due soon"), _("of those, due soon (blue)"), stock=True),
    Counter("overdue", _("overdue"), _("of those, overdue (yellow)"), stock=True),
    Counter("overdue_serious", _("seriously overdue"), _("of those, seriously overdue (red)"), stock=True),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)
BACKLOG: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS if c.stock)
FLOWS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS if not c.stock)

RATES: tuple[Figure, ...] = (
    Figure(
        "response_rate",
        _("Response rate"),
        ("responded_on_time",),
        ("response_due",),
        _("accepted within the deadline / accept deadlines in the period"),
    ),
    Figure(
        "resolution_rate",
        _("Resolution rate"),
        ("solved",),
        ("callbacks",),
        _("answered “solved” / callbacks in the period"),
    ),
    Figure(
        "satisfaction_rate",
        _("Satisfaction rate"),
        ("satisfied",),
        ("rated",),
        _("rated 4 or 5 / callbacks with a rating"),
    ),
    Figure(
        "on_time_rate",
        _("On-time rate"),
        ("resolved_on_time",),
        ("resolved",),
        _("resolved by the deadline / resolved in the period"),
    ),
)
FIGURES: tuple[Figure, ...] = (
    *RATES,
    Figure("received", _("Received"), ("received",)),
    Figure("open", _("Backlog"), ("open",), lower_is_better=True),
    Figure("overdue_open", _("Overdue"), ("overdue", "overdue_serious"), lower_is_better=True),
)
RATE_NAMES: tuple[str, ...] = tuple(r.name for r in RATES)
RATE_BY_NAME: dict[str, Figure] = {r.name: r for r in RATES}


class HasRates:
    """The four rates of any object that carries their counters as attributes."""

    def rate(self, name: str) -> float | None:
        return RATE_BY_NAME[name].value(self)

    @property
    def response_rate(self) -> float | None:
        return self.rate("response_rate")

    @property
    def resolution_rate(self) -> float | None:
        return self.rate("resolution_rate")

    @property
    def satisfaction_rate(self) -> float | None:
        return self.rate("satisfaction_rate")

    @property
    def on_time_rate(self) -> float | None:
        return self.rate("on_time_rate")

    def rates(self) -> dict[str, float | None]:
        return {name: self.rate(name) for name in RATE_NAMES}


# The footprint of a case -----------------------------------------------------------------------

N = len(COUNTERS)
IX = {name: i for i, name in enumerate(COUNTERS)}


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

BACKLOG_COLOURS: dict[str, str] = {
    Colour.BLUE.value: "due_soon",
    Colour.YELLOW.value: "overdue",
    Colour.RED.value: "overdue_serious",
}


def footprint(case: CaseFacts, tz: Any = None) -> Footprint:
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
        if case.colour in BACKLOG_COLOURS:
            vec[IX[BACKLOG_COLOURS[case.colour]]] = 1
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


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    return {f.id: footprint(f, tz) for f in case_facts(ids)}


def changed_since(moment: dt.datetime) -> set[int]:
    """Every change of a case stamps updated_at; a callback is its own row."""
    ids = set(Case.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
    ids |= set(Callback.objects.filter(at__gte=moment).values_list("case_id", flat=True))
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Cases with any fact at or after `moment`. Every arm is an indexed column, so the cases
    table is read by index ranges, not scanned: a dispatch (dispatched_at has no index) stamps
    updated_at, as every change of a case does."""
    q = (
        Q(submitted_at__gte=moment)
        | Q(accept_due_at__gte=moment)
        | Q(resolved_at__gte=moment)
        | Q(updated_at__gte=moment)
    )
    ids = set(Case.objects.filter(q).values_list("pk", flat=True))
    ids |= set(Callback.objects.filter(at__gte=moment).values_list("case_id", flat=True))
    ids |= set(
        CaseEvent.objects.filter(at__gte=moment, kind=EventKind.REOPENED).values_list("case_id", flat=True)
    )
    return ids


def all_ids() -> list[int]:
    return list(Case.objects.order_by("pk").values_list("pk", flat=True))


def check(since: dt.date) -> list[str]:
    """Compare, per top-level area and per day from `since`, the rolled-up counts with direct
    counts over cases and callbacks; the differences, as lines of text."""
    tz = timezone.get_default_timezone()
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


SOURCE = Source(
    name="cases",
    label=_("Residents' requests"),
    counters=COUNTER_DEFINITIONS,
    keys=(
        Key("service", "service_id", _("service")),
        Key("unit", "unit_key", _("lead unit")),
    ),
    figures=FIGURES,
    tables=Tables(leaf=CaseRollup, node=NodeRollup, footprints=CaseFootprint),
    permission="cases.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
    check=check,
)
