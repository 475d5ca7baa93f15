"""The supervision personas on the shared small world (needle/testing.py): a district office's
supervisor (general office staff), the district department's handler, the street supervisor
(street A1), the community staff (A1a), an analyst (a viewer in district A), an outsider; and
the units a task from district A reaches: streets A1 and A2, communities A1a, A1b and A2a."""

from __future__ import annotations

from typing import Any

import pytest

from needle.orgs.models import Role, RoleAssignment, UnitType
from needle.testing import PersonFactory, UnitFactory, World, build_world


@pytest.fixture
def world(db: Any) -> World:
    w = build_world()
    u, a = w.units, w.areas
    u["street_a2"] = UnitFactory.create(
        code="so-a2",
        name="解放碑街道办事处",
        type=UnitType.STREET_OFFICE,
        area=a["street_a2"],
        parent=u["district_a_go"],
    )
    u["rc_a1b"] = UnitFactory.create(
        code="rc-a1b",
        name="领事巷社区居委会",
        type=UnitType.RESIDENT_COMMITTEE,
        area=a["community_a1b"],
        parent=u["street_a1"],
    )
    for persona, unit, role in (
        ("office", "district_a_go", Role.SUPERVISOR),
        ("analyst", "district_a_go", Role.VIEWER),
        ("staff_a1b", "rc_a1b", Role.COORDINATOR),
        ("staff_a2a", "rc_a2a", Role.COORDINATOR),
    ):
        w.people[persona] = PersonFactory.create(username=persona)
        RoleAssignment.objects.create(person=w.people[persona], unit=u[unit], role=role)
    return w
