"""The API shapes of pairings, the schedule, the dashboard, the ledger and the policies (Care…
names: unique in the project's OpenAPI document)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from needle.core.schemas import NOT_BOOL, Code, Day, Flag, Id

Days = Annotated[int, Field(ge=1, le=366), NOT_BOOL]


class CarePairingIn(Schema):
    recipient: Id
    helper: Id | None = Field(None, description="The helper's account id (or give `unit`)")
    unit: Code | None = Field(None, description="A unit's code, paired as a whole")
    lead: Flag = False
    reason: str = Field("", max_length=300, description="Required for a helper from another district")


class CarePairingOut(Schema):
    id: int
    recipient: int
    helper: int | None
    unit: str | None
    lead: bool
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    reason: str


class CarePairingListOut(Schema):
    items: list[CarePairingOut]


class CareReasonIn(Schema):
    reason: str = Field(..., max_length=200)


class CareScheduleRow(Schema):
    id: int
    name: str
    area: str
    risk: str
    categories: list[str]
    last_visit_on: dt.date | None
    last_call_on: dt.date | None
    next_visit_due: dt.date | None
    next_call_due: dt.date | None
    days_overdue: int


class CareScheduleOut(Schema):
    count: int
    items: list[CareScheduleRow]


class CareHelperRow(Schema):
    helper: int | None
    unit: int | None
    name: str
    recipients: int
    overdue: int
    week: int
    never: int


class CareDashboardOut(Schema):
    area: str
    total: int
    overdue: int
    week: int = Field(..., description="Due within the next seven days")
    never: int = Field(..., description="Never visited")
    needs_helper: int
    by_helper: list[CareHelperRow]


class CareItemIn(Schema):
    recipient: Id
    what: str = Field(..., max_length=300)
    since: Day | None = Field(None, description="Default: today")
    who_acts: str = Field("", max_length=100)
    due_on: Day | None = None
    visit: uuid.UUID | None = Field(None, description="The visit that found it (its device-made id)")


class CareItemOut(Schema):
    id: int
    recipient: int
    what: str
    since: dt.date
    who_acts: str
    due_on: dt.date | None
    status: str = Field(..., description="open, case (became a request) or closed")
    case: str | None = Field(None, description="The request's number")
    case_state: str | None = None
    confirmation: str
    closed_at: dt.datetime | None
    visit: uuid.UUID | None


class CareItemListOut(Schema):
    items: list[CareItemOut]


class CareCloseIn(Schema):
    confirmation: str = Field(..., max_length=300, description="How the household confirmed it is solved")


class CareToCaseIn(Schema):
    service: Code = Field(..., description="The request's service code")
    description: str = Field("", max_length=4000, description="Default: the item's text")
    idempotency_key: str | None = Field(None, max_length=100)


class CareToCaseOut(Schema):
    case: str = Field(..., description="The request's number")
    item: CareItemOut


class CarePolicyIn(Schema):
    area: Code | None = Field(None, description="A district's code; none: the whole deployment")
    risk: str = Field(..., max_length=10)
    category: str = Field("", max_length=20)
    visit_days: Days
    call_days: Days | None = None


class CarePolicyOut(Schema):
    district: str | None
    risk: str
    category: str
    visit_days: int
    call_days: int | None
    default: bool


class CarePolicyListOut(Schema):
    items: list[CarePolicyOut]
