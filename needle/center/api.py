"""/api/v1/center/: activities (a public list and detail; staff create them and change their
seats), registrations (for oneself or on behalf; cancel, confirm an offer, check in), rooms
(public, with the center's opening hours) and their bookings (asked for by anyone signed in,
decided by staff), and the centers' opening hours and closed days (set by staff)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_get
from needle.center import selectors, services
from needle.center.models import Activity, BookingStatus, OpeningHours, Registration, Room, RoomBooking
from needle.center.schemas import (
    ActivityCreatedOut,
    ActivityDetailOut,
    ActivityIn,
    ActivityPageOut,
    BookingIn,
    BookingOut,
    CancelIn,
    CapacityIn,
    CheckInIn,
    ClosedDayCreatedOut,
    ClosedDayIn,
    ClosedDayOut,
    DeclineIn,
    HoursIn,
    HoursOut,
    RegistrationIn,
    RegistrationOut,
    RoomBookingsOut,
    RoomListOut,
)
from needle.center.services.seats import waitlist_position
from needle.core.errors import ValidationFailed
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Day, Id, Page, PageSize
from needle.orgs.auth import api_auth
from needle.orgs.models import Unit

router = Router(tags=["center"])
# The longest period of one room's bookings read at once (a quarter).
MAX_DAYS = 92


def activity_out(activity: Activity) -> dict[str, Any]:
    """An activity as the API shows it; `activity` carries the counts of `activity_list`."""
    taken: int = activity.taken  # type: ignore[attr-defined]
    return {
        "id": activity.pk,
        "center": activity.center_id,
        "area": activity.area.code,
        "title": activity.title,
        "title_en": activity.title_en,
        "description": activity.description,
        "audience": activity.audience,
        "room": activity.room_id,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "registration_opens": activity.registration_opens,
        "registration_closes": activity.registration_closes,
        "min_age": activity.min_age,
        "max_age": activity.max_age,
        "series": activity.series_id,
        "confirmed": activity.confirmed,  # type: ignore[attr-defined]
        "waitlisted": activity.waitlisted,  # type: ignore[attr-defined]
        "seats_left": max(0, activity.capacity - taken),
    }


def registration_out(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "activity": registration.activity_id,
        "status": registration.status,
        "position": waitlist_position(registration),
        "code": registration.code,
        "offered_until": registration.offered_until,
    }


@router.get(
    "/activities", response={200: ActivityPageOut, **ERRORS}, auth=None, summary="Activities in an area"
)
def list_activities(
    request: HttpRequest,
    area: Code | None = None,
    start: Day | None = None,
    end: Day | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Any:
    """Open to everyone, as a community's notice board: the activities in the area's subtree
    starting from the day `start` to the day `end` (local days, both included), soonest first."""
    if start and end and end < start:
        raise ValidationFailed(fields={"end": _("Must not be before the start.")})
    qs = selectors.activity_list(area=area_get(code=area) if area else None, start=start, end=end)
    result = paginate(qs.select_related("area"), page=page, page_size=page_size)
    return page_out(result, [activity_out(a) for a in result.items])


@router.post("/activities", response={201: ActivityCreatedOut, **ERRORS}, summary="Create an activity")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    """Staff of the center's community (or above). With `recurrence`, one session a week."""
    center = Unit.objects.filter(pk=payload.center).first()
    if center is None:
        raise ValidationFailed(fields={"center": _("No such unit.")})
    room = None
    if payload.room is not None:
        room = Room.objects.filter(pk=payload.room).first()
        if room is None:
            raise ValidationFailed(fields={"room": _("No such room.")})
    draft = services.ActivityDraft(
        title=payload.title,
        title_en=payload.title_en,
        description=payload.description,
        audience=payload.audience,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        room=room,
        place=payload.place,
        registration_opens=payload.registration_opens,
        registration_closes=payload.registration_closes,
        min_age=payload.min_age,
        max_age=payload.max_age,
        weeks=payload.recurrence.weeks if payload.recurrence else 1,
    )
    sessions = services.activity_create(actor=request.user, center=center, draft=draft)
    out = activity_out(selectors.access_activity(activity_id=sessions[0].pk))
    return Status(201, {**out, "sessions": [s.pk for s in sessions]})


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityDetailOut, **ERRORS},
    auth=None,
    summary="One activity",
)
def get_activity(request: HttpRequest, activity_id: Id) -> Any:
    """With `counts`: its registrations by status."""
    activity = selectors.access_activity(activity_id=activity_id)
    return {**activity_out(activity), "counts": selectors.activity_counts(activity)}


@router.patch(
    "/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS}, summary="Change the seats"
)
def set_capacity(request: HttpRequest, activity_id: Id, payload: CapacityIn) -> Any:
    """Never below the seats taken; new seats are offered to the waitlist in its order."""
    activity = selectors.access_activity(activity_id=activity_id)
    services.activity_set_capacity(actor=request.user, activity=activity, capacity=payload.capacity)
    activity = selectors.access_activity(activity_id=activity_id)
    return {**activity_out(activity), "counts": selectors.activity_counts(activity)}


@router.post(
    "/activities/{activity_id}/registrations",
    response={201: RegistrationOut, **ERRORS},
    summary="Register (oneself, or on behalf)",
)
def register(request: HttpRequest, activity_id: Id, payload: RegistrationIn) -> Any:
    """An empty body registers the caller; staff give `on_behalf` for a person without an
    account. 409 when already registered."""
    activity = selectors.access_activity(activity_id=activity_id)
    on_behalf = None
    if payload.on_behalf is not None:
        on_behalf = services.OnBehalf(**payload.on_behalf.dict())
    registration = services.registration_create(
        actor=request.user, activity=activity, on_behalf=on_behalf, birth_year=payload.birth_year
    )
    return Status(201, registration_out(registration))


@router.get(
    "/registrations/{registration_id}", response={200: RegistrationOut, **ERRORS}, summary="One registration"
)
def get_registration(request: HttpRequest, registration_id: Id) -> Any:
    return registration_out(
        selectors.access_registration(actor=request.user, registration_id=registration_id)
    )


def _step(request: HttpRequest, registration_id: int, service: Any) -> Any:
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    return registration_out(service(actor=request.user, registration=registration))


@router.post(
    "/registrations/{registration_id}/cancel", response={200: RegistrationOut, **ERRORS}, summary="Cancel"
)
def cancel(request: HttpRequest, registration_id: Id) -> Any:
    """A freed seat is offered to the first in line."""
    return _step(request, registration_id, services.registration_cancel)


@router.post(
    "/registrations/{registration_id}/confirm",
    response={200: RegistrationOut, **ERRORS},
    summary="Take an offered seat",
)
def confirm(request: HttpRequest, registration_id: Id) -> Any:
    """409 once the offer has lapsed."""
    return _step(request, registration_id, services.registration_confirm)


@router.post(
    "/registrations/{registration_id}/check-in", response={200: RegistrationOut, **ERRORS}, summary="Check in"
)
def check_in(request: HttpRequest, registration_id: Id) -> Any:
    """Staff at the door."""
    return _step(request, registration_id, services.registration_check_in)


@router.post("/check-in", response={200: RegistrationOut, **ERRORS}, summary="Check in by code")
def check_in_by_code(request: HttpRequest, payload: CheckInIn) -> Any:
    """Staff at the door type the code the registrant shows; 404 for a code they cannot check in."""
    registration = selectors.registration_by_code(actor=request.user, code=payload.code)
    return registration_out(services.registration_check_in(actor=request.user, registration=registration))


@router.post(
    "/registrations/{registration_id}/no-show",
    response={200: RegistrationOut, **ERRORS},
    summary="Mark absent",
)
def no_show(request: HttpRequest, registration_id: Id) -> Any:
    """Staff, once the activity has started."""
    return _step(request, registration_id, services.registration_mark_no_show)


# Rooms, opening hours and bookings ------------------------------------------------------------


def _anyone(request: HttpRequest) -> bool:
    # After the token and the session: a caller with neither is served as anonymous.
    return True


# A public operation whose answer depends on who asks (staff see more).
ANYONE = [*api_auth, _anyone]


def stretch_out(h: OpeningHours) -> dict[str, Any]:
    return {"weekday": h.weekday, "opens": h.opens, "closes": h.closes}


def booking_out(b: RoomBooking) -> dict[str, Any]:
    return {
        "id": b.pk,
        "room": b.room_id,
        "group": b.group,
        "purpose": b.purpose,
        "attendees": b.attendees,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "status": b.status,
        "requested_by": b.requested_by_id,
        "decided_at": b.decided_at,
        "reason": b.reason,
    }


@router.get("/rooms", response={200: RoomListOut, **ERRORS}, auth=None, summary="A center's rooms")
def list_rooms(request: HttpRequest, center: Id) -> Any:
    """Open to everyone: the rooms of a service center, with its opening hours and coming closed
    days, so a group can choose a time to ask for."""
    unit = selectors.access_center(unit_id=center)
    return {
        "center": unit.pk,
        "hours": [stretch_out(h) for h in selectors.opening_hours(center=unit)],
        "closed_days": [
            {"day": c.day, "reason": c.reason}
            for c in selectors.closed_days(center=unit, start=timezone.localdate())
        ],
        "results": [
            {
                "id": r.pk,
                "name": r.name,
                "capacity": r.capacity,
                "equipment": r.equipment,
                "accessible": r.accessible,
            }
            for r in selectors.room_list(center=unit)
        ],
    }


@router.get(
    "/rooms/{room_id}/bookings",
    response={200: RoomBookingsOut, **ERRORS},
    auth=ANYONE,
    summary="A room's bookings",
)
def list_room_bookings(request: HttpRequest, room_id: Id, start: Day, end: Day) -> Any:
    """The times approved bookings hold the room, starting from the local day `start` to the day
    `end` (both included, at most 92 days); the center's staff also get every booking."""
    if end < start:
        raise ValidationFailed(fields={"end": _("Must not be before the start.")})
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(fields={"end": _("At most %(days)d days at a time.") % {"days": MAX_DAYS}})
    room = selectors.access_room(room_id=room_id)
    rows = selectors.room_bookings(actor=request.user, room=room, start=start, end=end)
    staff = selectors.is_room_staff(request.user, room)
    return {
        "room": room.pk,
        "taken": [
            {"starts_at": b.starts_at, "ends_at": b.ends_at}
            for b in rows
            if b.status == BookingStatus.APPROVED
        ],
        "bookings": [booking_out(b) for b in rows] if staff else None,
    }


@router.post("/rooms/{room_id}/bookings", response={201: BookingOut, **ERRORS}, summary="Ask for a room")
def request_booking(request: HttpRequest, room_id: Id, payload: BookingIn) -> Any:
    """Anyone signed in, for a group; within the center's opening hours on a day it is open, for
    no more people than the room holds, at a time no approved booking or activity holds it (422
    naming the one that does). The center's staff approve or decline."""
    room = selectors.access_room(room_id=room_id)
    booking = services.booking_request(actor=request.user, room=room, **payload.dict())
    return Status(201, booking_out(booking))


@router.get("/bookings/{booking_id}", response={200: BookingOut, **ERRORS}, summary="One booking")
def get_booking(request: HttpRequest, booking_id: Id) -> Any:
    """Its requester and the center's staff."""
    return booking_out(selectors.access_booking(actor=request.user, booking_id=booking_id))


@router.post("/bookings/{booking_id}/approve", response={200: BookingOut, **ERRORS}, summary="Approve")
def approve_booking(request: HttpRequest, booking_id: Id) -> Any:
    """The center's staff; 409 naming the booking or activity that took the room meanwhile."""
    booking = selectors.access_booking(actor=request.user, booking_id=booking_id)
    return booking_out(services.booking_approve(actor=request.user, booking=booking))


@router.post("/bookings/{booking_id}/decline", response={200: BookingOut, **ERRORS}, summary="Decline")
def decline_booking(request: HttpRequest, booking_id: Id, payload: DeclineIn) -> Any:
    """The center's staff, with the reason the requester is told."""
    booking = selectors.access_booking(actor=request.user, booking_id=booking_id)
    return booking_out(services.booking_decline(actor=request.user, booking=booking, reason=payload.reason))


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, **ERRORS}, summary="Cancel")
def cancel_booking(request: HttpRequest, booking_id: Id, payload: CancelIn | None = None) -> Any:
    """The requester, or the center's staff (the requester is then told), before it ends."""
    booking = selectors.access_booking(actor=request.user, booking_id=booking_id)
    reason = payload.reason if payload is not None else ""
    return booking_out(services.booking_cancel(actor=request.user, booking=booking, reason=reason))


@router.put("/centers/{unit_id}/hours", response={200: HoursOut, **ERRORS}, summary="Set the opening hours")
def set_hours(request: HttpRequest, unit_id: Id, payload: HoursIn) -> Any:
    """The center's staff: every stretch of the week at once (a day left out is closed)."""
    center = selectors.access_center(unit_id=unit_id)
    rows = services.center_set_hours(
        actor=request.user,
        center=center,
        hours=[services.Stretch(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in payload.hours],
    )
    return {"center": center.pk, "hours": [stretch_out(h) for h in rows]}


@router.post(
    "/centers/{unit_id}/closed-days", response={201: ClosedDayCreatedOut, **ERRORS}, summary="Close for a day"
)
def add_closed_day(request: HttpRequest, unit_id: Id, payload: ClosedDayIn) -> Any:
    """The center's staff; no booking can then be asked for on that day."""
    center = selectors.access_center(unit_id=unit_id)
    closed = services.closed_day_add(
        actor=request.user, center=center, day=payload.day, reason=payload.reason
    )
    return Status(201, {"id": closed.pk, "center": center.pk, "day": closed.day, "reason": closed.reason})


@router.delete(
    "/centers/{unit_id}/closed-days/{day}",
    response={200: ClosedDayOut, **ERRORS},
    summary="Open again on a day",
)
def remove_closed_day(request: HttpRequest, unit_id: Id, day: Day) -> Any:
    """The center's staff; 404 when the center is not closed on that day. Returns the day removed."""
    center = selectors.access_center(unit_id=unit_id)
    closed = services.closed_day_remove(actor=request.user, center=center, day=day)
    return {"day": closed.day, "reason": closed.reason}
