"""Reads of the request intelligence: suggestions for a text, likely duplicates, hot topics."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.geometry import metres_between
from needle.areas.models import Area, subtree_q
from needle.areas.selectors import area_at, area_get
from needle.cases import presenters
from needle.cases import selectors as case_selectors
from needle.cases.catalog import active_service
from needle.cases.models import Case, Service, State
from needle.core.errors import NotFound, ValidationFailed
from needle.core.i18n import bilingual
from needle.intel.classifier import active_version, case_text, load_model, unit_guess
from needle.intel.models import HotTopic, ModelVersion, Suggestion
from needle.orgs.models import Unit
from needle.orgs.permissions import area_scope_q, can_in_area, has_perm_anywhere

SIMILAR_WINDOW = dt.timedelta(days=60)
SIMILAR_CANDIDATES = 400
SIMILAR_RADIUS_M = 1000.0
NEAR_DEGREES = 0.01  # about 1.1 km of latitude: the box that pins are compared in
_LATIN = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]+")


# What the classifier says ------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceGuess:
    service: Service | None
    label: str
    confidence: float


def text_guesses(*, text: str, k: int = 3) -> list[tuple[str, float]]:
    """The active model's top `k` labels for a text, with their confidence; none without a
    model or for a text under four characters. The catalog's service search reads it too
    (settings.NEEDLE_SERVICE_GUESSER)."""
    if len(text.strip()) < 4:
        return []
    version = active_version()
    if version is None:
        return []
    try:
        return load_model(version).top(text, k=k)
    except Exception:
        return []


def service_guesses(*, text: str, k: int = 3, public_only: bool = True) -> list[ServiceGuess]:
    """The active model's top `k` services for a text. Labels that are not service codes (a
    model trained on a labelled file) are shown as they are, with no service to pick."""
    top = text_guesses(text=text, k=k)
    if not top:
        return []
    by_code = {
        s.code: s
        for s in Service.objects.filter(code__in=[label for label, _p in top]).select_related("category")
    }
    guesses = []
    for label, p in top:
        service = by_code.get(label)
        if service is not None and (not service.active or (public_only and not service.public)):
            continue
        guesses.append(ServiceGuess(service, service.label if service else label, p))
    return guesses


@dataclass(frozen=True)
class CaseSuggestion:
    services: list[ServiceGuess]
    unit: Unit | None
    unit_confidence: float | None
    unit_support: int
    auto_routed: bool
    version: str


def suggestion_for(*, case: Case) -> CaseSuggestion | None:
    """What the classifier said at intake (or says now, for a case that came before it)."""
    stored = Suggestion.objects.filter(case=case).select_related("unit", "model").first()
    if stored is not None:
        by_code = {s.code: s for s in Service.objects.filter(code__in=[c for c, _p in stored.services])}
        return CaseSuggestion(
            services=[
                ServiceGuess(by_code.get(c), by_code[c].label if c in by_code else c, p)
                for c, p in stored.services
            ],
            unit=stored.unit,
            unit_confidence=stored.unit_confidence,
            unit_support=stored.unit_support,
            auto_routed=stored.auto_routed,
            version=stored.model.version if stored.model else "",
        )
    version = active_version()
    if version is None:
        return None
    guesses = service_guesses(text=case_text(case.title, case.description), public_only=False)
    guess = unit_guess(version.units, case.service.code, case.area_path)
    unit = Unit.objects.filter(pk=guess.unit_id).first() if guess else None
    return CaseSuggestion(
        services=guesses,
        unit=unit,
        unit_confidence=guess.share if guess else None,
        unit_support=guess.support if guess else 0,
        auto_routed=False,
        version=version.version,
    )


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.order_by("-created_at")


# Likely duplicates ---------------------------------------------------------------------------


def _shingles(text: str) -> frozenset[str]:
    """Character pairs of Chinese runs plus Latin words: cheap, and good enough to tell the
    same matter told twice from two different matters."""
    text = text.lower()
    out: set[str] = set(_LATIN.findall(text))
    for run in _CJK.findall(text):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
        if len(run) == 1:
            out.add(run)
    return frozenset(out)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


@dataclass(frozen=True)
class Similar:
    case_id: int
    number: str
    title: str
    text: str
    state: str
    service_id: int
    area_name: str
    submitted_at: dt.datetime
    score: float
    text_score: float
    metres: float | None
    # Shown as staff see it (the asker may open the case page); else as the public list shows it.
    full: bool = False

    @property
    def state_label(self) -> str:
        return str(State(self.state).label)


def _neighbourhood(area: Area) -> str:
    """The community around an area (the area itself at community level or above)."""
    parts = area.path.strip("/").split("/")
    return "/".join(parts[: min(len(parts), 5)]) + "/"


# What a candidate is read with: the public list's fields, and what scoring needs.
_SIMILAR_FIELDS = (
    *case_selectors.PUBLIC_FIELDS,
    "pk", "service_id", "area_path", "full",
)  # fmt: skip


def similar_cases(
    *,
    actor: Any,
    text: str,
    service: Service | None = None,
    area: Area | None = None,
    lat: float | None = None,
    lng: float | None = None,
    exclude: Case | None = None,
    public_only: bool = False,
    limit: int = 5,
    now: dt.datetime | None = None,
) -> list[Similar]:
    """Recent cases nearby that are likely the same matter: same community (or within about
    a kilometre of the pin), same category of service, similar words. Best first.

    Who asks decides what is read: a case the actor may view as staff or as its reporter
    (cases.selectors.case_scope_q) is matched and shown whole; any other case only if it is on
    the public list, matched and shown by the public list's presenter (a moderated case by its
    moderated text). `public_only` (a resident's intake form, the anonymous API) shows every
    case the public way."""
    words = _shingles(text)
    if len(words) < 3 or (area is None and lat is None):
        return []
    now = now or timezone.now()
    place = Q()
    if area is not None:
        place |= subtree_q(_neighbourhood(area), "area_path")
    if lat is not None and lng is not None:
        place |= Q(
            lat__gte=lat - NEAR_DEGREES,
            lat__lte=lat + NEAR_DEGREES,
            lng__gte=lng - 2 * NEAR_DEGREES,
            lng__lte=lng + 2 * NEAR_DEGREES,
        )
    scope = None if public_only else case_selectors.case_scope_q(actor)
    if public_only:
        qs = Case.objects.filter(case_selectors.public_q()).annotate(
            full=Value(False, output_field=BooleanField())
        )
    elif scope is None:  # a superuser
        qs = Case.objects.annotate(full=Value(True, output_field=BooleanField()))
    else:
        qs = Case.objects.filter(scope | case_selectors.public_q()).annotate(
            full=DbCase(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    qs = qs.filter(place, submitted_at__gte=now - SIMILAR_WINDOW).exclude(
        state__in=(State.REJECTED, State.MERGED)
    )
    if service is not None:
        qs = qs.filter(service__category_id=service.category_id)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    rows = qs.order_by("-submitted_at").values(*_SIMILAR_FIELDS)[:SIMILAR_CANDIDATES]
    found: list[Similar] = []
    for row in rows:
        label = bilingual(row["service__name"], row["service__name_en"])
        seen = presenters.public_row(row, label)
        title, body = (row["title"], row["description"]) if row["full"] else (seen.title, seen.text)
        t = _overlap(words, _shingles(case_text(title, body)))
        if t < 0.2:
            continue
        clat, clng = (row["lat"], row["lng"]) if row["full"] else (seen.lat, seen.lng)
        metres = (
            metres_between(lat, lng, clat, clng)
            if lat is not None and lng is not None and clat is not None and clng is not None
            else None
        )
        near = (
            max(0.0, 1 - metres / SIMILAR_RADIUS_M)
            if metres is not None
            else (1.0 if area is not None and row["area_path"] == area.path else 0.5)
        )
        same_service = 1.0 if service is not None and row["service_id"] == service.pk else 0.0
        age = (now - row["submitted_at"]).total_seconds() / SIMILAR_WINDOW.total_seconds()
        score = 0.6 * t + 0.15 * same_service + 0.15 * near + 0.1 * max(0.0, 1 - age)
        if score < 0.35:
            continue
        found.append(
            Similar(
                case_id=row["pk"],
                number=row["number"],
                title=title,
                text=body[:300],
                state=row["state"],
                service_id=row["service_id"],
                area_name=row["area__name"],
                submitted_at=row["submitted_at"],
                score=round(score, 3),
                text_score=round(t, 3),
                metres=round(metres) if metres is not None else None,
                full=row["full"],
            )
        )
    found.sort(key=lambda s: (-s.score, s.number))
    return found[:limit]


# Hot topics ---------------------------------------------------------------------------------


SUGGEST_TEXT = 4000


@dataclass
class Suggestions:
    services: list[ServiceGuess]
    similar: list[Similar]
    staff: bool


def suggest_for(
    *,
    actor: Any,
    text: str,
    service_code: str = "",
    area_code: str = "",
    lat: float | None = None,
    lng: float | None = None,
    staff: bool = False,
    limit: int = 5,
) -> Suggestions:
    """What a half-written request reads like and the recent requests nearby that look like the
    same matter: the one rule for the intake forms and the API. Staff mode (private services,
    cases shown whole within the actor's scope) only for someone who may take requests in;
    the place is the area given, else the pin's area. Unknown codes are refused (NotFound)."""
    if len(text) > SUGGEST_TEXT:
        raise ValidationFailed(fields={"text": _("At most %(n)d characters.") % {"n": SUGGEST_TEXT}})
    if (lat is None) != (lng is None) or (
        lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)
    ):
        raise ValidationFailed(fields={"lat": _("Give both latitude and longitude, within range.")})
    staff = staff and has_perm_anywhere(actor, "cases.intake")
    service = None
    if service_code:
        service = active_service(service_code, public_only=not staff)
        if service is None:
            raise NotFound(_("No service has the code %(code)s.") % {"code": service_code})
    area = area_get(code=area_code) if area_code else None
    if area is None and lat is not None and lng is not None:
        area = area_at(lat=lat, lng=lng)
    similar = similar_cases(
        actor=actor,
        text=text,
        service=service,
        area=area,
        lat=lat,
        lng=lng,
        public_only=not staff,
        limit=limit,
    )
    return Suggestions(
        services=service_guesses(text=text, public_only=not staff), similar=similar, staff=staff
    )


def hot_topics_for(*, actor: Any, status: str | None = HotTopic.Status.OPEN) -> QuerySet[HotTopic]:
    """Hot topics within the actor's areas, hottest first."""
    if not has_perm_anywhere(actor, "intel.view_hotspots"):
        return HotTopic.objects.none()
    scope = area_scope_q(actor, "intel.view_hotspots", field="area_path")
    qs = HotTopic.objects.filter(scope or Q()).select_related("area", "service", "task")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-heat", "pk")


def access_hot_topic(*, actor: Any, pk: int) -> HotTopic:
    topic = HotTopic.objects.select_related("area", "service", "task").filter(pk=pk).first()
    if topic is None or not can_in_area(actor, "intel.view_hotspots", topic.area_path):
        raise NotFound()
    return topic
