"""The service center's API schemas: one In/Out pair per operation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from needle.center.models import AppointmentStatus, Audience, BookingStatus, Status
from needle.core.schemas import NOT_BOOL, Day, Flag, Id, Moment

Age = Annotated[int, Field(ge=0, le=120), NOT_BOOL]
Seats = Annotated[int, Field(ge=1, le=10_000), NOT_BOOL]


class RecurrenceIn(Schema):
    weeks: Annotated[int, Field(ge=1, le=52, description="Sessions, one a week"), NOT_BOOL]
    whole: Flag = Field(False, description="Registered for only as a whole: a seat in every session")


class ActivityIn(Schema):
    center: Id = Field(..., description="The service center (a unit id)")
    title: str = Field(..., max_length=150)
    title_en: str = Field("", max_length=150, description="The title in English, if it differs")
    description: str = Field("", max_length=4000)
    audience: Audience
    starts_at: Moment = Field(..., description="With its offset, e.g. 2026-12-10T09:00:00+08:00")
    ends_at: Moment
    capacity: Seats
    room: Id | None = None
    place: str = Field("", max_length=200)
    registration_opens: Moment | None = Field(None, description="Default: now")
    registration_closes: Moment | None = Field(None, description="Default: the start")
    min_age: Age | None = None
    max_age: Age | None = None
    residents_first_until: Moment | None = Field(
        None, description="Until then only residents of the community may register; then anyone"
    )
    recurrence: RecurrenceIn | None = Field(
        None, description="Weekly sessions, each registered for on its own unless taken whole"
    )


class ActivityOut(Schema):
    id: int
    center: int = Field(..., description="The service center (a unit id)")
    area: str = Field(..., description="The community's area code")
    title: str
    title_en: str
    description: str
    audience: str
    room: int | None
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    registration_opens: dt.datetime
    registration_closes: dt.datetime
    min_age: int | None
    max_age: int | None
    series: int | None
    confirmed: int = Field(..., description="Registrations confirmed")
    waitlisted: int = Field(..., description="Registrations on the waitlist")
    seats_left: int = Field(..., description="Seats not taken nor held for an offer")


class ActivityCreatedOut(ActivityOut):
    sessions: list[int] = Field(..., description="Every session's id, this one first (a series has several)")


class ActivityPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ActivityOut]


class CountsOut(Schema):
    confirmed: int
    waitlisted: int
    offered: int
    cancelled: int
    attended: int
    no_show: int


class PhotoOut(Schema):
    id: int
    url: str = Field(..., description="The image, public as the activity is")
    caption: str


class ActivityDetailOut(ActivityOut):
    counts: CountsOut
    photos: list[PhotoOut]


class PhotoIn(Schema):
    image: str = Field(..., max_length=12_000_000, description="A base64-encoded JPEG, PNG or WebP image")
    caption: str = Field("", max_length=200)


class CapacityIn(Schema):
    capacity: Seats


class FeedbackIn(Schema):
    rating: Annotated[int, Field(ge=1, le=5), NOT_BOOL]
    comment: str = Field("", max_length=1000)


class OnBehalfIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    phone: str = Field("", max_length=20)
    age: Age | None = None
    consent: Flag = Field(..., description="The person agreed to their details being kept")
    consent_method: str = Field("verbal_witnessed", description="signed_form or verbal_witnessed")
    address: str = Field("", max_length=200)


class RegistrationIn(Schema):
    on_behalf: OnBehalfIn | None = Field(None, description="Staff only: a person without an account")
    family_member: Id | None = Field(None, description="A family member you look after (see /center/family)")
    birth_year: Annotated[int, NOT_BOOL] | None = Field(
        None, description="Your year of birth, kept in your profile"
    )


class FamilyMemberIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    birth_year: Annotated[int, Field(ge=1900, le=2100), NOT_BOOL] | None = None
    phone: str = Field("", max_length=20)


class FamilyMemberOut(Schema):
    id: int
    name: str
    birth_year: int | None


class CheckInIn(Schema):
    code: str = Field(..., min_length=1, max_length=20, description="The code the registrant shows")


class RegistrationOut(Schema):
    id: int
    activity: int
    status: Status
    position: int | None = Field(None, description="Place on the waitlist, 1 for the first in line")
    code: str = Field(..., description="Shown at the door to check in")
    offered_until: dt.datetime | None = Field(None, description="When an offered seat passes to the next")
    rating: int | None = Field(None, description="The feedback of one who came, 1 to 5")


# Convenience services and appointments --------------------------------------------------------

Weekday = Annotated[int, Field(ge=0, le=6, description="Monday 0 … Sunday 6"), NOT_BOOL]


class SlotIn(Schema):
    weekday: Weekday
    start: dt.time = Field(..., description="Local time, e.g. 09:30")
    capacity: Seats


class ServiceIn(Schema):
    center: Id = Field(..., description="The service center (a unit id)")
    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100, description="The name in English, if it differs")
    description: str = Field("", max_length=4000)
    audience: Audience
    min_age: Age | None = None
    max_age: Age | None = None
    minutes: Annotated[int, Field(ge=1, le=480, description="Minutes per appointment"), NOT_BOOL]
    provider: str = Field("", max_length=100, description="The staff member or volunteer who serves")
    price: str = Field("", max_length=50, description="Blank: free")
    cancel_until_hours: Annotated[int, Field(ge=0, le=168), NOT_BOOL] = Field(
        2, description="Residents may cancel until this many hours before the start"
    )
    slots: list[SlotIn] = Field(..., max_length=100, description="The weekly pattern")


class ServiceUpdateIn(Schema):
    """The whole service again (its slots replace the pattern); `active` false closes booking."""

    name: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=100)
    description: str = Field("", max_length=4000)
    audience: Audience
    min_age: Age | None = None
    max_age: Age | None = None
    minutes: Annotated[int, Field(ge=1, le=480), NOT_BOOL]
    provider: str = Field("", max_length=100)
    price: str = Field("", max_length=50, description="Blank: free")
    cancel_until_hours: Annotated[int, Field(ge=0, le=168), NOT_BOOL] = 2
    active: Flag = True
    slots: list[SlotIn] = Field(..., max_length=100, description="The weekly pattern")


class SlotPatternOut(Schema):
    weekday: int
    start: dt.time
    capacity: int


class CenterServiceOut(Schema):
    id: int
    center: int = Field(..., description="The service center (a unit id)")
    area: str = Field(..., description="The community's area code")
    name: str
    name_en: str
    description: str
    audience: str
    min_age: int | None
    max_age: int | None
    minutes: int
    provider: str
    price: str = Field(..., description="Blank: free")
    cancel_until_hours: int
    active: bool
    slots: list[SlotPatternOut]


class ServicePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CenterServiceOut]


class SlotOut(Schema):
    starts_at: dt.datetime
    capacity: int
    booked: int
    left: int = Field(..., description="Places not booked")


class SlotsOut(Schema):
    service: int
    slots: list[SlotOut]


class AppointmentIn(Schema):
    starts_at: Moment = Field(..., description="A slot's start, as the slots list gives it")
    on_behalf: OnBehalfIn | None = Field(None, description="Staff only: a person without an account")
    birth_year: Annotated[int, NOT_BOOL] | None = Field(
        None, description="Your year of birth, kept in your profile"
    )


class AppointmentOut(Schema):
    id: int
    service: int
    starts_at: dt.datetime
    status: AppointmentStatus
    code: str = Field(..., description="Shown at the counter")
    cancel_until: dt.datetime = Field(..., description="Until when the person booked may cancel")
    served_at: dt.datetime | None


# Rooms, opening hours and bookings ------------------------------------------------------------


class StretchOut(Schema):
    weekday: int = Field(..., description="Monday 0 to Sunday 6")
    opens: dt.time
    closes: dt.time


class ClosedDayOut(Schema):
    day: dt.date
    reason: str


class RoomOut(Schema):
    id: int
    name: str
    capacity: int
    equipment: str
    accessible: bool = Field(..., description="Step-free access")


class RoomListOut(Schema):
    center: int = Field(..., description="The service center (a unit id)")
    hours: list[StretchOut] = Field(
        ..., description="When the center's rooms may be booked, on the local clock"
    )
    closed_days: list[ClosedDayOut] = Field(
        ..., description="The center's own closed days from today on (public holidays close it too)"
    )
    results: list[RoomOut]


class BookingIn(Schema):
    group: str = Field(..., max_length=100, description='Who meets, e.g. "XX小区党支部" or "舞蹈队"')
    purpose: str = Field(..., max_length=300)
    attendees: Annotated[int, Field(ge=1, le=10_000), NOT_BOOL]
    starts_at: Moment
    ends_at: Moment


class BookingOut(Schema):
    id: int
    room: int
    group: str
    purpose: str
    attendees: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: BookingStatus
    requested_by: int = Field(..., description="The person who asked (a person id)")
    decided_at: dt.datetime | None
    reason: str = Field(..., description="Why it was declined (or cancelled)")


class TakenOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime


class RoomBookingsOut(Schema):
    room: int
    taken: list[TakenOut] = Field(..., description="The times approved bookings hold the room")
    bookings: list[BookingOut] | None = Field(
        None, description="The center's staff only: every booking, whatever its status"
    )


class DeclineIn(Schema):
    reason: str = Field(..., max_length=300, description="Told to the requester")


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


def _wall_clock(value: dt.time) -> dt.time:
    # Opening hours are read on the deployment's clock: an offset would have to be guessed away.
    if value.tzinfo is not None:
        raise PydanticCustomError("time", "Give a time on the local clock, without an offset")
    return value


LocalTime = Annotated[dt.time, AfterValidator(_wall_clock), Field(description="HH:MM on the local clock")]


class StretchIn(Schema):
    weekday: Annotated[int, Field(ge=0, le=6, description="Monday 0 to Sunday 6"), NOT_BOOL]
    opens: LocalTime
    closes: LocalTime


class HoursIn(Schema):
    hours: list[StretchIn] = Field(
        ..., max_length=50, description="Every stretch of the week; a day left out is closed"
    )


class HoursOut(Schema):
    center: int
    hours: list[StretchOut]


class ClosedDayIn(Schema):
    day: Day
    reason: str = Field("", max_length=200)


class ClosedDayCreatedOut(ClosedDayOut):
    id: int
    center: int
