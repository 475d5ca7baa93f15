"""Taking in a request: validation, the place, numbering, idempotency keys, the case row and
what follows it; and the cases the system side opens itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.areas.selectors import area_at
from needle.cases.deadlines import add_hours
from needle.cases.models import (
    OPEN_STATES,
    AttributeType,
    Case,
    CaseCounter,
    CaseEvent,
    Channel,
    EventKind,
    Photo,
    Service,
    State,
)
from needle.cases.services._common import MAX_DESCRIPTION, _event, _event_row, _locked, _tell_unit
from needle.cases.services.lifecycle import case_answer
from needle.cases.services.routing import _dispatched_text, _route, _routing_rows, _send, rule_for
from needle.cases.uploads import MAX_PHOTOS, clean_image, photo_files_removed_on_error, store_photo
from needle.core.audit import audit_event, audit_record, audit_record_all
from needle.core.errors import ValidationFailed
from needle.core.jobs import job_enqueue
from needle.core.text import bounded, too_long
from needle.orgs.models import Person, Unit, phone_validator
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated

REPEAT_WINDOW = dt.timedelta(days=30)


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
    # Opt-in: the name goes on the public list only when the resident chose so.
    show_name: bool = False
    # A request filed on someone's behalf from a protected record (a care household's problem)
    # stays off the public list until a moderator puts it on.
    public: bool = True
    consent: bool = True
    channel: str = Channel.WEB
    idempotency_key: str | None = None
    photos: Sequence[bytes] = ()
    # Staff taking a call who answered the question on it (直接答复): the case is done at once.
    answer: str = ""


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
    for field, value, limit in (
        ("address", intake.address, 300),
        ("title", intake.title, 200),
        ("contact_name", intake.contact_name, 100),
    ):
        error = too_long(value.strip(), limit)
        if error:
            errors[field] = error
    if len(intake.photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
    if intake.answer and intake.channel not in (Channel.PHONE, Channel.STAFF):
        errors["answer"] = _("Only staff taking a request answer it at intake.")
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
    elif intake.lat is not None:
        # A pin inside an outline below the chosen area (a grid of the chosen community)
        # places the case there.
        area = area_at(lat=intake.lat, lng=intake.lng, within=area) or area  # type: ignore[arg-type]
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


def case_submit(*, actor: Actor | None, intake: Intake) -> Case:
    """Take in a request (see `case_submit_or_get`)."""
    return case_submit_or_get(actor=actor, intake=intake)[0]


@photo_files_removed_on_error
def case_submit_or_get(*, actor: Actor | None, intake: Intake) -> tuple[Case, bool]:
    """Take in a request: validate, number it, set deadlines, route it when a rule is
    certain, link a repeat, store photos; after commit a job notifies the unit and lets the
    classifier triage the case. Returns the case and whether it is new: with an idempotency
    key already used by the same channel and sender, the first case comes back and nothing is
    created. With an `answer` (staff who answered the question on the call) the case is
    answered at once (case_answer), in the same transaction, and goes to no unit."""
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
            case = _create(actor, intake, area, answers, images, number)
            if intake.answer:
                case = case_answer(actor=actor, case=case, answer=intake.answer)  # type: ignore[arg-type]
            return case, True
    except IntegrityError:
        if key:
            existing = _keyed(key)
            if existing is not None:
                return existing, False
        raise


def idempotency_key(*, channel: str, actor: Actor | None, key: str) -> str:
    """The stored form of a client's idempotency key ("" for none). The channel and the sender
    (the person, or "anonymous") come from the server and the client's key is hashed after
    them, so no key a client sends can name another channel's or another person's case."""
    if not key:
        return ""
    owner = f"p{actor.pk}" if actor is not None and actor.pk else "anonymous"
    return f"{channel}:{owner}:{hashlib.sha256(key.encode()).hexdigest()}"


def _keyed(idempotency_key: str) -> Case | None:
    # Nearly every key is new: ask for the id alone, load the case only for a resubmission.
    pk = Case.objects.filter(idempotency_key=idempotency_key).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return Case.objects.select_related("service", "area", "lead_unit").defer("area__boundary").get(pk=pk)


def _create(
    actor: Actor | None, intake: Intake, area: Area, answers: dict[str, Any], images: list[Any], number: str
) -> Case:
    # Routing and the repeat link are decided before the INSERT, so the case row is written
    # once, and its timeline entries and audit events go in one statement each.
    now = timezone.now()
    service = intake.service
    reporter = (
        actor if isinstance(actor, Person) and intake.channel not in (Channel.PHONE, Channel.STAFF) else None
    )
    contact_name = intake.contact_name.strip() or (str(reporter) if reporter else "")
    contact_phone = intake.contact_phone.strip() or (reporter.phone if reporter else "")
    # A question answered on the call goes to no unit.
    rule = rule_for(service, area) if not intake.answer else None
    case = Case(
        number=number,
        service=service,
        area=area,
        area_path=area.path,
        lat=intake.lat,
        lng=intake.lng,
        address=intake.address.strip(),
        title=intake.title.strip() or intake.description.strip()[:60],
        description=intake.description.strip(),
        attributes=answers,
        channel=intake.channel,
        reporter=reporter,
        contact_name=contact_name[:100],  # a reporter's own name may be longer than the field
        contact_phone=contact_phone,
        contact_email=intake.contact_email.strip() or (reporter.email if reporter else ""),
        show_name=intake.show_name,
        # A resident's request is public (its service permitting) until a moderator says not.
        public=intake.public,
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
            case, actor=actor, kind=EventKind.SUBMITTED, code="received", params={"channel": case.channel}
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
        event, audit = _routing_rows(
            case,
            routed,
            actor=None,
            kind=EventKind.ROUTED,
            code="routed_rule",
            params={"area": rule.area.name, "unit": rule.unit.name},
        )
        events.append(event)
        audits.append(audit)
    if case.repeat_of is not None:
        Case.objects.filter(pk=case.repeat_of.pk).update(repeat_count=F("repeat_count") + 1, updated_at=now)
        events.append(
            CaseEvent(
                case=case.repeat_of,
                at=now,
                kind=EventKind.REPEATED,
                code="repeated",
                params={"number": case.number},
                public=False,
            )
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
def case_open(
    *,
    actor: Actor,
    service: Service,
    area: Area,
    unit: Unit,
    title: str,
    description: str,
    resolve_by: dt.datetime,
    perm: str = "cases.supervise",
) -> Case:
    """A case opened by the system side (未诉先办): a supervisor turns a hot topic into a task,
    a visit finds a problem. It goes straight to `unit`, due at `resolve_by`. Not public: it
    is an instruction to a unit, until a moderator puts it on the public list."""
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
        title=bounded(title, limit=200, field="title") or description.strip()[:60],
        description=bounded(description, limit=MAX_DESCRIPTION, field="description"),
        channel=Channel.PROACTIVE,
        contact_name=str(actor)[:100],
        public=False,
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
