"""Fixtures of the operations tests: the small world, its catalog, and a handful of cases that
went through every kind of step (dispatch, acceptance, resolution, callbacks good and bad,
reopening, merging, rejection, return, deadline colours), spread over several days."""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.cases import services as cs
from needle.cases.models import Case


@pytest.fixture
def busy(world: t.World, catalog: dict[str, Any]) -> dict[str, Case]:
    """Cases in several areas and states. `root` (superuser) does the handling steps that need
    a grant in a unit the personas do not hold."""
    w, root = world, world.people["root"]
    road, noise, private = catalog["road"], catalog["noise"], catalog["private"]
    cases: dict[str, Case] = {}
    # road in district A is routed to the environment department by rule.
    c = cases["closed_happy"] = t.submit(w, road)
    c = cs.case_accept(actor=root, case=c)
    c = cs.case_resolve(actor=root, case=c, note="修好了")
    cs.case_callback(actor=w.people["resident"], case=c, solved=True, rating=5)
    c = cases["reopened_by_callback"] = t.submit(w, road, area="community_a1b")
    c = cs.case_accept(actor=root, case=c)
    c = cs.case_resolve(actor=root, case=c, note="处理了")
    cs.case_callback(actor=w.people["dispatcher"], case=c, solved=False, rating=2)
    c = cases["noise_open"] = t.submit(w, noise, area="community_b1a", attributes={"when": "night"})
    cs.case_dispatch(actor=w.people["dispatcher"], case=c, unit=w.units["street_b1"])
    c = cases["grid_late"] = t.submit(w, noise, area="grid_a1a", attributes={"when": "day"})
    c = cs.case_dispatch(actor=w.people["dispatcher"], case=c, unit=w.units["rc_a1a"])
    c = cs.case_accept(actor=root, case=c)
    cases["street_level"] = t.submit(w, private, area="street_a1")
    c = cases["returned"] = t.submit(w, private, area="community_a2a")
    c = cs.case_dispatch(actor=w.people["dispatcher"], case=c, unit=w.units["rc_a2a"])
    cs.case_return(actor=root, case=c, reason="不归我们管")
    c = cases["rejected"] = t.submit(w, noise, area="community_a1a", attributes={"when": "day"})
    cs.case_reject(actor=w.people["dispatcher"], case=c, reason="重复骚扰")
    c = cases["old_closed"] = t.submit(w, road, area="community_a2a")
    c = cs.case_accept(actor=root, case=c)
    c = cs.case_resolve(actor=root, case=c, note="done")
    cs.case_callback(actor=w.people["dispatcher"], case=c, solved=True, rating=3)
    cases["old_closed"] = t.shift(c, 5)
    c = cases["old_open"] = t.submit(w, road, area="community_a1a")
    cases["old_open"] = t.shift(c, 12)
    for case in cases.values():
        case.refresh_from_db()
    return cases
