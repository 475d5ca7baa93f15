"""The service center's appointments as a source of the rollup engine: appointments booked,
served and missed, by the service's audience, for any area subtree and period.

A source has one kind of object (its footprints are kept by the object's id), and the center
source's object is an activity; so appointments are a second source with their own tables. An
appointment's footprint counts it on the local day of its slot, under its service's community
and audience; a cancelled one counts nothing. Every move stamps the appointment's updated_at,
which is how the refresh finds it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needle.center.figures import AUDIENCE_KEYS, audience_names
from needle.center.models import (
    HOLDING,
    Appointment,
    AppointmentFootprint,
    AppointmentNodeRollup,
    AppointmentRollup,
    AppointmentStatus,
)
from needle.core.sql import AnyOf
from needle.rollups.sources import Counter, Figure, Footprint, Key, Source, Tables

COUNTER_DEFINITIONS: tuple[Counter, ...] = (
    Counter("appointments", _("appointments"), _("appointments booked and not cancelled")),
    Counter("appointments_served", _("appointments served"), _("appointments marked served")),
    Counter("appointment_no_shows", _("appointment no-shows"), _("appointments marked absent")),
)

FIGURES: tuple[Figure, ...] = (
    Figure("appointments", _("Appointments"), ("appointments",)),
    Figure("appointments_served", _("Appointments served"), ("appointments_served",)),
    # Of the appointments whose outcome was recorded, as the activities' no-show rate: one still
    # to come would pull it down for nothing.
    Figure(
        "appointment_no_show_rate",
        _("Appointment no-show rate"),
        ("appointment_no_shows",),
        ("appointments_served", "appointment_no_shows"),
        lower_is_better=True,
    ),
)


def footprints(ids: Sequence[int], tz: Any = None) -> dict[int, Footprint]:
    """The footprints of these appointments (the ones that still exist), in one query."""
    tz = tz or timezone.get_default_timezone()
    out: dict[int, Footprint] = {}
    for pk, status, starts_at, area, audience in (
        Appointment.objects.filter(AnyOf("id", ids))
        .order_by()
        .values_list("pk", "status", "starts_at", "service__area_id", "service__audience")
    ):
        if status not in HOLDING:
            out[pk] = {}
            continue
        day = starts_at.astimezone(tz).date()
        out[pk] = {
            (day, area, AUDIENCE_KEYS.get(audience, 0), 0): [
                1,
                int(status == AppointmentStatus.SERVED),
                int(status == AppointmentStatus.NO_SHOW),
            ]
        }
    return out


def changed_since(moment: dt.datetime) -> set[int]:
    return set(Appointment.objects.filter(updated_at__gte=moment).values_list("pk", flat=True))


def touched_since(moment: dt.datetime) -> set[int]:
    """Appointments in a slot on or after the moment, or changed since."""
    return set(
        Appointment.objects.filter(Q(starts_at__gte=moment) | Q(updated_at__gte=moment)).values_list(
            "pk", flat=True
        )
    )


def all_ids() -> list[int]:
    return list(Appointment.objects.order_by("pk").values_list("pk", flat=True))


SOURCE = Source(
    name="appointments",
    label=_("Service center appointments"),
    counters=COUNTER_DEFINITIONS,
    keys=(Key("audience", "audience", _("audience"), names=audience_names),),
    figures=FIGURES,
    tables=Tables(leaf=AppointmentRollup, node=AppointmentNodeRollup, footprints=AppointmentFootprint),
    permission="center.view",
    footprints=footprints,
    changed_since=changed_since,
    touched_since=touched_since,
    all_ids=all_ids,
)
