from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import Suggestion, Topic


def make_topic(
    world: t.World,
    *,
    participants: str = "residents",
    area: str = "community_a1a",
    unit: Any = None,
    by: str = "staff",
    **fields: Any,
) -> Topic:
    """A topic open from yesterday for a week in community A1a, answered by its committee."""
    today = timezone.localdate()
    draft = s.TopicDraft(
        **{
            "title": "小区停车难怎么办",
            "question": "老旧小区车位不足，晚上车辆乱停，大家有什么建议？",
            "opens": today - dt.timedelta(days=1),
            "closes": today + dt.timedelta(days=6),
            "participants": participants,
            "answer_days": 5,
            **fields,
        }
    )
    return s.topic_open(actor=world.people[by], area=world.areas[area], draft=draft, unit=unit)


def make_suggestion(
    world: t.World, topic: Topic, persona: str = "resident", title: str = "错时停车"
) -> Suggestion:
    return s.suggestion_make(
        actor=world.people[persona], topic=topic, title=title, text_="请与周边单位协商，夜间开放其停车场。"
    )


@pytest.fixture
def topic(world: t.World) -> Topic:
    return make_topic(world)


@pytest.fixture
def neighbours(world: t.World) -> list[Any]:
    """Three more residents of community A1a."""
    return [
        t.PersonFactory.create(username=f"neighbour{i}", home_area=world.areas["community_a1a"])
        for i in range(3)
    ]
