"""The lifecycle table (cases/states.py) agrees with the services and with the buttons: for every
move and every state, the service refuses with a 409 exactly when the state is outside the
move's sources, and case_actions offers exactly the moves whose sources hold the state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.models import Case, Extension, Service, State
from needle.cases.states import MOVES, REPORTER
from needle.core.errors import Conflict


def _in_state(world: t.World, catalog: dict[str, Any], state: str) -> Case:
    """A case put straight into `state`, led by the district's department (the table is what is
    under test, so the case does not travel there through the moves). Its service may be put on
    hold, so that the catalog's condition is no obstacle."""
    Service.objects.filter(pk=catalog["road"].pk).update(suspendable=True)
    case = t.submit(world, catalog["road"])
    parent = t.submit(world, catalog["road"]) if state == State.MERGED else None
    Case.objects.filter(pk=case.pk).update(
        state=state,
        lead_unit=world.units["district_a_env"],
        parent=parent,
        suspended_at=timezone.now() if state == State.SUSPENDED else None,
    )
    case.refresh_from_db()
    return case


def _pending(case: Case, world: t.World) -> Case:
    """A pending extension request on the case (for the decision to decide)."""
    Extension.objects.create(
        case=case,
        unit=world.units["district_a_env"],
        reason="等待供暖季",
        old_due=case.resolve_due_at,
        requested_due=case.resolve_due_at + dt.timedelta(days=10),
    )
    return case


def _calls(world: t.World, catalog: dict[str, Any]) -> dict[str, Callable[[Case], Any]]:
    """One call of each move's service by a superuser, who holds every capacity but the
    reporter's; the reporter's own moves by the case's reporter."""
    root = world.people["root"]
    resident = world.people["resident"]
    street = world.units["street_a1"]
    return {
        "dispatch": lambda c: s.case_dispatch(actor=root, case=c, unit=street),
        "reclassify": lambda c: s.case_reclassify(actor=root, case=c, service=catalog["noise"]),
        "accept": lambda c: s.case_accept(actor=root, case=c),
        "return": lambda c: s.case_return(actor=root, case=c, reason="不归我们管"),
        "start": lambda c: s.case_start(actor=root, case=c),
        "resolve": lambda c: s.case_resolve(actor=root, case=c, note="已修好"),
        "callback": lambda c: s.case_callback(actor=root, case=c, solved=True, rating=5),
        "reopen": lambda c: s.case_reopen(actor=root, case=c, reason="又坏了"),
        "merge": lambda c: s.case_merge(actor=root, case=c, parent=t.submit(world, catalog["road"])),
        "reject": lambda c: s.case_reject(actor=root, case=c, reason="重复投诉"),
        "urge": lambda c: s.case_urge(actor=root, case=c, note="请尽快"),
        "whistle": lambda c: s.case_whistle(actor=root, case=c, units=[street]),
        "assist": lambda c: s.case_assist(actor=root, case=c, unit=street),
        "answer": lambda c: s.case_answer(actor=root, case=c, answer="垃圾每天早上七点清运。"),
        "withdraw": lambda c: s.case_withdraw(actor=resident, case=c, reason="已经修好了"),
        "add_info": lambda c: s.case_add_info(actor=resident, case=c, note="晚上更危险"),
        "suspend": lambda c: s.case_suspend(actor=root, case=c, reason="等待供暖季"),
        "resume": lambda c: s.case_resume(actor=root, case=c),
        "extend": lambda c: s.case_extension_request(
            actor=root, case=c, due=c.resolve_due_at + dt.timedelta(days=3), reason="需要协调"
        ),
        "decide_extension": lambda c: s.case_extension_decide(
            actor=root, case=_pending(c, world), grant=True
        ),
    }


def test_every_move_has_a_service_call_here(world, catalog):
    assert set(_calls(world, catalog)) == set(MOVES)


@pytest.mark.parametrize("move", sorted(MOVES))
def test_a_service_refuses_exactly_the_states_outside_its_moves_sources(world, catalog, move):
    call = _calls(world, catalog)[move]
    for state in State.values:
        case = _in_state(world, catalog, state)
        if state in MOVES[move].sources:
            call(case)  # no Conflict (nor any other refusal) from a state the table allows
        else:
            with pytest.raises(Conflict) as refused:
                call(case)
            assert refused.value.status == 409
            assert refused.value.extra["state"] == state, (move, state)


@pytest.mark.parametrize("state", State.values)
def test_the_buttons_are_the_moves_whose_sources_hold_the_state(world, catalog, state):
    case = _in_state(world, catalog, state)
    offered = selectors.case_actions(actor=world.people["root"], case=case)
    # Not the reporter's own moves (the superuser is not the reporter), nor a decision on an
    # extension no one asked for. A moderator may also hide details, and put the case on the
    # public list or take it off (a rejected or withdrawn request can be on it no more).
    moderation = {"hide"} if state in (State.REJECTED, State.WITHDRAWN) else {"hide", "publish"}
    mine = {m.name for m in MOVES.values() if state in m.sources and m.capacities != {REPORTER}}
    assert offered == (mine - {"decide_extension"}) | moderation
    # A pending request turns the request into its decision.
    _pending(case, world)
    asked = selectors.case_actions(actor=world.people["root"], case=case)
    assert asked == (mine - {"extend"}) | moderation
    # The link's holder, and the reporter signed in, have exactly the reporter's moves.
    theirs = {m.name for m in MOVES.values() if state in m.sources and REPORTER in m.capacities}
    assert selectors.case_actions(actor=None, case=case, as_reporter=True) == theirs
    assert selectors.case_actions(actor=world.people["resident"], case=case) == theirs


def test_a_hold_is_offered_only_where_the_catalog_allows_it(world, catalog):
    case = _in_state(world, catalog, State.IN_PROGRESS)
    assert "suspend" in selectors.case_actions(actor=world.people["handler"], case=case)
    Service.objects.filter(pk=case.service_id).update(suspendable=False)
    case.refresh_from_db()
    assert "suspend" not in selectors.case_actions(actor=world.people["handler"], case=case)
    with pytest.raises(Conflict) as refused:
        s.case_suspend(actor=world.people["handler"], case=case, reason="等待")
    assert refused.value.status == 409 and "on hold" in refused.value.message


def test_the_buttons_follow_the_capacities_a_persona_holds(world, catalog):
    case = _in_state(world, catalog, State.ACCEPTED)
    # The lead unit's handler holds `handle` alone: its moves, no dispatcher's or supervisor's.
    handler = selectors.case_actions(actor=world.people["handler"], case=case)
    assert handler == {"resolve", "start", "whistle", "assist", "suspend", "extend"}
    # The extension is decided by a dispatcher over the place, not by the unit that asks.
    _pending(case, world)
    assert "decide_extension" not in selectors.case_actions(actor=world.people["handler"], case=case)
    assert "decide_extension" in selectors.case_actions(actor=world.people["dispatcher"], case=case)
    assert "decide_extension" not in selectors.case_actions(actor=world.people["supervisor"], case=case)
    # Assisting is the lead unit's or a dispatcher's, urging a supervisor's.
    assert "assist" in selectors.case_actions(actor=world.people["dispatcher"], case=case)
    assert "assist" not in selectors.case_actions(actor=world.people["supervisor"], case=case)
    assert "urge" in selectors.case_actions(actor=world.people["supervisor"], case=case)
