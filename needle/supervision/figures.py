"""Supervised tasks as a source of the rollup engine: targets received, done on time, not done
by their deadline and declined as unlisted, by the target's area and the issuing unit.

A source's object is a target; its leaf area is the target unit's home area and its key the
issuing unit. Its footprint, a pure function of the target's columns:
- received on the day its task was issued;
- done on time on the day it was reported done, when that day was within its deadline (a done
  that was returned counts again only when done again);
- not done by the deadline on its deadline's day, unless done on time or declined: over a past
  period this is what ran late, over a coming one what is still to be done then;
- declined on the day it was declined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needle.core.sql import AnyOf
from needle.orgs.models import Unit
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables
from needle.supervision.models import Status, Target, TaskFootprint, TaskNodeRollup, TaskRollup

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("received", _("tasks received"), _("task targets received by units, on the day issued")),
    Counter("done_on_time", _("done on time"), _("task targets reported done by their deadline")),
    Counter(
        "late",
        _("not done by the deadline"),
        _("task targets not done by their deadline (for deadlines to come: not done yet)"),
    ),
    Counter("declined", _("declined as unlisted"), _("unlisted task targets declined by communities")),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)
IDX = {name: i for i, name in enumerate(COUNTERS)}

FIGURES: tuple[Figure, ...] = (
    Figure("tasks_received", _("Tasks received"), ("received",)),
    Figure("tasks_done_on_time", _("Tasks done on time"), ("done_on_time",)),
    Figure("tasks_late", _("Tasks not done by the deadline"), ("late",), lower_is_better=True),
    Figure("tasks_declined", _("Unlisted tasks declined"), ("declined",), lower_is_better=True),
    Figure(
        "tasks_on_time_rate",
        _("Tasks done on time"),
        ("done_on_time",),
        ("done_on_time", "late"),
        counts=_(
            "targets done by their deadline, of those whose deadline fell in the period or were done in it"
        ),
    ),
)


def issuer_names(keys: Iterable[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=list(keys)).values_list("id", "name"))


def footprint_of(
    *,
    area: int,
    issuer: int,
    issued_on: dt.date,
    status: str,
    deadline: dt.date,
    done_on: dt.date | None,
    declined_on: dt.date | None,
) -> Footprint:
    out: Footprint = {}

    def add(day: dt.date, name: str) -> None:
        vec = out.setdefault((day, area, issuer, 0), [0] * len(COUNTERS))
        vec[IDX[name]] += 1

    add(issued_on, "received")
    on_time = status in (Status.DONE, Status.SIGNED_OFF) and done_on is not None and done_on <= deadline
    if on_time and done_on is not None:
        add(done_on, "done_on_time")
    if status == Status.DECLINED and declined_on is not None:
        add(declined_on, "declined")
    elif not on_time:
        add(deadline, "late")
    return out


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these targets, in one query."""
    return {
        pk: footprint_of(
            area=area,
            issuer=issuer,
            issued_on=issued_on,
            status=status,
            deadline=deadline,
            done_on=done_on,
            declined_on=declined_on,
        )
        for pk, area, issuer, issued_on, status, deadline, done_on, declined_on in Target.objects.filter(
            AnyOf("id", ids)
        )
        .order_by()
        .values_list(
            "id",
            "area_id",
            "task__issuer_id",
            "task__issued_on",
            "status",
            "deadline",
            "done_on",
            "declined_on",
        )
    }


def changed_since(moment: dt.datetime) -> set[int]:
    return set(Target.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))


def touched_since(moment: dt.datetime) -> set[int]:
    """Targets changed since the moment, or with a fact dated on or after its day."""
    day = moment.date()
    recent = (
        Q(updated_at__gte=moment)
        | Q(task__issued_on__gte=day)
        | Q(deadline__gte=day)
        | Q(done_on__gte=day)
        | Q(declined_on__gte=day)
    )
    return set(Target.objects.filter(recent).values_list("pk", flat=True))


def all_ids() -> list[int]:
    return list(Target.objects.order_by("pk").values_list("pk", flat=True))


SOURCE = Source(
    name="supervision",
    label=_("Supervised tasks"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("issuer", "issuer", _("issuing unit"), names=issuer_names),),
    figures=FIGURES,
    tables=Tables(leaf=TaskRollup, node=TaskNodeRollup, footprints=TaskFootprint),
    permission="supervision.view_burden",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
