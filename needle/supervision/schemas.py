"""The supervision API's bodies and answers (names prefixed Sup..., unique in the API document).
Text fields carry no length here: the services refuse an over-long one naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Day, Flag, Id

TARGETS = (
    'Unit ids, or {"area": CODE, "unit_type": "street_office|resident_committee|..."}: every active '
    "unit of that type under the area; at most 1000 entries"
)


class SupTaskIn(Schema):
    issuer: Id
    title: str
    body: str = ""
    task_type: str = "general"
    source: str = Field("decision", description="decision | inspection | data_request | instruction")
    priority: str = Field("normal", description="normal | high | urgent")
    deadline: Day | None = Field(None, description="A day from today on; or give working_days")
    working_days: int | None = Field(None, ge=1, le=250, description="Instead of a deadline")
    targets: list[Any] = Field(description=TARGETS, max_length=1000)
    lead_unit: Id | None = Field(None, description="The unit that leads a task shared between departments")
    assisting: list[Id] = Field([], description="The units that assist the lead", max_length=20)
    consult_action: Id | None = Field(None, description="The think tank's result action the task carries out")


class SupTaskCreatedOut(Schema):
    id: int
    targets_count: int
    deadline: dt.date
    hold: str = ""


class SupTaskOut(Schema):
    id: int
    issuer: int
    issuer_name: str
    title: str
    body: str
    task_type: str
    source: str
    priority: str
    issued_on: dt.date
    deadline: dt.date
    targets_count: int
    parent_target: int | None
    lead_unit: int | None = None
    assisting: list[int] = []
    consult_action: int | None = None
    hold: str = ""


class SupTargetOut(Schema):
    id: int
    task: int
    unit: int
    unit_name: str
    signer: int
    status: str
    colour: str
    progress: int
    note: str
    deadline: dt.date
    listed: bool
    extension: str
    extension_until: dt.date | None
    return_reason: str
    split: bool


class SupBoardOut(Schema):
    task: SupTaskOut
    by_status: dict[str, int]
    by_colour: dict[str, int]
    count: int
    page: int
    page_size: int
    results: list[SupTargetOut]


class SupProgressIn(Schema):
    progress: int = Field(description="0 to 100")
    text: str = ""


class SupTextIn(Schema):
    text: str = ""


class SupReasonIn(Schema):
    reason: str = ""


class SupExtensionIn(Schema):
    until: Day
    reason: str


class SupExtensionDecideIn(Schema):
    grant: Flag


class SupSplitIn(Schema):
    targets: list[Any] | None = Field(
        None, description=TARGETS + "; by default every community under the street"
    )
    deadline: Day | None = None


class SupEntryIn(Schema):
    issuer: Id
    district: str = Field(description="The district's code", max_length=20)
    task_type: str
    asks: str
    basis: str
    hours: Decimal = Field(ge=0, le=Decimal("9999.9"), description="Estimated hours per community")
    valid_from: Day
    valid_until: Day


class SupEntryOut(Schema):
    id: int
    district: str
    issuer: int
    issuer_name: str
    task_type: str
    asks: str
    basis: str
    hours: Decimal
    valid_from: dt.date
    valid_until: dt.date
    status: str
    decision_note: str


class SupEntriesOut(Schema):
    district: str
    on: dt.date
    results: list[SupEntryOut]


class SupDecideIn(Schema):
    decision: str = Field(description="admitted | refused | revoked")
    note: str = ""


class SupIssuerLineOut(Schema):
    issuer: int
    name: str
    received: int
    hours: Decimal
    declined: int
    refused: int


class SupPeriodOut(Schema):
    start: dt.date
    end: dt.date
    received: int
    hours: Decimal
    declined: int
    refused: int
    by_issuer: list[SupIssuerLineOut]


class SupBurdenOut(Schema):
    area: str
    period: SupPeriodOut
    year_before: SupPeriodOut


class SupUrgeIn(Schema):
    note: str = ""


class SupHoldIn(Schema):
    approve: bool
    note: str = ""


class SupEvidenceOut(Schema):
    id: int
    target: int
    name: str
    content_type: str
    size: int


class SupAmendIn(Schema):
    asks: str | None = None
    basis: str | None = None
    hours: float | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None
    note: str = ""


class SupImportedOut(Schema):
    imported: int
