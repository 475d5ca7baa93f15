"""The deadline colours of open cases (the calendar arithmetic is needle/cases/deadlines.py)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from needle.cases.deadlines import colour_for
from needle.cases.models import OPEN_STATES, Case, CaseEvent, EventKind
from needle.core.audit import audit_record


def deadlines_mark(*, now: dt.datetime | None = None) -> int:
    """Recolour open cases by their deadlines (blue, yellow, red); safe to run twice."""
    now = now or timezone.now()
    changed = 0
    candidates = Case.objects.filter(state__in=OPEN_STATES, resolve_due_at__isnull=False).filter(
        Q(resolve_due_at__lte=now + dt.timedelta(days=60))
    )
    for pk, submitted, due, colour in candidates.values_list(
        "pk", "submitted_at", "resolve_due_at", "colour"
    ).iterator():
        new = colour_for(now=now, submitted_at=submitted, resolve_due_at=due)
        if new == colour:
            continue
        with transaction.atomic():
            updated = Case.objects.filter(pk=pk, colour=colour, state__in=OPEN_STATES).update(
                colour=new, updated_at=now
            )
            if updated:
                changed += 1
                case = Case.objects.get(pk=pk)
                CaseEvent.objects.create(
                    case=case, at=now, kind=EventKind.COLOUR, from_state="", note=new or "—", public=False
                )
                audit_record(
                    actor=None,
                    action="cases.case.colour_changed",
                    obj=case,
                    old={"colour": colour},
                    new={"colour": new},
                )
    return changed
