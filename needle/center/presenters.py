"""Turning the center's rows into what its pages show: activities and services on the public
center page (the title in the reader's language, the time on the deployment's clock, the seats
or places left and the reader's own place), centers into the rooms page's cards (their rooms,
their week's hours, their coming closed days), the staff console's calendar and registrants,
and the calendar feeds and QR codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import icalendar
import segno
from django.core import signing
from django.utils import dates, timezone
from django.utils.translation import gettext as _

from needle.center import selectors
from needle.center.models import (
    SEATED,
    Activity,
    Appointment,
    Audience,
    ClosedDay,
    Registration,
    Room,
    Service,
    Status,
)
from needle.center.selectors import SlotView
from needle.core.i18n import bilingual
from needle.orgs.models import Unit, mask_phone

FEED_SALT = "needle.center.person-feed"


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
    photos: tuple[Any, ...] = ()

    @property
    def seated(self) -> bool:
        return self.mine is not None and self.mine.status in SEATED


def activity_cards(
    activities: list[Activity], mine: dict[int, Registration], photos: dict[int, list[Any]] | None = None
) -> list[ActivityCard]:
    """`activities` as activity_list reads them (with their counts); `photos` by activity."""
    return [
        ActivityCard(
            activity=a,
            title=bilingual(a.title, a.title_en),
            audience=str(Audience(a.audience).label),
            starts_at=timezone.localtime(a.starts_at),
            ends_at=timezone.localtime(a.ends_at),
            where=a.room.name if a.room else a.place,
            seats_left=max(0, a.capacity - a.taken),  # type: ignore[attr-defined]
            waitlisted=a.waitlisted,  # type: ignore[attr-defined]
            mine=mine.get(a.pk),
            photos=tuple((photos or {}).get(a.pk, ())),
        )
        for a in activities
    ]


# The staff console's calendar ------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """What holds a room at a time: an activity (with its seats) or an approved booking."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    card: ActivityCard | None = None  # an activity's; None for a booking


@dataclass(frozen=True)
class CalendarRow:
    """One room (or the places outside the rooms) across the days shown: a list per day."""

    label: str
    cells: list[list[CalendarEntry]]


def week_rows(
    cards: list[ActivityCard], bookings: list[Any], rooms: list[Any], days: list[dt.date]
) -> list[CalendarRow]:
    """Rooms × days: every room of the centers shown, even an empty one (a free room is what a
    member of staff looks for), then a row for the activities held elsewhere if any."""
    index = {d: i for i, d in enumerate(days)}
    by_room: dict[int | None, list[list[CalendarEntry]]] = {r.pk: [[] for _ in days] for r in rooms}
    entries = [(c.activity.room_id, CalendarEntry(c.starts_at, c.ends_at, c.title, c)) for c in cards]
    entries += [
        (b.room_id, CalendarEntry(timezone.localtime(b.starts_at), timezone.localtime(b.ends_at), b.group))
        for b in bookings
    ]
    for room_id, entry in sorted(entries, key=lambda e: e[1].starts_at):
        i = index.get(entry.starts_at.date())
        if i is not None:
            by_room.setdefault(room_id, [[] for _ in days])[i].append(entry)
    rows = [CalendarRow(label=r.name, cells=by_room[r.pk]) for r in rooms]
    if None in by_room:
        rows.append(CalendarRow(label=str(_("Elsewhere")), cells=by_room[None]))
    return rows


def month_weeks(
    cards: list[ActivityCard], first: dt.date
) -> list[list[tuple[dt.date, bool, list[ActivityCard]]]]:
    """The weeks (Monday first) that hold the month of `first`: each day, whether it is in the
    month, and its activities."""
    start = first - dt.timedelta(days=first.weekday())
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    end = last + dt.timedelta(days=6 - last.weekday())
    by_day: dict[dt.date, list[ActivityCard]] = {}
    for card in cards:
        by_day.setdefault(card.starts_at.date(), []).append(card)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    cells = [(d, d.month == first.month, by_day.get(d, [])) for d in days]
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


@dataclass(frozen=True)
class RegistrantRow:
    registration: Registration
    name: str
    phone: str
    account: bool
    position: int | None


def registrant_rows(registrations: list[Registration]) -> list[RegistrantRow]:
    """Who each registration is for, with the waitlist's positions counted in one pass."""
    waiting = 0
    rows = []
    for r in registrations:
        position = None
        if r.status == Status.WAITLISTED:
            waiting += 1
            position = waiting
        who = r.person if r.person_id is not None else r.record
        name = (getattr(who, "display_name", "") or getattr(who, "name", "") or str(who)) if who else ""
        rows.append(
            RegistrantRow(
                registration=r,
                name=name,
                phone=mask_phone(getattr(who, "phone", "") or ""),
                account=r.person_id is not None,
                position=position,
            )
        )
    return rows


# Calendar feeds and QR codes ------------------------------------------------------------------


def ics(name: str, activities: list[Activity], statuses: dict[int, str] | None = None) -> bytes:
    """An iCalendar feed (RFC 5545) a phone's calendar subscribes to: one event per activity,
    with its place; `statuses`, for a person's own feed, marks a waitlisted place tentative."""
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Needle//center//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    for a in activities:
        event = icalendar.Event()
        event.add("uid", f"center-activity-{a.pk}@needle")
        event.add("dtstamp", a.updated_at)
        event.add("dtstart", a.starts_at)
        event.add("dtend", a.ends_at)
        event.add("summary", bilingual(a.title, a.title_en))
        where = a.room.name if a.room else a.place
        if where:
            event.add("location", where)
        if a.description:
            event.add("description", a.description)
        status = (statuses or {}).get(a.pk)
        if status is not None:
            event.add("status", "CONFIRMED" if status in SEATED else "TENTATIVE")
        feed.add_component(event)
    return feed.to_ical()


def qr_svg(code: str) -> str:
    """A registration's code as an inline SVG QR image, for the door's scanner: a full QR code
    (segno.make would pick a Micro QR for so short a text, which many scanners do not read)."""
    return segno.make_qr(code, error="m").svg_inline(scale=5, omitsize=True, dark="#111")


def person_feed_token(person_id: int) -> str:
    """The secret part of a person's own feed address (a phone's calendar cannot sign in)."""
    return signing.dumps(person_id, salt=FEED_SALT)


def person_from_feed_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=FEED_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


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
    return [
        ServiceCard(
            service=s,
            name=bilingual(s.name, s.name_en),
            audience=str(Audience(s.audience).label),
            open_slots=open_slots.get(s.pk, []),
            mine=mine.get(s.pk, []),
        )
        for s in services
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
