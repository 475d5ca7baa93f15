"""The case's lifecycle as one table: every move, the states it may start from, the state it
leads to and the capacities that may make it.

The services check each move against it (an illegal move is a 409), `case_actions` reads it to
choose the buttons a page shows, and the demo checks every step it generates against it, so the
three cannot drift apart. Capacities are permissions the actor holds over the case's place
(`dispatch`, `supervise`, `callback`, `moderate`, `intake`) or for its lead unit (`handle`),
or being the case's own `reporter` (signed in as them, or holding their tracking link).

A few moves also need a condition beyond the state (`requires`), which the services check and
`case_actions` reads: the catalog allows putting the service on hold (`suspendable`), an
extension request is pending (`pending_extension`) or not (`no_pending_extension`)."""

from __future__ import annotations

from needle.cases.models import DISPATCHABLE, OPEN_STATES, State
from needle.core.states import Move, move

# The permission behind each capacity (needle/orgs/permissions.py).
CAPACITY_PERMISSION = {
    "dispatch": "cases.dispatch",
    "handle": "cases.handle",
    "supervise": "cases.supervise",
    "callback": "cases.callback",
    "moderate": "cases.moderate",
    "intake": "cases.intake",
}
# The capacity that is no permission: the resident whose request it is.
REPORTER = "reporter"

_WORKED_ON = OPEN_STATES - {State.SUBMITTED, State.RETURNED}
# Where the lead unit works on the case and may ask for more time.
_HANDLED = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.REOPENED})


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        # From submitted or returned it is a dispatch; from a unit's hands, a transfer.
        move("dispatch", DISPATCHABLE, State.DISPATCHED, "dispatch"),
        move("reclassify", DISPATCHABLE, None, "dispatch"),
        move("accept", {State.DISPATCHED, State.REOPENED}, State.ACCEPTED, "handle"),
        move("return", {State.DISPATCHED}, State.RETURNED, "handle"),
        move("start", {State.ACCEPTED}, State.IN_PROGRESS, "handle"),
        move("resolve", {State.ACCEPTED, State.IN_PROGRESS}, State.RESOLVED, "handle"),
        # Solved closes the case, unsolved reopens it: the answer decides.
        move("callback", {State.RESOLVED}, None, "callback"),
        move("reopen", {State.RESOLVED, State.CLOSED}, State.REOPENED, "callback", "supervise"),
        move("merge", OPEN_STATES, State.MERGED, "dispatch"),
        move("reject", {State.SUBMITTED, State.RETURNED, State.DISPATCHED}, State.REJECTED, "dispatch"),
        move("urge", OPEN_STATES, None, "supervise"),
        move("whistle", _WORKED_ON, None, "supervise", "handle"),
        move("assist", _WORKED_ON, None, "handle", "dispatch"),
        # A question answered at intake or from the queue (直接答复): done, nothing to dispatch.
        move("answer", {State.SUBMITTED, State.RETURNED}, State.ANSWERED, "dispatch", "intake"),
        # The resident takes the request back (撤回), or tells a dispatcher so on the phone.
        move("withdraw", OPEN_STATES, State.WITHDRAWN, REPORTER, "dispatch"),
        move("add_info", OPEN_STATES, None, REPORTER),
        # On hold (挂起): the deadline clock stops until the case is back in progress.
        move(
            "suspend", {State.ACCEPTED, State.IN_PROGRESS}, State.SUSPENDED, "handle", requires="suspendable"
        ),
        move("resume", {State.SUSPENDED}, State.IN_PROGRESS, "handle", "dispatch", "supervise"),
        # An extension (延期): asked by the lead unit, decided by a dispatcher over the place.
        move("extend", _HANDLED, None, "handle", requires="no_pending_extension"),
        move(
            "decide_extension",
            _HANDLED | {State.SUSPENDED},
            None,
            "dispatch",
            requires="pending_extension",
        ),
    )
}

# Where a callback leads, by the resident's answer.
CALLBACK_TARGETS = {True: State.CLOSED, False: State.REOPENED}


def may_start(move: str, state: str) -> bool:
    """Whether `move` may be made from `state` (whoever asks)."""
    return state in MOVES[move].sources


def targets(move: str) -> frozenset[str]:
    """The states a move can lead to (the callback: either answer's)."""
    if move == "callback":
        return frozenset(CALLBACK_TARGETS.values())
    target = MOVES[move].target
    return frozenset({target}) if target else frozenset()


def step_allowed(before: str, after: str) -> bool:
    """Whether some move leads from state `before` to state `after` (the demo's check of every
    step it generates)."""
    return any(before in m.sources and after in targets(m.name) for m in MOVES.values())
