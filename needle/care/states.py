"""The lifecycles of care, each as one table read by the services (an illegal move is a 409),
the pages' buttons and the demo:

    item:       open -> closed (the household confirms) | case (became a request)
                case -> closed (with the request)
    recipient:  active -> ended | moved_away | deceased ; ended | moved_away -> active
                moved_away | deceased -> anonymised (after the retention period, by the job)

Capacities: `staff` (care.manage over the recipient's place), `helper` (an open pairing, or the
grid worker of the recipient's grid), `system` (the jobs: a request's closing, the retention)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from needle.care.models import Item, ItemStatus, Status
from needle.cases.models import State
from needle.core.states import Move, move

STAFF = "staff"
HELPER = "helper"
SYSTEM = "system"

I = ItemStatus  # noqa: E741
ITEM_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("close", {I.OPEN}, I.CLOSED, STAFF, requires="confirmation"),
        # A helper or the staff turn the problem into a resident's request, routed like any.
        move("to_case", {I.OPEN}, I.CASE, STAFF, HELPER),
        move("case_closed", {I.CASE}, I.CLOSED, SYSTEM),
    )
}

S = Status
RECIPIENT_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("end", {S.ACTIVE}, S.ENDED, STAFF),
        move("moved_away", {S.ACTIVE}, S.MOVED_AWAY, STAFF),
        move("deceased", {S.ACTIVE}, S.DECEASED, STAFF),
        move("resume", {S.ENDED, S.MOVED_AWAY}, S.ACTIVE, STAFF),
        move("anonymise", {S.MOVED_AWAY, S.DECEASED}, S.ANONYMISED, SYSTEM),
    )
}


# A request that has ended (closed, or answered directly) closes the item made from it.
CASE_DONE = frozenset({State.CLOSED, State.ANSWERED})


def open_item_q(prefix: str = "") -> Q:
    """A filter on Item (through `prefix`, e.g. "items__"): the items a page counts as open,
    the same as item_shown_status says: open, or become a request that has not ended. The
    console, the home page and the operations center's rollup (figures.py) count by it."""
    return Q(**{f"{prefix}status": ItemStatus.OPEN}) | (
        Q(**{f"{prefix}status": ItemStatus.CASE}) & ~Q(**{f"{prefix}case__state__in": CASE_DONE})
    )


# "Due this week": today and the six days after it, everywhere (the home page, the console, the
# schedule, the operations center).
WEEK_DAYS = 7


def week_end(today: dt.date) -> dt.date:
    """The last day of the week that starts today (both ends included)."""
    return today + dt.timedelta(days=WEEK_DAYS - 1)


def item_shown_status(item: Item) -> str:
    """The status the ledger shows: an item whose request has ended is closed with it, even
    before the job has written so."""
    if item.status == ItemStatus.CASE and item.case is not None and item.case.state in CASE_DONE:
        return ItemStatus.CLOSED
    return item.status
