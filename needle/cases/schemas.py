from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from needle.core.schemas import NOT_BOOL, Code, Flag, Id


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
    suspendable: bool = Field(description="Whether its cases may be put on hold, the deadline clock stopped")
    public: bool
    attributes: list[AttributeOut]


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    services: list[ServiceOut]


class CategoryRefOut(Schema):
    code: str
    name: str
    name_en: str


class ServiceFoundOut(ServiceOut):
    """A service the catalog's search found, with its category; `score` orders the list."""

    category: CategoryRefOut
    score: float


class CaseIn(Schema):
    service_code: str = Field(..., max_length=40)
    description: str = Field(..., max_length=4000)
    title: str = Field("", max_length=200)
    area_code: str | None = Field(None, max_length=20)
    lat: float | None = None
    lng: float | None = None
    address: str = Field("", max_length=300)
    attributes: dict[str, Any] = {}
    contact_name: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=20)
    contact_email: str = Field("", max_length=254)
    show_name: Flag = Field(
        False, description="Show the contact name with the request on the public list (off unless asked)."
    )
    consent: Flag = True
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
    show_name: bool = Field(description="The resident chose to show their name on the public list.")
    public: bool = Field(
        description="On the public list: marked public, of a public service and not rejected."
    )
    submitted_at: dt.datetime
    accept_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    suspended_at: dt.datetime | None = Field(description="On hold since (the deadline clock is stopped)")
    paused_seconds: int = Field(description="Time on hold so far, in seconds (added to the resolve deadline)")
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
    note: str = Field(
        description="What the entry says in the caller's language: the system's words, then a person's"
    )
    code: str = Field(description="What the system said, as a code ('' when only a person wrote)")
    params: dict[str, Any] = Field(description="The code's parameters")
    public: bool


class Versioned(Schema):
    version: Id | None = Field(None, description="the version you saw; a different current version is a 409")


# The bounds of the pages' forms: a short note (dispatch, call-in, assist: kept with the unit),
# a note or reason, and a report of work done (a case's progress note, a resolution).
SHORT_NOTE = 500
NOTE = 2000
REPORT = 4000


class DispatchIn(Versioned):
    unit_id: Id
    note: str = Field("", max_length=SHORT_NOTE)


class DispatchManyIn(Schema):
    numbers: list[Code] = Field(..., min_length=1, max_length=100, description="the cases' numbers")
    unit_id: Id
    note: str = Field("", max_length=SHORT_NOTE)


class DispatchedOut(Schema):
    number: str
    state: str
    lead_unit_id: int | None
    version: int


class RefusedOut(Schema):
    number: str
    status: int = Field(description="the HTTP status a single dispatch of this case would answer")
    code: str
    message: str


class DispatchManyOut(Schema):
    dispatched: list[DispatchedOut]
    refused: list[RefusedOut] = Field(description="the cases that did not go, each with why; the others went")


class ReasonIn(Versioned):
    reason: str = Field(..., max_length=NOTE)


class NoteIn(Versioned):
    note: str = Field("", max_length=NOTE)


class ResolveIn(Versioned):
    note: str = Field(..., max_length=REPORT)
    photos: list[str] = []


class CallbackIn(Versioned):
    solved: Flag
    rating: Annotated[int, Field(ge=1, le=5), NOT_BOOL] | None = None
    comment: str = Field("", max_length=NOTE)
    tracking_token: str | None = Field(None, max_length=64)


class MergeIn(Versioned):
    parent: str = Field(..., max_length=20)


class UrgeIn(Schema):
    note: str = Field("", max_length=NOTE)
    supervise: Flag = False


class WhistleIn(Schema):
    unit_ids: list[Id] = Field(..., min_length=1, max_length=20)
    hours: Annotated[int, Field(ge=1, le=720), NOT_BOOL] = 24
    note: str = Field("", max_length=SHORT_NOTE)


class AssistIn(Schema):
    unit_id: Id
    note: str = Field("", max_length=SHORT_NOTE)


class ProgressNoteIn(Schema):
    note: str = Field(..., max_length=REPORT)
    public: Flag = False


class HideIn(Schema):
    public_description: str = Field(..., max_length=REPORT)


class AnswerIn(Versioned):
    answer: str = Field(..., max_length=REPORT)


class WithdrawIn(Versioned):
    reason: str = Field("", max_length=NOTE)
    tracking_token: str | None = Field(None, max_length=64)


class InfoIn(Schema):
    note: str = Field("", max_length=NOTE)
    photos: list[str] = Field(default=[], description="base64-encoded JPEG/PNG/WebP images, at most 3")
    tracking_token: str | None = Field(None, max_length=64)


class ExtensionIn(Versioned):
    due: dt.datetime = Field(description="The resolve deadline asked for")
    reason: str = Field(..., max_length=NOTE)


class ExtensionDecisionIn(Versioned):
    grant: Flag
    due: dt.datetime | None = Field(
        None, description="When granted: the new deadline (default: the one asked for)"
    )
    note: str = Field("", max_length=NOTE, description="Required when refused: why")


class ExtensionOut(Schema):
    case_number: str
    status: str
    unit: str
    reason: str
    old_due: dt.datetime
    requested_due: dt.datetime
    granted_due: dt.datetime | None
    decided_at: dt.datetime | None
    decision_note: str
    resolve_due_at: dt.datetime | None = Field(description="The case's resolve deadline now")


class CallerIn(Schema):
    phone: str = Field(..., max_length=20)


class CallerCaseOut(Schema):
    number: str
    submitted_at: dt.datetime
    state: str
    service_code: str
    service_name: str
    title: str
    contact_name: str


class PublicIn(Versioned):
    public: Flag = Field(description="true: on the public list; false: off it")


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


class GridIn(Versioned):
    grid: str = Field(..., max_length=40, description="the code of a grid of the case's community")
