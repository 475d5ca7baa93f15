"""The lifecycles of a registration and of an appointment, each as one table: every move, the states it may start from, the
state it leads to and who may make it.

    confirmed | waitlisted -> offered -> confirmed ; cancelled ; attended | no_show

The services check each move against it (an illegal move is a 409) and the demo generates
only the steps it allows. Capacities: the `registrant` (the person registered, or the staff
member who registered someone without an account), `staff` (center.manage over the
activity's community) and the `system` (the jobs that offer seats and let offers lapse).

A room booking's, in BOOKING_MOVES:

    requested -> approved | declined ; cancelled

Capacities: the `requester` (who asked for the room) and `staff` (center.manage over the
room's community)."""

from __future__ import annotations

from typing import Any

from needle.center.models import (
    Appointment,
    AppointmentStatus,
    BookingStatus,
    Registration,
    RoomBooking,
    Status,
)
from needle.core.states import Move, move
from needle.orgs.permissions import can_in_area

REGISTRANT = "registrant"
STAFF = "staff"
SYSTEM = "system"
REQUESTER = "requester"


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        # A freed seat goes to the first in line, who has a while to take it.
        move("offer", {Status.WAITLISTED}, Status.OFFERED, SYSTEM),
        move("confirm", {Status.OFFERED}, Status.CONFIRMED, REGISTRANT, STAFF),
        # An offer not taken in time passes to the next in line.
        move("lapse", {Status.OFFERED}, Status.CANCELLED, SYSTEM),
        move(
            "cancel",
            {Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED},
            Status.CANCELLED,
            REGISTRANT,
            STAFF,
        ),
        move("check_in", {Status.CONFIRMED, Status.NO_SHOW}, Status.ATTENDED, STAFF),
        move("no_show", {Status.CONFIRMED}, Status.NO_SHOW, STAFF),
    )
}

# Where a new registration starts: a seat while one is free, else the waitlist.
INITIAL = frozenset({Status.CONFIRMED, Status.WAITLISTED})


def _is_person_or_entrant(actor: Any, person_id: int | None, entered_by_id: int | None) -> bool:
    """The person, or for a person without an account, whoever entered them."""
    pk = getattr(actor, "pk", None)
    if person_id is not None:
        return pk == person_id
    return pk is not None and pk == entered_by_id


def capacities(actor: Any, *, own: str | None, area_path: str) -> set[str]:
    """What `actor` holds over one object: `own` (the object's own person's capacity, when the actor
    is that person) and `staff` with center.manage over the object's community."""
    held = {own} if own is not None else set()
    if can_in_area(actor, "center.manage", area_path):
        held.add(STAFF)
    return held


def is_registrant(actor: Any, registration: Registration) -> bool:
    """The person registered, or for a person without an account, whoever registered them."""
    return _is_person_or_entrant(actor, registration.person_id, registration.registered_by_id)


# An appointment's lifecycle, read the same way by the services, the page's buttons and the demo:
#
#     booked -> served | no_show | cancelled
#
# `registrant` is the person booked (or, for a person without an account, whoever booked them).
APPOINTMENT_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("cancel", {AppointmentStatus.BOOKED}, AppointmentStatus.CANCELLED, REGISTRANT, STAFF),
        # A person marked absent by mistake who did come is still served.
        move("serve", {AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW}, AppointmentStatus.SERVED, STAFF),
        move("no_show", {AppointmentStatus.BOOKED}, AppointmentStatus.NO_SHOW, STAFF),
    )
}
APPOINTMENT_INITIAL = AppointmentStatus.BOOKED


def is_booker(actor: Any, appointment: Appointment) -> bool:
    """The person booked, or for a person without an account, whoever booked them."""
    return _is_person_or_entrant(actor, appointment.person_id, appointment.booked_by_id)


BOOKING_MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        move("approve", {BookingStatus.REQUESTED}, BookingStatus.APPROVED, STAFF),
        move("decline", {BookingStatus.REQUESTED}, BookingStatus.DECLINED, STAFF, requires="reason"),
        # Plans change on either side: the group no longer needs the room, or the center does.
        move(
            "cancel",
            {BookingStatus.REQUESTED, BookingStatus.APPROVED},
            BookingStatus.CANCELLED,
            REQUESTER,
            STAFF,
        ),
    )
}

# Where a new booking starts: every request waits for staff.
BOOKING_INITIAL = BookingStatus.REQUESTED


def is_requester(actor: Any, booking: RoomBooking) -> bool:
    pk = getattr(actor, "pk", None)
    return pk is not None and pk == booking.requested_by_id
