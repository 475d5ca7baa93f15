"""The hours API's bodies and answers (names prefixed Vol..., unique in the API document)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from needle.core.schemas import Code, Day, Id


class VolHoursIn(Schema):
    date: Day
    hours: Decimal
    description: str
    kind: str = ""
    shift: Id | None = None
    evidence_note: str = ""


class VolHoursRejectIn(Schema):
    reason: str


class VolHoursCorrectIn(Schema):
    hours: Decimal
    reason: str


class VolShiftHoursIn(Schema):
    hours: Decimal
    description: str


class VolHourEntryOut(Schema):
    id: int
    person: int
    community: str
    date: dt.date
    hours: float
    description: str
    kind: str
    status: str
    points: float
    reverses: int | None
    reason: str


class VolHourEntriesOut(Schema):
    items: list[VolHourEntryOut]


class VolCardEntryOut(Schema):
    id: int
    date: dt.date
    community: str
    description: str
    hours: float
    points: float
    late: bool


class VolCardSignoffOut(Schema):
    community: str
    signed_at: dt.datetime
    hours: float


class VolCardOut(Schema):
    person: int
    quarter: str
    verified_hours: float
    points: float
    entries: list[VolCardEntryOut]
    signoffs: list[VolCardSignoffOut]


class VolCardSignoffIn(Schema):
    quarter: str
    community: Code


class VolPointsOut(Schema):
    balance: float
    history: list[VolHourEntryOut]


class VolTargetIn(Schema):
    quarter_hours: Decimal
    year_hours: Decimal


class VolTargetOut(Schema):
    community: str
    quarter_hours: float
    year_hours: float


class VolProgressOut(Schema):
    person: int
    name: str
    quarter_hours: float
    year_hours: float
    quarter_target: float
    year_target: float
    quarter_met: bool
    year_met: bool


class VolProgressListOut(Schema):
    quarter: str
    items: list[VolProgressOut]
