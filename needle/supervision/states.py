"""The lifecycles of supervision, each one table read by the services (an illegal move is a
409), the pages' buttons and the demo:

    target:     issued -> accepted -> reporting (0-100) -> done -> signed_off | returned
                returned -> reporting | done ; issued | accepted -> declined (unlisted type)
    extension:  (none) | granted | refused -> asked -> granted | refused
    entry:      applied -> admitted | refused ; admitted -> revoked
    consultation: open -> (reply, until the deadline; changeable) -> closed

Capacities: `target` (staff of the target unit), `signer` (staff of the level above, or of
the issuer when there is none), `issuer` (staff of the issuing unit), `office` (a general
office over the entry's district), `applicant` (staff of the applying unit), `consulted` (staff
of a unit asked for its opinion)."""

from __future__ import annotations

from typing import Any

from needle.core.states import Move, move
from needle.supervision.models import ConsultationState, EntryStatus, Extension, Status

TARGET = "target"
SIGNER = "signer"
ISSUER = "issuer"
OFFICE = "office"

S = Status
OPEN = frozenset({S.ISSUED, S.ACCEPTED, S.REPORTING, S.RETURNED})
TARGET_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("accept", {S.ISSUED}, S.ACCEPTED, TARGET),
        move("progress", OPEN, S.REPORTING, TARGET),
        move("done", OPEN, S.DONE, TARGET),
        move("sign_off", {S.DONE}, S.SIGNED_OFF, SIGNER),
        move("return", {S.DONE}, S.RETURNED, SIGNER),
        move("decline", {S.ISSUED, S.ACCEPTED}, S.DECLINED, TARGET, requires="unlisted"),
        # A street passes its share down to its communities; it stays in its state.
        move("split", {S.ISSUED, S.ACCEPTED, S.REPORTING}, None, TARGET, requires="street"),
        # The issuer or the level above presses an open target; it stays in its state.
        move("urge", OPEN, None, ISSUER, SIGNER),
    )
}

E = Extension
EXTENSION_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("ask", {E.NONE, E.GRANTED, E.REFUSED}, E.ASKED, TARGET, requires="open"),
        move("grant", {E.ASKED}, E.GRANTED, ISSUER),
        move("refuse", {E.ASKED}, E.REFUSED, ISSUER),
    )
}

N = EntryStatus
ENTRY_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("admit", {N.APPLIED}, N.ADMITTED, OFFICE),
        move("refuse", {N.APPLIED}, N.REFUSED, OFFICE),
        move("revoke", {N.ADMITTED}, N.REVOKED, OFFICE),
    )
}


CONSULTED = "consulted"
C = ConsultationState
CONSULTATION_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        # A unit answers, and may change its answer, while the consultation is open and due.
        move("reply", {C.OPEN}, None, CONSULTED, requires="before_deadline"),
        move("close", {C.OPEN}, C.CLOSED, ISSUER),
        # The issuer turns the closed draft into a task (once).
        move("issue_task", {C.CLOSED}, None, ISSUER, requires="no_task_yet"),
    )
}


# A report is filled while its target is in these states; once returned, only flagged fields open.
FILLING = frozenset({Status.ISSUED, Status.ACCEPTED, Status.REPORTING})


def editable(target: Any, answer: Any, field: Any) -> bool:
    """Whether the field may be typed now (the pages and the API show the same)."""
    if target.status in FILLING:
        return not field.bound
    return target.status == Status.RETURNED and answer.flagged
