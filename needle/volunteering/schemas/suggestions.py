"""The suggestions' schemas."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class VolSuggestionOut(Schema):
    person: int
    name: str
    community: str
    grid: str
    score: int
    reasons: list[str]


class VolSuggestionListOut(Schema):
    items: list[VolSuggestionOut]


class VolFitOut(Schema):
    shift: int
    project: int
    title: str
    community: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    due_on: dt.date | None
    place: str
    free_slots: int
    score: int
    reasons: list[str]


class VolFitListOut(Schema):
    items: list[VolFitOut]
