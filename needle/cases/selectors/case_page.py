"""What a case's page shows beyond the case itself: the timeline as the asker may see it, the
moves they may make, the answers to the service's questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from needle.cases.models import (
    RESIDENT_KINDS,
    STAFF_NOTE_KINDS,
    Assist,
    Case,
    CaseEvent,
    EventKind,
    Extension,
    Photo,
    State,
)
from needle.cases.presenters import event_text
from needle.cases.selectors.access import may_view_as_staff
from needle.cases.states import CAPACITY_PERMISSION, MOVES, REPORTER
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
    # What the entry says in the reader's language: the system's sentence for `code` (with
    # `params`), then what a person wrote (presenters.event_text).
    note: str
    public: bool
    photos: list[Photo]
    code: str = ""
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    # Internal entries and staff names included.
    internal: bool


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
    entries = []
    for e in qs:
        theirs = foreign and e.kind in RESIDENT_KINDS
        # What staff wrote to each other shows its step only: neither their note nor the
        # sentence that names whom they wrote to.
        staff_only = not internal and e.kind in STAFF_NOTE_KINDS
        hidden = theirs or staff_only
        entries.append(
            Entry(
                at=e.at,
                kind=e.kind,
                kind_label=str(kinds.get(e.kind, e.kind)),
                from_state=e.from_state,
                to_state=e.to_state,
                unit_name=e.unit.name if e.unit else "",
                actor=e.actor if internal else None,
                note="" if hidden else event_text(code=e.code, params=e.params, note=e.note),
                public=e.public,
                photos=[] if theirs else list(e.photos.all()),
                code="" if hidden else e.code,
                params={} if hidden else e.params,
            )
        )
    return Timeline(entries=entries, internal=internal)


# Every move a page may offer: the lifecycle's (states.MOVES); hiding personal details and
# putting a case on the public list or taking it off, which a moderator may do in any state; a
# called-in or assisting unit's answer, once, in any state.
CASE_ACTIONS = (*MOVES, "hide", "publish", "respond")


def capacities_of(*, actor: Actor | None, case: Case, as_reporter: bool = False) -> frozenset[str]:
    """The capacities (states.CAPACITY_PERMISSION) the actor holds on the case: `handle` for
    its lead unit, the others over its place; `reporter` for its reporter signed in, or for
    whoever holds its tracking link (`as_reporter`)."""
    held = set()
    if as_reporter or (actor is not None and actor.pk and actor.pk == case.reporter_id):
        held.add(REPORTER)
    if actor is None:
        return frozenset(held)
    for capacity, perm in CAPACITY_PERMISSION.items():
        if capacity == "handle":
            ok = case.lead_unit is not None and can_act_for_unit(actor, perm, case.lead_unit)
        else:
            ok = can_in_area(actor, perm, case.area_path)
        if ok:
            held.add(capacity)
    return frozenset(held)


def pending_extension(*, case: Case) -> Extension | None:
    """The lead unit's request for more time still waiting for a decision, if any."""
    return (
        Extension.objects.select_related("unit", "requested_by")
        .filter(case=case, status=Extension.Status.PENDING)
        .first()
    )


def _condition(requires: str, case: Case, pending: list[bool]) -> bool:
    """A move's condition beyond the state (states.Move.requires). `pending` holds whether an
    extension is pending once known: read at most once per page."""
    if requires == "suspendable":
        return case.service.suspendable
    if requires in ("pending_extension", "no_pending_extension"):
        if not pending:
            pending.append(Extension.objects.filter(case=case, status=Extension.Status.PENDING).exists())
        return pending[0] == (requires == "pending_extension")
    return not requires


def may_respond(*, actor: Actor, case: Case, assists: Sequence[Assist] | None = None) -> bool:
    """Whether one of the actor's units is called in or assists on the case and has not answered
    (`assists`: the case's, with their units, when the caller has read them)."""
    if assists is None:
        assists = list(case.assists.select_related("unit"))
    return any(a.responded_at is None and can_act_for_unit(actor, "cases.handle", a.unit) for a in assists)


def case_actions(
    *,
    actor: Actor | None,
    case: Case,
    as_reporter: bool = False,
    extension_pending: bool | None = None,
    assists: Sequence[Assist] | None = None,
) -> frozenset[str]:
    """The moves the actor may make on the case in its current state: those of states.MOVES
    that start from it, that one of the actor's capacities allows and whose condition holds;
    `hide` and `publish` for a moderator (`publish` where the case can be public at all);
    `respond` for a unit called in and yet to answer. Pages use it to choose the forms they
    show; the services decide again on every POST. `as_reporter`: the one asking holds the
    case's tracking link. A page that has read whether an extension is pending, or the case's
    assists, passes them instead of having them read again."""
    held = capacities_of(actor=actor, case=case, as_reporter=as_reporter)
    pending = [] if extension_pending is None else [extension_pending]
    allowed = {
        m.name
        for m in MOVES.values()
        if case.state in m.sources and m.capacities & held and _condition(m.requires, case, pending)
    }
    if "moderate" in held:
        allowed.add("hide")
        if case.service.public and case.state not in (State.REJECTED, State.WITHDRAWN):
            allowed.add("publish")
    if actor is not None and actor.is_authenticated and may_respond(actor=actor, case=case, assists=assists):
        allowed.add("respond")
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
