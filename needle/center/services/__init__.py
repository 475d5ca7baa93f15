"""Every write of the service center, split by concern: `activities` (rooms, activities and
their seats), `registrations` (registering, the waitlist's offers, check-in) and `seats` (the
counting and telling both share)."""

from needle.center.services.activities import (
    ActivityDraft,
    activity_create,
    activity_set_capacity,
    room_create,
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
    "activity_create",
    "activity_mark_absentees",
    "activity_set_capacity",
    "offers_lapse",
    "registration_cancel",
    "registration_check_in",
    "registration_confirm",
    "registration_create",
    "registration_feedback",
    "registration_mark_no_show",
    "registration_walk_in",
    "room_create",
]
