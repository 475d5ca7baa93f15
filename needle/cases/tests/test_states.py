"""The lifecycle table (cases/states.py) agrees with the services and with the buttons: for every
move and every state, the service refuses with a 409 exactly when the state is outside the
move's sources, and case_actions offers exactly the moves whose sources hold the state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from needle import testing as t
from needle.cases import selectors
from needle.cases import services as s
from needle.cases.models import Case, State
from needle.cases.states import MOVES
from needle.core.errors import Conflict


def _in_state(world: t.World, catalog: dict[str, Any], state: str) -> Case:
    """A case put straight into `state`, led by the district's department (the table is what is
    under test, so the case does not travel there through the moves)."""
    case = t.submit(world, catalog["road"])
    parent = t.submit(world, catalog["road"]) if state == State.MERGED else None
    Case.objects.filter(pk=case.pk).update(
        state=state, lead_unit=world.units["district_a_env"], parent=parent
    )
    case.refresh_from_db()
    return case


def _calls(world: t.World, catalog: dict[str, Any]) -> dict[str, Callable[[Case], Any]]:
    """One call of each move's service by a superuser, who holds every capacity."""
    root = world.people["root"]
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
    # A moderator may also hide details, and put the case on the public list or take it off
    # (a rejected request can be on it no more).
    moderation = {"hide"} if state == State.REJECTED else {"hide", "publish"}
    assert offered == {m.name for m in MOVES.values() if state in m.sources} | moderation


def test_the_buttons_follow_the_capacities_a_persona_holds(world, catalog):
    case = _in_state(world, catalog, State.ACCEPTED)
    # The lead unit's handler holds `handle` alone: its moves, no dispatcher's or supervisor's.
    handler = selectors.case_actions(actor=world.people["handler"], case=case)
    assert handler == {"resolve", "start", "whistle", "assist"}
    # Assisting is the lead unit's or a dispatcher's, urging a supervisor's.
    assert "assist" in selectors.case_actions(actor=world.people["dispatcher"], case=case)
    assert "assist" not in selectors.case_actions(actor=world.people["supervisor"], case=case)
    assert "urge" in selectors.case_actions(actor=world.people["supervisor"], case=case)
