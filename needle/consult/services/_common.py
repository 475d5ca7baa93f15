"""What every think-tank service shares: text as it is taken, and the dates a topic gives."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from needle.cases.deadlines import add_hours
from needle.consult.models import Topic
from needle.core.errors import ValidationFailed
from needle.core.text import bounded

TITLE = 150
TEXT = 4000
REASON = 300


def text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    """Stripped and within `limit`; a NUL character (which PostgreSQL cannot store) or an empty
    required text is refused naming `field`."""
    if "\x00" in value:
        raise ValidationFailed(fields={field: _("The text must not contain a NUL character.")})
    value = bounded(value, limit=limit, field=field)
    if required and not value:
        raise ValidationFailed(fields={field: _("This field is required.")})
    return value


def answer_due(topic: Topic, made_at: dt.datetime) -> dt.date:
    """The day a suggestion made at `made_at` must be answered by: the topic's fixed day, else its
    working days counted on the deployment's calendar (ten when it says neither)."""
    if topic.answer_by is not None:
        return topic.answer_by
    days = topic.answer_days if topic.answer_days is not None else 10
    return timezone.localtime(add_hours(made_at, days * 24, working_days=True)).date()
