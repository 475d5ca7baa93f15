from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class NotificationOut(Schema):
    id: int
    verb: str = Field(description="the message's code, e.g. case.resolved")
    text: str = Field(description="the message in the language of the request (Accept-Language)")
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[NotificationOut]


class MarkedOut(Schema):
    marked: int


class PreferenceOut(Schema):
    channel: str = Field(description="in_app, email, sms or wechat")
    cadence: str = Field(description="immediately or daily")
    quiet_start: dt.time | None = Field(description="local time (the deployment's zone)")
    quiet_end: dt.time | None
    wechat_linked: bool


class PreferenceIn(Schema):
    channel: str = Field(..., max_length=10, description="in_app, email, sms or wechat")
    cadence: str = Field("immediately", max_length=12, description="immediately or daily")
    quiet_start: dt.time | None = Field(None, description="HH:MM local; with quiet_end, or neither")
    quiet_end: dt.time | None = None
    wechat_openid: str | None = Field(
        None, max_length=64, description="set by a WeChat integration acting with the person's token"
    )
