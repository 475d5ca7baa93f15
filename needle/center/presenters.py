"""Turning activities and services into what the public center page shows: the title in the
reader's language, the time on the deployment's clock, the seats (or places) left and the
reader's own place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone, translation

from needle.center.models import SEATED, Activity, Appointment, Audience, Registration, Service
from needle.center.selectors import SlotView


@dataclass(frozen=True)
class ActivityCard:
    activity: Activity
    title: str
    audience: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    where: str
    seats_left: int
    waitlisted: int
    mine: Registration | None

    @property
    def seated(self) -> bool:
        return self.mine is not None and self.mine.status in SEATED


def activity_cards(activities: list[Activity], mine: dict[int, Registration]) -> list[ActivityCard]:
    """`activities` as activity_list reads them (with their counts)."""
    english = (translation.get_language() or "").startswith("en")
    return [
        ActivityCard(
            activity=a,
            title=a.title_en if english and a.title_en else a.title,
            audience=str(Audience(a.audience).label),
            starts_at=timezone.localtime(a.starts_at),
            ends_at=timezone.localtime(a.ends_at),
            where=a.room.name if a.room else a.place,
            seats_left=max(0, a.capacity - a.taken),  # type: ignore[attr-defined]
            waitlisted=a.waitlisted,  # type: ignore[attr-defined]
            mine=mine.get(a.pk),
        )
        for a in activities
    ]


@dataclass(frozen=True)
class ServiceCard:
    service: Service
    name: str
    audience: str
    open_slots: list[SlotView]  # the next slots with a place left, soonest first
    mine: list[Appointment]  # the reader's own coming appointments


def service_cards(
    services: list[Service], open_slots: dict[int, list[SlotView]], mine: dict[int, list[Appointment]]
) -> list[ServiceCard]:
    english = (translation.get_language() or "").startswith("en")
    return [
        ServiceCard(
            service=s,
            name=s.name_en if english and s.name_en else s.name,
            audience=str(Audience(s.audience).label),
            open_slots=open_slots.get(s.pk, []),
            mine=mine.get(s.pk, []),
        )
        for s in services
    ]
