"""What a case's page shows beyond the case itself: the timeline as the asker may see it, the
moves they may make, the answers to the service's questions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from needle.cases.models import STAFF_NOTE_KINDS, Case, CaseEvent, EventKind, Photo, State
from needle.cases.selectors.access import may_view_as_staff
from needle.cases.states import CAPACITY_PERMISSION, MOVES
from needle.orgs.models import Person
from needle.orgs.permissions import Actor, can_act_for_unit, can_in_area


@dataclass(frozen=True)
class Entry:
    """One timeline entry as the one asking may see it."""

    at: dt.datetime
    kind: str
    kind_label: str
    from_state: str
    to_state: str
    unit_name: str
    # Who wrote it: staff names are for staff only.
    actor: Person | None
    note: str
    public: bool
    photos: list[Photo]


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    # Internal entries and staff names included.
    internal: bool


# The resident's own words on a case's timeline: a merged duplicate's reporter reads the
# parent's progress, never what its reporter said.
RESIDENT_KINDS = frozenset({EventKind.CALLBACK, EventKind.SUBMITTED, EventKind.REPEATED})


def timeline_for(*, actor: Actor | None, case: Case, tracked: Case | None = None) -> Timeline:
    """The case's timeline as the actor may see it: staff who may view the case see every
    entry with its author; anyone else (its reporter too) sees the public entries, without
    staff names and without the notes staff write to each other (STAFF_NOTE_KINDS). `tracked`
    is the case whose private link is being read when that is not `case` (a duplicate merged
    into it): the link's holder reads no one else's words."""
    internal = actor is not None and may_view_as_staff(actor, case)
    qs = CaseEvent.objects.filter(case=case).select_related("unit").prefetch_related("photos")
    qs = qs.select_related("actor") if internal else qs.filter(public=True)
    foreign = tracked is not None and tracked.pk != case.pk
    kinds = dict(EventKind.choices)
    entries = [
        Entry(
            at=e.at,
            kind=e.kind,
            kind_label=str(kinds.get(e.kind, e.kind)),
            from_state=e.from_state,
            to_state=e.to_state,
            unit_name=e.unit.name if e.unit else "",
            actor=e.actor if internal else None,
            note=_note(e, internal=internal, foreign=foreign),
            public=e.public,
            photos=list(e.photos.all()),
        )
        for e in qs
    ]
    return Timeline(entries=entries, internal=internal)


def _note(event: CaseEvent, *, internal: bool, foreign: bool) -> str:
    if foreign and event.kind in RESIDENT_KINDS:
        return ""
    if not internal and event.kind in STAFF_NOTE_KINDS:
        return ""
    return event.note


# Every move a page may offer: the lifecycle's (states.MOVES), and hiding personal details and
# putting a case on the public list or taking it off, which a moderator may do in any state.
CASE_ACTIONS = (*MOVES, "hide", "publish")


def capacities_of(*, actor: Actor, case: Case) -> frozenset[str]:
    """The capacities (states.CAPACITY_PERMISSION) the actor holds on the case: `handle` for
    its lead unit, the others over its place."""
    held = set()
    for capacity, perm in CAPACITY_PERMISSION.items():
        if capacity == "handle":
            ok = case.lead_unit is not None and can_act_for_unit(actor, perm, case.lead_unit)
        else:
            ok = can_in_area(actor, perm, case.area_path)
        if ok:
            held.add(capacity)
    return frozenset(held)


def case_actions(*, actor: Actor, case: Case) -> frozenset[str]:
    """The moves the actor may make on the case in its current state: those of states.MOVES
    that start from it and that one of the actor's capacities allows, and `hide` and `publish`
    for a moderator (`publish` where the case can be public at all). Pages use it to choose the
    forms they show; the services decide again on every POST."""
    held = capacities_of(actor=actor, case=case)
    allowed = {m.name for m in MOVES.values() if case.state in m.sources and m.capacities & held}
    if "moderate" in held:
        allowed.add("hide")
        if case.service.public and case.state != State.REJECTED:
            allowed.add("publish")
    return frozenset(allowed)


def answers_of(*, case: Case) -> list[tuple[str, str]]:
    """The case's answers as (question, answer) in the service's order, with list values
    shown by their names rather than their keys."""
    rows = []
    for attr in case.service.attributes.all():
        if attr.code not in case.attributes:
            continue
        value = case.attributes[attr.code]
        names = {str(v.get("key")): str(v.get("name", v.get("key"))) for v in attr.values}
        shown = (
            ", ".join(names.get(str(v), str(v)) for v in value)
            if isinstance(value, list)
            else names.get(str(value), str(value))
        )
        rows.append((attr.description or attr.code, shown))
    return rows
