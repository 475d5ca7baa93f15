"""The deadline colours of open cases (the calendar arithmetic is needle/cases/deadlines.py)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from needle.cases.deadlines import colour_for
from needle.cases.models import CLOCK_STATES, Case, CaseEvent, EventKind
from needle.core.audit import audit_record


def deadlines_mark(*, now: dt.datetime | None = None) -> int:
    """Recolour open cases by their deadlines (blue, yellow, red); safe to run twice or at once
    on several workers: each change is claimed by a conditional update (the colour this run
    read), so one run records it and the other finds nothing to do. A case on hold keeps its
    colour: its clock is stopped."""
    now = now or timezone.now()
    changed = 0
    candidates = Case.objects.filter(state__in=CLOCK_STATES, resolve_due_at__isnull=False).filter(
        Q(resolve_due_at__lte=now + dt.timedelta(days=60))
    )
    for pk, submitted, due, paused, colour in candidates.values_list(
        "pk", "submitted_at", "resolve_due_at", "paused_seconds", "colour"
    ).iterator():
        new = colour_for(now=now, submitted_at=submitted, resolve_due_at=due, paused_seconds=paused)
        if new == colour:
            continue
        with transaction.atomic():
            updated = Case.objects.filter(pk=pk, colour=colour, state__in=CLOCK_STATES).update(
                colour=new, updated_at=now
            )
            if updated:
                changed += 1
                _colour_changed(Case.objects.get(pk=pk), colour, new, now)
    return changed


def case_recolour(*, case: Case, now: dt.datetime | None = None) -> None:
    """Recolour one case a move has just given a new deadline, without waiting for the job:
    the caller holds its row and saves `colour` with its own fields."""
    now = now or timezone.now()
    new = colour_for(
        now=now,
        submitted_at=case.submitted_at,
        resolve_due_at=case.resolve_due_at,
        paused_seconds=case.paused_seconds,
    )
    if new != case.colour:
        old, case.colour = case.colour, new
        _colour_changed(case, old, new, now)


def _colour_changed(case: Case, old: str, new: str, now: dt.datetime) -> None:
    CaseEvent.objects.create(
        case=case, at=now, kind=EventKind.COLOUR, code="colour", params={"colour": new}, public=False
    )
    audit_record(
        actor=None, action="cases.case.colour_changed", obj=case, old={"colour": old}, new={"colour": new}
    )
