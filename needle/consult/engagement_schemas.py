"""The API schemas of the engagement that `schemas` does not hold: what a person follows, the
experts (candidates, invitations, opinions), and a topic opened from a hot topic."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from needle.consult.models import Participants
from needle.core.schemas import NOT_BOOL, Code, Id


class MyFollowOut(Schema):
    id: int
    topic: int | None
    suggestion: int | None
    title: str = Field(..., description="The topic's or the suggestion's title")
    cadence: str


class CandidateOut(Schema):
    id: int
    name: str
    invited: bool


class ExpertInviteIn(Schema):
    person: Id
    skill: Code = Field(..., description="The skill's code, as listed at check-in")


class ExpertInviteOut(Schema):
    id: int
    topic: int
    person: int
    name: str
    skill: str
    opinion: str
    given_at: dt.datetime | None


class OpinionIn(Schema):
    text: str = Field(..., max_length=4000)


class OpinionOut(Schema):
    id: int
    name: str
    skill: str
    opinion: str
    given_at: dt.datetime


class FromHotTopicIn(Schema):
    hot_topic: Id
    title: str = Field("", max_length=150, description="Default: the hot topic's title")
    question: str = Field("", max_length=4000, description="Default: asking for suggestions")
    background: str = Field("", max_length=4000, description="Default: its size and keywords")
    days: Annotated[int, NOT_BOOL] = Field(14, ge=1, le=366, description="Open from today for this many days")
    participants: Participants = Participants.RESIDENTS
