"""Every write of the service center, split by concern: `activities` (rooms, activities and
their seats), `registrations` (registering, the waitlist's offers, check-in), `seats` (the
counting and telling both share) and `rooms` (opening hours, closed days, room bookings)."""

from needle.center.services.activities import (
    ActivityDraft,
    activity_create,
    activity_set_capacity,
    activity_set_room,
    room_create,
)
from needle.center.services.registrations import (
    OnBehalf,
    offers_lapse,
    registration_cancel,
    registration_check_in,
    registration_confirm,
    registration_create,
    registration_mark_no_show,
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
    "Stretch",
    "activity_create",
    "activity_set_capacity",
    "activity_set_room",
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
    "registration_mark_no_show",
    "room_create",
]
