"""What each person has to do about cases today, as their home page shows it: one selector per
kind of work (a unit's handler, a dispatcher, a supervisor, a grid worker, a resident). Each
returns counts read in one query and the few cases to look at first; the lists behind them are
the inbox, the queue and "My requests"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from needle.areas.models import Area, subtree_q
from needle.cases.models import OPEN_STATES, Case, CaseEvent, Colour, EventKind, State
from needle.cases.selectors.access import case_scope_q
from needle.cases.selectors.lists import CASE_ORDER, CaseFilters
from needle.cases.selectors.queue import QueueSummary, dispatch_queue, queue_summary
from needle.cases.states import MOVES
from needle.orgs.models import GridAssignment, Unit
from needle.orgs.permissions import (
    Actor,
    area_scope_q,
    granting_unit_ids,
    has_perm_anywhere,
    require_authenticated,
)

# How many cases a home lists under each count.
SHOWN = 5
LATE = (Colour.YELLOW, Colour.RED)
# The deadline-first order of the lists on a home: the most overdue case leads.
BY_DEADLINE = (F("resolve_due_at").asc(nulls_last=True), "submitted_at", "id")
# An urge counts as answered once the unit did any of these after it.
ANSWERS = (
    EventKind.ACCEPTED,
    EventKind.STARTED,
    EventKind.NOTE,
    EventKind.RESOLVED,
    EventKind.RETURNED,
    EventKind.TRANSFERRED,
    EventKind.RESPONDED,
    EventKind.CLOSED,
)
# The urges a supervisor's home looks back on.
URGES_SINCE = dt.timedelta(days=14)


def _late_counts(cases: QuerySet[Case]) -> dict[str, int]:
    return cases.order_by().aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(colour=Colour.YELLOW)),
        serious=Count("id", filter=Q(colour=Colour.RED)),
    )


@dataclass(frozen=True)
class HandlerToday:
    """The cases of the units the actor works for (a handle grant in that very unit)."""

    units: list[Unit]
    to_accept: int
    open: int
    overdue: int
    serious: int
    first: list[Case] = field(default_factory=list)  # to accept, then late, deadline first

    @property
    def inbox_query(self) -> str:
        """The inbox's filter for the one unit ("unit=7&"), or nothing for several."""
        return f"unit={self.units[0].pk}&" if len(self.units) == 1 else ""


def handler_today(*, actor: Actor) -> HandlerToday | None:
    """None unless the actor handles cases for a unit."""
    require_authenticated(actor)
    unit_ids = granting_unit_ids(actor, "cases.handle")
    if not unit_ids:
        return None
    units = list(Unit.objects.filter(pk__in=unit_ids, dissolved_on__isnull=True).order_by("name"))
    accept_from = sorted(MOVES["accept"].sources)
    cases = Case.objects.filter(lead_unit_id__in=[u.pk for u in units], state__in=OPEN_STATES)
    counts = cases.order_by().aggregate(
        open=Count("id"),
        to_accept=Count("id", filter=Q(state__in=accept_from)),
        overdue=Count("id", filter=Q(colour=Colour.YELLOW)),
        serious=Count("id", filter=Q(colour=Colour.RED)),
    )
    first = list(
        cases.filter(Q(state__in=accept_from) | Q(colour__in=LATE))
        .select_related("service", "area")
        .defer("area__boundary")
        .order_by(*BY_DEADLINE)[:SHOWN]
    )
    return HandlerToday(units=units, first=first, **counts)


@dataclass(frozen=True)
class DispatcherToday:
    summary: QueueSummary
    late: list[Case]  # the queue's late cards, deadline first


def dispatcher_today(*, actor: Actor) -> DispatcherToday | None:
    """None unless the actor dispatches somewhere."""
    require_authenticated(actor)
    if not has_perm_anywhere(actor, "cases.dispatch"):
        return None
    queue = dispatch_queue(actor=actor, filters=CaseFilters())
    return DispatcherToday(summary=queue_summary(queue), late=list(queue.filter(colour__in=LATE)[:SHOWN]))


@dataclass(frozen=True)
class Urge:
    case: Case
    at: dt.datetime
    answered: bool


@dataclass(frozen=True)
class SupervisorToday:
    overdue: int
    serious: int
    late: list[Case]
    urges: list[Urge]  # the actor's urges of the last URGES_SINCE, answered ones first

    @property
    def answered(self) -> int:
        return sum(u.answered for u in self.urges)


def supervisor_today(*, actor: Actor) -> SupervisorToday | None:
    """The red and yellow cases located in the actor's supervision areas, and whether the units
    answered the actor's recent urges. None unless the actor supervises somewhere."""
    person = require_authenticated(actor)
    if not has_perm_anywhere(actor, "cases.supervise"):
        return None
    cases = Case.objects.filter(state__in=OPEN_STATES, colour__in=LATE)
    scope = area_scope_q(actor, "cases.supervise", "area_path")
    if scope is not None:
        cases = cases.filter(scope)
    counts = _late_counts(cases)
    late = list(
        cases.select_related("service", "area", "lead_unit")
        .defer("area__boundary")
        .order_by(*BY_DEADLINE)[:SHOWN]
    )
    answer = CaseEvent.objects.filter(case_id=OuterRef("case_id"), at__gt=OuterRef("at"), kind__in=ANSWERS)
    rows = (
        CaseEvent.objects.filter(
            actor=person,
            kind__in=[EventKind.URGED, EventKind.SUPERVISED],
            at__gte=timezone.now() - URGES_SINCE,
        )
        .annotate(answered=Exists(answer))
        .select_related("case")
        .order_by("-at")[: SHOWN * 4]
    )
    seen: set[int] = set()
    urges = []
    for event in rows:  # the latest urge of each case
        if event.case_id not in seen:
            seen.add(event.case_id)
            urges.append(Urge(case=event.case, at=event.at, answered=event.answered))
    urges.sort(key=lambda u: not u.answered)
    return SupervisorToday(
        overdue=counts["overdue"], serious=counts["serious"], late=late, urges=urges[:SHOWN]
    )


@dataclass(frozen=True)
class GridToday:
    grids: list[Area]
    open: int
    overdue: int
    serious: int
    first: list[Case]


def grid_today(*, actor: Actor) -> GridToday | None:
    """The open cases located in the actor's grids (as far as the actor may see them). None
    unless the actor holds a grid."""
    person = require_authenticated(actor)
    grids = [
        a.grid
        for a in GridAssignment.objects.filter(worker=person, ended_at__isnull=True)
        .select_related("grid")
        .defer("grid__boundary")
        .order_by("grid__code")
    ]
    if not grids:
        return None
    in_grids = Q(pk__in=[])
    for grid in grids:
        in_grids |= subtree_q(grid.path, "area_path")
    cases = Case.objects.filter(in_grids, state__in=OPEN_STATES)
    scope = case_scope_q(actor)
    if scope is not None:
        cases = cases.filter(scope)
    counts = _late_counts(cases)
    first = list(
        cases.select_related("service", "area").defer("area__boundary").order_by(*BY_DEADLINE)[:SHOWN]
    )
    return GridToday(
        grids=grids, open=counts["total"], overdue=counts["overdue"], serious=counts["serious"], first=first
    )


@dataclass(frozen=True)
class MineToday:
    open: int
    to_answer: int  # resolved: waiting for the reporter's "solved?"
    recent: list[Case]


def mine_today(*, actor: Actor) -> MineToday:
    """The requests the actor raised: how many are open, which wait for their answer."""
    person = require_authenticated(actor)
    cases = Case.objects.filter(reporter_id=person.pk)
    counts: dict[str, Any] = cases.order_by().aggregate(
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        to_answer=Count("id", filter=Q(state=State.RESOLVED)),
    )
    recent = list(cases.select_related("service").order_by(*CASE_ORDER)[:SHOWN])
    return MineToday(recent=recent, **counts)
