"""The visits API's bodies and answers (names prefixed Care..., unique in the API document)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Id, Moment


class CareVisitIn(Schema):
    id: uuid.UUID = Field(description="Made on the device; the same id again is a repeat or a conflict")
    recipient: Id
    kind: str = Field(description="home | phone | video", max_length=10)
    visited_at: Moment
    notes: str = ""
    needs: str = ""
    checklist: dict[str, Any] = Field(
        default_factory=dict, description='{topic: {"ok": true|false|null, "note": "..."}}'
    )
    companions: str = ""


class CareVisitOut(Schema):
    id: uuid.UUID
    recipient: int
    kind: str
    visited_at: dt.datetime
    by: int | None
    companions: str
    checklist: dict[str, Any]
    notes: str
    needs: str
    digest: str
    due_on: dt.date | None
    on_time: bool | None
    photos: int


class CareVisitsSyncIn(Schema):
    # Each visit is read on its own, so that one malformed visit is that visit's error.
    visits: list[Any] = Field(description="Up to 500 visits, each as in POST /visits")


class CareSyncResultOut(Schema):
    id: str
    status: str = Field(description="stored | repeat | conflict | error")
    message: str = ""
    fields: dict[str, str] = {}
    conflicts: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='field -> {"server": value, "device": value}'
    )
    digest: str = ""


class CareVisitsSyncOut(Schema):
    results: list[CareSyncResultOut]


class CareVisitResolveIn(Schema):
    choices: dict[str, Any] = Field(description="field -> the value to keep")
    seen: str = Field("", description="The server's digest the choice was made against", max_length=64)


class CarePhotoOut(Schema):
    id: int
    visit: uuid.UUID
    url: str


class CareHouseholdOut(Schema):
    id: int
    name: str
    address: str
    phone: str
    categories: list[str]
    risk: str
    topics: list[str]
    state: str = Field(description="overdue | never | due | ok")
    days_overdue: int
    next_visit_due: dt.date | None
    next_call_due: dt.date | None
    last_visit_on: dt.date | None
    guardian: str
    guardian_phone: str
    sensitive: dict[str, str]


class CareHouseholdsOut(Schema):
    items: list[CareHouseholdOut]
