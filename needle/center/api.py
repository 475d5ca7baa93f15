"""/api/v1/center/: activities (a public list and detail; staff create them and change their
seats), registrations (for oneself or on behalf; cancel, confirm an offer, check in, feedback),
convenience services (a public list and their slots; staff create them) and appointments (booked
for oneself or on behalf; cancel, served, no-show), rooms (public, with the center's opening
hours) and their bookings (asked for by anyone signed in, decided by staff), and the centers'
opening hours and closed days (set by staff)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_get
from needle.center import selectors, services
from needle.center.models import (
    Activity,
    Appointment,
    BookingStatus,
    OpeningHours,
    Registration,
    Room,
    RoomBooking,
    Service,
)
from needle.center.schemas import (
    ActivityCreatedOut,
    ActivityDetailOut,
    ActivityIn,
    ActivityPageOut,
    AppointmentIn,
    AppointmentOut,
    BookingIn,
    BookingOut,
    CancelIn,
    CapacityIn,
    CenterServiceOut,
    CheckInIn,
    ClosedDayCreatedOut,
    ClosedDayIn,
    ClosedDayOut,
    DeclineIn,
    FamilyMemberIn,
    FamilyMemberOut,
    FeedbackIn,
    HoursIn,
    HoursOut,
    PhotoIn,
    PhotoOut,
    RegistrationIn,
    RegistrationOut,
    RoomBookingsOut,
    RoomListOut,
    ServiceIn,
    ServicePageOut,
    ServiceUpdateIn,
    SlotsOut,
)
from needle.center.services.seats import waitlist_position
from needle.core.errors import ValidationFailed, or_invalid
from needle.core.pagination import page_out, paginate
from needle.core.schemas import ERRORS, Code, Day, Id, Page, PageSize
from needle.orgs.auth import api_auth
from needle.orgs.models import Unit
from needle.orgs.selectors import access_family_member, my_family
from needle.orgs.services import family_member_add

# The longest period of one room's bookings read at once (a quarter).
MAX_DAYS = 92

router = Router(tags=["center"])


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
        "rating": registration.rating,
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
    center = or_invalid(Unit.objects.filter(pk=payload.center).first(), "center", _("No such unit."))
    room = None
    if payload.room is not None:
        room = or_invalid(Room.objects.filter(pk=payload.room).first(), "room", _("No such room."))
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
        whole=payload.recurrence.whole if payload.recurrence else False,
        residents_first_until=payload.residents_first_until,
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
    return _detail(activity)


def _detail(activity: Activity) -> dict[str, Any]:
    photos = selectors.photos_of([activity.pk]).get(activity.pk, [])
    return {
        **activity_out(activity),
        "counts": selectors.activity_counts(activity),
        "photos": [photo_out(p) for p in photos],
    }


def photo_out(photo: Any) -> dict[str, Any]:
    return {"id": photo.pk, "url": reverse("center-photo", args=[photo.pk]), "caption": photo.caption}


@router.post(
    "/activities/{activity_id}/photos",
    response={201: PhotoOut, **ERRORS},
    summary="Add a photo to an activity",
)
def add_photo(request: HttpRequest, activity_id: Id, payload: PhotoIn) -> Any:
    """The center's staff; at most six an activity (409); the image is re-encoded without its
    metadata."""
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    try:
        raw = base64.b64decode(payload.image, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(fields={"image": _("The image must be base64-encoded.")}) from None
    photo = services.activity_photo_add(
        actor=request.user, activity=activity, raw=raw, caption=payload.caption
    )
    return Status(201, photo_out(photo))


@router.delete("/photos/{photo_id}", response={204: None, **ERRORS}, summary="Remove an activity's photo")
def remove_photo(request: HttpRequest, photo_id: Id) -> Any:
    services.activity_photo_remove(actor=request.user, photo=selectors.access_photo(photo_id=photo_id))
    return Status(204, None)


@router.patch(
    "/activities/{activity_id}", response={200: ActivityDetailOut, **ERRORS}, summary="Change the seats"
)
def set_capacity(request: HttpRequest, activity_id: Id, payload: CapacityIn) -> Any:
    """Never below the seats taken; new seats are offered to the waitlist in its order."""
    activity = selectors.access_activity(activity_id=activity_id)
    services.activity_set_capacity(actor=request.user, activity=activity, capacity=payload.capacity)
    return _detail(selectors.access_activity(activity_id=activity_id))


@router.post(
    "/activities/{activity_id}/registrations",
    response={201: RegistrationOut, **ERRORS},
    summary="Register (oneself, or on behalf)",
)
def register(request: HttpRequest, activity_id: Id, payload: RegistrationIn) -> Any:
    """An empty body registers the caller; `family_member` a family member the caller looks
    after; staff give `on_behalf` for a person without an account. 409 when already registered."""
    activity = selectors.access_activity(activity_id=activity_id, counted=False)
    registration = services.registration_create(
        actor=request.user, activity=activity, birth_year=payload.birth_year, **_for_whom(request, payload)
    )
    return Status(201, registration_out(registration))


def _for_whom(request: HttpRequest, payload: RegistrationIn) -> dict[str, Any]:
    if payload.on_behalf is not None and payload.family_member is not None:
        said = _("Give either on_behalf or family_member.")
        raise ValidationFailed(said, fields={"family_member": said})
    return {
        "on_behalf": services.OnBehalf(**payload.on_behalf.dict()) if payload.on_behalf else None,
        "family_member": access_family_member(actor=request.user, record_id=payload.family_member)
        if payload.family_member
        else None,
    }


@router.post(
    "/series/{series_id}/registrations",
    response={201: list[RegistrationOut], **ERRORS},
    summary="Register for every coming session of a series",
)
def register_series(request: HttpRequest, series_id: Id, payload: RegistrationIn) -> Any:
    """A seat in every session still to come, or none (422 `series_full` naming the session)."""
    series = selectors.access_series(series_id=series_id)
    made = services.series_register(
        actor=request.user, series=series, birth_year=payload.birth_year, **_for_whom(request, payload)
    )
    return Status(201, [registration_out(r) for r in made])


@router.get(
    "/family", response={200: list[FamilyMemberOut], **ERRORS}, summary="The family members I look after"
)
def family(request: HttpRequest) -> Any:
    return [family_out(r) for r in my_family(actor=request.user)]


@router.post(
    "/family", response={201: FamilyMemberOut, **ERRORS}, summary="Record a family member I look after"
)
def family_add(request: HttpRequest, payload: FamilyMemberIn) -> Any:
    """A parent or a child without an account, to register them; kept at your community."""
    record = family_member_add(
        actor=request.user, name=payload.name, birth_year=payload.birth_year, phone=payload.phone
    )
    return Status(201, family_out(record))


def family_out(record: Any) -> dict[str, Any]:
    return {"id": record.pk, "name": record.name, "birth_year": record.birth_year}


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
    "/registrations/{registration_id}/feedback",
    response={200: RegistrationOut, **ERRORS},
    summary="Rate an activity one came to",
)
def feedback(request: HttpRequest, registration_id: Id, payload: FeedbackIn) -> Any:
    """Once, by the person registered, after they were checked in; 409 otherwise."""
    registration = selectors.access_registration(actor=request.user, registration_id=registration_id)
    done = services.registration_feedback(
        actor=request.user, registration=registration, rating=payload.rating, comment=payload.comment
    )
    return registration_out(done)


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


# Convenience services and appointments ------------------------------------------------------

# The longest span of days one slots request reads: a month of a weekly pattern.
MAX_SLOT_DAYS = 31


def service_out(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "center": service.center_id,
        "area": service.area.code,
        "name": service.name,
        "name_en": service.name_en,
        "description": service.description,
        "audience": service.audience,
        "min_age": service.min_age,
        "max_age": service.max_age,
        "minutes": service.minutes,
        "provider": service.provider,
        "price": service.price,
        "cancel_until_hours": service.cancel_until_hours,
        "active": service.active,
        "slots": [
            {"weekday": p.weekday, "start": p.start, "capacity": p.capacity} for p in service.patterns.all()
        ],
    }


def appointment_out(appointment: Appointment) -> dict[str, Any]:
    hours = appointment.service.cancel_until_hours
    return {
        "id": appointment.pk,
        "service": appointment.service_id,
        "starts_at": appointment.starts_at,
        "status": appointment.status,
        "code": appointment.code,
        "cancel_until": appointment.starts_at - dt.timedelta(hours=hours),
        "served_at": appointment.served_at,
    }


@router.get("/services", response={200: ServicePageOut, **ERRORS}, auth=None, summary="Services in an area")
def list_services(
    request: HttpRequest, area: Code | None = None, page: Page = 1, page_size: PageSize = 50
) -> Any:
    """Open to everyone: the convenience services taking appointments in the area's subtree,
    with their weekly slots."""
    qs = selectors.service_list(area=area_get(code=area) if area else None)
    result = paginate(qs, page=page, page_size=page_size)
    return page_out(result, [service_out(s) for s in result.items])


def _service_draft(payload: ServiceIn | ServiceUpdateIn, *, active: bool = True) -> services.ServiceDraft:
    return services.ServiceDraft(
        name=payload.name,
        name_en=payload.name_en,
        description=payload.description,
        audience=payload.audience,
        min_age=payload.min_age,
        max_age=payload.max_age,
        minutes=payload.minutes,
        provider=payload.provider,
        price=payload.price,
        cancel_until_hours=payload.cancel_until_hours,
        active=active,
        slots=[services.Slot(s.weekday, s.start, s.capacity) for s in payload.slots],
    )


@router.post("/services", response={201: CenterServiceOut, **ERRORS}, summary="Create a service")
def create_service(request: HttpRequest, payload: ServiceIn) -> Any:
    """Staff of the center's community (or above)."""
    center = or_invalid(Unit.objects.filter(pk=payload.center).first(), "center", _("No such unit."))
    service = services.service_create(actor=request.user, center=center, draft=_service_draft(payload))
    return Status(201, service_out(selectors.service_list(active_only=False).get(pk=service.pk)))


@router.put("/services/{service_id}", response={200: CenterServiceOut, **ERRORS}, summary="Change a service")
def update_service(request: HttpRequest, service_id: Id, payload: ServiceUpdateIn) -> Any:
    """Staff of the service's community (or above). Appointments already booked keep their time
    even when their slot leaves the pattern."""
    service = selectors.access_service(service_id=service_id)
    services.service_update(
        actor=request.user, service=service, draft=_service_draft(payload, active=payload.active)
    )
    return service_out(selectors.service_list(active_only=False).get(pk=service.pk))


@router.get(
    "/services/{service_id}/slots", response={200: SlotsOut, **ERRORS}, auth=None, summary="A service's slots"
)
def list_slots(request: HttpRequest, service_id: Id, start: Day | None = None, end: Day | None = None) -> Any:
    """Open to everyone: each slot from the day `start` (default today) to the day `end`
    (default two weeks on; local days, both included), with its places and the places left."""
    service = selectors.access_service(service_id=service_id)
    start = start or timezone.localdate()
    end = end or start + dt.timedelta(days=13)
    if end < start:
        raise ValidationFailed(fields={"end": _("Must not be before the start.")})
    if (end - start).days >= MAX_SLOT_DAYS:
        raise ValidationFailed(fields={"end": _("At most %(days)d days at once.") % {"days": MAX_SLOT_DAYS}})
    return {
        "service": service.pk,
        "slots": [
            {"starts_at": s.starts_at, "capacity": s.capacity, "booked": s.booked, "left": s.left}
            for s in selectors.slots(service, start, end)
        ],
    }


@router.post(
    "/services/{service_id}/appointments",
    response={201: AppointmentOut, **ERRORS},
    summary="Book a slot (oneself, or on behalf)",
)
def book(request: HttpRequest, service_id: Id, payload: AppointmentIn) -> Any:
    """`starts_at` names the slot; staff give `on_behalf` for a person without an account. 422
    naming the field for a slot that is not in the pattern, past, too far ahead or full, a
    double booking or an age outside the service's range."""
    service = selectors.access_service(service_id=service_id)
    on_behalf = None
    if payload.on_behalf is not None:
        on_behalf = services.OnBehalf(**payload.on_behalf.dict())
    appointment = services.appointment_book(
        actor=request.user,
        service=service,
        starts_at=payload.starts_at,
        on_behalf=on_behalf,
        birth_year=payload.birth_year,
    )
    return Status(201, appointment_out(appointment))


@router.get(
    "/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS}, summary="One appointment"
)
def get_appointment(request: HttpRequest, appointment_id: Id) -> Any:
    return appointment_out(selectors.access_appointment(actor=request.user, appointment_id=appointment_id))


def _appointment_step(request: HttpRequest, appointment_id: int, **how: Any) -> Any:
    appointment = selectors.access_appointment(actor=request.user, appointment_id=appointment_id)
    if how:
        done = services.appointment_mark(actor=request.user, appointment=appointment, **how)
    else:
        done = services.appointment_cancel(actor=request.user, appointment=appointment)
    done.service = appointment.service
    return appointment_out(done)


@router.post(
    "/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS}, summary="Cancel"
)
def cancel_appointment(request: HttpRequest, appointment_id: Id) -> Any:
    """The person booked, until the service's deadline; staff, until the start. 409 after."""
    return _appointment_step(request, appointment_id)


@router.post(
    "/appointments/{appointment_id}/serve", response={200: AppointmentOut, **ERRORS}, summary="Mark served"
)
def serve_appointment(request: HttpRequest, appointment_id: Id) -> Any:
    """Staff, on the day (from an hour before the start)."""
    return _appointment_step(request, appointment_id, served=True)


@router.post(
    "/appointments/{appointment_id}/no-show",
    response={200: AppointmentOut, **ERRORS},
    summary="Mark absent",
)
def no_show_appointment(request: HttpRequest, appointment_id: Id) -> Any:
    """Staff, once the slot has started."""
    return _appointment_step(request, appointment_id, served=False)


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
