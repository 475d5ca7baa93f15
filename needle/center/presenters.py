"""Turning activities into what the public center page shows: the title in the reader's
language, the time on the deployment's clock, the seats left and the reader's own place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone, translation

from needle.center.models import SEATED, Activity, Audience, Registration


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
