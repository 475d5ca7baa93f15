"""A registration's lifecycle as one table: every move, the states it may start from, the
state it leads to and who may make it.

    confirmed | waitlisted -> offered -> confirmed ; cancelled ; attended | no_show

The services check each move against it (an illegal move is a 409) and the demo generates
only the steps it allows. Capacities: the `registrant` (the person registered, or the staff
member who registered someone without an account), `staff` (center.manage over the
activity's community) and the `system` (the jobs that offer seats and let offers lapse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from needle.center.models import Registration, Status

REGISTRANT = "registrant"
STAFF = "staff"
SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[str]
    target: str
    capacities: frozenset[str]


def _move(name: str, sources: set[str], target: str, *capacities: str) -> Move:
    return Move(name, frozenset(sources), target, frozenset(capacities))


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        # A freed seat goes to the first in line, who has a while to take it.
        _move("offer", {Status.WAITLISTED}, Status.OFFERED, SYSTEM),
        _move("confirm", {Status.OFFERED}, Status.CONFIRMED, REGISTRANT, STAFF),
        # An offer not taken in time passes to the next in line.
        _move("lapse", {Status.OFFERED}, Status.CANCELLED, SYSTEM),
        _move(
            "cancel",
            {Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED},
            Status.CANCELLED,
            REGISTRANT,
            STAFF,
        ),
        _move("check_in", {Status.CONFIRMED, Status.NO_SHOW}, Status.ATTENDED, STAFF),
        _move("no_show", {Status.CONFIRMED}, Status.NO_SHOW, STAFF),
    )
}

# Where a new registration starts: a seat while one is free, else the waitlist.
INITIAL = frozenset({Status.CONFIRMED, Status.WAITLISTED})


def may_start(move: str, state: str) -> bool:
    return state in MOVES[move].sources


def step_allowed(before: str, after: str) -> bool:
    """Whether some move leads from `before` to `after` (the demo's check of its steps)."""
    return any(before in m.sources and m.target == after for m in MOVES.values())


def is_registrant(actor: Any, registration: Registration) -> bool:
    """The person registered, or for a person without an account, whoever registered them."""
    pk = getattr(actor, "pk", None)
    if registration.person_id is not None:
        return pk == registration.person_id
    return pk is not None and pk == registration.registered_by_id
