"""A case's footprint: the rollup rows it adds to and by how much, computed from its raw facts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from needle.cases.models import OPEN_STATES, Callback, Case, CaseEvent, Colour, EventKind
from needle.core.sql import AnyOf
from needle.operations.models import BACKLOG_DAY, COUNTERS

N = len(COUNTERS)
IX = {name: i for i, name in enumerate(COUNTERS)}

LeafKey = tuple[dt.date, int, int, int]  # day, area id, service id, lead unit id (0: none)
Vec = list[int]


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


def _add(into: dict[LeafKey, Vec], fp: dict[LeafKey, Vec], sign: int) -> None:
    for key, vec in fp.items():
        acc = into.get(key)
        if acc is None:
            into[key] = [sign * x for x in vec]
        else:
            for i, x in enumerate(vec):
                acc[i] += sign * x
