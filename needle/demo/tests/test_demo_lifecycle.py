import datetime as dt
import itertools
import random

from needle.areas.models import Area
from needle.cases.models import Case, Channel, Service
from needle.cases.states import may_start, step_allowed
from needle.demo.catalog import Entry
from needle.demo.lifecycle import Message, Place, Plan, Simulation


def test_every_generated_move_is_allowed_and_comes_after_the_one_before(db):
    # A one-hour acceptance window with no routing rule: the dispatch can take hours, and a
    # late acceptance drawn from the submission alone would land before it.
    now = dt.datetime(2026, 12, 4, 13, tzinfo=dt.UTC)
    city = Area(code="500000000000", path="/500000000000/")
    service = Service(pk=1, code="one-hour", accept_hours=1, resolve_hours=24)
    entry = Entry(service, "l1", "l2", "", [])
    place = Place(1, "/500000000000/1/", "c", "s", "d", "")
    units = {"so-s": 10, "go-d": 11, "go-500000000000": 12}
    sim = Simulation(random.Random(2026), now, city, units, {}, {}, {})
    submitted = now - dt.timedelta(days=30)
    for i in range(3000):
        plan = Plan(
            message=Message("", "title", "text", "l1", "", ""),
            entry=entry,
            place=place,
            submitted_at=submitted,
            channel=Channel.WEB,
            reporter=None,
        )
        plan.case = Case(
            number=f"{i:014d}", submitted_at=submitted, resolve_due_at=submitted + dt.timedelta(hours=24)
        )
        sim.run(plan, None, "", [])
        moves = [e for e in plan.events if e.from_state]
        assert moves, plan.events
        assert all(step_allowed(e.from_state, e.to_state) for e in moves), moves
        assert all(a.to_state == b.from_state and a.at <= b.at for a, b in itertools.pairwise(moves)), moves


# The steps that keep the state, by the move of states.MOVES each one is.
STEPS = {"info_added": "add_info", "extension_asked": "extend", "extension_granted": "decide_extension"}


def test_the_hotlines_other_steps_are_allowed_where_they_are_made(db):
    """Direct answers, withdrawals, holds, extensions and additions: every move one the table
    allows, every step that keeps the state one its move allows in the state of that moment."""
    now = dt.datetime(2026, 12, 4, 13, tzinfo=dt.UTC)
    city = Area(code="500000000000", path="/500000000000/")
    service = Service(pk=1, code="on-hold", accept_hours=24, resolve_hours=15 * 24, suspendable=True)
    entry = Entry(service, "l1", "l2", "", [])
    place = Place(1, "/500000000000/1/", "c", "s", "d", "")
    units = {"so-s": 10, "go-d": 11, "go-500000000000": 12}
    sim = Simulation(random.Random(7), now, city, units, {}, {}, {10: 20, 11: 21})
    seen: set[str] = set()
    for i, (fate, stall) in enumerate(
        itertools.islice(
            itertools.cycle(
                itertools.product(["", "withdraw", "answer"], [None, "suspended", "in_progress"])
            ),
            1800,
        )
    ):
        submitted = now - dt.timedelta(days=1 + i % 40)
        plan = Plan(
            message=Message("", "title", "text", "l1", "", ""),
            entry=entry,
            place=place,
            submitted_at=submitted,
            channel=Channel.PHONE,
            reporter=5 if i % 2 else None,
        )
        plan.case = Case(
            number=f"{i:014d}", submitted_at=submitted, resolve_due_at=submitted + dt.timedelta(days=15)
        )
        sim.run(plan, stall, fate, [])
        state = "submitted"
        for e in sorted(plan.events, key=lambda e: e.at):
            if e.from_state:
                assert e.from_state == state and step_allowed(e.from_state, e.to_state), plan.events
                state = e.to_state
            elif e.kind in STEPS:
                assert may_start(STEPS[e.kind], state), (e.kind, state)
            seen.add(e.kind)
        assert state == plan.case.state
        seen.add(state)
        if plan.case.state == "suspended":
            assert plan.case.suspended_at is not None
    assert {
        "answered",
        "withdrawn",
        "suspended",
        "resumed",
        "info_added",
        "extension_asked",
        "extension_granted",
    } <= seen
