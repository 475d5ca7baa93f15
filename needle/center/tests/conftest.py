from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.center.models import Activity, Service
from needle.center.services import ActivityDraft, ServiceDraft, Slot, activity_create, service_create
from needle.orgs.models import Unit, UnitType


def build_center(world: t.World) -> Unit:
    """Community A1a's service center, under its resident committee."""
    center = t.UnitFactory.create(
        code="sc-a1a",
        name="华一坡社区党群服务中心",
        type=UnitType.SERVICE_CENTER,
        area=world.areas["community_a1a"],
        parent=world.units["rc_a1a"],
    )
    world.units["center_a1a"] = center
    return center


def make_activity(world: t.World, capacity: int = 2, **fields: Any) -> Activity:
    starts = timezone.now() + dt.timedelta(days=3)
    draft = ActivityDraft(
        **{
            "title": "太极拳",
            "audience": "elderly",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=1),
            "capacity": capacity,
            **fields,
        }
    )
    return activity_create(actor=world.people["staff"], center=world.units["center_a1a"], draft=draft)[0]


@pytest.fixture
def center(world: t.World) -> Unit:
    return build_center(world)


@pytest.fixture
def center_tx(world_tx: t.World) -> Unit:
    return build_center(world_tx)


@pytest.fixture
def world_tx(transactional_db: Any) -> t.World:
    return t.build_world()


def make_service(world: t.World, capacity: int = 2, **fields: Any) -> Service:
    """A service with two slots every day, at 09:00 and 15:00 local time."""
    draft = ServiceDraft(
        **{
            "name": "老年人理发",
            "audience": "elderly",
            "minutes": 30,
            "slots": [Slot(d, dt.time(h), capacity) for d in range(7) for h in (9, 15)],
            **fields,
        }
    )
    return service_create(actor=world.people["staff"], center=world.units["center_a1a"], draft=draft)


def slot_at(days: int, hour: int = 9) -> dt.datetime:
    """The slot `days` local days from today at `hour` (9 or 15 are in make_service's pattern)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), timezone.get_current_timezone())
