"""/api/v1/intel: what the classifier says, likely duplicates, corrections, hot topics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from needle.cases import selectors as case_selectors
from needle.cases import services as case_services
from needle.core import throttle
from needle.core.errors import ValidationFailed, or_not_found
from needle.core.schemas import ERRORS, NOT_BOOL, Code, Day, ErrorOut, Id
from needle.intel import selectors, services
from needle.orgs.selectors import access_unit

router = Router(tags=["intel"])


class ServiceGuessOut(Schema):
    service_code: str
    service_name: str
    confidence: float


class SimilarOut(Schema):
    number: str
    state: str
    title: str
    area_name: str
    submitted_at: dt.datetime
    score: float
    text_score: float
    metres: float | None


class SuggestOut(Schema):
    services: list[ServiceGuessOut]
    similar: list[SimilarOut]


class SuggestionOut(Schema):
    number: str
    services: list[ServiceGuessOut]
    unit_id: int | None
    unit_name: str | None
    unit_confidence: float | None
    unit_support: int
    auto_routed: bool
    model_version: str


class ReclassifyIn(Schema):
    service_code: str = Field(..., max_length=40)
    version: Id | None = None


class HotTopicOut(Schema):
    id: int
    title: str
    heat: float
    size: int
    reporters: int
    growth: float
    keywords: list[str]
    trend: list[int]
    start: dt.datetime
    end: dt.datetime
    area_code: str
    area_name: str
    status: str
    task_number: str | None
    case_numbers: list[str]


class TaskIn(Schema):
    unit_id: Id
    due: Day
    note: str = Field("", max_length=1000)


class TaskOut(Schema):
    number: str
    unit_id: int
    resolve_due_at: dt.datetime


def _guesses(items: list[selectors.ServiceGuess]) -> list[ServiceGuessOut]:
    return [
        ServiceGuessOut(
            service_code=g.service.code if g.service else g.label,
            service_name=g.service.label if g.service else g.label,
            confidence=round(g.confidence, 4),
        )
        for g in items
    ]


@router.get(
    "/suggest",
    response={200: SuggestOut, **ERRORS, 429: ErrorOut},
    auth=None,
    summary="Services and duplicates for a text",
)
def suggest(
    request: HttpRequest,
    text: Annotated[str, Field(max_length=4000)],
    service_code: Code | None = None,
    area: Code | None = None,
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None,
    long: Annotated[float, Field(ge=-180, le=180)] | None = None,
) -> Any:
    """What a half-written request reads like (top 3 services with confidence) and recent
    public requests nearby that look like the same matter. At most INTEL_SUGGEST_PER_MINUTE
    calls a minute per client (429 after that)."""
    throttle.spend(request, "intel.suggest", settings.INTEL_SUGGEST_PER_MINUTE)
    found = selectors.suggest_for(
        actor=request.user,
        text=text,
        service_code=service_code or "",
        area_code=area or "",
        lat=lat,
        lng=long,
    )
    return {
        "services": _guesses(found.services),
        "similar": [SimilarOut(**{k: getattr(s, k) for k in SimilarOut.model_fields}) for s in found.similar],
    }


@router.get(
    "/cases/{number}/suggestion", response={200: SuggestionOut, **ERRORS}, summary="What the classifier said"
)
def suggestion(request: HttpRequest, number: Code) -> Any:
    case = case_selectors.access_case(actor=request.user, number=number)
    found = selectors.suggestion_for(case=case)
    if found is None:
        return SuggestionOut(
            number=case.number,
            services=[],
            unit_id=None,
            unit_name=None,
            unit_confidence=None,
            unit_support=0,
            auto_routed=False,
            model_version="",
        )
    return SuggestionOut(
        number=case.number,
        services=_guesses(found.services),
        unit_id=found.unit.pk if found.unit else None,
        unit_name=found.unit.name if found.unit else None,
        unit_confidence=found.unit_confidence,
        unit_support=found.unit_support,
        auto_routed=found.auto_routed,
        model_version=found.version,
    )


@router.post(
    "/cases/{number}/reclassify", response={200: SuggestionOut, **ERRORS}, summary="Correct the service"
)
def reclassify(request: HttpRequest, number: Code, payload: ReclassifyIn) -> Any:
    case = case_selectors.access_case(actor=request.user, number=number)
    service = case_selectors.service_get(code=payload.service_code)
    case_services.case_reclassify(actor=request.user, case=case, service=service, version=payload.version)
    return suggestion(request, number)


class FollowOut(Schema):
    number: str
    state: str
    followers: int


@router.post("/cases/{number}/follow", response={200: FollowOut, **ERRORS}, summary="Follow a public case")
def follow(request: HttpRequest, number: Code) -> Any:
    """Follow an existing public request instead of filing the same matter again."""
    case = or_not_found(case_selectors.public_cases().filter(number=number).first())
    case = case_services.case_follow(actor=request.user, case=case)
    return FollowOut(number=case.number, state=case.state, followers=case.followers.count())


def _topic_out(topic: Any) -> HotTopicOut:
    return HotTopicOut(
        id=topic.pk,
        title=topic.title,
        heat=topic.heat,
        size=topic.size,
        reporters=topic.reporters,
        growth=topic.growth,
        keywords=topic.keywords,
        trend=topic.trend,
        start=topic.start,
        end=topic.end,
        area_code=topic.area.code,
        area_name=topic.area.name,
        status=topic.status,
        task_number=topic.task.number if topic.task else None,
        case_numbers=list(topic.cases.order_by("submitted_at").values_list("number", flat=True)[:200]),
    )


@router.get(
    "/hotspots", response={200: list[HotTopicOut], **ERRORS}, summary="Hot topics in the caller's areas"
)
def hotspots(
    request: HttpRequest,
    status: Literal["open", "tasked", "dismissed"] = "open",
    limit: Annotated[int, Field(ge=1, le=100), NOT_BOOL] = 20,
) -> Any:
    if status not in ("open", "tasked", "dismissed"):
        raise ValidationFailed(fields={"status": _("One of open, tasked, dismissed.")})
    if not 1 <= limit <= 100:
        raise ValidationFailed(fields={"limit": _("Between 1 and 100.")})
    return [_topic_out(t) for t in selectors.hot_topics_for(actor=request.user, status=status)[:limit]]


@router.post(
    "/hotspots/{topic_id}/task", response={201: TaskOut, **ERRORS}, summary="Turn a hot topic into a task"
)
def task(request: HttpRequest, topic_id: Id, payload: TaskIn) -> Any:
    topic = selectors.access_hot_topic(actor=request.user, pk=topic_id)
    unit = access_unit(actor=request.user, unit_id=payload.unit_id)
    due = timezone.make_aware(dt.datetime.combine(payload.due, dt.time(18, 0)))
    case = services.hot_topic_task(
        actor=request.user, topic=topic, unit=unit, resolve_by=due, note=payload.note
    )
    return 201, TaskOut(number=case.number, unit_id=unit.pk, resolve_due_at=due)
