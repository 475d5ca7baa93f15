"""Convenience services and their appointments: staff set a service up with its weekly slots; a
resident books a slot (or staff book one on behalf of a person without an account), cancels it
up to the service's deadline; staff mark it served or missed; a reminder goes out the day before.

A booking locks the service's row first, so the places of a slot are counted and given under one
lock (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialize writers): the last
place goes to exactly one person. Every move is checked against the table in
`needle.center.states` and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.center.models import HOLDING, Appointment, AppointmentStatus, Audience, Service, SlotPattern
from needle.center.services.activities import MAX_CAPACITY, _check_center, check_age_range
from needle.center.services.moves import status_move
from needle.center.services.registrations import OnBehalf, new_code, record_for
from needle.center.states import APPOINTMENT_MOVES, REGISTRANT, STAFF, capacities, is_booker
from needle.core import periods
from needle.core.audit import audit_record, snapshot
from needle.core.errors import Conflict, ValidationFailed
from needle.core.states import wrong_status
from needle.notify.messages import Message
from needle.notify.services import notify, sms_to_phone
from needle.orgs.models import Person, PersonRecord, Unit
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.orgs.services import person_set_birth_year

# How far ahead a slot may be booked: the staff plan a fortnight, residents book within it.
HORIZON_DAYS = 14
# Staff mark a person served (or absent) on the day: from this long before the slot's start.
MARK_LEEWAY = dt.timedelta(hours=1)
MAX_MINUTES = 8 * 60
MAX_CANCEL_HOURS = 7 * 24
SERVICE_FIELDS = [
    "center",
    "name",
    "name_en",
    "description",
    "audience",
    "min_age",
    "max_age",
    "minutes",
    "provider",
    "price",
    "cancel_until_hours",
    "active",
]


@dataclass(frozen=True)
class Slot:
    """One slot of a weekly pattern: weekday (Monday 0), local start time, places."""

    weekday: int
    start: dt.time
    capacity: int


@dataclass(frozen=True)
class ServiceDraft:
    name: str
    audience: str
    minutes: int
    slots: list[Slot] = field(default_factory=list)
    name_en: str = ""
    description: str = ""
    min_age: int | None = None
    max_age: int | None = None
    provider: str = ""
    price: str = ""
    cancel_until_hours: int = 2
    active: bool = True


def _check_service(d: ServiceDraft) -> None:
    errors: dict[str, str] = {}
    if not d.name.strip() or len(d.name.strip()) > 100:
        errors["name"] = _("Give a name of 1 to 100 characters.")
    if len(d.name_en.strip()) > 100:
        errors["name_en"] = _("At most 100 characters.")
    if d.audience not in Audience.values:
        errors["audience"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(Audience.values)}
    if not 1 <= d.minutes <= MAX_MINUTES:
        errors["minutes"] = _("Give a number from 1 to %(max)d.") % {"max": MAX_MINUTES}
    if len(d.provider) > 100:
        errors["provider"] = _("At most 100 characters.")
    if len(d.price) > 50:
        errors["price"] = _("At most 50 characters.")
    if not 0 <= d.cancel_until_hours <= MAX_CANCEL_HOURS:
        errors["cancel_until_hours"] = _("Give a number from 0 to %(max)d.") % {"max": MAX_CANCEL_HOURS}
    check_age_range(errors, d.min_age, d.max_age)
    seen: set[tuple[int, dt.time]] = set()
    for i, slot in enumerate(d.slots):
        if not 0 <= slot.weekday <= 6:
            errors[f"slots.{i}.weekday"] = _("Give a weekday from 0 (Monday) to 6 (Sunday).")
        if not 1 <= slot.capacity <= MAX_CAPACITY:
            errors[f"slots.{i}.capacity"] = _("Give a number from 1 to %(max)d.") % {"max": MAX_CAPACITY}
        if (slot.weekday, slot.start) in seen:
            errors[f"slots.{i}.start"] = _("This slot is given twice.")
        seen.add((slot.weekday, slot.start))
    if errors:
        raise ValidationFailed(fields=errors)


def _write_slots(service: Service, slots: list[Slot]) -> None:
    SlotPattern.objects.bulk_create(
        SlotPattern(
            service=service,
            weekday=s.weekday,
            start=s.start.replace(second=0, microsecond=0),
            capacity=s.capacity,
        )
        for s in slots
    )


def _service_snapshot(service: Service) -> dict[str, Any]:
    """The service's audited fields with its weekly slots."""
    slots = [f"{p.weekday} {p.start:%H:%M} {p.capacity}" for p in SlotPattern.objects.filter(service=service)]
    return {**snapshot(service, SERVICE_FIELDS), "slots": slots}


def _draft_values(draft: ServiceDraft) -> dict[str, Any]:
    """The service's fields as a draft gives them, for creating and for changing alike."""
    return {
        "name": draft.name.strip(),
        "name_en": draft.name_en.strip(),
        "description": draft.description.strip(),
        "audience": draft.audience,
        "min_age": draft.min_age,
        "max_age": draft.max_age,
        "minutes": draft.minutes,
        "provider": draft.provider.strip(),
        "price": draft.price.strip(),
        "cancel_until_hours": draft.cancel_until_hours,
        "active": draft.active,
    }


@transaction.atomic
def service_create(*, actor: Any, center: Unit, draft: ServiceDraft) -> Service:
    """A convenience service of the center with its weekly slots; audited."""
    require_authenticated(actor)
    require(can_in_area(actor, "center.manage", center.area_path))
    _check_center(center)
    _check_service(draft)
    service = Service.objects.create(
        center=center,
        area_id=center.area_id,
        area_path=center.area_path,
        **_draft_values(draft),
        created_by=actor,
    )
    _write_slots(service, draft.slots)
    audit_record(
        actor=actor,
        action="center.service.created",
        obj=service,
        area_path=service.area_path,
        new=_service_snapshot(service),
    )
    return service


@transaction.atomic
def service_update(*, actor: Any, service: Service, draft: ServiceDraft) -> Service:
    """Change a service and replace its weekly slots. Appointments already booked keep their
    time even when their slot leaves the pattern (the person was told that time)."""
    require_authenticated(actor)
    service = Service.objects.select_for_update().get(pk=service.pk)
    require(can_in_area(actor, "center.manage", service.area_path))
    _check_service(draft)
    old = _service_snapshot(service)
    for name, value in _draft_values(draft).items():
        setattr(service, name, value)
    service.save()
    SlotPattern.objects.filter(service=service).delete()
    _write_slots(service, draft.slots)
    audit_record(
        actor=actor,
        action="center.service.updated",
        obj=service,
        area_path=service.area_path,
        old=old,
        new=_service_snapshot(service),
    )
    return service


def slot_capacity(service: Service, starts_at: dt.datetime) -> int | None:
    """The places of the pattern's slot at this moment; None when no slot starts then."""
    local = timezone.localtime(starts_at)
    if local.second or local.microsecond:
        return None
    pattern = SlotPattern.objects.filter(
        service=service, weekday=local.weekday(), start=local.time().replace(tzinfo=None)
    ).first()
    return pattern.capacity if pattern else None


def places_taken(service: Service, starts_at: dt.datetime) -> int:
    return Appointment.objects.filter(service=service, starts_at=starts_at, status__in=HOLDING).count()


def _age_error(service: Service, starts_at: dt.datetime, birth_year: int | None) -> str | None:
    if service.min_age is None and service.max_age is None:
        return None
    if birth_year is None:
        return _("This service has an age range: give a year of birth.")
    age = timezone.localtime(starts_at).year - birth_year
    if service.min_age is not None and age < service.min_age:
        return _("This service is for ages %(min)s and over.") % {"min": service.min_age}
    if service.max_age is not None and age > service.max_age:
        return _("This service is for ages up to %(max)s.") % {"max": service.max_age}
    return None


def _slot_error(service: Service, starts_at: dt.datetime) -> str | None:
    now = timezone.now()
    # A moment outside the calendar Needle keeps to would overflow on the local clock.
    if not periods.EARLIEST <= starts_at.date() <= periods.LATEST:
        return _("No slot of this service starts at that time.")
    if slot_capacity(service, starts_at) is None:
        return _("No slot of this service starts at that time.")
    if starts_at <= now:
        return _("This slot has passed.")
    if starts_at > now + dt.timedelta(days=HORIZON_DAYS):
        return _("Slots can be booked up to %(days)d days ahead.") % {"days": HORIZON_DAYS}
    return None


@transaction.atomic
def appointment_book(
    *,
    actor: Any,
    service: Service,
    starts_at: dt.datetime,
    on_behalf: OnBehalf | None = None,
    birth_year: int | None = None,
) -> Appointment:
    """Book the actor (or, by staff, a person without an account) into one slot of the service,
    while a place is free; the person is told. `birth_year`: the actor's, kept in their profile,
    when the service has an age range and the profile lacks it."""
    require_authenticated(actor)
    service = Service.objects.select_for_update(of=("self",)).select_related("area").get(pk=service.pk)
    person: Person | None = None
    record: PersonRecord | None = None
    if on_behalf is not None:
        require(can_in_area(actor, "center.manage", service.area_path))
        record = record_for(actor=actor, area=service.area, on_behalf=on_behalf)
        year = record.birth_year
        mine = Appointment.objects.filter(service=service, starts_at=starts_at, record=record)
    else:
        person = actor
        if birth_year is not None and birth_year != actor.birth_year:
            person_set_birth_year(actor=actor, person=actor, birth_year=birth_year)
        year = actor.birth_year
        mine = Appointment.objects.filter(service=service, starts_at=starts_at, person=actor)
    if not service.active:
        said = _("This service is not taking appointments.")
        raise ValidationFailed(said, fields={"service": said}, code="service_closed")
    slot = _slot_error(service, starts_at)
    if slot:
        raise ValidationFailed(slot, fields={"starts_at": slot}, code="no_such_slot")
    age = _age_error(service, starts_at, year)
    if age:
        name = "on_behalf.age" if on_behalf is not None else "birth_year"
        raise ValidationFailed(age, fields={name: age}, code="not_eligible")
    booked = _("Already booked for this slot.")
    if mine.filter(status__in=HOLDING).exists():
        raise ValidationFailed(booked, fields={"starts_at": booked}, code="already_booked")
    capacity = slot_capacity(service, starts_at) or 0
    if places_taken(service, starts_at) >= capacity:
        full = _("This slot is full.")
        raise ValidationFailed(full, fields={"starts_at": full}, code="slot_full")
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                service=service,
                starts_at=starts_at,
                person=person,
                record=record,
                status=AppointmentStatus.BOOKED,
                code=new_code(),
                booked_by=actor,
            )
    except IntegrityError:
        # The partial unique constraints hold what the check above saw, should it ever race.
        raise ValidationFailed(booked, fields={"starts_at": booked}, code="already_booked") from None
    audit_record(
        actor=actor,
        action="center.appointment.booked",
        obj=appointment,
        area_path=service.area_path,
        new={"service": service.pk, "starts_at": starts_at, "person": person, "record": record},
    )
    _tell_status(appointment, service)
    return appointment


def _locked(appointment: Appointment) -> tuple[Appointment, Service]:
    service = Service.objects.select_for_update().get(pk=appointment.service_id)
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("person", "record")
        .get(pk=appointment.pk)
    )
    return locked, service


def _check_move(actor: Any, appointment: Appointment, service: Service, move: str) -> set[str]:
    """Check that the actor may make `move` from the appointment's state; returns the
    capacities the actor holds."""
    rule = APPOINTMENT_MOVES[move]
    own = REGISTRANT if is_booker(actor, appointment) else None
    held = capacities(actor, own=own, area_path=service.area_path)
    require(bool(held & rule.capacities))
    if appointment.status not in rule.sources:
        raise wrong_status(
            _("This appointment is %(status)s.") % {"status": AppointmentStatus(appointment.status).label},
            appointment.status,
        )
    return held


_DONE = {"cancel": "cancelled", "serve": "served", "no_show": "no_show"}


def _apply(actor: Any, appointment: Appointment, service: Service, move: str, fields: list[str]) -> None:
    status_move(
        actor=actor,
        obj=appointment,
        table=APPOINTMENT_MOVES,
        move=move,
        action=f"center.appointment.{_DONE[move]}",
        area_path=service.area_path,
        fields=fields,
    )
    _tell_status(appointment, service)


@transaction.atomic
def appointment_cancel(*, actor: Any, appointment: Appointment) -> Appointment:
    """The person booked gives the place up until the service's deadline (`cancel_until_hours`
    before the start); staff may until the start. The place is free again at once."""
    require_authenticated(actor)
    appointment, service = _locked(appointment)
    held = _check_move(actor, appointment, service, "cancel")
    now = timezone.now()
    if appointment.starts_at <= now:
        raise Conflict(
            _("The appointment has started."), code="started", extra={"status": appointment.status}
        )
    deadline = appointment.starts_at - dt.timedelta(hours=service.cancel_until_hours)
    if STAFF not in held and now > deadline:
        raise Conflict(
            _("Appointments can be cancelled up to %(hours)d hours before; call the center.")
            % {"hours": service.cancel_until_hours},
            code="too_late",
            extra={"status": appointment.status},
        )
    _apply(actor, appointment, service, "cancel", [])
    return appointment


@transaction.atomic
def appointment_mark(*, actor: Any, appointment: Appointment, served: bool) -> Appointment:
    """Staff note that the person was served (from shortly before the start) or did not come
    (once the slot has started)."""
    require_authenticated(actor)
    appointment, service = _locked(appointment)
    move = "serve" if served else "no_show"
    _check_move(actor, appointment, service, move)
    now = timezone.now()
    opens = appointment.starts_at - MARK_LEEWAY if served else appointment.starts_at
    if now < opens:
        raise Conflict(
            _("The appointment has not started yet."),
            code="not_started",
            extra={"status": appointment.status},
        )
    fields = []
    if served:
        appointment.served_at = now
        fields.append("served_at")
    _apply(actor, appointment, service, move, fields)
    return appointment


# Telling the person ------------------------------------------------------------------------


def _params(appointment: Appointment, service: Service) -> dict[str, Any]:
    start = timezone.localtime(appointment.starts_at)
    return {"name": service.name, "start": start.strftime("%Y-%m-%d %H:%M"), "code": appointment.code}


def _tell(appointment: Appointment, verb: str, message: Message) -> None:
    """In Needle (and their chosen channels) with an account, by a text message to the phone on
    their record without one."""
    if appointment.person_id is not None:
        notify(recipients=[appointment.person], verb=verb, message=message)
    elif appointment.record is not None and appointment.record.phone:
        sms_to_phone(phone=appointment.record.phone, verb=verb, message=message)


def _tell_status(appointment: Appointment, service: Service) -> None:
    texts = {
        AppointmentStatus.BOOKED: gettext_noop(
            "Your appointment for %(name)s on %(start)s is booked; your code is %(code)s."
        ),
        AppointmentStatus.CANCELLED: gettext_noop(
            "Your appointment %(code)s for %(name)s on %(start)s is cancelled."
        ),
        AppointmentStatus.NO_SHOW: gettext_noop("You were marked absent from %(name)s on %(start)s."),
    }
    text = texts.get(AppointmentStatus(appointment.status))
    if text:
        _tell(
            appointment,
            f"center.appointment.{appointment.status}",
            Message(text, _params(appointment, service)),
        )


def appointments_remind(*, now: dt.datetime | None = None) -> int:
    """Remind everyone booked for tomorrow (local day), once each: each reminder is claimed by a
    conditional update of `reminded_at`, so a second run, or two at once, sends nothing more.
    Returns the reminders sent."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(tomorrow, dt.time(), tz)
    end = start + dt.timedelta(days=1)
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, reminded_at__isnull=True, starts_at__gte=start, starts_at__lt=end
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=pk, status=AppointmentStatus.BOOKED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            appointment = Appointment.objects.select_related("service", "person", "record").get(pk=pk)
            text = gettext_noop(
                "A reminder: your appointment for %(name)s is tomorrow, %(start)s (code %(code)s)."
            )
            _tell(
                appointment,
                "center.appointment.reminder",
                Message(text, _params(appointment, appointment.service)),
            )
            sent += 1
    return sent
