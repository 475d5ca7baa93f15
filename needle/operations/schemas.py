"""Output of the indicators API. Plain pydantic models, not ninja.Schema: ninja's root
validator (which resolves Django attributes) costs about a millisecond per object, and a
city's answer holds hundreds of them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class FiguresOut(BaseModel):
    received: int
    dispatched: int
    response_due: int
    responded_on_time: int
    resolved: int
    resolved_on_time: int
    callbacks: int
    solved: int
    rated: int
    satisfied: int
    reopened: int
    open: int
    due_soon: int
    overdue: int
    overdue_serious: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None


class NodeOut(BaseModel):
    kind: str
    key: str
    name: str
    figures: FiguresOut


class IndicatorsOut(BaseModel):
    start: dt.date
    end: dt.date
    node: NodeOut
    previous: FiguresOut
    children: list[NodeOut]
    by_service: list[NodeOut]
    units: list[NodeOut]
    refreshed_at: dt.datetime | None


class FigureOut(BaseModel):
    name: str
    label: str
    numerator: list[str]  # the counters summed
    denominator: list[str]  # a ratio's base; empty for a count
    less: list[str]  # counters subtracted from the numerator (a net change)
    counts: str  # what the figure counts ("" when its label says it)


class SourceOut(BaseModel):
    name: str
    label: str
    figures: list[FigureOut]
