"""Registrations: for oneself or, by staff, on behalf of a person without an account; cancelled,
confirmed when a freed seat is offered, checked in at the door; offers that lapse pass on.

Every move locks the activity first (then the registration), so seats are counted and given
under one lock, and checks the move against the table in `needle.center.states`."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area
from needle.center.models import SEATED, Activity, Registration, Series, Status
from needle.center.services.moves import status_move
from needle.center.services.seats import (
    offer_free_seats,
    seats_taken,
    tell_lapsed,
    tell_status,
)
from needle.center.states import MOVES, REGISTRANT, STAFF, capacities, is_registrant
from needle.core.audit import audit_record
from needle.core.errors import Conflict, ValidationFailed
from needle.core.states import wrong_status
from needle.orgs.models import ConsentMethod, Person, PersonRecord
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.orgs.services import person_record_find_or_create, person_set_birth_year

# No 0/O, 1/I/L: a code is read aloud at the door and typed on a tablet.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class OnBehalf:
    """A person without an account, registered by staff: who they are, and how they agreed to
    their details being kept."""

    name: str
    phone: str = ""
    age: int | None = None
    consent: bool = False
    consent_method: str = ConsentMethod.VERBAL_WITNESSED
    address: str = ""


def _age_error(activity: Activity, birth_year: int | None) -> str | None:
    if activity.min_age is None and activity.max_age is None:
        return None
    if birth_year is None:
        return _("This activity has an age range: give a year of birth.")
    age = timezone.localtime(activity.starts_at).year - birth_year
    if activity.min_age is not None and age < activity.min_age:
        return _("This activity is for ages %(min)s and over.") % {"min": activity.min_age}
    if activity.max_age is not None and age > activity.max_age:
        return _("This activity is for ages up to %(max)s.") % {"max": activity.max_age}
    return None


def _window_error(activity: Activity) -> str | None:
    now = timezone.now()
    if now < activity.registration_opens:
        return _("Registration opens on %(when)s.") % {
            "when": timezone.localtime(activity.registration_opens).strftime("%Y-%m-%d %H:%M")
        }
    if now >= activity.registration_closes:
        return _("Registration for this activity is closed.")
    return None


def record_for(*, actor: Any, area: Area, on_behalf: OnBehalf) -> PersonRecord:
    """The shared record of a person without an account, found or made in `area` with their
    consent: what registering and booking on behalf both use."""
    errors: dict[str, str] = {}
    if on_behalf.consent is not True:
        errors["on_behalf.consent"] = _("The person must agree to their details being kept.")
    if on_behalf.age is not None and not 0 <= on_behalf.age <= 120:
        errors["on_behalf.age"] = _("Give an age from 0 to 120.")
    if errors:
        raise ValidationFailed(fields=errors)
    birth_year = timezone.localdate().year - on_behalf.age if on_behalf.age is not None else None
    try:
        record, _made = person_record_find_or_create(
            actor=actor,
            area=area,
            name=on_behalf.name,
            phone=on_behalf.phone,
            birth_year=birth_year,
            address=on_behalf.address,
            consent_method=on_behalf.consent_method,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(fields={f"on_behalf.{k}": v for k, v in exc.fields.items()}) from None
    return record


@dataclass(frozen=True)
class Who:
    """Whom a registration is for: the actor (`person`), or a person without an account
    (`record`: registered on behalf by staff, or by the family member who looks after them)."""

    person: Person | None
    record: PersonRecord | None
    year: int | None
    age_field: str

    @property
    def mine(self) -> Q:
        return Q(record=self.record) if self.record is not None else Q(person=self.person)

    @property
    def home_path(self) -> str:
        if self.record is not None:
            return self.record.area_path
        area = self.person.home_area if self.person is not None else None
        return area.path if area is not None else ""


def _who(
    actor: Any,
    activity: Activity,
    on_behalf: OnBehalf | None,
    family_member: PersonRecord | None,
    birth_year: int | None,
) -> Who:
    if on_behalf is not None:
        require(can_in_area(actor, "center.manage", activity.area_path))
        record = record_for(actor=actor, area=activity.area, on_behalf=on_behalf)
        return Who(None, record, record.birth_year, "on_behalf.age")
    if family_member is not None:
        # Only the one who looks after them registers a family member; to anyone else the
        # record does not exist.
        require(
            family_member.family_of_id == actor.pk and family_member.merged_into_id is None, visible=False
        )
        return Who(None, family_member, family_member.birth_year, "family_member")
    if birth_year is not None and birth_year != actor.birth_year:
        person_set_birth_year(actor=actor, person=actor, birth_year=birth_year)
    return Who(actor, None, actor.birth_year, "birth_year")


def _check_eligible(activity: Activity, who: Who) -> None:
    """The window, the residents' priority and the age range, as they stand for `who` now."""
    window = _window_error(activity)
    if window:
        raise ValidationFailed(window, fields={"activity": window}, code="registration_closed")
    first = activity.residents_first_until
    if first is not None and timezone.now() < first and not who.home_path.startswith(activity.area_path):
        said = _(
            "Until %(when)s this activity is for residents of its community; others may register then."
        ) % {"when": timezone.localtime(first).strftime("%Y-%m-%d %H:%M")}
        raise ValidationFailed(said, fields={"activity": said}, code="residents_first")
    age = _age_error(activity, who.year)
    if age:
        raise ValidationFailed(age, fields={who.age_field: age}, code="not_eligible")


def registration_create(
    *,
    actor: Any,
    activity: Activity,
    on_behalf: OnBehalf | None = None,
    family_member: PersonRecord | None = None,
    birth_year: int | None = None,
) -> Registration:
    """Register the actor, a family member they look after, or (by staff) a person without an
    account for one session: a seat while one is free and nobody waits, else the end of the
    waitlist. `birth_year`: the actor's, kept in their profile, when the activity has an age
    range and the profile lacks it. A session of a series taken whole is registered for with
    `series_register`.

    The registrant is told once the activity's lock is released: every registration for it
    waits on that lock, so it is held for the counting and the writing only."""
    require_authenticated(actor)
    registration, activity = _register(actor, activity, on_behalf, family_member, birth_year)
    tell_status(registration, activity)
    return registration


@transaction.atomic
def _register(
    actor: Any,
    activity: Activity,
    on_behalf: OnBehalf | None,
    family_member: PersonRecord | None,
    birth_year: int | None,
) -> tuple[Registration, Activity]:
    activity = Activity.objects.select_for_update(of=("self",)).select_related("series").get(pk=activity.pk)
    who = _who(actor, activity, on_behalf, family_member, birth_year)
    if activity.series is not None and activity.series.whole:
        said = _("This course is taken whole: register for the series.")
        raise ValidationFailed(said, fields={"activity": said}, code="whole_series")
    _check_eligible(activity, who)
    # One pass over the activity's registrations, under its lock: whether the person stands
    # already, whether anyone waits, the seats taken and the end of the queue.
    tally = Registration.objects.filter(activity=activity).aggregate(
        mine=Count("pk", filter=who.mine & ~Q(status=Status.CANCELLED)),
        waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
        taken=Count("pk", filter=Q(status__in=SEATED)),
        last=Max("queue_number"),
    )
    if tally["mine"]:
        raise Conflict(_("Already registered for this activity."), code="already_registered")
    seated = not tally["waiting"] and tally["taken"] < activity.capacity
    status = Status.CONFIRMED if seated else Status.WAITLISTED
    registration = _create(actor, activity, who, status, None if seated else (tally["last"] or 0) + 1)
    return registration, activity


def _create(actor: Any, activity: Activity, who: Who, status: str, queue_number: int | None) -> Registration:
    try:
        registration = Registration.objects.create(
            activity=activity,
            person=who.person,
            record=who.record,
            status=status,
            queue_number=queue_number,
            code=new_code(),
            registered_by=actor,
        )
    except IntegrityError:
        # The unique constraints hold what the check above saw, should it ever race; the
        # transaction is rolled back as the refusal leaves it.
        raise Conflict(_("Already registered for this activity."), code="already_registered") from None
    audit_record(
        actor=actor,
        action="center.registration.created",
        obj=registration,
        area_path=activity.area_path,
        new={"activity": activity.pk, "status": status, "person": who.person, "record": who.record},
    )
    return registration


def series_register(
    *,
    actor: Any,
    series: Series,
    on_behalf: OnBehalf | None = None,
    family_member: PersonRecord | None = None,
    birth_year: int | None = None,
) -> list[Registration]:
    """A seat in every session of the series still to come, or none: a course taken whole
    does not waitlist (a place in some sessions is no place in the course), so a session
    without a free seat, or with people waiting, refuses the whole, naming the session."""
    require_authenticated(actor)
    made, sessions = _register_series(actor, series, on_behalf, family_member, birth_year)
    if made:
        tell_status(made[0], sessions[0])
    return made


@transaction.atomic
def _register_series(
    actor: Any,
    series: Series,
    on_behalf: OnBehalf | None,
    family_member: PersonRecord | None,
    birth_year: int | None,
) -> tuple[list[Registration], list[Activity]]:
    # Every session locked, in one order, so two series registrations cannot deadlock.
    sessions = list(
        Activity.objects.select_for_update()
        .filter(series=series, starts_at__gt=timezone.now())
        .order_by("starts_at", "pk")
    )
    if not sessions:
        said = _("This series has no session still to come.")
        raise ValidationFailed(said, fields={"series": said}, code="registration_closed")
    who = _who(actor, sessions[0], on_behalf, family_member, birth_year)
    _check_eligible(sessions[0], who)
    tallies = {
        row["activity_id"]: row
        for row in Registration.objects.filter(activity__in=sessions)
        .values("activity_id")
        .annotate(
            mine=Count("pk", filter=who.mine & ~Q(status=Status.CANCELLED)),
            waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
            taken=Count("pk", filter=Q(status__in=SEATED)),
        )
        .order_by()
    }
    for session in sessions:
        tally = tallies.get(session.pk, {"mine": 0, "waiting": 0, "taken": 0})
        if tally["mine"]:
            raise Conflict(_("Already registered for this activity."), code="already_registered")
        if tally["waiting"] or tally["taken"] >= session.capacity:
            said = _("The session of %(when)s is full: the series cannot be taken whole.") % {
                "when": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
            }
            raise ValidationFailed(said, fields={"series": said}, code="series_full")
    return [_create(actor, s, who, Status.CONFIRMED, None) for s in sessions], sessions


def _capacities(actor: Any, registration: Registration, activity: Activity) -> set[str]:
    own = REGISTRANT if is_registrant(actor, registration) else None
    return capacities(actor, own=own, area_path=activity.area_path)


def _locked(registration: Registration) -> tuple[Registration, Activity]:
    activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("person", "record")
        .get(pk=registration.pk)
    )
    return locked, activity


def _move(actor: Any, registration: Registration, activity: Activity, move: str) -> str:
    """Check that the actor may make `move` now; returns the state it leaves."""
    rule = MOVES[move]
    require(bool(_capacities(actor, registration, activity) & rule.capacities))
    if registration.status not in rule.sources:
        raise wrong_status(
            _("This registration is %(status)s.") % {"status": Status(registration.status).label},
            registration.status,
        )
    return registration.status


# The audit action each move writes ("center.registration.<past>").
_DONE = {
    "confirm": "confirmed",
    "lapse": "lapsed",
    "cancel": "cancelled",
    "check_in": "checked_in",
    "no_show": "no_show",
}


def _apply(actor: Any, registration: Registration, activity: Activity, move: str, fields: list[str]) -> None:
    status_move(
        actor=actor,
        obj=registration,
        table=MOVES,
        move=move,
        action=f"center.registration.{_DONE[move]}",
        area_path=activity.area_path,
        fields=fields,
    )
    if move == "lapse":
        tell_lapsed(registration, activity)
    else:
        tell_status(registration, activity)


@transaction.atomic
def registration_cancel(*, actor: Any, registration: Registration) -> Registration:
    """The registrant (or staff) gives the place up; a freed seat is offered to the first in line."""
    require_authenticated(actor)
    registration, activity = _locked(registration)
    before = _move(actor, registration, activity, "cancel")
    # Once it has started a seat can no longer be given up (nor an absence erased) but by staff.
    if activity.starts_at <= timezone.now() and STAFF not in _capacities(actor, registration, activity):
        raise Conflict(_("The activity has started."), code="started")
    registration.offered_until = None
    _apply(actor, registration, activity, "cancel", ["offered_until"])
    if before in SEATED:
        offer_free_seats(activity)
    return registration


@transaction.atomic
def registration_confirm(*, actor: Any, registration: Registration) -> Registration:
    """Take the seat offered, before the offer lapses."""
    require_authenticated(actor)
    registration, activity = _locked(registration)
    _move(actor, registration, activity, "confirm")
    if registration.offered_until is not None and registration.offered_until <= timezone.now():
        raise Conflict(
            _("This offer has lapsed."), code="offer_lapsed", extra={"status": registration.status}
        )
    registration.offered_until = None
    _apply(actor, registration, activity, "confirm", ["offered_until"])
    return registration


@transaction.atomic
def registration_check_in(*, actor: Any, registration: Registration) -> Registration:
    """Staff at the door let the registrant in (by the code they show or say)."""
    require_authenticated(actor)
    registration, activity = _locked(registration)
    _move(actor, registration, activity, "check_in")
    registration.attended_at = timezone.now()
    _apply(actor, registration, activity, "check_in", ["attended_at"])
    return registration


@transaction.atomic
def registration_mark_no_show(*, actor: Any, registration: Registration) -> Registration:
    """Staff note that a confirmed registrant did not come, once the activity has started."""
    require_authenticated(actor)
    registration, activity = _locked(registration)
    _move(actor, registration, activity, "no_show")
    if activity.starts_at > timezone.now():
        raise Conflict(_("The activity has not started yet."), code="not_started")
    _apply(actor, registration, activity, "no_show", [])
    return registration


# Feedback is asked of those who came, for this long after the end.
FEEDBACK_DAYS = 30
MAX_COMMENT = 1000


@transaction.atomic
def registration_feedback(
    *, actor: Any, registration: Registration, rating: int, comment: str = ""
) -> Registration:
    """One who came rates the activity, 1 to 5, with a comment if they like; once."""
    require_authenticated(actor)
    registration, activity = _locked(registration)
    require(registration.person_id is not None and registration.person_id == actor.pk, visible=False)
    if registration.status != Status.ATTENDED:
        raise wrong_status(_("Feedback is for those who came."), registration.status)
    if registration.rating is not None:
        raise Conflict(_("Feedback was given already."), code="already_rated")
    if timezone.now() > activity.ends_at + dt.timedelta(days=FEEDBACK_DAYS):
        raise Conflict(
            _("Feedback is taken for %(n)s days after the activity.") % {"n": FEEDBACK_DAYS}, code="too_late"
        )
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = _("Give a rating from 1 to 5.")
    comment = comment.replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("Keep the comment to %(n)s characters.") % {"n": MAX_COMMENT}
    if errors:
        raise ValidationFailed(fields=errors)
    registration.rating, registration.comment, registration.rated_at = rating, comment, timezone.now()
    registration.save(update_fields=["rating", "comment", "rated_at", "updated_at"])
    audit_record(
        actor=actor,
        action="center.registration.rated",
        obj=registration,
        area_path=activity.area_path,
        new={"rating": rating, "comment": bool(comment)},
    )
    return registration


# Walk-ins are let in from this long before the start until the activity ends.
DOORS_OPEN = dt.timedelta(hours=1)


@transaction.atomic
def registration_walk_in(*, actor: Any, activity: Activity, on_behalf: OnBehalf) -> Registration:
    """Staff at the door seat someone who did not register (recorded as a person without an
    account, with their consent; found again if they were recorded before) and check them in.

    Before the start a walk-in takes only a seat that is free with nobody waiting, as any
    registration would: a waitlisted person never loses their turn to someone at the door.
    From the start, offers stop (offer_free_seats) and the seats of those who have not come are
    released: a walk-in is seated while fewer than the capacity are checked in."""
    require_authenticated(actor)
    activity = Activity.objects.select_for_update(of=("self",)).select_related("area").get(pk=activity.pk)
    require(can_in_area(actor, "center.manage", activity.area_path))
    now = timezone.now()
    if not activity.starts_at - DOORS_OPEN <= now < activity.ends_at:
        said = _("Walk-ins are let in from an hour before the start until the end.")
        raise ValidationFailed(said, fields={"activity": said}, code="not_open")
    if now < activity.starts_at:
        waiting = Registration.objects.filter(activity=activity, status=Status.WAITLISTED).exists()
        free = not waiting and seats_taken(activity) < activity.capacity
    else:
        came = Registration.objects.filter(activity=activity, status=Status.ATTENDED).count()
        free = came < activity.capacity
    if not free:
        said = _("No seat is free for a walk-in.")
        raise ValidationFailed(said, fields={"activity": said}, code="full")
    record = record_for(actor=actor, area=activity.area, on_behalf=on_behalf)
    who = Who(None, record, record.birth_year, "on_behalf.age")
    age = _age_error(activity, who.year)
    if age:
        raise ValidationFailed(age, fields={who.age_field: age}, code="not_eligible")
    if (
        Registration.objects.filter(activity=activity)
        .filter(who.mine)
        .exclude(status=Status.CANCELLED)
        .exists()
    ):
        raise Conflict(_("Already registered for this activity."), code="already_registered")
    registration = _create(actor, activity, who, Status.CONFIRMED, None)
    registration.attended_at = now
    _apply(actor, registration, activity, "check_in", ["attended_at"])
    return registration


@transaction.atomic
def activity_mark_absentees(*, actor: Any, activity: Activity) -> int:
    """Once the activity has started, staff mark everyone still confirmed as absent in one go
    (the attendance sheet's last step); one who comes late can still be checked in."""
    require_authenticated(actor)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(can_in_area(actor, "center.manage", activity.area_path))
    if activity.starts_at > timezone.now():
        raise Conflict(_("The activity has not started yet."), code="not_started")
    rows = list(
        Registration.objects.select_for_update(of=("self",))
        .select_related("person", "record")
        .filter(activity=activity, status__in=MOVES["no_show"].sources)
    )
    for registration in rows:
        _apply(actor, registration, activity, "no_show", [])
    return len(rows)


def offers_lapse() -> int:
    """Offers not taken in time are cancelled and their seats offered to the next in line.
    Returns how many lapsed; safe to run twice (a lapsed offer is no longer offered)."""
    due = (
        Registration.objects.filter(status=Status.OFFERED, offered_until__lte=timezone.now())
        .values_list("activity_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for activity_id in list(due):
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity_id)
            rows = Registration.objects.select_related("person", "record").filter(
                activity=activity, status__in=MOVES["lapse"].sources, offered_until__lte=timezone.now()
            )
            for registration in rows:
                registration.offered_until = None
                _apply(None, registration, activity, "lapse", ["offered_until"])
                lapsed += 1
            offer_free_seats(activity)
    return lapsed
