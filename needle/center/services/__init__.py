"""Every write of the service center, split by concern: `activities` (rooms, activities and
their seats), `registrations` (registering, the waitlist's offers, check-in), `seats` (the
counting and telling both share) and `appointments` (convenience services, their weekly slots
and the appointments booked in them)."""

from needle.center.services.activities import (
    ActivityDraft,
    activity_create,
    activity_set_capacity,
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
)

__all__ = [
    "ActivityDraft",
    "OnBehalf",
    "ServiceDraft",
    "Slot",
    "activity_create",
    "activity_mark_absentees",
    "activity_set_capacity",
    "appointment_book",
    "appointment_cancel",
    "appointment_mark",
    "appointments_remind",
    "offers_lapse",
    "registration_cancel",
    "registration_check_in",
    "registration_confirm",
    "registration_create",
    "registration_feedback",
    "registration_mark_no_show",
    "registration_walk_in",
    "room_create",
    "service_create",
    "service_update",
]
