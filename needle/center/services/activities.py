"""Rooms and activities: made and changed by the staff of the center's community (or above).

Every service is keyword-only, atomic, checks the actor's permission and writes an audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.cases.uploads import clean_image, photo_files_removed_on_error, store_photo
from needle.center.models import Activity, ActivityPhoto, Audience, Room, Series
from needle.center.services.rooms import lock_room, room_conflict
from needle.center.services.seats import offer_free_seats, seats_taken
from needle.core import periods
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, ValidationFailed
from needle.orgs.models import Unit, UnitType
from needle.orgs.permissions import can_in_area, require, require_authenticated

ACTIVITY_FIELDS = [
    "center",
    "title",
    "title_en",
    "audience",
    "room",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_opens",
    "registration_closes",
    "min_age",
    "max_age",
    "series",
]
MAX_WEEKS = 52
MAX_CAPACITY = 10_000
MAX_AGE = 120


def _check_center(center: Unit) -> None:
    if center.type != UnitType.SERVICE_CENTER or center.dissolved_on is not None:
        raise ValidationFailed(fields={"center": _("Choose a service center that is open.")})


@transaction.atomic
def room_create(
    *, actor: Any, center: Unit, name: str, capacity: int, equipment: str = "", accessible: bool = False
) -> Room:
    """A room of the center, for its activities."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    _check_center(center)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > 100:
        errors["name"] = _("Give a name of 1 to 100 characters.")
    elif Room.objects.filter(center=center, name=name).exists():
        errors["name"] = _("The center has a room of this name.")
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Give a number from 1 to %(max)d.") % {"max": MAX_CAPACITY}
    if errors:
        raise ValidationFailed(fields=errors)
    room = Room.objects.create(
        center=center, name=name, capacity=capacity, equipment=equipment.strip(), accessible=accessible
    )
    audit_record(
        actor=actor,
        action="center.room.created",
        obj=room,
        area_path=center.area_path,
        new=snapshot(room, ["center", "name", "capacity", "equipment", "accessible"]),
    )
    return room


@dataclass(frozen=True)
class ActivityDraft:
    """What staff give for a new activity; a window left out is open from now until the start."""

    title: str
    audience: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    title_en: str = ""
    description: str = ""
    room: Room | None = None
    place: str = ""
    registration_opens: dt.datetime | None = None
    registration_closes: dt.datetime | None = None
    min_age: int | None = None
    max_age: int | None = None
    weeks: int = 1
    # A weekly course registered for only as a whole (a seat in every session).
    whole: bool = False
    # Residents of the community only, until then (per session, the same time before its start).
    residents_first_until: dt.datetime | None = None


def _within_calendar(*moments: dt.datetime, weeks: int) -> bool:
    """Whether the moments, and the last session's end `weeks` on, fall within the calendar
    every date in Needle keeps to (a far date would overflow when converted or shifted)."""
    try:
        last = moments[1] + dt.timedelta(weeks=weeks - 1)
    except OverflowError:
        return False
    return all(periods.EARLIEST <= m.date() <= periods.LATEST for m in (*moments, last))


def check_age_range(errors: dict[str, str], min_age: int | None, max_age: int | None) -> None:
    """An activity's or a service's age range, into `errors`: each age from 0 to MAX_AGE, and
    the minimum not above the maximum."""
    for name, age in (("min_age", min_age), ("max_age", max_age)):
        if age is not None and not 0 <= age <= MAX_AGE:
            errors[name] = _("Give an age from 0 to %(max)d.") % {"max": MAX_AGE}
    if min_age is not None and max_age is not None and min_age > max_age and "max_age" not in errors:
        errors["max_age"] = _("Must not be below the minimum age.")


def _check_draft(center: Unit, d: ActivityDraft, opens: dt.datetime, closes: dt.datetime) -> None:
    errors: dict[str, str] = {}
    if not d.title.strip() or len(d.title.strip()) > 150:
        errors["title"] = _("Give a title of 1 to 150 characters.")
    if len(d.title_en.strip()) > 150:
        errors["title_en"] = _("Give a title of 1 to 150 characters.")
    if d.audience not in Audience.values:
        errors["audience"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Audience.values)}
    if d.ends_at <= d.starts_at:
        errors["ends_at"] = _("Must be after the start.")
    if d.starts_at <= timezone.now():
        errors["starts_at"] = _("Must be in the future.")
    if not 1 <= d.capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Give a number from 1 to %(max)d.") % {"max": MAX_CAPACITY}
    if d.room is not None and d.room.center_id != center.pk:
        errors["room"] = _("This room belongs to another center.")
    if len(d.place) > 200:
        errors["place"] = _("At most 200 characters.")
    check_age_range(errors, d.min_age, d.max_age)
    if closes <= opens:
        errors["registration_closes"] = _("Must be after registration opens.")
    elif closes > d.starts_at:
        errors["registration_closes"] = _("Registration must close by the start.")
    first = d.residents_first_until
    if first is not None and not opens <= first <= closes:
        errors["residents_first_until"] = _("Must fall within the registration window.")
    if d.whole and d.weeks < 2:
        errors["recurrence"] = _("Only a series of two or more weeks is taken whole.")
    if not 1 <= d.weeks <= MAX_WEEKS:
        errors["recurrence"] = _("Repeat for 1 to %(max)d weeks.") % {"max": MAX_WEEKS}
    elif not _within_calendar(d.starts_at, d.ends_at, opens, weeks=d.weeks):
        errors["starts_at"] = _("Every session must fall between %(earliest)s and %(latest)s.") % {
            "earliest": periods.EARLIEST.isoformat(),
            "latest": periods.LATEST.isoformat(),
        }
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def activity_create(*, actor: Any, center: Unit, draft: ActivityDraft) -> list[Activity]:
    """One activity, or a session each week for `draft.weeks` weeks (each registered for on its
    own, with the same window relative to its start). Returns the sessions, first first."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    _check_center(center)
    opens = draft.registration_opens or timezone.now()
    closes = draft.registration_closes or draft.starts_at
    _check_draft(center, draft, opens, closes)
    if draft.room is not None:
        # Under the room's lock, as an approval: no booking can take the room meanwhile.
        room = lock_room(draft.room.pk)
        for week in range(draft.weeks):
            shift = dt.timedelta(weeks=week)
            said = room_conflict(room, draft.starts_at + shift, draft.ends_at + shift)
            if said:
                raise ValidationFailed(fields={"room": said})
    series = None
    if draft.weeks > 1:
        series = Series.objects.create(
            center=center, title=draft.title.strip(), weeks=draft.weeks, whole=draft.whole
        )
    sessions: list[Activity] = []
    for week in range(draft.weeks):
        shift = dt.timedelta(weeks=week)
        activity = Activity.objects.create(
            center=center,
            area_id=center.area_id,
            area_path=center.area_path,
            title=draft.title.strip(),
            title_en=draft.title_en.strip(),
            description=draft.description.strip(),
            audience=draft.audience,
            room=draft.room,
            place=draft.place.strip(),
            starts_at=draft.starts_at + shift,
            ends_at=draft.ends_at + shift,
            capacity=draft.capacity,
            registration_opens=opens + shift if week else opens,
            registration_closes=closes + shift,
            min_age=draft.min_age,
            max_age=draft.max_age,
            residents_first_until=draft.residents_first_until + shift
            if draft.residents_first_until
            else None,
            series=series,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="center.activity.created",
            obj=activity,
            new=snapshot(activity, ACTIVITY_FIELDS),
        )
        sessions.append(activity)
    return sessions


@transaction.atomic
def activity_set_capacity(*, actor: Any, activity: Activity, capacity: int) -> Activity:
    """Change the number of seats: never below the seats taken; more seats are offered to the
    waitlist in its order."""
    require_authenticated(actor)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(can_in_area(actor, "center.manage", activity.area_path))
    taken = seats_taken(activity)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(
            fields={"capacity": _("Give a number from 1 to %(max)d.") % {"max": MAX_CAPACITY}}
        )
    if capacity < taken:
        raise ValidationFailed(
            fields={"capacity": _("%(taken)d seats are taken; give at least that many.") % {"taken": taken}}
        )
    _activity_set(actor, activity, "capacity", capacity, action="center.activity.capacity_changed")
    offer_free_seats(activity)
    return activity


@transaction.atomic
def activity_set_room(*, actor: Any, activity: Activity, room: Room | None) -> Activity:
    """Move the activity into another room of its center (or out of any, None), if that room is
    free for its time (checked under the room's lock, as a booking's approval)."""
    require_authenticated(actor)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(can_in_area(actor, "center.manage", activity.area_path))
    if room is not None:
        if room.center_id != activity.center_id:
            raise ValidationFailed(fields={"room": _("This room belongs to another center.")})
        room = lock_room(room.pk)
        said = room_conflict(room, activity.starts_at, activity.ends_at, activity=activity)
        if said:
            raise ValidationFailed(fields={"room": said})
    _activity_set(actor, activity, "room", room, action="center.activity.room_changed")
    return activity


def _activity_set(actor: Any, activity: Activity, field: str, value: Any, *, action: str) -> None:
    """Change one field of a locked activity and audit its old and new value."""
    old = snapshot(activity, [field])
    setattr(activity, field, value)
    activity.save(update_fields=[field, "updated_at"])
    audit_record(actor=actor, action=action, obj=activity, old=old, new=snapshot(activity, [field]))


# Photos -----------------------------------------------------------------------------------------

MAX_PHOTOS = 6
MAX_CAPTION = 200


@photo_files_removed_on_error
@transaction.atomic
def activity_photo_add(*, actor: Any, activity: Activity, raw: bytes, caption: str = "") -> ActivityPhoto:
    """A photo of the activity, by its center's staff: read for what it really is, capped and
    re-encoded without its metadata (its GPS position above all) before it is stored."""
    require_authenticated(actor)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(can_in_area(actor, "center.manage", activity.area_path))
    caption = caption.strip()
    if len(caption) > MAX_CAPTION or "\x00" in caption:
        raise ValidationFailed(fields={"caption": _("At most %(n)d characters.") % {"n": MAX_CAPTION}})
    if ActivityPhoto.objects.filter(activity=activity).count() >= MAX_PHOTOS:
        raise Conflict(_("An activity has at most %(n)d photos.") % {"n": MAX_PHOTOS}, code="too_many_photos")
    image = clean_image(raw, field="photo")
    photo = ActivityPhoto(
        activity=activity,
        content_type=image.content_type,
        size=len(image.data),
        caption=caption,
        uploaded_by=actor,
    )
    store_photo(photo, f"{activity.pk}-{secrets.token_hex(4)}.{image.extension}", image)
    audit_record(
        actor=actor,
        action="center.activity.photo_added",
        obj=activity,
        new={"photo": photo.pk, "caption": caption},
    )
    return photo


@transaction.atomic
def activity_photo_remove(*, actor: Any, photo: ActivityPhoto) -> None:
    require_authenticated(actor)
    activity = Activity.objects.select_for_update().get(pk=photo.activity_id)
    require(can_in_area(actor, "center.manage", activity.area_path))
    storage, name = photo.image.storage, photo.image.name or ""
    audit_record(
        actor=actor,
        action="center.activity.photo_removed",
        obj=activity,
        old={"photo": photo.pk, "caption": photo.caption},
    )
    photo.delete()
    # The file goes once the row is gone for good.
    if name:
        transaction.on_commit(lambda: storage.delete(name))
