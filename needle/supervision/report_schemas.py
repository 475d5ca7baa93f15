"""The fill-once reports' API bodies and answers (names prefixed Sup..., unique in the API
document). Text carries no length here: the services refuse an over-long one naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Day, Id
from needle.supervision.schemas import TARGETS


class SupFieldIn(Schema):
    key: str = Field(
        description="Letters, digits, “_”, “-”, “.”: the same key in two templates asks one figure"
    )
    label: str
    kind: str = Field(description="integer | decimal | text | yes_no")
    required: bool = True
    source: str = Field("", description="A rollup source (GET /api/v1/operations/sources), or empty")
    figure: str = Field("", description="One of the source's counters or figures")


class SupTemplateIn(Schema):
    owner: Id
    name: str
    description: str = ""
    fields: list[Any] = Field(description="SupFieldIn objects, in order; at most 200", max_length=200)


class SupFieldOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    source: str
    figure: str


class SupTemplateOut(Schema):
    id: int
    owner: int
    name: str
    description: str
    fields: list[SupFieldOut]


class SupReportIn(Schema):
    issuer: Id
    template: Id
    period_start: Day
    period_end: Day
    title: str
    body: str = ""
    task_type: str = "report"
    priority: str = Field("normal", description="normal | high | urgent")
    deadline: Day | None = Field(None, description="A day from today on; or give working_days")
    working_days: int | None = Field(None, ge=1, le=250, description="Instead of a deadline")
    targets: list[Any] = Field(description=TARGETS, max_length=1000)


class SupReportCreatedOut(Schema):
    id: int
    targets_count: int
    deadline: dt.date


class SupAnswerOut(SupFieldOut):
    value: str
    origin: str = Field(description="prefilled | reused | typed | empty")
    flagged: bool
    editable: bool


class SupReportOut(Schema):
    target: int
    task: int
    unit: int
    unit_name: str
    status: str
    template: int
    period_start: dt.date
    period_end: dt.date
    return_reason: str
    fields: list[SupAnswerOut]


class SupValuesIn(Schema):
    values: dict[str, Any] = Field(description="Field key -> value (a number, text, or true/false)")


class SupReportReturnIn(Schema):
    reason: str
    fields: list[str] = Field(description="The keys of the fields to correct", max_length=200)


class SupTotalOut(Schema):
    area: str
    name: str
    targets: int
    values: list[str | None]


class SupTableRowOut(Schema):
    unit: str
    area: str
    status: str
    values: list[str]
    origins: list[str]


class SupTableOut(Schema):
    task: int
    template: int
    period_start: dt.date
    period_end: dt.date
    fields: list[SupFieldOut]
    rows: list[SupTableRowOut]
    totals: list[SupTotalOut]


class SupFieldCountsOut(Schema):
    prefilled: int
    reused: int
    typed: int
    empty: int


class SupFieldsIssuerOut(SupFieldCountsOut):
    issuer: int
    name: str


class SupFieldsPeriodOut(Schema):
    start: dt.date
    end: dt.date
    totals: SupFieldCountsOut
    by_issuer: list[SupFieldsIssuerOut]


class SupFieldsBurdenOut(Schema):
    area: str
    period: SupFieldsPeriodOut
    year_before: SupFieldsPeriodOut
