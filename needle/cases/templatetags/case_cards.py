"""How a case's deadline and age read on a card: "overdue by 3 days", "waiting 5 hours"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from needle.cases.models import OPEN_STATES, Case

register = template.Library()


@register.filter
def deadline(case: Case, now: dt.datetime | None = None) -> str:
    """The case's resolve-by time against now: how long until it, or how long past it."""
    due = case.resolve_due_at
    if due is None:
        return ""
    now = now or timezone.now()
    if due <= now:
        return _("overdue by %(time)s") % {"time": timesince(due, now, depth=1)}
    return _("due in %(time)s") % {"time": timeuntil(due, now, depth=1)}


@register.filter
def waiting(case: Case, now: dt.datetime | None = None) -> str:
    """How long ago the case was raised."""
    return _("raised %(time)s ago") % {"time": timesince(case.submitted_at, now or timezone.now(), depth=1)}


@register.filter
def timing(case: Case) -> str:
    """What matters of an open case's clock is its deadline; of a finished one, when it was raised."""
    if case.state in OPEN_STATES:
        return deadline(case)
    return _("raised on %(day)s") % {"day": date_format(timezone.localtime(case.submitted_at), "Y-m-d")}
