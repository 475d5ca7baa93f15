"""The deliberation API's schemas: one In/Out pair per operation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictInt

from needle.consult.models import SeatKind
from needle.core.schemas import NOT_BOOL, Id, Moment

# A whole number as JSON gives it (not "2", not true), checked for its range by the service,
# so that a negative or huge count is refused with the field named.
VoteCount = Annotated[StrictInt, NOT_BOOL]


class SeatIn(Schema):
    kind: SeatKind
    person: Id | None = Field(None, description="A person with an account")
    record: Id | None = Field(None, description="A person without an account: their shared record")
    unit: Id | None = Field(None, description="A unit (a company, the property company)")
    name: str = Field("", max_length=100, description="A person without an account not yet known")
    phone: str = Field("", max_length=20)


class MeetingIn(Schema):
    area: str = Field(..., max_length=40, description="The area's code")
    title: str = Field(..., max_length=150)
    starts_at: Moment
    place: str = Field(..., max_length=200)
    agenda_text: str = Field("", max_length=4000)
    topics: list[Id] = Field(default_factory=list, max_length=100)
    suggestions: list[Id] = Field(default_factory=list, max_length=200)
    participants: list[SeatIn] = Field(default_factory=list, max_length=200)


class MeetingChangeIn(Schema):
    """Only the fields given change; a list given replaces that part of the agenda."""

    title: str | None = Field(None, max_length=150)
    starts_at: Moment | None = None
    place: str | None = Field(None, max_length=200)
    agenda_text: str | None = Field(None, max_length=4000)
    topics: list[Id] | None = Field(None, max_length=100)
    suggestions: list[Id] | None = Field(None, max_length=200)


class SeatOut(Schema):
    id: int
    kind: str
    name: str
    person: int | None
    record: int | None
    unit: int | None
    attended: bool | None


class DecisionOut(Schema):
    id: int
    title: str
    text: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool
    suggestion: int | None
    results: list[int]


class MeetingLineOut(Schema):
    id: int
    area: str
    title: str
    starts_at: dt.datetime
    place: str
    status: str


class MeetingOut(MeetingLineOut):
    agenda_text: str
    topics: list[int]
    suggestions: list[int]
    participants: list[SeatOut]
    minutes: str
    cancel_reason: str
    decisions: list[DecisionOut]
    moves: list[str] = Field(..., description="The moves its state allows: hold, minute, cancel")


class MeetingPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[MeetingLineOut]


class HoldIn(Schema):
    present: list[Id] = Field(default_factory=list, max_length=200, description="The seats that came")


class MinutesIn(Schema):
    minutes: str = Field(..., max_length=20000)


class CancelIn(Schema):
    reason: str = Field(..., max_length=300)


class DecisionIn(Schema):
    title: str = Field(..., max_length=150)
    text: str = Field(..., max_length=4000)
    votes_for: VoteCount = Field(..., alias="for")
    against: VoteCount
    abstain: VoteCount
    suggestion: Id | None = Field(None, description="The agenda's suggestion it decides on")


class DecisionResultIn(Schema):
    title: str = Field("", max_length=150)
    description: str = Field("", max_length=4000)
