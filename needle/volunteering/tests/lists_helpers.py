"""Test data of the lists' tests: a checked-in world, a grid worker, a project with shifts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from needle import testing as t
from needle.orgs.models import Role, RoleAssignment
from needle.volunteering.models import Project, Shift
from needle.volunteering.services.lists import ShiftDraft, project_create
from needle.volunteering.tests.conftest import make_checkin


def checked_in(w: t.World) -> t.World:
    """Everyone of the volunteering world checked in (confirmed), and a grid worker (a visitor
    of community A1a's committee)."""
    a, u, p = w.areas, w.units, w.people
    make_checkin(p["member"], workplace=u["pb_a1a"], community=a["community_a1a"], skill_codes=["first_aid"])
    make_checkin(p["member2"], workplace=u["workplace"], community=a["community_a1a"], grid=a["grid_a1a"])
    make_checkin(p["member3"], workplace=u["workplace"], community=a["community_a1b"], phone_visible=True)
    p["grid_worker"] = t.PersonFactory.create(username="grid_worker")
    RoleAssignment.objects.create(person=p["grid_worker"], unit=u["rc_a1a"], role=Role.VISITOR)
    return w


def at(days: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def draft(days: int = 2, hour: int = 9, hours: int = 2, slots: int = 2, **kw: Any) -> ShiftDraft:
    return ShiftDraft(starts_at=at(days, hour), ends_at=at(days, hour + hours), slots=slots, **kw)


def make_project(w: t.World, *shifts: ShiftDraft, **kw: Any) -> Project:
    kw.setdefault("title", "敬老院陪护")
    return project_create(
        actor=w.people["staff"],
        community=w.areas["community_a1a"],
        shifts=list(shifts) or [draft()],
        **kw,
    )


def first_shift(project: Project) -> Shift:
    return project.shifts.order_by("starts_at", "due_on", "pk").first()  # type: ignore[return-value]
