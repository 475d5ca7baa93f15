"""The supervision personas on the shared small world (needle/testing.py): a district office's
supervisor (general office staff), the district department's handler, the street supervisor
(street A1), the community staff (A1a), an analyst (a viewer in district A), an outsider; and
the units a task from district A reaches: streets A1 and A2, communities A1a, A1b and A2a.
The report modules share the admitted "report" type, a template with a bound field and a
report issued with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from needle.orgs.models import Role, RoleAssignment, UnitType
from needle.rollups.refresh import rollups_refresh
from needle.supervision import services as svc
from needle.supervision.models import Entry, ReportTemplate, Target, Task
from needle.testing import PersonFactory, UnitFactory, World, build_catalog, build_world, submit

# One figure Needle holds (bound, so prefilled), one number and one yes/no the community types.
BOUND_FIELDS = [
    {"key": "received", "label": "来件数", "kind": "integer", "source": "cases", "figure": "received"},
    {"key": "volunteers", "label": "志愿者人数", "kind": "integer"},
    {"key": "drill", "label": "开展演练", "kind": "yes_no"},
]


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


@pytest.fixture
def report_admitted(world: World) -> Entry:
    """The task type "report" on district A's admission list for a year (applied for by its
    environment department, admitted by the general office), so a report request reaches its
    communities."""
    today = timezone.localdate()
    entry = svc.entry_apply(
        actor=world.people["handler"],
        issuer=world.units["district_a_env"],
        district=world.areas["district_a"],
        task_type="report",
        asks="Monthly figures",
        basis="Notice 12",
        hours="1.5",
        valid_from=today,
        valid_until=today + dt.timedelta(days=365),
    )
    return svc.entry_decide(actor=world.people["office"], entry_id=entry.pk, decision="admitted")


@pytest.fixture
def report_template(world: World) -> Callable[..., ReportTemplate]:
    """Makes a report template of district A's general office:
    `report_template(fields=BOUND_FIELDS, name="月报")`."""

    def make(fields: list[dict[str, Any]] | None = None, name: str = "月报") -> ReportTemplate:
        return svc.template_create(
            actor=world.people["office"],
            owner=world.units["district_a_go"],
            name=name,
            fields=BOUND_FIELDS if fields is None else fields,
        )

    return make


@pytest.fixture
def report_issued(
    world: World, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> tuple[Task, Target]:
    """A report of the general office to district A's communities on a BOUND_FIELDS template,
    one case received in A1a (so its bound field is 1), and A1a's target."""
    today = timezone.localdate()
    submit(world, build_catalog(world)["road"])
    rollups_refresh()
    task = svc.report_issue(
        actor=world.people["office"],
        issuer=world.units["district_a_go"],
        template=report_template(name="社区月报"),
        period_start=today - dt.timedelta(days=29),
        period_end=today,
        draft=svc.Draft(title="社区月报", task_type="report", deadline=today + dt.timedelta(days=5)),
        targets=[{"area": world.areas["district_a"].code, "unit_type": "resident_committee"}],
    )
    return task, Target.objects.get(task=task, unit=world.units["rc_a1a"])
