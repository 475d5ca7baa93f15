"""The lifecycles of volunteering, each as one table read by the services (an illegal move is a
409), the pages' buttons and the demo:

    check-in:  submitted -> confirmed | returned (corrections) ; returned -> submitted ;
               submitted | confirmed | returned -> moved (new home, history kept) | withdrawn
    claim:     claimed -> done | cancelled ; dispatched -> accepted | declined ;
               accepted -> done | cancelled
    hours:     reported -> verified | rejected ; a correction is a new entry that reverses one
    need:      open -> met | withdrawn

Capacities: the `member` (the person the check-in, claim or hours are of), `staff`
(volunteering.manage over the community), the `unit` a claim was dispatched to (its staff), and
the `reporter` of hours (who may be staff logging for a member). Nobody verifies their own
hours (`requires="not_own"`)."""

from __future__ import annotations

from needle.core.states import Move, move
from needle.volunteering.models import CheckInStatus, ClaimStatus, HourStatus, NeedStatus

MEMBER = "member"
STAFF = "staff"
UNIT = "unit"

C = CheckInStatus
CHECKIN_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("confirm", {C.SUBMITTED}, C.CONFIRMED, STAFF),
        move("return", {C.SUBMITTED}, C.RETURNED, STAFF, requires="note"),
        # The member corrects the slip and sends it again.
        move("resubmit", {C.RETURNED}, C.SUBMITTED, MEMBER),
        # A new home: this check-in ends as moved and a new one starts with the new community.
        move("move", {C.SUBMITTED, C.CONFIRMED, C.RETURNED}, C.MOVED, MEMBER, STAFF),
        move("withdraw", {C.SUBMITTED, C.CONFIRMED, C.RETURNED}, C.WITHDRAWN, MEMBER, STAFF),
    )
}
CHECKIN_INITIAL = C.SUBMITTED

# A unit's pairing with a community moves the same way, without "move".
PAIRING_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("confirm", {C.SUBMITTED}, C.CONFIRMED, STAFF),
        move("return", {C.SUBMITTED}, C.RETURNED, STAFF, requires="note"),
        move("resubmit", {C.RETURNED}, C.SUBMITTED, UNIT),
        move("withdraw", {C.SUBMITTED, C.CONFIRMED, C.RETURNED}, C.WITHDRAWN, UNIT, STAFF),
    )
}

K = ClaimStatus
CLAIM_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("accept", {K.DISPATCHED}, K.ACCEPTED, MEMBER, UNIT),
        move("decline", {K.DISPATCHED}, K.DECLINED, MEMBER, UNIT),
        # Cancelling frees the slot and tells the coordinator.
        move("cancel", {K.CLAIMED, K.ACCEPTED, K.DISPATCHED}, K.CANCELLED, MEMBER, UNIT, STAFF),
        move("done", {K.CLAIMED, K.ACCEPTED}, K.DONE, STAFF),
    )
}
# A member's own claim starts claimed; a dispatched task waits for its answer.
CLAIM_INITIAL = frozenset({K.CLAIMED, K.DISPATCHED})

H = HourStatus
HOUR_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("verify", {H.REPORTED}, H.VERIFIED, STAFF, requires="not_own"),
        move("reject", {H.REPORTED}, H.REJECTED, STAFF, requires="not_own"),
    )
}
# A member's report waits for the coordinator; hours the coordinator logs are verified at once.
HOUR_INITIAL = frozenset({H.REPORTED, H.VERIFIED})

N = NeedStatus
NEED_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("meet", {N.OPEN}, N.MET, STAFF),
        move("withdraw", {N.OPEN}, N.WITHDRAWN, STAFF),
        move("reopen", {N.MET, N.WITHDRAWN}, N.OPEN, STAFF),
    )
}
