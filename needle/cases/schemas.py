from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class AttributeOut(Schema):
    code: str
    datatype: str
    required: bool
    description: str
    values: list[dict[str, Any]]


class ServiceOut(Schema):
    code: str
    name: str
    name_en: str
    deadline_class: str
    accept_hours: int
    resolve_hours: int
    public: bool
    attributes: list[AttributeOut]


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    services: list[ServiceOut]


class CaseIn(Schema):
    service_code: str
    description: str = Field(..., max_length=4000)
    title: str = ""
    area_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    attributes: dict[str, Any] = {}
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    hide_name: bool = False
    consent: bool = True
    photos: list[str] = Field(default=[], description="base64-encoded JPEG/PNG/WebP images, at most 3")


class CaseOut(Schema):
    number: str
    service_code: str
    service_name: str
    state: str
    colour: str
    area_code: str
    area_name: str
    lead_unit_id: int | None
    lead_unit_name: str | None
    title: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    attributes: dict[str, Any]
    channel: str
    contact_name: str
    contact_phone: str
    submitted_at: dt.datetime
    accept_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopen_count: int
    repeat_count: int
    repeat_of: str | None
    merged_into: str | None
    version: int
    tracking_url: str | None


class CasePageOut(Schema):
    count: int | None = Field(
        description="Matching cases, counted up to 1,000 (250 with `search`); past that "
        "`count_exact` is false and the list holds more. Null when asked with `count=false`."
    )
    count_exact: bool
    page: int
    page_size: int
    next_after: str = Field(
        description="Pass as `after` (with `page` one higher) for the next page, which then starts "
        "from this position instead of counting off the rows before it; empty on the last page."
    )
    results: list[CaseOut]


class EventOut(Schema):
    at: dt.datetime
    kind: str
    from_state: str
    to_state: str
    actor: str | None
    unit: str | None
    note: str
    public: bool


class Versioned(Schema):
    version: int | None = Field(None, description="the version you saw; a different current version is a 409")


class DispatchIn(Versioned):
    unit_id: int
    note: str = ""


class ReasonIn(Versioned):
    reason: str


class NoteIn(Versioned):
    note: str = ""


class ResolveIn(Versioned):
    note: str
    photos: list[str] = []


class CallbackIn(Versioned):
    solved: bool
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = ""
    tracking_token: str | None = None


class MergeIn(Versioned):
    parent: str


class UrgeIn(Schema):
    note: str = ""
    supervise: bool = False


class WhistleIn(Schema):
    unit_ids: list[int]
    hours: int = 24
    note: str = ""


class AssistIn(Schema):
    unit_id: int
    note: str = ""


class ProgressNoteIn(Schema):
    note: str
    public: bool = False


class HideIn(Schema):
    public_description: str


class RatesOut(Schema):
    start: dt.date
    end: dt.date
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    response_due: int
    responded_on_time: int
    callbacks: int
    solved: int
    rated: int
    satisfied: int
    resolved: int
    resolved_on_time: int
    received: int
