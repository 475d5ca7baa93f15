"""Every write to residents' requests: intake, routing, the lifecycle, deadlines, callbacks.

Each move locks the case row, checks the actor's permission and the current state, writes a
timeline entry, an audit event and notifications, and refuses an illegal move with Conflict
(HTTP 409) carrying the current state. Two people acting at once: the second waits for the
lock, then finds the state changed and gets the 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.cases.catalog import service_rules
from needle.cases.deadlines import add_hours, colour_for
from needle.cases.models import (
    DISPATCHABLE,
    OPEN_STATES,
    Assist,
    AttributeType,
    Callback,
    Case,
    CaseCounter,
    CaseEvent,
    Channel,
    EventKind,
    Open311Key,
    Photo,
    RoutingRule,
    Service,
    State,
)
from needle.cases.presenters import TITLE_CHARS
from needle.cases.selectors import dispatch_target_units, whistle_target_units
from needle.cases.uploads import MAX_PHOTOS, clean_image, photo_files_removed_on_error, store_photo
from needle.core.audit import audit_event, audit_record, audit_record_all
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.jobs import job_enqueue
from needle.core.models import AuditEvent
from needle.notify.services import notify
from needle.orgs.models import Person, Role, Unit, phone_validator
from needle.orgs.permissions import (
    can_act_for_unit,
    can_in_area,
    is_superuser,
    require,
    require_authenticated,
)

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000
REPEAT_WINDOW = dt.timedelta(days=30)


# Reading and locking ---------------------------------------------------------------------


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock: every move decides on the current state."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "lead_unit", "area")
        .get(pk=case.pk)
    )


def _conflict(case: Case, message: str) -> Conflict:
    return Conflict(message, extra={"state": case.state, "version": case.version})


def _expect(case: Case, allowed: Iterable[str], action: str, version: int | None) -> None:
    if version is not None and version != case.version:
        raise _conflict(case, _("Someone else changed this case meanwhile; reload it."))
    if case.state not in set(allowed):
        raise _conflict(
            case,
            _("A case that is %(state)s cannot be %(action)s.")
            % {"state": State(case.state).label, "action": action},
        )


def _event_row(
    case: Case,
    *,
    actor: Any,
    kind: str,
    from_state: str = "",
    note: str = "",
    unit: Unit | None = None,
    public: bool = True,
) -> CaseEvent:
    """A timeline entry, not stored yet (intake stores its entries in one INSERT)."""
    return CaseEvent(
        case=case,
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        from_state=from_state,
        to_state=case.state if from_state else "",
        unit=unit,
        note=note,
        public=public,
    )


def _event(case: Case, **fields: Any) -> CaseEvent:
    """A timeline entry, stored (the arguments of `_event_row`)."""
    event = _event_row(case, **fields)
    event.save(force_insert=True)
    return event


def _save(case: Case, fields: list[str]) -> None:
    # Every caller holds the row: locked by _locked(), or created in this same transaction.
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _audit(actor: Any, action: str, case: Case, old: dict[str, Any], new: dict[str, Any]) -> None:
    audit_record(actor=actor, action=f"cases.case.{action}", obj=case, old=old, new=new)


def _unit_people(unit: Unit | None, roles: Sequence[str]) -> list[Person]:
    if unit is None:
        return []
    return list(Person.objects.filter(roles__unit=unit, roles__role__in=roles, is_active=True).distinct())


def _case_link(case: Case) -> str:
    return f"/cases/{case.number}/"


def _tell_unit(case: Case, unit: Unit | None, verb: str, render: Callable[[], str]) -> None:
    notify(
        recipients=_unit_people(unit, [Role.HANDLER, Role.COORDINATOR, Role.ADMIN]),
        verb=verb,
        render=render,
        link=_case_link(case),
    )


def _tell_reporters(
    case: Case, verb: str, render: Callable[[], str], follower_render: Callable[[], str]
) -> None:
    """The reporter and the reporters of cases merged into this one follow it, each through
    their own private tracking link (the key to their own request: it shows their words and
    answers the callback); followers are strangers to the reporter, so they get their own
    text and the case's public page, or no link once the case is no longer public."""
    told: set[int] = set()

    def tell(people: Iterable[Person | None], link: str, text: Callable[[], str]) -> None:
        fresh = [p for p in people if p is not None and p.pk not in told]
        told.update(p.pk for p in fresh)
        notify(recipients=fresh, verb=verb, render=text, link=link)

    tell([case.reporter], tracking_link(case), render)
    for merged in case.merged_cases.select_related("reporter").order_by("pk"):
        tell([merged.reporter], tracking_link(merged), render)
    public = case.service.public and case.state != State.REJECTED
    tell(case.followers.all(), public_link(case) if public else "", follower_render)


def tracking_link(case: Case) -> str:
    """The private link of this very case: only ever sent to its own reporter."""
    return f"/track/{case.tracking_token}/"


def public_link(case: Case) -> str:
    return f"/cases/public/{case.number}/"


# Permission helpers ------------------------------------------------------------------------


def _may_handle(actor: Any, case: Case) -> bool:
    if case.lead_unit is None:
        return False
    return can_act_for_unit(actor, "cases.handle", case.lead_unit)


# Which units a move may reach: the rules every entry point's pickers and the moves share --------


# Catalog lookups and intake validation -----------------------------------------------------


def _check_attributes(service: Service, answers: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    defined = {a.code: a for a in service.attributes.all()}
    for code in answers:
        if code not in defined:
            errors[f"attribute[{code}]"] = _("This service has no question %(code)s.") % {"code": code}
    for code, attr in defined.items():
        value = answers.get(code)
        empty = value is None or value == "" or value == []
        if empty:
            if attr.required:
                errors[f"attribute[{code}]"] = _("Required.")
            continue
        keys = {str(v.get("key")) for v in attr.values}
        if attr.datatype == AttributeType.NUMBER:
            try:
                clean[code] = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                errors[f"attribute[{code}]"] = _("Must be a number.")
        elif attr.datatype == AttributeType.DATETIME:
            parsed = parse_datetime(str(value)) if isinstance(value, str) else None
            if parsed is None:
                errors[f"attribute[{code}]"] = _("Must be a date and time such as 2026-05-01T09:30:00+08:00.")
            else:
                clean[code] = parsed.isoformat()
        elif attr.datatype == AttributeType.SINGLE:
            if str(value) not in keys:
                errors[f"attribute[{code}]"] = _("Choose one of: %(keys)s.") % {
                    "keys": ", ".join(sorted(keys))
                }
            else:
                clean[code] = str(value)
        elif attr.datatype == AttributeType.MULTI:
            chosen = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(chosen) <= keys:
                errors[f"attribute[{code}]"] = _("Choose among: %(keys)s.") % {
                    "keys": ", ".join(sorted(keys))
                }
            else:
                clean[code] = chosen
        else:
            text = str(value)
            if len(text) > (4000 if attr.datatype == AttributeType.TEXT else 300):
                errors[f"attribute[{code}]"] = _("Too long.")
            clean[code] = text
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _point_in_ring(lat: float, lng: float, ring: list[list[float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside


def _contains(geometry: dict[str, Any], lat: float, lng: float) -> bool:
    polygons = (
        geometry["coordinates"] if geometry.get("type") == "MultiPolygon" else [geometry.get("coordinates")]
    )
    for polygon in polygons:
        if (
            polygon
            and _point_in_ring(lat, lng, polygon[0])
            and not any(_point_in_ring(lat, lng, h) for h in polygon[1:])
        ):
            return True
    return False


def area_at(*, lat: float, lng: float, within: Area | None = None) -> Area | None:
    """The deepest area with a boundary containing the point."""
    qs = Area.objects.filter(boundary__isnull=False, retired=False)
    if within is not None:
        qs = qs.filter(subtree_q(within.path))
    best: Area | None = None
    for area in qs.only("id", "code", "path", "depth", "boundary", "level", "name").iterator():
        if (best is None or area.depth > best.depth) and area.boundary and _contains(area.boundary, lat, lng):
            best = area
    return best


@dataclass(frozen=True)
class Intake:
    """What a resident (or staff on their behalf) tells us."""

    service: Service
    description: str
    area: Area | None = None
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    title: str = ""
    attributes: dict[str, Any] | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    hide_name: bool = False
    consent: bool = True
    channel: str = Channel.WEB
    idempotency_key: str | None = None
    photos: Sequence[bytes] = ()


def _check_intake(intake: Intake) -> tuple[Area, dict[str, Any]]:
    errors: dict[str, str] = {}
    description = intake.description.strip()
    if not description:
        errors["description"] = _("Describe the problem.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)d characters.") % {"n": MAX_DESCRIPTION}
    if not intake.service.active:
        errors["service_code"] = _("This service is not taking requests.")
    if not intake.consent:
        errors["consent"] = _("We can only handle the request with your consent to process it.")
    if (intake.lat is None) != (intake.lng is None):
        errors["lat" if intake.lat is None else "long"] = _("Give both latitude and longitude.")
    elif intake.lat is not None and not (-90 <= intake.lat <= 90 and -180 <= intake.lng <= 180):  # type: ignore[operator]
        errors["lat"] = _("Coordinates are out of range.")
    if intake.contact_phone:
        try:
            phone_validator(intake.contact_phone)
        except ValidationError:
            errors["phone"] = _("Enter a valid phone number.")
    if intake.contact_email:
        try:
            validate_email(intake.contact_email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if len(intake.photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
    if intake.idempotency_key is not None and not (1 <= len(intake.idempotency_key) <= 100):
        errors["idempotency_key"] = _("Idempotency keys have 1 to 100 characters.")
    if errors:
        raise ValidationFailed(fields=errors)
    area = intake.area
    if area is None:
        if intake.lat is None:
            raise ValidationFailed(fields={"area": _("Place the request on the map or choose its area.")})
        area = area_at(lat=intake.lat, lng=intake.lng)  # type: ignore[arg-type]
        if area is None:
            raise ValidationFailed(fields={"lat": _("These coordinates are outside every area we serve.")})
    elif area.retired:
        raise ValidationFailed(fields={"area": _("This area is retired.")})
    answers = _check_attributes(intake.service, intake.attributes or {})
    return area, answers


def _next_number(now: dt.datetime) -> str:
    """YYYYMMDD + the day's six-digit sequence. One UPDATE … RETURNING increments and reads the
    counter: no two intakes get the same value, and the row is locked for that one statement
    only (not for the whole intake; a failure after it leaves a gap, no clash)."""
    day = timezone.localtime(now).strftime("%Y%m%d")
    last = _counter_increment(day)
    if last is None:
        # First case of the day (or cases loaded in bulk): start after the highest number.
        highest = (
            Case.objects.filter(number__startswith=day)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        last = (int(highest[8:]) if highest else 0) + 1
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=last)
        except IntegrityError:  # another intake started the day meanwhile
            last = _counter_increment(day)
    return f"{day}{last:06d}"


def _counter_increment(day: str) -> int | None:
    """The day's counter plus one, or None when the day has no counter yet."""
    with connection.cursor() as cursor:
        # RETURNING (PostgreSQL, SQLite 3.35+): the ORM's update() cannot return the value.
        cursor.execute(
            'UPDATE "cases_casecounter" SET "last" = "last" + 1 WHERE "day" = %s RETURNING "last"', [day]
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def rule_for(service: Service, area: Area) -> RoutingRule | None:
    """The routing rule of the deepest area that contains `area`."""
    rules = service_rules(service)
    for path in [area.path, *reversed(area.ancestor_paths)]:
        if path in rules:
            return rules[path]
    return None


def case_submit(*, actor: Any, intake: Intake) -> Case:
    """Take in a request (see `case_submit_or_get`)."""
    return case_submit_or_get(actor=actor, intake=intake)[0]


@photo_files_removed_on_error
def case_submit_or_get(*, actor: Any, intake: Intake) -> tuple[Case, bool]:
    """Take in a request: validate, number it, set deadlines, route it when a rule is
    certain, link a repeat, store photos; after commit a job notifies the unit and lets the
    classifier triage the case. Returns the case and whether it is new: with an idempotency
    key already used by the same channel and sender, the first case comes back and nothing is
    created."""
    key = idempotency_key(channel=intake.channel, actor=actor, key=intake.idempotency_key or "")
    if key:
        existing = _keyed(key)
        if existing is not None:
            return existing, False
    if intake.channel in (Channel.PHONE, Channel.STAFF):
        require_authenticated(actor)
    area, answers = _check_intake(intake)
    if intake.channel in (Channel.PHONE, Channel.STAFF):
        require(can_in_area(actor, "cases.intake", area))
    images = [clean_image(raw) for raw in intake.photos]
    try:
        number = _next_number(timezone.now())
        with transaction.atomic():
            return _create(actor, intake, area, answers, images, number), True
    except IntegrityError:
        if key:
            existing = _keyed(key)
            if existing is not None:
                return existing, False
        raise


def idempotency_key(*, channel: str, actor: Any, key: str) -> str:
    """The stored form of a client's idempotency key ("" for none). The channel and the sender
    (the person, or "anonymous") come from the server and the client's key is hashed after
    them, so no key a client sends can name another channel's or another person's case."""
    if not key:
        return ""
    owner = f"p{actor.pk}" if getattr(actor, "pk", None) else "anonymous"
    return f"{channel}:{owner}:{hashlib.sha256(key.encode()).hexdigest()}"


def _keyed(idempotency_key: str) -> Case | None:
    # Nearly every key is new: ask for the id alone, load the case only for a resubmission.
    pk = Case.objects.filter(idempotency_key=idempotency_key).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return Case.objects.select_related("service", "area", "lead_unit").defer("area__boundary").get(pk=pk)


def _create(
    actor: Any, intake: Intake, area: Area, answers: dict[str, Any], images: list[Any], number: str
) -> Case:
    # Routing and the repeat link are decided before the INSERT, so the case row is written
    # once, and its timeline entries and audit events go in one statement each.
    now = timezone.now()
    service = intake.service
    reporter = (
        actor if getattr(actor, "pk", None) and intake.channel not in (Channel.PHONE, Channel.STAFF) else None
    )
    contact_name = intake.contact_name.strip() or (str(reporter) if reporter else "")
    contact_phone = intake.contact_phone.strip() or (reporter.phone if reporter else "")
    rule = rule_for(service, area)
    case = Case(
        number=number,
        service=service,
        area=area,
        area_path=area.path,
        lat=intake.lat,
        lng=intake.lng,
        address=intake.address.strip()[:300],
        title=(intake.title.strip() or intake.description.strip()[:60])[:200],
        description=intake.description.strip(),
        attributes=answers,
        channel=intake.channel,
        reporter=reporter,
        contact_name=contact_name[:100],
        contact_phone=contact_phone,
        contact_email=intake.contact_email.strip() or (reporter.email if reporter else ""),
        hide_name=intake.hide_name,
        tracking_token=secrets.token_urlsafe(24),
        idempotency_key=idempotency_key(channel=intake.channel, actor=actor, key=intake.idempotency_key or "")
        or None,
        submitted_at=now,
        accept_due_at=add_hours(now, service.accept_hours, working_days=service.working_days),
        resolve_due_at=add_hours(now, service.resolve_hours, working_days=service.working_days),
        repeat_of=_repeat_original(reporter, contact_phone, service, area, now),
    )
    routed = _send(case, rule.unit) if rule is not None else None
    case.save(force_insert=True)
    events = [
        _event_row(
            case,
            actor=actor,
            kind=EventKind.SUBMITTED,
            note=_("Received via %(channel)s.") % {"channel": Channel(case.channel).label},
        )
    ]
    audits = [
        audit_event(
            actor=actor,
            action="cases.case.submitted",
            obj=case,
            new={"service": service.code, "area": area.code, "channel": case.channel},
        )
    ]
    if rule is not None and routed is not None:
        note = _("Routed by rule: %(area)s → %(unit)s.") % {"area": rule.area.name, "unit": rule.unit.name}
        event, audit = _routing_rows(case, routed, actor=None, kind=EventKind.ROUTED, note=note)
        events.append(event)
        audits.append(audit)
    if case.repeat_of is not None:
        Case.objects.filter(pk=case.repeat_of.pk).update(repeat_count=F("repeat_count") + 1, updated_at=now)
        events.append(
            CaseEvent(case=case.repeat_of, at=now, kind=EventKind.REPEATED, note=case.number, public=False)
        )
    CaseEvent.objects.bulk_create(events)
    audit_record_all(audits)
    for image in images:
        photo = Photo(case=case, content_type=image.content_type, size=len(image.data))
        store_photo(photo, f"{case.number}-{secrets.token_hex(4)}.{image.extension}", image)
    rule_unit_id = rule.unit.pk if rule is not None else None
    # robust: once the case is committed, nothing that follows may turn the answer into an error.
    transaction.on_commit(lambda: _follow_up_later(case.pk, rule_unit_id), robust=True)
    return case


def _repeat_original(
    reporter: Person | None, phone: str, service: Service, area: Area, now: dt.datetime
) -> Case | None:
    """The same resident raising the same matter again within 30 days is linked, and counted."""
    who = Q(reporter=reporter) if reporter is not None else Q(contact_phone=phone) if phone else None
    if who is None:
        return None
    return (
        Case.objects.filter(who, service=service, area=area, state__in=OPEN_STATES | {State.RESOLVED})
        .filter(submitted_at__gte=now - REPEAT_WINDOW, repeat_of__isnull=True)
        .only("id", "number")
        .order_by("submitted_at")
        .first()
    )


# The jobs of the apps above that follow every new case, started by name: DESIGN's order
# forbids importing them, and a job that needs two apps lives in the higher one.
AFTER_INTAKE = ("needle.intel.tasks.triage_new_case",)


def _follow_up_later(case_id: int, rule_unit_id: int | None) -> None:
    """Enqueue what follows intake: the notification of the unit a rule sent the case to,
    and the classifier's triage."""
    if rule_unit_id is not None:
        job_enqueue("needle.cases.tasks.intake_follow_up", case_id, rule_unit_id)
    for name in AFTER_INTAKE:
        job_enqueue(name, case_id)


@transaction.atomic
def case_follow_up(*, case_id: int, rule_unit_id: int | None) -> None:
    """What follows intake, off the request: notify the unit a rule sent the case to."""
    if rule_unit_id is not None:
        case = _locked(Case(pk=case_id))
        _tell_unit(case, Unit.objects.get(pk=rule_unit_id), "case.dispatched", _dispatched_text(case))


@transaction.atomic
def case_route_auto(*, case: Case, unit: Unit, note: str) -> Case:
    """The classifier routes a new case (intel's triage): only while it still waits in the
    queue, so a dispatcher who was quicker keeps their choice. A timeline entry, an audit
    event and the unit's notification, as for any routing."""
    case = _locked(case)
    if case.state == State.SUBMITTED:
        _route(case, unit=unit, actor=None, kind=EventKind.ROUTED, note=note)
    return case


def _route(case: Case, *, unit: Unit, actor: Any, kind: str, note: str = "") -> None:
    before = _send(case, unit)
    _save(case, ["state", "lead_unit", "dispatched_at"])
    event, audit = _routing_rows(case, before, actor=actor, kind=kind, note=note)
    event.save(force_insert=True)
    audit.save()
    _tell_unit(case, unit, "case.dispatched", _dispatched_text(case))


def _send(case: Case, unit: Unit) -> dict[str, Any]:
    """Make `unit` the case's lead (dispatched now); returns the state and lead unit before."""
    before = {"state": case.state, "lead_unit": case.lead_unit_id}
    case.state = State.DISPATCHED
    case.lead_unit = unit
    case.dispatched_at = timezone.now()
    return before


def _routing_rows(
    case: Case, before: dict[str, Any], *, actor: Any, kind: str, note: str
) -> tuple[CaseEvent, AuditEvent]:
    """The timeline entry and audit event of a routing done by `_send`, not stored yet."""
    event = _event_row(
        case, actor=actor, kind=kind, from_state=before["state"], unit=case.lead_unit, note=note
    )
    audit = audit_event(
        actor=actor,
        action="cases.case.dispatched",
        obj=case,
        old=before,
        new={"state": case.state, "lead_unit": case.lead_unit_id},
    )
    return event, audit


def _dispatched_text(case: Case) -> Callable[[], str]:
    return lambda: (
        _("Case %(number)s was sent to your unit: %(title)s") % {"number": case.number, "title": case.title}
    )


# The lifecycle --------------------------------------------------------------------------------


@transaction.atomic
def case_dispatch(*, actor: Any, case: Case, unit: Unit, note: str = "", version: int | None = None) -> Case:
    """Send the case to a unit; from a queue that is dispatch, later it is re-routing (改派)
    or transfer. The unit's people are notified."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, DISPATCHABLE, _("dispatched"), version)
    if unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    if not dispatch_target_units(actor=actor).filter(pk=unit.pk).exists():
        message = _("This unit is outside the areas you dispatch to.")
        raise PermissionDenied(message, fields={"unit": message})
    if case.lead_unit_id == unit.pk and case.state == State.DISPATCHED:
        raise _conflict(case, _("The case is already with this unit."))
    kind = EventKind.DISPATCHED if case.state in (State.SUBMITTED, State.RETURNED) else EventKind.TRANSFERRED
    _route(case, unit=unit, actor=actor, kind=kind, note=note.strip())
    return case


@transaction.atomic
def case_accept(*, actor: Any, case: Case, version: int | None = None) -> Case:
    """The lead unit takes the case on (首接负责)."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, {State.DISPATCHED, State.REOPENED}, _("accepted"), version)
    previous = case.state
    case.state = State.ACCEPTED
    if case.accepted_at is None:
        case.accepted_at = timezone.now()
    _save(case, ["state", "accepted_at"])
    _event(case, actor=actor, kind=EventKind.ACCEPTED, from_state=previous, unit=case.lead_unit)
    _audit(actor, "accepted", case, {"state": previous}, {"state": case.state})
    return case


@transaction.atomic
def case_return(*, actor: Any, case: Case, reason: str, version: int | None = None) -> Case:
    """The unit says "not ours" (退单), with a reason; the case goes back to the dispatchers."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, {State.DISPATCHED}, _("returned"), version)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": _("Say why the case is not your unit's.")})
    unit = case.lead_unit
    case.state = State.RETURNED
    case.lead_unit = None
    _save(case, ["state", "lead_unit"])
    _event(
        case,
        actor=actor,
        kind=EventKind.RETURNED,
        from_state=State.DISPATCHED,
        unit=unit,
        note=reason.strip(),
    )
    _audit(
        actor,
        "returned",
        case,
        {"state": State.DISPATCHED, "lead_unit": unit.pk if unit else None},
        {"state": case.state, "lead_unit": None, "reason": reason.strip()},
    )
    return case


@transaction.atomic
def case_start(*, actor: Any, case: Case, note: str = "", version: int | None = None) -> Case:
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, {State.ACCEPTED}, _("started"), version)
    case.state = State.IN_PROGRESS
    _save(case, ["state"])
    _event(
        case,
        actor=actor,
        kind=EventKind.STARTED,
        from_state=State.ACCEPTED,
        unit=case.lead_unit,
        note=note.strip(),
    )
    _audit(actor, "started", case, {"state": State.ACCEPTED}, {"state": case.state})
    return case


@photo_files_removed_on_error
@transaction.atomic
def case_resolve(
    *, actor: Any, case: Case, note: str, photos: Sequence[bytes] = (), version: int | None = None
) -> Case:
    """The handler reports the work done; the resident is asked whether it is solved."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, {State.ACCEPTED, State.IN_PROGRESS}, _("resolved"), version)
    if not note.strip():
        raise ValidationFailed(fields={"note": _("Say what was done.")})
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(fields={"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    images = [clean_image(raw) for raw in photos]
    previous = case.state
    case.state = State.RESOLVED
    case.resolved_at = timezone.now()
    case.colour = ""
    _save(case, ["state", "resolved_at", "colour"])
    event = _event(
        case,
        actor=actor,
        kind=EventKind.RESOLVED,
        from_state=previous,
        unit=case.lead_unit,
        note=note.strip(),
    )
    for image in images:
        photo = Photo(case=case, event=event, content_type=image.content_type, size=len(image.data))
        store_photo(photo, f"{case.number}-done-{secrets.token_hex(4)}.{image.extension}", image)
    _audit(actor, "resolved", case, {"state": previous}, {"state": case.state, "note": note.strip()})
    _tell_reporters(
        case,
        "case.resolved",
        lambda: (
            _("Your request %(number)s is resolved. Is it solved? Please tell us and rate the work.")
            % {"number": case.number}
        ),
        lambda: _("Request %(number)s, which you follow, is resolved.") % {"number": case.number},
    )
    return case


def _may_callback(actor: Any, case: Case, tracking_token: str | None) -> bool:
    if tracking_token is not None:
        return secrets.compare_digest(tracking_token, case.tracking_token)
    if getattr(actor, "pk", None) and actor.pk == case.reporter_id:
        return True
    return can_in_area(actor, "cases.callback", case.area_path)


@transaction.atomic
def case_callback(
    *,
    actor: Any,
    case: Case,
    solved: bool,
    rating: int | None = None,
    comment: str = "",
    tracking_token: str | None = None,
    version: int | None = None,
) -> Case:
    """The resident's answer (through the tracking link, or to staff on a callback call):
    solved closes the case; unsolved reopens it to the same unit and counts."""
    case = _locked(case)
    require(_may_callback(actor, case, tracking_token), visible=False)
    _expect(case, {State.RESOLVED}, _("rated"), version)
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationFailed(fields={"rating": _("Rate from 1 to 5.")})
    by_staff = tracking_token is None and getattr(actor, "pk", None) != case.reporter_id
    Callback.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        by_staff=by_staff,
        solved=solved,
        rating=rating,
        comment=comment.strip()[:2000],
        lead_unit=case.lead_unit,
    )
    old = {"state": case.state}
    if solved:
        case.state = State.CLOSED
        case.closed_at = timezone.now()
        _save(case, ["state", "closed_at"])
        kind = EventKind.CLOSED
    else:
        case.state = State.REOPENED
        case.reopen_count += 1
        case.resolved_at = None
        _save(case, ["state", "reopen_count", "resolved_at"])
        kind = EventKind.REOPENED
        _tell_unit(
            case,
            case.lead_unit,
            "case.reopened",
            lambda: (
                _("Case %(number)s was reopened: the resident says it is not solved.")
                % {"number": case.number}
            ),
        )
    note = _("Solved: %(solved)s; rating: %(rating)s.") % {
        "solved": _("yes") if solved else _("no"),
        "rating": rating or "—",
    }
    _event(
        case,
        actor=actor,
        kind=EventKind.CALLBACK,
        note=(note + (" " + comment.strip() if comment.strip() else "")),
    )
    _event(case, actor=actor, kind=kind, from_state=State.RESOLVED, unit=case.lead_unit)
    _audit(actor, "rated", case, old, {"state": case.state, "solved": solved, "rating": rating})
    return case


@transaction.atomic
def case_reopen(*, actor: Any, case: Case, reason: str, version: int | None = None) -> Case:
    """Staff reopen a resolved or closed case to the same unit (the reason is kept)."""
    require_authenticated(actor)
    case = _locked(case)
    require(
        can_in_area(actor, "cases.callback", case.area_path)
        or can_in_area(actor, "cases.supervise", case.area_path)
    )
    _expect(case, {State.RESOLVED, State.CLOSED}, _("reopened"), version)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": _("Say why the case is reopened.")})
    previous = case.state
    case.state = State.REOPENED
    case.reopen_count += 1
    case.resolved_at = None
    case.closed_at = None
    _save(case, ["state", "reopen_count", "resolved_at", "closed_at"])
    _event(
        case,
        actor=actor,
        kind=EventKind.REOPENED,
        from_state=previous,
        unit=case.lead_unit,
        note=reason.strip(),
    )
    _audit(actor, "reopened", case, {"state": previous}, {"state": case.state, "reason": reason.strip()})
    _tell_unit(
        case,
        case.lead_unit,
        "case.reopened",
        lambda: _("Case %(number)s was reopened.") % {"number": case.number},
    )
    return case


@transaction.atomic
def case_reject(*, actor: Any, case: Case, reason: str, version: int | None = None) -> Case:
    """Refuse an invalid or abusive request, with the reason."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, {State.SUBMITTED, State.RETURNED, State.DISPATCHED}, _("rejected"), version)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": _("Say why the request is rejected.")})
    previous = case.state
    case.state = State.REJECTED
    case.closed_at = timezone.now()
    _save(case, ["state", "closed_at"])
    _event(case, actor=actor, kind=EventKind.REJECTED, from_state=previous, note=reason.strip())
    _audit(actor, "rejected", case, {"state": previous}, {"state": case.state, "reason": reason.strip()})
    _tell_reporters(
        case,
        "case.rejected",
        lambda: (
            _("Your request %(number)s was not accepted: %(reason)s")
            % {"number": case.number, "reason": reason.strip()}
        ),
        # The reason speaks of the reporter's request: not for strangers who followed it.
        lambda: _("Request %(number)s, which you follow, was not accepted.") % {"number": case.number},
    )
    return case


@transaction.atomic
def case_merge(*, actor: Any, case: Case, parent: Case, version: int | None = None) -> Case:
    """Mark a duplicate: it closes as merged and its reporter follows the parent."""
    require_authenticated(actor)
    if parent.pk == case.pk:
        raise ValidationFailed(fields={"parent": _("A case cannot be merged into itself.")})
    first, second = sorted([case, parent], key=lambda c: c.pk)
    locked = {c.pk: _locked(c) for c in (first, second)}
    case, parent = locked[case.pk], locked[parent.pk]
    require(
        can_in_area(actor, "cases.dispatch", case.area_path)
        and can_in_area(actor, "cases.view", parent.area_path)
    )
    _expect(case, OPEN_STATES, _("merged"), version)
    if parent.state == State.MERGED or parent.state == State.REJECTED:
        raise _conflict(parent, _("The target case is %(state)s.") % {"state": State(parent.state).label})
    previous = case.state
    case.state = State.MERGED
    case.parent = parent
    case.closed_at = timezone.now()
    _save(case, ["state", "parent", "closed_at"])
    # Cases merged into this one follow the parent too.
    Case.objects.filter(parent=case).update(parent=parent)
    _event(case, actor=actor, kind=EventKind.MERGED, from_state=previous, note=parent.number)
    _event(
        parent,
        actor=actor,
        kind=EventKind.MERGED,
        note=_("%(number)s merged into this case.") % {"number": case.number},
        public=False,
    )
    _audit(actor, "merged", case, {"state": previous}, {"state": case.state, "parent": parent.number})
    return case


@transaction.atomic
def case_reclassify(*, actor: Any, case: Case, service: Service, version: int | None = None) -> Case:
    """A dispatcher corrects the service the resident chose. The deadlines follow the new
    service (counted from intake); the classifier learns from the correction."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, DISPATCHABLE, _("reclassified"), version)
    if not service.active:
        raise ValidationFailed(fields={"service": _("This service is not taking requests.")})
    if service.pk == case.service_id:
        raise _conflict(case, _("The case already has this service."))
    old_service = case.service
    case.service = service
    case.accept_due_at = add_hours(case.submitted_at, service.accept_hours, working_days=service.working_days)
    case.resolve_due_at = add_hours(
        case.submitted_at, service.resolve_hours, working_days=service.working_days
    )
    _save(case, ["service", "accept_due_at", "resolve_due_at"])
    _event(case, actor=actor, kind=EventKind.RECLASSIFIED, note=f"{old_service.label} → {service.label}")
    _audit(actor, "reclassified", case, {"service": old_service.code}, {"service": service.code})
    return case


@transaction.atomic
def case_follow(*, actor: Any, case: Case) -> Case:
    """A resident with the same problem follows an existing case instead of filing a new one:
    they hear of every step, and the case counts them."""
    require_authenticated(actor)
    case = _locked(case)
    if not (case.service.public and case.state in OPEN_STATES | {State.RESOLVED}):
        raise _conflict(case, _("This case cannot be followed."))
    if case.reporter_id == actor.pk or case.followers.filter(pk=actor.pk).exists():
        raise _conflict(case, _("You already follow this case."))
    case.followers.add(actor)
    case.repeat_count += 1
    _save(case, ["repeat_count"])
    _event(case, actor=None, kind=EventKind.FOLLOWED, public=False)
    _audit(actor, "followed", case, {}, {"follower": actor.pk})
    return case


@transaction.atomic
def case_open(
    *,
    actor: Any,
    service: Service,
    area: Area,
    unit: Unit,
    title: str,
    description: str,
    resolve_by: dt.datetime,
    perm: str = "cases.supervise",
) -> Case:
    """A case opened by the system side (未诉先办): a supervisor turns a hot topic into a task,
    a visit finds a problem. It goes straight to `unit`, due at `resolve_by`."""
    require_authenticated(actor)
    require(can_in_area(actor, perm, area.path))
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Describe the task.")
    if resolve_by <= timezone.now():
        errors["due"] = _("The deadline must be in the future.")
    if unit.dissolved_on is not None:
        errors["unit"] = _("The unit is dissolved.")
    if errors:
        raise ValidationFailed(fields=errors)
    now = timezone.now()
    number = _next_number(now)
    case = Case.objects.create(
        number=number,
        service=service,
        area=area,
        area_path=area.path,
        title=title.strip()[:200] or description.strip()[:60],
        description=description.strip()[:MAX_DESCRIPTION],
        channel=Channel.PROACTIVE,
        contact_name=str(actor)[:100],
        tracking_token=secrets.token_urlsafe(24),
        submitted_at=now,
        accept_due_at=min(
            add_hours(now, service.accept_hours, working_days=service.working_days), resolve_by
        ),
        resolve_due_at=resolve_by,
    )
    _event(case, actor=actor, kind=EventKind.SUBMITTED, public=False)
    audit_record(
        actor=actor,
        action="cases.case.opened",
        obj=case,
        new={"service": service.code, "area": area.code, "unit": unit.pk, "channel": case.channel},
    )
    _route(case, unit=unit, actor=actor, kind=EventKind.DISPATCHED)
    return case


@transaction.atomic
def case_urge(*, actor: Any, case: Case, note: str = "", supervise: bool = False) -> Case:
    """A supervisor urges (催办) or formally supervises (督办) the unit on an open case."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.supervise", case.area_path))
    _expect(case, OPEN_STATES, _("urged"), None)
    kind = EventKind.SUPERVISED if supervise else EventKind.URGED
    _event(case, actor=actor, kind=kind, unit=case.lead_unit, note=note.strip(), public=False)
    _audit(actor, "supervised" if supervise else "urged", case, {}, {"note": note.strip()})
    _tell_unit(
        case,
        case.lead_unit,
        f"case.{kind}",
        lambda: (
            (
                _("Case %(number)s is under supervision: %(note)s")
                if supervise
                else _("Case %(number)s is urged: %(note)s")
            )
            % {"number": case.number, "note": note.strip() or "—"}
        ),
    )
    return case


@transaction.atomic
def case_whistle(
    *, actor: Any, case: Case, units: Sequence[Unit], hours: int = 24, note: str = ""
) -> list[Assist]:
    """A street calls departments in (吹哨报到): each must respond within `hours`."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.supervise", case.area_path) or _may_handle(actor, case))
    _expect(case, OPEN_STATES - {State.SUBMITTED, State.RETURNED}, _("escalated"), None)
    if not units:
        raise ValidationFailed(fields={"units": _("Choose the units to call in.")})
    if not 1 <= hours <= 720:
        raise ValidationFailed(fields={"hours": _("Between 1 and 720 hours.")})
    wanted = {unit.pk for unit in units}
    if len(wanted) != whistle_target_units(case=case).filter(pk__in=wanted).count():
        raise ValidationFailed(fields={"units": _("Call in units that serve this case's place.")})
    due = timezone.now() + dt.timedelta(hours=hours)
    made = []
    for unit in units:
        if unit.pk == case.lead_unit_id:
            continue
        assist, created = Assist.objects.get_or_create(
            case=case,
            unit=unit,
            defaults={"kind": Assist.Kind.WHISTLE, "respond_due_at": due, "note": note.strip()[:500]},
        )
        if created:
            made.append(assist)
            _tell_unit(
                case,
                unit,
                "case.whistled",
                lambda: (
                    _("Your unit is called in on case %(number)s; respond within %(hours)d hours.")
                    % {"number": case.number, "hours": hours}
                ),
            )
    _event(
        case,
        actor=actor,
        kind=EventKind.WHISTLED,
        note=", ".join(a.unit.name for a in made) + (f" — {note.strip()}" if note.strip() else ""),
    )
    _audit(actor, "whistled", case, {}, {"units": [a.unit_id for a in made], "hours": hours})
    return made


@transaction.atomic
def case_assist(*, actor: Any, case: Case, unit: Unit, note: str = "") -> Assist:
    """The lead unit (or a dispatcher) adds an assisting unit."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case) or can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, OPEN_STATES - {State.SUBMITTED, State.RETURNED}, _("given assisting units"), None)
    if unit.pk == case.lead_unit_id or Assist.objects.filter(case=case, unit=unit).exists():
        raise _conflict(case, _("This unit already works on the case."))
    assist = Assist.objects.create(case=case, unit=unit, kind=Assist.Kind.ASSIST, note=note.strip()[:500])
    _event(case, actor=actor, kind=EventKind.ASSISTED, unit=unit, note=note.strip())
    _audit(actor, "assisted", case, {}, {"unit": unit.pk})
    _tell_unit(
        case,
        unit,
        "case.assisted",
        lambda: _("Your unit assists on case %(number)s.") % {"number": case.number},
    )
    return assist


@transaction.atomic
def assist_respond(*, actor: Any, assist: Assist, note: str) -> Assist:
    """A called-in or assisting unit reports in."""
    require_authenticated(actor)
    require(can_act_for_unit(actor, "cases.handle", assist.unit))
    assist = Assist.objects.select_for_update(of=("self",)).select_related("case", "unit").get(pk=assist.pk)
    if assist.responded_at is not None:
        raise Conflict(_("This unit has already responded."))
    if not note.strip():
        raise ValidationFailed(fields={"note": _("Say what your unit will do.")})
    assist.responded_at = timezone.now()
    assist.note = note.strip()[:500]
    assist.save(update_fields=["responded_at", "note", "updated_at"])
    _event(assist.case, actor=actor, kind=EventKind.RESPONDED, unit=assist.unit, note=note.strip())
    _audit(actor, "responded", assist.case, {}, {"unit": assist.unit_id})
    return assist


@transaction.atomic
def case_note(*, actor: Any, case: Case, note: str, public: bool = False) -> CaseEvent:
    """A progress note by the unit working on the case."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case) or can_in_area(actor, "cases.dispatch", case.area_path))
    if not note.strip():
        raise ValidationFailed(fields={"note": _("Write the note.")})
    event = _event(
        case, actor=actor, kind=EventKind.NOTE, unit=case.lead_unit, note=note.strip()[:4000], public=public
    )
    _audit(actor, "noted", case, {}, {"public": public})
    return event


@transaction.atomic
def case_hide_details(*, actor: Any, case: Case, public_description: str) -> Case:
    """A moderator hides personal details from public view; the original stays for staff.
    Every field the public sees is rewritten from the moderated text: the title too, which
    intake cut from the original text (the audit event keeps the title it replaced)."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.moderate", case.area_path))
    old = {"details_hidden": case.details_hidden, "title": case.title}
    case.details_hidden = True
    case.public_description = public_description.strip()[:MAX_DESCRIPTION]
    case.title = case.public_description[:TITLE_CHARS]
    _save(case, ["details_hidden", "public_description", "title"])
    _event(case, actor=actor, kind=EventKind.HIDDEN, public=False)
    _audit(actor, "hidden", case, old, {"details_hidden": True, "title": case.title})
    return case


# Deadlines ----------------------------------------------------------------------------------------


def deadlines_mark(*, now: dt.datetime | None = None) -> int:
    """Recolour open cases by their deadlines (blue, yellow, red); safe to run twice."""
    now = now or timezone.now()
    changed = 0
    candidates = Case.objects.filter(state__in=OPEN_STATES, resolve_due_at__isnull=False).filter(
        Q(resolve_due_at__lte=now + dt.timedelta(days=60))
    )
    for pk, submitted, due, colour in candidates.values_list(
        "pk", "submitted_at", "resolve_due_at", "colour"
    ).iterator():
        new = colour_for(now=now, submitted_at=submitted, resolve_due_at=due)
        if new == colour:
            continue
        with transaction.atomic():
            updated = Case.objects.filter(pk=pk, colour=colour, state__in=OPEN_STATES).update(
                colour=new, updated_at=now
            )
            if updated:
                changed += 1
                case = Case.objects.get(pk=pk)
                CaseEvent.objects.create(
                    case=case, at=now, kind=EventKind.COLOUR, from_state="", note=new or "—", public=False
                )
                audit_record(
                    actor=None,
                    action="cases.case.colour_changed",
                    obj=case,
                    old={"colour": colour},
                    new={"colour": new},
                )
    return changed


# Catalog and Open311 keys ------------------------------------------------------------------------


@transaction.atomic
def rule_set(*, actor: Any, service: Service, area: Area, unit: Unit) -> RoutingRule:
    """Route `service` in `area`'s subtree to `unit` (replacing an earlier rule there)."""
    require_authenticated(actor)
    require(can_in_area(actor, "cases.manage_catalog", area))
    rule, created = RoutingRule.objects.update_or_create(
        service=service, area=area, defaults={"unit": unit, "area_path": area.path}
    )
    audit_record(
        actor=actor,
        action="cases.rule.set",
        obj=rule,
        area_path=area.path,
        new={"service": service.code, "area": area.code, "unit": unit.pk, "created": created},
    )
    return rule


@transaction.atomic
def rule_delete(*, actor: Any, rule: RoutingRule) -> None:
    """Stop routing a service in an area's subtree by that rule (intake falls back to the
    rules above it, or the dispatchers)."""
    require_authenticated(actor)
    require(can_in_area(actor, "cases.manage_catalog", rule.area_path))
    audit_record(
        actor=actor,
        action="cases.rule.deleted",
        obj=rule,
        area_path=rule.area_path,
        old={"service": rule.service.code, "area": rule.area.code, "unit": rule.unit_id},
    )
    rule.delete()


OPEN311_PREFIX = "o311_"


@dataclass(frozen=True)
class IssuedKey:
    key: Open311Key
    secret: str


@transaction.atomic
def open311_key_create(*, actor: Any, name: str, person: Person | None = None) -> IssuedKey:
    """Issue an Open311 api_key for a client application (operators and superusers)."""
    if actor is not None:
        require(is_superuser(actor))
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": _("Give a name of 1 to 100 characters.")})
    prefix = secrets.token_hex(4)
    secret = f"{OPEN311_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
    key = Open311Key.objects.create(
        name=name, prefix=prefix, digest=hashlib.sha256(secret.encode()).hexdigest(), person=person
    )
    audit_record(actor=actor, action="cases.open311_key.created", obj=key, new={"name": name})
    return IssuedKey(key=key, secret=secret)


def open311_key_check(secret: str) -> Open311Key | None:
    parts = secret.split("_")
    if len(parts) < 3 or not secret.startswith(OPEN311_PREFIX):
        return None
    key = Open311Key.objects.filter(prefix=parts[1], revoked_at__isnull=True).select_related("person").first()
    if key is None or not secrets.compare_digest(key.digest, hashlib.sha256(secret.encode()).hexdigest()):
        return None
    return key
