"""The check-ins' API shapes: one In and one Out per operation, named `Vol...` so that every
name is unique in the project's OpenAPI document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Code, Flag, Id

Weekday = Annotated[int, Field(ge=1, le=7, strict=True)]
Part = Literal["morning", "afternoon", "evening"]
SkillWord = Annotated[str, Field(max_length=60)]


class VolSlotIn(Schema):
    weekday: Weekday
    part: Part


class VolSlotOut(Schema):
    weekday: int
    part: str


class VolCheckInIn(Schema):
    community: Code
    skills: list[SkillWord] = Field(default=[], max_length=50)
    skills_text: str = Field(default="", max_length=1000)
    availability: list[VolSlotIn] = Field(default=[], max_length=21)
    service_kinds: list[Code] = Field(default=[], max_length=20)
    phone_visible: Flag = False
    workplace: Code | None = None
    grid: Code | None = None
    outside_reason: str = Field(default="", max_length=300)


class VolCheckInOut(Schema):
    id: int
    status: str
    person: str
    community: str
    community_name: str
    grid: str | None
    workplace: str
    skills: list[str]
    skills_text: str
    availability: list[VolSlotOut]
    service_kinds: list[str]
    phone: str
    phone_visible: bool
    outside_reason: str
    note: str
    confirmed_at: dt.datetime | None
    ended_at: dt.datetime | None
    moved_to: int | None


class VolCheckInListOut(Schema):
    items: list[VolCheckInOut]


class VolNoteIn(Schema):
    note: str = Field(max_length=300)


class VolResubmitIn(Schema):
    skills: list[SkillWord] | None = Field(default=None, max_length=50)
    skills_text: str | None = Field(default=None, max_length=1000)
    availability: list[VolSlotIn] | None = Field(default=None, max_length=21)
    service_kinds: list[Code] | None = Field(default=None, max_length=20)
    phone_visible: Flag | None = None
    grid: Code | None = None
    outside_reason: str | None = Field(default=None, max_length=300)


class VolMoveIn(Schema):
    community: Code
    grid: Code | None = None
    outside_reason: str = Field(default="", max_length=300)


class VolPledgeIn(Schema):
    kind: Code
    description: str = Field(max_length=300)
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    measure: str = Field(default="", max_length=30)


class VolPledgeOut(Schema):
    kind: str
    description: str
    quantity: Decimal
    measure: str


class VolPairingIn(Schema):
    unit: Code
    community: Code
    year: Annotated[int, Field(ge=2000, le=2100, strict=True)]
    commitments: list[VolPledgeIn] = Field(max_length=30)


class VolPairingResubmitIn(Schema):
    commitments: list[VolPledgeIn] | None = Field(default=None, max_length=30)


class VolPairingOut(Schema):
    id: int
    unit: str
    unit_name: str
    community: str
    year: int
    status: str
    note: str
    commitments: list[VolPledgeOut]


class VolPairingListOut(Schema):
    items: list[VolPairingOut]


class VolCommitmentIn(Schema):
    year: Annotated[int, Field(ge=2000, le=2100, strict=True)]
    text: str = Field(max_length=500)
    public: Flag = False


class VolCommitmentReviewIn(Schema):
    review: Literal["kept", "partly", "not_kept"]
    note: str = Field(default="", max_length=300)


class VolCommitmentOut(Schema):
    id: int
    community: str
    year: int
    text: str
    public: bool
    review: str
    review_note: str


class VolMemberResourceOut(Schema):
    checkin: int
    name: str
    phone: str
    community: str
    grid: str | None
    skills: list[str]
    availability: list[VolSlotOut]
    service_kinds: list[str]


class VolResourcesOut(Schema):
    area: str
    members: list[VolMemberResourceOut]
    pairings: list[VolPairingOut]
    capped: bool


class VolRosterOut(Schema):
    imported: int
    checkins: list[Id]
