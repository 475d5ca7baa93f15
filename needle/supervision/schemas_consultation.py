"""The consultation API's bodies and answers (names prefixed SupConsultation..., unique in the API
document). Text fields carry no length here: the services refuse an over-long one naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from needle.core.schemas import Day, Id
from needle.supervision.schemas import TARGETS


class SupConsultationIn(Schema):
    issuer: Id
    title: str
    body: str = Field(description="The draft the units are asked about")
    deadline: Day = Field(description="The last day answers are taken")
    targets: list[Any] = Field(description=TARGETS, max_length=1000)


class SupConsultationCreatedOut(Schema):
    id: int
    targets_count: int


class SupConsultationReplyIn(Schema):
    stance: str = Field(description="agree | agree_with_changes | disagree")
    text: str = Field("", description="The changes asked or the objection; required unless agree")
    unit: Id | None = Field(None, description="The unit answering, when you work in several of those asked")


class SupConsultationReplyOut(Schema):
    id: int
    unit: int
    unit_name: str
    stance: str
    text: str
    answered_at: dt.datetime | None


class SupConsultationCountsOut(Schema):
    agree: int
    agree_with_changes: int
    disagree: int
    waiting: int


class SupConsultationOut(Schema):
    id: int
    issuer: int
    issuer_name: str
    title: str
    body: str
    deadline: dt.date
    state: str
    overdue: bool
    targets_count: int
    task: int | None
    all_replies: bool = Field(description="Whether every unit's answer is shown, or only your units'")
    counts: SupConsultationCountsOut
    replies: list[SupConsultationReplyOut]
    waiting: list[SupConsultationReplyOut] = Field(description="The units that have not answered")


class SupConsultationLineOut(Schema):
    id: int
    issuer: int
    issuer_name: str
    title: str
    deadline: dt.date
    state: str
    overdue: bool
    targets_count: int
    unit: int | None = Field(None, description="In the inbox: the unit of yours that is asked")
    counts: SupConsultationCountsOut | None = Field(None, description="In the issued list")


class SupConsultationListOut(Schema):
    results: list[SupConsultationLineOut]


class SupConsultationTaskIn(Schema):
    deadline: Day
    task_type: str = "general"
    targets: list[Any] | None = Field(
        None, description="By default the units asked. " + TARGETS, max_length=1000
    )


class SupConsultationTaskOut(Schema):
    id: int
    targets_count: int
    deadline: dt.date
