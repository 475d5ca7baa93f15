"""The think tank's API schemas: one In/Out pair per operation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from needle.consult.models import Answer, Participants
from needle.core.schemas import NOT_BOOL, Day, Id

Percent = Annotated[int, NOT_BOOL]
Weight = Annotated[int, NOT_BOOL]


class TopicIn(Schema):
    area: str = Field(..., max_length=40, description="The area's code")
    title: str = Field(..., max_length=150)
    question: str = Field(..., max_length=4000)
    background: str = Field("", max_length=4000)
    opens: Day
    closes: Day
    participants: Participants
    unit: Id | None = Field(None, description="The answering unit (default: the opener's unit)")
    answer_days: Annotated[int, NOT_BOOL] | None = Field(
        None, description="Answers due within these working days"
    )
    answer_by: Day | None = Field(None, description="Or by this day")


class TopicOut(Schema):
    id: int
    area: str
    title: str
    question: str
    background: str
    opens: dt.date
    closes: dt.date
    participants: str
    unit: int
    answer_days: int | None
    answer_by: dt.date | None
    open: bool


class TopicPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[TopicOut]


class OnBehalfIn(Schema):
    name: str = Field(..., max_length=100)
    phone: str = Field("", max_length=20)


class SuggestionIn(Schema):
    title: str = Field(..., max_length=150)
    text: str = Field(..., max_length=4000)
    on_behalf: OnBehalfIn | None = Field(
        None, description="Staff: a person without an account, consent noted"
    )


class SuggestionOut(Schema):
    id: int
    topic: int
    title: str
    text: str
    supports: int
    status: str
    answer_text: str
    answer_due: dt.date
    answered_at: dt.datetime | None
    overdue: bool
    hidden: bool
    hidden_reason: str = Field("", description="Only for moderators and auditors")
    supported: bool = Field(False, description="Whether the caller supports it")


class SuggestionPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[SuggestionOut]


class SupportOut(Schema):
    suggestion: int
    supports: int


class AnswerIn(Schema):
    status: Answer
    text: str = Field("", max_length=4000)


class HideIn(Schema):
    reason: str = Field(..., max_length=300)


class ResultIn(Schema):
    area: str = Field(..., max_length=40)
    title: str = Field(..., max_length=150)
    description: str = Field("", max_length=4000)
    suggestions: list[Id] = Field(default_factory=list, max_length=500)


class ActionIn(Schema):
    title: str = Field(..., max_length=150)
    progress: Percent = 0
    weight: Weight = 1
    parent: Id | None = None
    case: str | None = Field(None, max_length=40, description="A request's number: the action follows it")
    project: Id | None = Field(None, description="A volunteering project: the action is done when it closes")
    task: Id | None = Field(
        None, description="A supervised task: comes with the supervision app (422 until then)"
    )
    starts_on: Day | None = None
    ends_on: Day | None = None


class ActionChangeIn(Schema):
    title: str | None = Field(None, max_length=150)
    progress: Percent | None = None
    weight: Weight | None = None
    parent: Id | None = Field(None, description="Move under this action; see `top`")
    top: bool = Field(False, description="Move to the top of the tree")
    starts_on: Day | None = None
    ends_on: Day | None = None


class ActionOut(Schema):
    id: int
    title: str
    parent: int | None
    status: str
    progress: float
    own_progress: int
    weight: int
    case: str | None
    project: int | None
    follows_work: bool = Field(
        ..., description="Its state follows linked work: a request, or a volunteering project"
    )
    starts_on: dt.date | None
    ends_on: dt.date | None
    children: list[int]


class ResultOut(Schema):
    id: int
    area: str
    title: str
    description: str
    progress: float
    status: str
    suggestions: list[int]
    decisions: list[int] = Field(
        default_factory=list, description="The deliberation decisions it carries out"
    )
    actions: list[ActionOut]
    action: int | None = Field(None, description="The action just added (on adding one)")


class CommentIn(Schema):
    text: str = Field(..., max_length=2000)
    reply_to: Id | None = Field(None, description="The comment replied to (replies are one level deep)")


class CommentOut(Schema):
    id: int
    author: str
    text: str
    hidden: bool
    hidden_reason: str
    created_at: dt.datetime
    replies: list[CommentOut] = []


class FollowIn(Schema):
    cadence: str = Field("immediately", max_length=12, description="immediately, daily or weekly")


class FollowOut(Schema):
    id: int
    topic: int | None
    suggestion: int | None
    cadence: str


class ReportIn(Schema):
    reason: str = Field(..., max_length=300)


class ReportOut(Schema):
    id: int
    suggestion: int | None
    comment: int | None
    reason: str
    decision: str
    text: str = Field(..., description="The reported text, for the moderators")


class DecideIn(Schema):
    decision: str = Field(..., max_length=10, description="hidden or kept")
    reason: str = Field("", max_length=300, description="Why it is hidden (default: the report's reason)")
