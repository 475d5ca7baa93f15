"""Every write of the request intelligence: training and activating classifier versions,
triage of new cases (suggestions and automatic routing), dispatchers' corrections, hot
topics and the tasks made from them.

The classifier reads text (title + description) and says which service a request is; the
routing table, learned from closed cases, says which unit handled that service in that part
of the city. A case is routed without a dispatcher only when no rule routed it, the text
agrees with the resident's service above the model's threshold, and one unit handled nearly
all such cases nearby. Intelligence never loses a request: if a model cannot be read, the
case waits in the queue as it would without one.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area
from needle.cases.models import Case, Service, State
from needle.cases.services import case_open, case_route_auto
from needle.core.audit import audit_record
from needle.core.errors import Conflict, NotFound, ValidationFailed
from needle.core.models import AuditEvent
from needle.intel import textmodel
from needle.intel.classifier import active_version, case_text, load_model, unit_guess
from needle.intel.hotspots import Item, find_hotspots
from needle.intel.models import Correction, HotTopic, ModelVersion, Suggestion
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person, Role, RoleAssignment, Unit
from needle.orgs.permissions import can_in_area, has_perm_anywhere, require, require_authenticated

log = logging.getLogger(__name__)

TRAINED_STATES = (State.CLOSED, State.RESOLVED)
MIN_PER_LABEL = 8  # services with fewer closed cases are left out of training
HOLD_BACK = 0.2  # the newest fifth of the closed cases judges a new model against the old
ROUTING_LEVELS = (3, 4, 5)  # district, street, community: where the routing table counts units


# Triage at intake ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Triage:
    suggestion: Suggestion
    route_to: Unit | None
    # Why it was routed, for the timeline (cases.presenters.EVENT_TEXTS["routed_model"]).
    params: dict[str, Any]


def case_triage(case: Case, *, may_route: bool) -> Triage | None:
    """Classify a new case, store the suggestion, and say whether to route it and where.
    Returns None when no model is active or it cannot be used (the case then simply waits),
    and when the case was triaged before (the intake job may run twice)."""
    version = active_version()
    if version is None or Suggestion.objects.filter(case=case).exists():
        return None
    try:
        model = load_model(version)
        ranked = model.top(case_text(case.title, case.description), k=len(model.labels))
        top, probabilities = ranked[:3], dict(ranked)
    except Exception:  # a broken model file must never cost a resident their request
        log.exception("intel: model %s could not classify case %s", version.version, case.number)
        return None
    chosen = probabilities.get(case.service.code, 0.0)
    guess = unit_guess(version.units, case.service.code, case.area_path)
    unit = None
    if guess is not None:
        unit = Unit.objects.filter(pk=guess.unit_id, dissolved_on__isnull=True).first()
    threshold = settings.INTEL_THRESHOLD or version.threshold
    sure_of_service = bool(top) and top[0][0] == case.service.code and top[0][1] >= threshold
    sure_of_unit = (
        unit is not None
        and guess is not None
        and guess.support >= settings.INTEL_UNIT_SUPPORT
        and guess.share >= settings.INTEL_UNIT_SHARE
    )
    route = may_route and sure_of_service and sure_of_unit
    suggestion = Suggestion.objects.create(
        case=case,
        model=version,
        services=[[code, round(p, 4)] for code, p in top],
        service_confidence=round(chosen, 4),
        unit=unit,
        unit_confidence=round(guess.share, 4) if guess else None,
        unit_support=guess.support if guess else 0,
        auto_routed=route,
    )
    params: dict[str, Any] = {}
    if route and unit is not None and guess is not None:
        params = {
            "service": {"name": case.service.name, "name_en": case.service.name_en},
            "p": round(100 * top[0][1]),
            "unit": unit.name,
            "n": guess.support,
            "total": guess.total,
            "version": version.version,
        }
    return Triage(suggestion=suggestion, route_to=unit if route else None, params=params)


@transaction.atomic
def case_triage_new(*, case_id: int) -> Triage | None:
    """The job after intake (enqueued by cases when a case commits): triage the case, and
    route it when no rule did, nobody dispatched it meanwhile and the classifier is sure.
    Atomic, so a failed run leaves nothing and is retried; the case's row lock and its one
    suggestion make a second run change nothing."""
    case = Case.objects.select_for_update(of=("self",)).select_related("service").get(pk=case_id)
    triage = case_triage(case, may_route=case.state == State.SUBMITTED)
    if triage is not None and triage.route_to is not None:
        case_route_auto(case=case, unit=triage.route_to, code="routed_model", params=triage.params)
    return triage


# Dispatchers' corrections ---------------------------------------------------------------------

# The audit actions of a dispatcher's choice, and what each chooses.
CORRECTED = {
    "cases.case.dispatched": Correction.Kind.UNIT,
    "cases.case.reclassified": Correction.Kind.SERVICE,
}
CORRECTIONS_LOOK_BACK = dt.timedelta(days=2)  # what the periodic job reads
CORRECTIONS_CATCH_UP = dt.timedelta(days=7)  # what the nightly retraining reads again
CORRECTIONS_BATCH = 1000


def corrections_collect(*, since: dt.datetime | None = None) -> int:
    """Read dispatchers' corrections from the audit log: a person dispatched a triaged case to
    another unit, or gave it another service, than the classifier suggested at intake (rules
    and the classifier route with no person). Reads the events since `since` (default: the
    last two days); each event gives at most one correction, so overlapping runs add nothing
    twice. Returns how many were added."""
    since = since if since is not None else timezone.now() - CORRECTIONS_LOOK_BACK
    events = (
        AuditEvent.objects.filter(
            action__in=list(CORRECTED), object_type="cases.case", actor__isnull=False, created_at__gte=since
        )
        .order_by("pk")
        .values_list("pk", "action", "object_id", "changes", "actor_id", "created_at")
    )
    added = 0
    batch: list[tuple[Any, ...]] = []
    for row in events.iterator(chunk_size=CORRECTIONS_BATCH):
        batch.append(row)
        if len(batch) == CORRECTIONS_BATCH:
            added += _corrections_from(batch)
            batch = []
    return added + (_corrections_from(batch) if batch else 0)


def _corrections_from(events: list[tuple[Any, ...]]) -> int:
    suggestions = {s.case_id: s for s in Suggestion.objects.filter(case_id__in={int(e[2]) for e in events})}
    known = set(
        Correction.objects.filter(event_id__in=[e[0] for e in events]).values_list("event_id", flat=True)
    )
    rows = []
    for pk, action, case_id, changes, actor_id, at in events:
        suggestion = suggestions.get(int(case_id))
        # A choice made before the classifier spoke corrects nothing.
        if pk in known or suggestion is None or at < suggestion.created_at:
            continue
        kind = CORRECTED[action]
        if kind == Correction.Kind.SERVICE:
            predicted = suggestion.services[0][0] if suggestion.services else ""
            actual = (changes.get("new") or {}).get("service")
        else:
            predicted = suggestion.unit_id or ""
            actual = (changes.get("new") or {}).get("lead_unit")
        predicted, actual = str(predicted), "" if actual is None else str(actual)
        if predicted and actual and predicted != actual:
            rows.append(
                Correction(
                    case_id=int(case_id),
                    kind=kind,
                    predicted=predicted,
                    actual=actual,
                    actor_id=actor_id,
                    model_id=suggestion.model_id,
                    at=at,
                    event_id=pk,
                )
            )
    # A run at the same moment may have written some of them: the event's uniqueness keeps one.
    Correction.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# Training ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    text: str
    service: str
    area_path: str
    unit_id: int | None
    at: dt.datetime


def training_examples(*, since: dt.datetime | None = None) -> list[Example]:
    """Closed and resolved cases with their final service (dispatchers' corrections included,
    since a reclassified case carries the corrected service), oldest first."""
    qs = Case.objects.filter(state__in=TRAINED_STATES).exclude(channel="proactive")
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    rows = qs.order_by("submitted_at", "pk").values_list(
        "title", "description", "service__code", "area_path", "lead_unit_id", "submitted_at"
    )
    return [Example(case_text(t, d), s, p, u, at) for t, d, s, p, u, at in rows.iterator(chunk_size=2000)]


def routing_table(examples: Sequence[Example]) -> dict[str, dict[str, dict[str, int]]]:
    """service -> area path (district, street, community) -> {unit id: cases it handled}."""
    table: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for e in examples:
        if e.unit_id is None:
            continue
        parts = e.area_path.strip("/").split("/")
        for level in ROUTING_LEVELS:
            if len(parts) >= level:
                table[e.service]["/".join(parts[:level]) + "/"][str(e.unit_id)] += 1
    return {s: {p: dict(c) for p, c in paths.items()} for s, paths in table.items()}


def _trainable(examples: Sequence[Example]) -> list[Example]:
    counts = Counter(e.service for e in examples)
    return [e for e in examples if counts[e.service] >= MIN_PER_LABEL]


def _score(model: textmodel.TextModel, examples: Sequence[Example]) -> dict[str, Any]:
    report = textmodel.evaluate(model, [e.text for e in examples], [e.service for e in examples])
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"], "n": len(examples)}


def _new_version_name() -> str:
    """The time for people to read, and a random part so that two versions made in the same
    second (or on two machines, or before a rollback) never share a name or a file."""
    return f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def model_train(
    *, actor: Any, examples: Sequence[Example] | None = None, force: bool = False
) -> ModelVersion:
    """Train a new version on the closed cases. The newest fifth is held back first: the new
    model (trained on the rest) and the active one are both scored on it, and the new one
    becomes active only if it scores at least as well (or `force`, or nothing is active).
    The kept version is then trained on all the cases. Either way the version is recorded."""
    if actor is not None:
        require_authenticated(actor)
        require(has_perm_anywhere(actor, "intel.train"))
    examples = _trainable(list(examples if examples is not None else training_examples()))
    labels = {e.service for e in examples}
    if len(labels) < 2:
        raise ValidationFailed(
            _("Training needs closed cases of at least two services with %(n)d cases each.")
            % {"n": MIN_PER_LABEL},
            fields={"cases": _("Not enough closed cases.")},
        )
    cut = int(len(examples) * (1 - HOLD_BACK))
    train_part = _trainable(examples[:cut])
    held = [e for e in examples[cut:] if e.service in {t.service for t in train_part}]
    current = active_version()
    comparison: dict[str, Any] = {}
    better = True
    # With nothing active there is nothing to beat: the new model's own cross-validated
    # metrics stand, and one training is saved.
    if current is not None and held and len({e.service for e in train_part}) >= 2:
        candidate = textmodel.train([e.text for e in train_part], [e.service for e in train_part])
        comparison["new"] = _score(candidate, held)
        try:
            comparison["active"] = {"version": current.version, **_score(load_model(current), held)}
            better = comparison["new"]["macro_f1"] >= comparison["active"]["macro_f1"]
        except Exception:
            log.exception("intel: the active model %s could not be scored", current.version)
    keep = better or force or current is None
    model = textmodel.train([e.text for e in examples], [e.service for e in examples])
    return _store(
        actor=actor,
        model=model,
        source=ModelVersion.Source.CASES,
        trained_on=len(examples),
        units=routing_table(examples),
        activate=keep,
        comparison={**comparison, "kept": keep},
    )


def model_register(*, actor: Any, file: Any, activate: bool = True) -> ModelVersion:
    """Register a model file trained elsewhere (`needle router train` on a labelled CSV, the
    cold start). Its labels should be service codes to route; other labels only suggest."""
    if actor is not None:
        require_authenticated(actor)
        require(has_perm_anywhere(actor, "intel.train"))
    model = textmodel.load(file)
    return _store(
        actor=actor,
        model=model,
        source=ModelVersion.Source.CSV,
        trained_on=int(model.metrics.get("n", 0) or 0),
        units=routing_table(training_examples()),
        activate=activate,
    )


def _store(
    *,
    actor: Any,
    model: textmodel.TextModel,
    source: str,
    trained_on: int,
    units: dict[str, Any],
    activate: bool,
    comparison: dict[str, Any] | None = None,
) -> ModelVersion:
    """Write the model's file, record its version (the only active one when `activate`)."""
    name = _new_version_name()
    settings.INTEL_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    path = f"router-{name}.joblib"
    textmodel.save(model, settings.INTEL_MODEL_DIR / path)
    with transaction.atomic():
        if activate:
            ModelVersion.objects.filter(active=True).update(active=False)
        version = ModelVersion.objects.create(
            version=name,
            source=source,
            path=path,
            metrics=model.metrics,
            threshold=model.threshold,
            trained_on=trained_on,
            comparison=comparison or {},
            units=units,
            active=activate,
        )
        audit_record(
            actor=actor,
            action="intel.model.trained" if source == ModelVersion.Source.CASES else "intel.model.registered",
            obj=version,
            new={"version": name, "cases": trained_on, "active": activate, "comparison": comparison or {}},
        )
    return version


def model_retrain_if_due(*, now: dt.datetime | None = None) -> ModelVersion | None:
    """The periodic job: retrain when enough cases closed since the active version. The last
    week's corrections are read again first, should their job have been down."""
    corrections_collect(since=(now or timezone.now()) - CORRECTIONS_CATCH_UP)
    current = active_version()
    since = current.created_at if current is not None else None
    qs = Case.objects.filter(state__in=TRAINED_STATES)
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    if qs.count() < settings.INTEL_RETRAIN_MIN:
        return None
    try:
        return model_train(actor=None)
    except ValidationFailed:
        return None


# Hot topics ----------------------------------------------------------------------------------

HOT_WINDOW = dt.timedelta(days=30)
HOT_MIN_SIZE = 3
# Growth runs from -1 (gone quiet) to 1 (all new): (recent rate - earlier rate) / their sum, so
# 0.5 means the last two weeks came three times as fast as the weeks before them.
ALERT_GROWTH = 0.5
ALERT_SIZE = 5


def _common_path(paths: Sequence[str]) -> str:
    split = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common) + "/" if common else ""


def hotspots_detect(*, now: dt.datetime | None = None, window: dt.timedelta = HOT_WINDOW) -> list[HotTopic]:
    """Cluster the requests of the last `window` into hot topics. A cluster that shares most of
    its cases with a known topic updates it (keeping its status and task); open topics that
    no longer form are dropped. New rising topics alert the supervisors of their area."""
    now = now or timezone.now()
    rows = list(
        Case.objects.filter(submitted_at__gte=now - window, submitted_at__lte=now)
        .exclude(state__in=(State.REJECTED,))
        .exclude(channel="proactive")
        .values_list(
            "pk",
            "title",
            "description",
            "submitted_at",
            "repeat_count",
            "reporter_id",
            "contact_phone",
            "area_path",
            "lat",
            "lng",
            "service_id",
        )
    )
    items = [
        Item(
            id=str(pk),
            text=case_text(title, description),
            at=at,
            votes=repeats,
            reporter=f"p{reporter}" if reporter else (f"t{phone}" if phone else f"c{pk}"),
            area=path,
            lat=lat,
            lng=lng,
        )
        for pk, title, description, at, repeats, reporter, phone, path, lat, lng, _s in rows
    ]
    service_of = {str(r[0]): r[10] for r in rows}
    path_of = {str(r[0]): r[7] for r in rows}
    found = find_hotspots(items, min_size=HOT_MIN_SIZE, now=now) if items else []
    # Each topic sits at the deepest area holding all its cases: read those areas in one query.
    topic_paths = [_common_path([path_of[i] for i in spot.ids]) for spot in found]
    areas = {a.path: a for a in Area.objects.filter(path__in={p for p in topic_paths if p})}
    known = list(HotTopic.objects.prefetch_related("cases").filter(end__gte=now - 2 * window))
    known_ids = {t.pk: {str(c) for c in t.cases.values_list("pk", flat=True)} for t in known}
    kept: set[int] = set()
    result: list[HotTopic] = []
    with transaction.atomic():
        for spot, area_path in zip(found, topic_paths, strict=True):
            ids = set(spot.ids)
            match = next(
                (t for t in known if t.pk not in kept and len(ids & known_ids[t.pk]) * 2 >= len(ids)), None
            )
            area = areas.get(area_path)
            if area is None:
                continue
            service_id = Counter(service_of[i] for i in spot.ids).most_common(1)[0][0]
            fields = {
                "title": spot.title[:200],
                "heat": spot.heat,
                "size": len(spot.ids),
                "reporters": spot.reporters,
                "votes": spot.votes,
                "growth": spot.growth,
                "keywords": list(spot.keywords)[:8],
                "trend": list(spot.trend),
                "start": spot.start,
                "end": spot.end,
                "area": area,
                "area_path": area.path,
                "service_id": service_id,
                "detected_at": now,
            }
            if match is not None:
                kept.add(match.pk)
                for k, v in fields.items():
                    setattr(match, k, v)
                match.save()
                topic = match
            else:
                topic = HotTopic.objects.create(**fields)
            topic.cases.set([int(i) for i in spot.ids])
            result.append(topic)
        HotTopic.objects.filter(status=HotTopic.Status.OPEN, end__gte=now - 2 * window).exclude(
            pk__in=[t.pk for t in result]
        ).delete()
        for topic in result:
            if not topic.alerted and topic.status == HotTopic.Status.OPEN and _rising(topic):
                _alert(topic)
    return result


def _rising(topic: HotTopic) -> bool:
    return topic.size >= ALERT_SIZE and topic.growth >= ALERT_GROWTH


def _alert(topic: HotTopic) -> None:
    """Tell the supervisors and dispatchers over the topic's area that it is rising."""
    paths = [*topic.area.ancestor_paths, topic.area.path]
    people = Person.objects.filter(
        pk__in=RoleAssignment.objects.filter(
            role__in=[Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN], unit__area_path__in=paths
        ).values("person_id")
    )
    notify(
        recipients=list(people),
        verb="intel.hot_topic",
        message=Message(
            gettext_noop("Rising hot topic in %(area)s: %(title)s (%(n)d requests)"),
            {"area": topic.area.name, "title": topic.title, "n": topic.size},
        ),
        link=f"/intel/hotspots/{topic.pk}/",
    )
    topic.alerted = True
    topic.save(update_fields=["alerted"])


def _locked_topic(topic: HotTopic) -> HotTopic:
    """Re-read the topic under a row lock: a move decides on its current status."""
    found = (
        HotTopic.objects.select_for_update(of=("self",))
        .select_related("area", "service", "task")
        .filter(pk=topic.pk)
        .first()
    )
    if found is None:
        raise NotFound(_("This hot topic is no longer listed."))
    return found


def _topic_conflict(topic: HotTopic, message: str) -> Conflict:
    return Conflict(
        message, extra={"status": topic.status, "task": topic.task.number if topic.task else None}
    )


@transaction.atomic
def hot_topic_task(
    *, actor: Any, topic: HotTopic, unit: Unit, resolve_by: dt.datetime, note: str = ""
) -> Case:
    """A supervisor turns a hot topic into a proactive task (未诉先办) for a unit. Two
    supervisors at once: the second waits for the topic's lock, finds it tasked, gets 409."""
    require_authenticated(actor)
    topic = _locked_topic(topic)
    require(can_in_area(actor, "intel.task", topic.area_path))
    if topic.status == HotTopic.Status.TASKED:
        number = topic.task.number if topic.task else ""
        raise _topic_conflict(topic, _("This hot topic is already a task: %(number)s.") % {"number": number})
    service = topic.service or Service.objects.filter(pk__in=topic.cases.values("service_id")).first()
    if service is None:
        raise ValidationFailed(fields={"service": _("The topic has no service.")})
    numbers = list(topic.cases.order_by("submitted_at").values_list("number", flat=True)[:50])
    description = "\n".join(
        part
        for part in (
            note.strip(),
            _("Hot topic: %(title)s. %(n)d requests from %(r)d residents, %(start)s to %(end)s.")
            % {
                "title": topic.title,
                "n": topic.size,
                "r": topic.reporters,
                "start": timezone.localtime(topic.start).date(),
                "end": timezone.localtime(topic.end).date(),
            },
            _("Requests: %(numbers)s") % {"numbers": ", ".join(numbers)},
        )
        if part
    )
    task = case_open(
        actor=actor,
        service=service,
        area=topic.area,
        unit=unit,
        title=_("Proactive: %(title)s") % {"title": topic.title},
        description=description,
        resolve_by=resolve_by,
        perm="intel.task",
    )
    previous = topic.status
    topic.status = HotTopic.Status.TASKED
    topic.task = task
    topic.save(update_fields=["status", "task"])
    audit_record(
        actor=actor,
        action="intel.hot_topic.tasked",
        obj=topic,
        old={"status": previous},
        new={"status": topic.status, "task": task.number, "unit": unit.pk},
        area_path=topic.area_path,
    )
    return task


@transaction.atomic
def hot_topic_dismiss(*, actor: Any, topic: HotTopic) -> HotTopic:
    """A supervisor sets an open hot topic aside; the loser of a race gets 409."""
    require_authenticated(actor)
    topic = _locked_topic(topic)
    require(can_in_area(actor, "intel.task", topic.area_path))
    if topic.status != HotTopic.Status.OPEN:
        raise _topic_conflict(topic, _("Only an open hot topic can be dismissed."))
    topic.status = HotTopic.Status.DISMISSED
    topic.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="intel.hot_topic.dismissed",
        obj=topic,
        old={"status": "open"},
        new={"status": topic.status},
        area_path=topic.area_path,
    )
    return topic
