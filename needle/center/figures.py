"""The service center as a source of the rollup engine: activities held, places offered and
taken, attendance and no-shows, by the activity's audience, for any area subtree and period.

A source's object is an activity: its footprint counts it on the local day it starts, under
its community and audience, with its seats and what became of its registrations. A registration
that changes stamps its own updated_at; the refresh reads the activities of the registrations
changed since its watermark."""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.center.models import (
    SEATED,
    Activity,
    Audience,
    CenterFootprint,
    CenterNodeRollup,
    CenterRollup,
    Registration,
    Status,
)
from needle.core.sql import AnyOf
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("activities", _("activities"), _("activities held")),
    Counter("places_offered", _("places offered"), _("seats the activities had")),
    Counter("places_taken", _("places taken"), _("registrations that held a seat")),
    Counter("attended", _("attended"), _("registrations checked in")),
    Counter("no_shows", _("no-shows"), _("registrations marked absent")),
    Counter("rated", _("ratings"), _("feedback given by those who came")),
    Counter("rating_sum", _("sum of ratings"), _("the ratings (1 to 5) added up")),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)

# The engine's keys are integers: an audience is its place in Audience (1 for the first).
AUDIENCE_KEYS: dict[str, int] = {a.value: i for i, a in enumerate(Audience, start=1)}


def audience_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {i: str(a.label) for i, a in enumerate(Audience, start=1)}
    return {k: labels[k] for k in keys if k in labels}


FIGURES: tuple[Figure, ...] = (
    Figure("activities", _("Activities held"), ("activities",)),
    Figure("places_offered", _("Places offered"), ("places_offered",)),
    Figure("places_taken", _("Places taken"), ("places_taken",)),
    Figure("participants", _("Participants"), ("attended",), counts=_("registrations checked in")),
    # Of the seats whose attendance was recorded (checked in or marked absent): a seat of a
    # session still to come, or not yet marked, would pull the rate down for nothing.
    Figure("attendance_rate", _("Attendance rate"), ("attended",), ("attended", "no_shows")),
    Figure("no_show_rate", _("No-show rate"), ("no_shows",), ("attended", "no_shows"), lower_is_better=True),
    Figure(
        "feedback",
        _("Average feedback"),
        ("rating_sum",),
        ("rated",),
        counts=_("ratings of 1 to 5 by those who came"),
        mean=True,
    ),
)


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these activities (the ones that still exist), in two queries."""
    tz = tz or timezone.get_default_timezone()
    tallies: dict[int, Tally[str]] = {}
    for activity_id, status, rating in Registration.objects.filter(AnyOf("activity_id", ids)).values_list(
        "activity_id", "status", "rating"
    ):
        tally = tallies.setdefault(activity_id, Tally())
        tally[status] += 1
        if rating is not None:
            tally["rated"] += 1
            tally["rating_sum"] += rating
    out: dict[int, Footprint] = {}
    for pk, area, audience, starts_at, capacity in (
        Activity.objects.filter(AnyOf("id", ids))
        .order_by()
        .values_list("pk", "area_id", "audience", "starts_at", "capacity")
    ):
        tally = tallies.get(pk, Tally())
        day = starts_at.astimezone(tz).date()
        out[pk] = {
            (day, area, AUDIENCE_KEYS.get(audience, 0), 0): [
                1,
                capacity,
                sum(tally[s] for s in SEATED),
                tally[Status.ATTENDED],
                tally[Status.NO_SHOW],
                tally["rated"],
                tally["rating_sum"],
            ]
        }
    return out


def changed_since(moment: dt.datetime) -> set[int]:
    ids = set(Activity.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))
    ids |= set(Registration.objects.filter(updated_at__gte=moment).values_list("activity_id", flat=True))
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Activities starting on or after the moment, or changed since."""
    ids = set(
        Activity.objects.filter(Q(starts_at__gte=moment) | Q(updated_at__gte=moment)).values_list(
            "pk", flat=True
        )
    )
    ids |= set(Registration.objects.filter(updated_at__gte=moment).values_list("activity_id", flat=True))
    return ids


def all_ids() -> list[int]:
    return list(Activity.objects.order_by("pk").values_list("pk", flat=True))


SOURCE = Source(
    name="center",
    label=_("Service centers"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("audience", "audience", _("audience"), names=audience_names),),
    figures=FIGURES,
    tables=Tables(leaf=CenterRollup, node=CenterNodeRollup, footprints=CenterFootprint),
    permission="center.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
