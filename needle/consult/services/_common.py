"""What every think-tank service shares: text as it is taken, and the dates a topic gives."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from needle.cases.deadlines import add_hours
from needle.consult.models import Topic
from needle.core.text import text_input

TITLE = 150
TEXT = 4000
REASON = 300


def text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    """Free text as every app takes it (core.text), required unless said otherwise."""
    return text_input(value, limit=limit, field=field, required=required)


def answer_due(topic: Topic, made_at: dt.datetime) -> dt.date:
    """The day a suggestion made at `made_at` must be answered by: the topic's fixed day, else its
    working days counted on the deployment's calendar (ten when it says neither)."""
    if topic.answer_by is not None:
        return topic.answer_by
    days = topic.answer_days if topic.answer_days is not None else 10
    return timezone.localtime(add_hours(made_at, days * 24, working_days=True)).date()
