import datetime as dt
import itertools
import random

from needle.areas.models import Area
from needle.cases.models import Case, Channel, Service
from needle.cases.states import step_allowed
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
