"""A community's lists as a source of the rollup engine: needs raised, met and still open,
shifts and their slots filled, residents' ratings and the units paired with it, by kind of
service, for any area subtree and period.

A source's object here is a community (its area's id): needs, projects, shifts, claims,
ratings and pairings are few per community and change together, so one footprint per community
(a handful of queries over its rows) is cheaper to keep than one per row of five tables. A
need counts on the local day it was raised under its grid or community, as met on the day it
was met, and as still open on the day it was raised while it stays open (so a period's sum is
how many of the needs raised in it are open now: open needs by age are three periods); a shift
on its local day (a flexible one on its due day); a rating on its day; a paired unit (a unit
with a confirmed pairing, whatever the year) now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.core.sql import AnyOf
from needle.rollups.models import BACKLOG_DAY
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables
from needle.volunteering.models import (
    CheckInStatus,
    ListFootprint,
    ListNodeRollup,
    ListRollup,
    Need,
    NeedStatus,
    Project,
    Rating,
    ServiceKind,
    Shift,
    UnitCheckIn,
)

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("needs_raised", _("needs raised"), _("needs put on the community's list")),
    Counter("needs_met", _("needs met"), _("needs marked met")),
    Counter("needs_open", _("needs still open"), _("needs raised in the period that are open now")),
    Counter("shifts", _("shifts"), _("shifts to serve (flexible tasks on their due day)")),
    Counter("slots", _("slots"), _("places the shifts had")),
    Counter("slots_filled", _("slots filled"), _("places taken by claims and dispatched tasks")),
    Counter("shifts_filled", _("shifts filled"), _("shifts with every place taken")),
    Counter("rated", _("ratings"), _("residents' ratings of the services")),
    Counter("rating_sum", _("sum of ratings"), _("the ratings (1 to 5) added up")),
    Counter("units_paired", _("units paired"), _("units with a confirmed pairing"), stock=True),
)
COUNTERS: tuple[str, ...] = tuple(c.name for c in COUNTER_DEFINITIONS)

# The engine's keys are integers: a kind of service is its place in ServiceKind (1 for the first).
CATEGORY_KEYS: dict[str, int] = {k.value: i for i, k in enumerate(ServiceKind, start=1)}


def category_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {i: str(k.label) for i, k in enumerate(ServiceKind, start=1)}
    return {k: labels[k] for k in keys if k in labels}


FIGURES: tuple[Figure, ...] = (
    Figure("needs_raised", _("Needs raised"), ("needs_raised",)),
    Figure("needs_met", _("Needs met"), ("needs_met",)),
    Figure(
        "needs_open",
        _("Needs still open"),
        ("needs_open",),
        counts=_("of the needs raised in the period, those open now"),
        lower_is_better=True,
    ),
    Figure("shifts", _("Shifts"), ("shifts",)),
    Figure("shifts_filled", _("Shifts filled"), ("shifts_filled",)),
    Figure("fill_rate", _("Slots filled"), ("slots_filled",), ("slots",)),
    Figure(
        "service_rating",
        _("Average rating by residents"),
        ("rating_sum",),
        ("rated",),
        counts=_("residents' ratings of 1 to 5"),
        mean=True,
    ),
    Figure("units_paired", _("Units paired"), ("units_paired",)),
)


def _add(out: Footprint, key: tuple[dt.date, int, int, int], counter: str, amount: int) -> None:
    vec = out.setdefault(key, [0] * len(COUNTERS))
    vec[COUNTERS.index(counter)] += amount


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these communities, in four queries."""
    tz = tz or timezone.get_default_timezone()
    out: dict[int, Footprint] = {pk: {} for pk in ids}
    for community, grid, category, created_at, status, met_at in (
        Need.objects.filter(AnyOf("community_id", ids))
        .order_by()
        .values_list("community_id", "grid_id", "category", "created_at", "status", "met_at")
    ):
        leaf, kind = grid or community, CATEGORY_KEYS.get(category, 0)
        raised = created_at.astimezone(tz).date()
        _add(out[community], (raised, leaf, kind, 0), "needs_raised", 1)
        if status == NeedStatus.OPEN:
            _add(out[community], (raised, leaf, kind, 0), "needs_open", 1)
        if status == NeedStatus.MET and met_at is not None:
            _add(out[community], (met_at.astimezone(tz).date(), leaf, kind, 0), "needs_met", 1)
    for community, category, starts_at, due_on, slots, filled in (
        Shift.objects.filter(AnyOf("project__community_id", ids), cancelled=False)
        .order_by()
        .values_list("project__community_id", "project__category", "starts_at", "due_on", "slots", "filled")
    ):
        day = starts_at.astimezone(tz).date() if starts_at is not None else due_on
        assert day is not None  # a shift is timed or due on a day (a constraint)
        key = (day, community, CATEGORY_KEYS.get(category, 0), 0)
        _add(out[community], key, "shifts", 1)
        _add(out[community], key, "slots", slots)
        _add(out[community], key, "slots_filled", filled)
        _add(out[community], key, "shifts_filled", 1 if filled >= slots else 0)
    for community, category, created_at, rating in (
        Rating.objects.filter(AnyOf("project__community_id", ids))
        .order_by()
        .values_list("project__community_id", "project__category", "created_at", "rating")
    ):
        key = (created_at.astimezone(tz).date(), community, CATEGORY_KEYS.get(category, 0), 0)
        _add(out[community], key, "rated", 1)
        _add(out[community], key, "rating_sum", rating)
    paired = set(
        UnitCheckIn.objects.filter(AnyOf("community_id", ids), status=CheckInStatus.CONFIRMED)
        .order_by()
        .values_list("community_id", "unit_id")
        .distinct()
    )
    for community, _unit in paired:
        _add(out[community], (BACKLOG_DAY, community, 0, 0), "units_paired", 1)
    return {pk: {k: v for k, v in fp.items() if any(v)} for pk, fp in out.items()}


def _communities(qs: Any, field: str = "community_id") -> set[int]:
    return set(qs.values_list(field, flat=True).distinct())


def changed_since(moment: dt.datetime) -> set[int]:
    since = Q(updated_at__gte=moment)
    ids = _communities(Need.objects.filter(since))
    ids |= _communities(Project.objects.filter(since))
    ids |= _communities(Shift.objects.filter(since), "project__community_id")
    ids |= _communities(Rating.objects.filter(since), "project__community_id")
    ids |= _communities(UnitCheckIn.objects.filter(since))
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Communities with a row changed since the moment, or a shift on or after it."""
    ids = changed_since(moment)
    day = moment.astimezone(timezone.get_default_timezone()).date()
    ids |= _communities(
        Shift.objects.filter(Q(starts_at__gte=moment) | Q(due_on__gte=day)), "project__community_id"
    )
    return ids


def all_ids() -> list[int]:
    ids = _communities(Need.objects.all())
    ids |= _communities(Project.objects.all())
    ids |= _communities(UnitCheckIn.objects.all())
    return sorted(ids)


SOURCE = Source(
    name="volunteering_lists",
    label=_("Community needs and projects"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("category", "category", _("kind of service"), names=category_names),),
    figures=FIGURES,
    tables=Tables(leaf=ListRollup, node=ListNodeRollup, footprints=ListFootprint),
    permission="volunteering.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
