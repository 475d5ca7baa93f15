"""Room use as a source of the rollup engine: approved bookings and the hours the rooms are used
(by approved bookings and by activities), per community and day, for any area subtree and period.

A source counts one kind of object, and room use has two: an object here is one use of a room,
a booking (its id times two) or an activity in a room (its id times two plus one). A booking
counts once approved, an activity while it has a room; each on the local day it starts, under
its center's community, in whole minutes. Both stamp their own updated_at on every change
(a booking's decision, an activity moved into or out of a room)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.center.models import (
    Activity,
    BookingStatus,
    RoomBooking,
    RoomUseFootprint,
    RoomUseNodeRollup,
    RoomUseRollup,
)
from needle.core.sql import AnyOf
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

BOOKING, ACTIVITY = 1, 2

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("bookings", _("bookings"), _("room bookings approved")),
    Counter("room_minutes", _("room minutes"), _("minutes rooms were used by bookings and activities")),
)


def use_names(keys: Iterable[int]) -> dict[int, str]:
    labels = {BOOKING: str(_("bookings")), ACTIVITY: str(_("activities"))}
    return {k: labels[k] for k in keys if k in labels}


FIGURES: tuple[Figure, ...] = (
    Figure("bookings", _("Room bookings"), ("bookings",), counts=_("room bookings approved")),
    # In minutes: the engine's counters are integers and a booking is often an hour and a half.
    Figure(
        "room_minutes",
        _("Room time used (minutes)"),
        ("room_minutes",),
        counts=_("minutes rooms were used by bookings and activities"),
    ),
)


def booking_use(pk: int) -> int:
    return 2 * pk


def activity_use(pk: int) -> int:
    return 2 * pk + 1


def _minutes(starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of the uses among these, in two queries. A booking not approved, or an
    activity without a room, is no use of a room: left out, as a deleted one, so that the refresh
    takes off what it counted before and keeps no footprint for it, as a rebuild would."""
    tz = tz or timezone.get_default_timezone()
    bookings = [i // 2 for i in ids if i % 2 == 0]
    activities = [i // 2 for i in ids if i % 2 == 1]
    out: dict[int, Footprint] = {}
    for pk, area, starts_at, ends_at in (
        RoomBooking.objects.filter(AnyOf("id", bookings), status=BookingStatus.APPROVED)
        .order_by()
        .values_list("pk", "room__center__area_id", "starts_at", "ends_at")
    ):
        day = starts_at.astimezone(tz).date()
        out[booking_use(pk)] = {(day, area, BOOKING, 0): [1, _minutes(starts_at, ends_at)]}
    for pk, area, starts_at, ends_at in (
        Activity.objects.filter(AnyOf("id", activities), room__isnull=False)
        .order_by()
        .values_list("pk", "area_id", "starts_at", "ends_at")
    ):
        day = starts_at.astimezone(tz).date()
        out[activity_use(pk)] = {(day, area, ACTIVITY, 0): [0, _minutes(starts_at, ends_at)]}
    return out


def changed_since(moment: dt.datetime) -> set[int]:
    ids = {
        booking_use(pk)
        for pk in RoomBooking.objects.filter(updated_at__gte=moment).values_list("pk", flat=True)
    }
    ids |= {
        activity_use(pk)
        for pk in Activity.objects.filter(updated_at__gte=moment).values_list("pk", flat=True)
    }
    return ids


def touched_since(moment: dt.datetime) -> set[int]:
    """Uses starting on or after the moment, or changed since."""
    recent = Q(starts_at__gte=moment) | Q(updated_at__gte=moment)
    ids = {booking_use(pk) for pk in RoomBooking.objects.filter(recent).values_list("pk", flat=True)}
    ids |= {activity_use(pk) for pk in Activity.objects.filter(recent).values_list("pk", flat=True)}
    return ids


def all_ids() -> list[int]:
    ids = [
        booking_use(pk)
        for pk in RoomBooking.objects.filter(status=BookingStatus.APPROVED).values_list("pk", flat=True)
    ]
    ids += [
        activity_use(pk) for pk in Activity.objects.filter(room__isnull=False).values_list("pk", flat=True)
    ]
    return sorted(ids)


SOURCE = Source(
    name="rooms",
    label=_("Room use"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("use", "use", _("use"), names=use_names),),
    figures=FIGURES,
    tables=Tables(leaf=RoomUseRollup, node=RoomUseNodeRollup, footprints=RoomUseFootprint),
    permission="center.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
