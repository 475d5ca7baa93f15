"""Rooms' calendar and bookings: the center's opening hours and closed days (set by its staff),
and groups' requests for a room at a time (a party branch's meeting, a dance troupe's rehearsal)
that staff approve or decline.

A room is used by approved bookings and by activities; no two of them may overlap. Every write
that puts a use into a room (approving a booking, an activity created in or moved into it)
locks the room's row first and then looks for an overlap, so two overlapping uses can never
both be written: on PostgreSQL the row lock serializes them, on SQLite the IMMEDIATE
transactions do. A request is checked too, so that a group hears at once that the room is
taken, but it takes no lock: it holds nothing until approved.

The days a center is closed are its own closed days and the public holidays of the cases'
working-day calendar (`cases.Holiday` rows that are not working days); a swapped working day
does not open a center on a weekday it has no hours."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.models import Holiday
from needle.center.models import Activity, BookingStatus, ClosedDay, OpeningHours, Room, RoomBooking
from needle.center.states import BOOKING_MOVES, REQUESTER, capacities, is_requester
from needle.core import periods
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, NotFound, ValidationFailed
from needle.core.states import target, wrong_status
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import can_in_area, require, require_authenticated

MAX_GROUP = 100
MAX_PURPOSE = 300
MAX_REASON = 300
BOOKING_FIELDS = ["room", "group", "purpose", "attendees", "starts_at", "ends_at", "status"]


def _check_center(center: Unit, field: str = "center") -> None:
    if center.type != UnitType.SERVICE_CENTER or center.dissolved_on is not None:
        raise ValidationFailed(fields={field: _("Choose a service center that is open.")})


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def _hm(moment: dt.datetime) -> str:
    return _local(moment).strftime("%Y-%m-%d %H:%M")


# Opening hours and closed days -----------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """One stretch of a weekday when the center is open (Monday 0)."""

    weekday: int
    opens: dt.time
    closes: dt.time


@transaction.atomic
def center_set_hours(*, actor: Any, center: Unit, hours: list[Stretch]) -> list[OpeningHours]:
    """Replace the center's weekly opening hours; a weekday left out is closed."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    _check_center(center)
    # Two saves at once must not interleave their deletes and inserts into a doubled week.
    center = Unit.objects.select_for_update().get(pk=center.pk)
    errors: dict[str, str] = {}
    for i, h in enumerate(hours):
        if not 0 <= h.weekday <= 6:
            errors[f"hours.{i}.weekday"] = _("Give a weekday from 0 (Monday) to 6 (Sunday).")
        if h.closes <= h.opens:
            errors[f"hours.{i}.closes"] = _("Must be after the opening time.")
    ordered = sorted(
        ((h.weekday, h.opens, h.closes, i) for i, h in enumerate(hours) if f"hours.{i}.closes" not in errors)
    )
    for (day_a, _opens_a, closes_a, _a), (day_b, opens_b, _closes_b, b) in itertools.pairwise(ordered):
        if day_a == day_b and opens_b < closes_a:
            errors[f"hours.{b}.opens"] = _("Overlaps another stretch of the same day.")
    if errors:
        raise ValidationFailed(fields=errors)
    old = [
        [h.weekday, h.opens.isoformat(), h.closes.isoformat()]
        for h in OpeningHours.objects.filter(center=center)
    ]
    OpeningHours.objects.filter(center=center).delete()
    rows = OpeningHours.objects.bulk_create(
        OpeningHours(center=center, weekday=h.weekday, opens=h.opens, closes=h.closes)
        for h in sorted(hours, key=lambda h: (h.weekday, h.opens))
    )
    audit_record(
        actor=actor,
        action="center.hours.set",
        obj=center,
        area_path=center.area_path,
        old={"hours": old},
        new={"hours": [[h.weekday, h.opens.isoformat(), h.closes.isoformat()] for h in rows]},
    )
    return rows


@transaction.atomic
def closed_day_add(*, actor: Any, center: Unit, day: dt.date, reason: str = "") -> ClosedDay:
    """Close the center for a day (a day of its own: public holidays close it already)."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    _check_center(center)
    errors: dict[str, str] = {}
    reason = reason.strip()
    if len(reason) > 200:
        errors["reason"] = _("At most 200 characters.")
    if not periods.EARLIEST <= day <= periods.LATEST:
        errors["day"] = _("Give a day from %(earliest)s to %(latest)s.") % {
            "earliest": periods.EARLIEST.isoformat(),
            "latest": periods.LATEST.isoformat(),
        }
    elif ClosedDay.objects.filter(center=center, day=day).exists():
        errors["day"] = _("The center is already closed on this day.")
    if errors:
        raise ValidationFailed(fields=errors)
    closed = ClosedDay.objects.create(center=center, day=day, reason=reason)
    audit_record(
        actor=actor,
        action="center.closed_day.added",
        obj=closed,
        area_path=center.area_path,
        new=snapshot(closed, ["center", "day", "reason"]),
    )
    return closed


@transaction.atomic
def closed_day_remove(*, actor: Any, center: Unit, day: dt.date) -> ClosedDay:
    """Open the center again on a day it was closed (bookings may then be asked for); returns
    the closed day removed."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    closed = ClosedDay.objects.select_for_update().filter(center=center, day=day).first()
    if closed is None:
        raise NotFound(_("The center is not closed on this day."))
    audit_record(
        actor=actor,
        action="center.closed_day.removed",
        obj=closed,
        area_path=center.area_path,
        old=snapshot(closed, ["center", "day", "reason"]),
    )
    closed.delete()
    return closed


def closed_reason(center: Unit, day: dt.date) -> str | None:
    """Why the center is closed on `day` (its own closed day or a public holiday), or None
    when it is open on that weekday's hours."""
    own = ClosedDay.objects.filter(center=center, day=day).first()
    if own is not None:
        return own.reason or _("closed")
    holiday = Holiday.objects.filter(date=day, is_workday=False).first()
    if holiday is not None:
        return holiday.name or _("public holiday")
    return None


def _calendar_error(center: Unit, starts_at: dt.datetime, ends_at: dt.datetime) -> str | None:
    """Why a use from `starts_at` to `ends_at` does not fit the center's calendar, or None."""
    start, end = _local(starts_at), _local(ends_at)
    if start.date() != end.date():
        return _("A booking starts and ends on the same day.")
    reason = closed_reason(center, start.date())
    if reason is not None:
        return _("The center is closed on %(day)s (%(reason)s).") % {
            "day": start.date().isoformat(),
            "reason": reason,
        }
    stretches = list(OpeningHours.objects.filter(center=center, weekday=start.weekday()))
    if not stretches:
        return _("The center is not open on that day of the week.")
    if not any(h.opens <= start.time() and end.time() <= h.closes for h in stretches):
        hours = ", ".join(f"{h.opens:%H:%M}–{h.closes:%H:%M}" for h in stretches)
        return _("Outside the opening hours: that day the center is open %(hours)s.") % {"hours": hours}
    return None


# Overlaps --------------------------------------------------------------------------------------


def room_conflict(
    room: Room,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    booking: RoomBooking | None = None,
    activity: Activity | None = None,
) -> str | None:
    """The approved booking or the activity that already holds the room at some moment from
    `starts_at` to `ends_at` (besides `booking` or `activity` itself), named; None when free."""
    bookings = RoomBooking.objects.filter(
        room=room, status=BookingStatus.APPROVED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if booking is not None:
        bookings = bookings.exclude(pk=booking.pk)
    taken = bookings.order_by("starts_at").first()
    if taken is not None:
        return _("The room is booked by %(group)s (%(purpose)s) from %(start)s to %(end)s.") % {
            "group": taken.group,
            "purpose": taken.purpose,
            "start": _hm(taken.starts_at),
            "end": _local(taken.ends_at).strftime("%H:%M"),
        }
    activities = Activity.objects.filter(room=room, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if activity is not None:
        activities = activities.exclude(pk=activity.pk)
    held = activities.order_by("starts_at").first()
    if held is not None:
        return _("The room holds the activity %(title)s from %(start)s to %(end)s.") % {
            "title": held.title,
            "start": _hm(held.starts_at),
            "end": _hm(held.ends_at),
        }
    return None


def lock_room(room_id: int) -> Room:
    """The room's row, locked until the transaction ends: every write of a use takes it."""
    return Room.objects.select_for_update(of=("self",)).select_related("center").get(pk=room_id)


# Bookings --------------------------------------------------------------------------------------


@transaction.atomic
def booking_request(
    *,
    actor: Any,
    room: Room,
    group: str,
    purpose: str,
    attendees: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> RoomBooking:
    """A signed-in person asks for the room on behalf of a group; the center's staff decide."""
    require_authenticated(actor)
    room = Room.objects.select_related("center").get(pk=room.pk)
    _check_center(room.center, "room")
    errors: dict[str, str] = {}
    group, purpose = group.strip(), purpose.strip()
    if not group or len(group) > MAX_GROUP:
        errors["group"] = _("Give a name of 1 to %(max)d characters.") % {"max": MAX_GROUP}
    if not purpose or len(purpose) > MAX_PURPOSE:
        errors["purpose"] = _("Say what the room is for in 1 to %(max)d characters.") % {"max": MAX_PURPOSE}
    if attendees < 1:
        errors["attendees"] = _("At least one person attends.")
    elif attendees > room.capacity:
        errors["attendees"] = _("The room holds %(capacity)d people.") % {"capacity": room.capacity}
    if not (starts_at.date() >= periods.EARLIEST and ends_at.date() <= periods.LATEST):
        errors["starts_at"] = _("Must fall between %(earliest)s and %(latest)s.") % {
            "earliest": periods.EARLIEST.isoformat(),
            "latest": periods.LATEST.isoformat(),
        }
    elif ends_at <= starts_at:
        errors["ends_at"] = _("Must be after the start.")
    elif starts_at <= timezone.now():
        errors["starts_at"] = _("Must be in the future.")
    else:
        said = _calendar_error(room.center, starts_at, ends_at) or room_conflict(room, starts_at, ends_at)
        if said:
            errors["starts_at"] = said
    if errors:
        raise ValidationFailed(fields=errors)
    booking = RoomBooking.objects.create(
        room=room,
        requested_by=actor,
        group=group,
        purpose=purpose,
        attendees=attendees,
        starts_at=starts_at,
        ends_at=ends_at,
        status=BookingStatus.REQUESTED,
    )
    audit_record(
        actor=actor,
        action="center.booking.requested",
        obj=booking,
        area_path=room.center.area_path,
        new=snapshot(booking, BOOKING_FIELDS),
    )
    return booking


def _locked(booking: RoomBooking) -> tuple[RoomBooking, Room]:
    """The room's lock first, as every writer of a use takes it, then the booking's."""
    room = lock_room(booking.room_id)
    locked = RoomBooking.objects.select_for_update().select_related("requested_by").get(pk=booking.pk)
    return locked, room


def _move(actor: Any, booking: RoomBooking, room: Room, name: str) -> set[str]:
    rule = BOOKING_MOVES[name]
    own = REQUESTER if is_requester(actor, booking) else None
    held = capacities(actor, own=own, area_path=room.center.area_path)
    # Someone who may not touch the booking must not learn that it exists.
    require(
        bool(held & rule.capacities),
        visible=bool(held) or can_in_area(actor, "center.view", room.center.area_path),
    )
    if booking.status not in rule.sources:
        raise wrong_status(
            _("This booking is %(status)s.") % {"status": BookingStatus(booking.status).label}, booking.status
        )
    return held


_DONE = {"approve": "approved", "decline": "declined", "cancel": "cancelled"}


def _apply(actor: Any, booking: RoomBooking, room: Room, name: str, *, decided: bool) -> None:
    old = snapshot(booking, ["status", "reason"])
    booking.status = target(BOOKING_MOVES, name)
    fields = ["status", "reason", "updated_at"]
    if decided:
        booking.decided_by = actor
        booking.decided_at = timezone.now()
        fields += ["decided_by", "decided_at"]
    booking.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"center.booking.{_DONE[name]}",
        obj=booking,
        area_path=room.center.area_path,
        old=old,
        new=snapshot(booking, ["status", "reason"]),
    )


def tell_booking(booking: RoomBooking, room: Room) -> None:
    """The requester hears where their booking stands now."""
    params = {
        "room": room.name,
        "group": booking.group,
        "start": _hm(booking.starts_at),
        "reason": booking.reason,
    }
    texts = {
        BookingStatus.APPROVED: gettext_noop(
            "Your booking of %(room)s for %(group)s on %(start)s is approved."
        ),
        BookingStatus.DECLINED: gettext_noop(
            "Your booking of %(room)s for %(group)s on %(start)s is declined: %(reason)s"
        ),
        BookingStatus.CANCELLED: gettext_noop(
            "Your booking of %(room)s for %(group)s on %(start)s is cancelled by the center."
        ),
    }
    text = texts.get(BookingStatus(booking.status))
    if text:
        notify(
            recipients=[booking.requested_by],
            verb=f"center.booking.{booking.status}",
            message=Message(text, params),
        )


@transaction.atomic
def booking_approve(*, actor: Any, booking: RoomBooking) -> RoomBooking:
    """Staff give the group the room, if it is still free then (checked under the room's lock:
    of two overlapping requests, only the first approved gets it); the requester is told."""
    require_authenticated(actor)
    booking, room = _locked(booking)
    _move(actor, booking, room, "approve")
    if booking.starts_at <= timezone.now():
        raise Conflict(_("The booking's time has passed."), code="started", extra={"status": booking.status})
    said = _calendar_error(room.center, booking.starts_at, booking.ends_at) or room_conflict(
        room, booking.starts_at, booking.ends_at, booking=booking
    )
    if said:
        raise Conflict(said, code="room_taken", extra={"status": booking.status})
    _apply(actor, booking, room, "approve", decided=True)
    tell_booking(booking, room)
    return booking


@transaction.atomic
def booking_decline(*, actor: Any, booking: RoomBooking, reason: str) -> RoomBooking:
    """Staff refuse the request, saying why; the requester is told the reason."""
    require_authenticated(actor)
    booking, room = _locked(booking)
    _move(actor, booking, room, "decline")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise ValidationFailed(
            fields={"reason": _("Say why in 1 to %(max)d characters.") % {"max": MAX_REASON}}
        )
    booking.reason = reason
    _apply(actor, booking, room, "decline", decided=True)
    tell_booking(booking, room)
    return booking


@transaction.atomic
def booking_cancel(*, actor: Any, booking: RoomBooking, reason: str = "") -> RoomBooking:
    """The requester withdraws, or staff take the room back, before the booking ends; the
    requester is told when staff cancel."""
    require_authenticated(actor)
    booking, room = _locked(booking)
    held = _move(actor, booking, room, "cancel")
    if booking.ends_at <= timezone.now():
        raise Conflict(_("The booking has ended."), code="ended", extra={"status": booking.status})
    reason = reason.strip()
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise ValidationFailed(fields={"reason": _("At most %(max)d characters.") % {"max": MAX_REASON}})
    if reason:
        booking.reason = reason
    _apply(actor, booking, room, "cancel", decided=False)
    if REQUESTER not in held:
        tell_booking(booking, room)
    return booking
