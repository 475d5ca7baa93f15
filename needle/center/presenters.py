"""Turning activities into what the public center page shows (the title in the reader's
language, the time on the deployment's clock, the seats left and the reader's own place), and
centers into the rooms page's cards (their rooms, their week's hours, their coming closed days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import dates, timezone, translation

from needle.center import selectors
from needle.center.models import SEATED, Activity, Audience, ClosedDay, Registration, Room
from needle.orgs.models import Unit


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
class CenterRooms:
    center: Unit
    rooms: list[Room]
    hours: list[tuple[str, str]]  # (weekday's name, its stretches) for the days it opens
    closed: list[ClosedDay]


def center_rooms(centers: list[Unit], rooms: list[Room], today: dt.date) -> list[CenterRooms]:
    """Each center with its rooms, its hours by weekday (Monday first) and closed days to come:
    two queries whatever the number of centers."""
    ids = [c.pk for c in centers]
    by_center: dict[int, dict[int, list[str]]] = {}
    for h in selectors.opening_hours_of(center_ids=ids):
        by_center.setdefault(h.center_id, {}).setdefault(h.weekday, []).append(
            f"{h.opens:%H:%M}–{h.closes:%H:%M}"
        )
    closed: dict[int, list[ClosedDay]] = {}
    for d in selectors.closed_days_of(center_ids=ids, start=today):
        closed.setdefault(d.center_id, []).append(d)
    return [
        CenterRooms(
            center=center,
            rooms=[r for r in rooms if r.center_id == center.pk],
            hours=[
                (str(dates.WEEKDAYS[d]), ", ".join(s))
                for d, s in sorted(by_center.get(center.pk, {}).items())
            ],
            closed=closed.get(center.pk, []),
        )
        for center in centers
    ]
