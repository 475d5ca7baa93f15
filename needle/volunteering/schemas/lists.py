"""The lists' API shapes: needs, projects with shifts, claims, ratings (Vol… names: unique in
the project's OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from needle.core.schemas import NOT_BOOL, Code, Day, Flag, Id, Moment

Slots = Annotated[int, Field(ge=1, le=500), NOT_BOOL]
People = Annotated[int, Field(ge=1, le=1000), NOT_BOOL]
Stars = Annotated[int, Field(ge=1, le=5), NOT_BOOL]
Weeks = Annotated[int, Field(ge=1, le=52), NOT_BOOL]
SkillCode = Annotated[str, Field(max_length=40)]


class VolNeedIn(Schema):
    community: Code | None = Field(None, description="The community's area code (or give `case`)")
    case: str | None = Field(
        None, max_length=20, description="Made from this resident's request (its number)"
    )
    title: str = Field("", max_length=150, description="Required unless made from a request")
    description: str = Field("", max_length=4000)
    category: str = Field("other", max_length=20)
    place: str = Field("", max_length=200)
    people_needed: People = 1
    skills: list[SkillCode] = Field([], max_length=20, description="Skill codes")
    starts_on: Day | None = Field(None, description="Default: today")
    ends_on: Day | None = None
    urgency: str = Field("normal", max_length=10)
    grid: Code | None = Field(None, description="A grid of the community (its area code)")


class VolNeedOut(Schema):
    id: int
    community: str
    grid: str | None
    title: str
    description: str
    category: str
    place: str
    people_needed: int
    skills: list[str]
    starts_on: dt.date
    ends_on: dt.date | None
    urgency: str
    status: str
    case: str | None = Field(None, description="The linked request's number (staff only)")
    met_note: str


class VolNeedMetOut(VolNeedOut):
    case_resolved: bool
    case_note: str


class VolNeedListOut(Schema):
    items: list[VolNeedOut]


class VolMeetIn(Schema):
    note: str = Field("", max_length=300)
    resolve_case: Flag = False


class VolNoteIn(Schema):
    note: str = Field("", max_length=300)


class VolShiftIn(Schema):
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    due_on: Day | None = Field(None, description="A flexible project's task: done by this day")
    slots: Slots = 1
    place: str = Field("", max_length=200)
    skills: list[SkillCode] = Field([], max_length=20)


class VolProjectIn(Schema):
    community: Code
    title: str = Field(..., max_length=150)
    description: str = Field("", max_length=4000)
    kind: str = Field("one_off", max_length=20, description="one_off, recurring or flexible")
    category: str = Field("other", max_length=20)
    need_ids: list[Id] = Field([], max_length=50)
    shifts: list[VolShiftIn] = Field([], max_length=200)
    weeks: Weeks = Field(1, description="A recurring project: its shifts repeat weekly this many weeks")


class VolShiftOut(Schema):
    id: int
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    due_on: dt.date | None
    place: str
    slots: int
    filled: int
    free: int
    cancelled: bool
    skills: list[str]


class VolProjectOut(Schema):
    id: int
    community: str
    title: str
    description: str
    kind: str
    category: str
    status: str
    need_ids: list[int]
    rating_count: int
    rating_average: float | None
    shifts: list[VolShiftOut]


class VolProjectListOut(Schema):
    items: list[VolProjectOut]


class VolClaimOut(Schema):
    id: int
    shift: int
    person: int | None
    unit: str | None
    status: str
    reason: str


class VolReasonIn(Schema):
    reason: str = Field("", max_length=300)


class VolDispatchIn(Schema):
    person: Id | None = None
    unit: Code | None = None
    note: str = Field("", max_length=300)


class VolRatingIn(Schema):
    rating: Stars
    comment: str = Field("", max_length=4000)


class VolRatingOut(Schema):
    project: int
    rating: int
    comment: str
    rating_count: int
    rating_average: float | None
