"""Every write of the service center, split by concern: `activities` (rooms, activities and
their seats), `registrations` (registering, the waitlist's offers, check-in, walk-ins, feedback),
`seats` (the counting and telling both share), `appointments` (convenience services, their
weekly slots and the appointments booked in them) and `rooms` (opening hours, closed days, room
bookings)."""

from needle.center.services.activities import (
    ActivityDraft,
    activity_create,
    activity_set_capacity,
    activity_set_room,
    room_create,
)
from needle.center.services.appointments import (
    ServiceDraft,
    Slot,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointments_remind,
    service_create,
    service_update,
)
from needle.center.services.registrations import (
    OnBehalf,
    activity_mark_absentees,
    offers_lapse,
    registration_cancel,
    registration_check_in,
    registration_confirm,
    registration_create,
    registration_feedback,
    registration_mark_no_show,
    registration_walk_in,
    series_register,
)
from needle.center.services.rooms import (
    Stretch,
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_request,
    center_set_hours,
    closed_day_add,
    closed_day_remove,
)

__all__ = [
    "ActivityDraft",
    "OnBehalf",
    "ServiceDraft",
    "Slot",
    "Stretch",
    "activity_create",
    "activity_mark_absentees",
    "activity_set_capacity",
    "activity_set_room",
    "appointment_book",
    "appointment_cancel",
    "appointment_mark",
    "appointments_remind",
    "booking_approve",
    "booking_cancel",
    "booking_decline",
    "booking_request",
    "center_set_hours",
    "closed_day_add",
    "closed_day_remove",
    "offers_lapse",
    "registration_cancel",
    "registration_check_in",
    "registration_confirm",
    "registration_create",
    "registration_feedback",
    "registration_mark_no_show",
    "registration_walk_in",
    "room_create",
    "series_register",
    "service_create",
    "service_update",
]
