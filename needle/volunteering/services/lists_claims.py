"""Claims (认领) and dispatched tasks (派单) on shifts, and the residents' ratings (群众评单).

Lock order, everywhere: the member's person row (when the claim is a member's), the shift, the
claim. The person's lock serializes one member's claims, so two overlapping shifts cannot both
be taken by two requests at once; the shift's lock counts its slots."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.core.audit import audit_record
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import target
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import can_act_for_unit, can_in_area, require, require_authenticated
from needle.volunteering import states
from needle.volunteering.models import (
    HOLDING,
    CheckIn,
    CheckInStatus,
    Claim,
    ClaimStatus,
    Project,
    ProjectStatus,
    Rating,
    Shift,
)
from needle.volunteering.services.lists import (
    NOTE_MAX,
    TEXT_MAX,
    _others,
    _raise,
    _tell_shift,
    _text,
    _unit_people,
    _when,
)


def standing_checkin(person: Person) -> CheckIn | None:
    """The member's confirmed check-in, if it stands: what claiming needs."""
    return CheckIn.objects.filter(person=person, status=CheckInStatus.CONFIRMED).first()


def _lock_person(person: Person) -> None:
    Person.objects.select_for_update().filter(pk=person.pk).first()


def _lock_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update(of=("self",)).select_related("project").get(pk=shift.pk)


def _open_for_claims(shift: Shift) -> None:
    if shift.cancelled:
        raise Conflict(_("This shift is cancelled."))
    if shift.project.status != ProjectStatus.OPEN:
        raise Conflict(_("This project is closed."))
    now = timezone.now()
    if (shift.ends_at is not None and shift.ends_at <= now) or (
        shift.due_on is not None and shift.due_on < timezone.localdate()
    ):
        raise Conflict(_("This shift is over."))


def _room_for(shift: Shift, person: Person | None) -> None:
    """Refuses (409) a full shift, and a member's second claim on it or on a shift that
    overlaps it (a flexible task overlaps nothing)."""
    if person is not None:
        if Claim.objects.filter(shift=shift, person=person, status__in=HOLDING).exists():
            raise Conflict(_("You already hold a place on this shift."), code="already_claimed")
        if shift.starts_at is not None:
            other = (
                Claim.objects.select_related("shift__project")
                .filter(
                    person=person,
                    status__in=HOLDING,
                    starts_at__lt=shift.ends_at,
                    ends_at__gt=shift.starts_at,
                )
                .exclude(shift=shift)
                .first()
            )
            if other is not None:
                raise Conflict(
                    _("This shift overlaps another one held: %(project)s on %(when)s.")
                    % {"project": other.shift.project.title, "when": _when(other.shift)},
                    code="overlapping",
                    extra={"shift": other.shift_id},
                )
    if shift.filled >= shift.slots:
        raise Conflict(_("This shift is full."), code="full")


def _hold(shift: Shift, claim: Claim) -> Claim:
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise Conflict(_("This place is already held."), code="already_claimed") from None
    shift.filled += 1
    shift.save(update_fields=["filled", "updated_at"])
    return claim


def _free(shift: Shift) -> None:
    shift.filled = Claim.objects.filter(shift=shift, status__in=HOLDING).count()
    shift.save(update_fields=["filled", "updated_at"])


@transaction.atomic
def claim_create(*, actor: Any, shift: Shift) -> Claim:
    """The caller claims a place on the shift. Needs a confirmed check-in (403 otherwise, saying
    so); 409 when the shift is full, over, cancelled, or overlaps one the member holds."""
    actor = require_authenticated(actor)
    if standing_checkin(actor) is None:
        raise PermissionDenied(
            _(
                "Only members with a confirmed check-in claim shifts: check in with your home community first."
            ),
            code="not_checked_in",
        )
    _lock_person(actor)
    shift = _lock_shift(shift)
    _open_for_claims(shift)
    _room_for(shift, actor)
    claim = _hold(
        shift,
        Claim(
            shift=shift,
            person=actor,
            status=ClaimStatus.CLAIMED,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        ),
    )
    audit_record(actor=actor, action="volunteering.claim.claimed", obj=claim, area_path=shift.area_path)
    return claim


@transaction.atomic
def claim_dispatch(
    *, actor: Any, shift: Shift, person: Person | None = None, unit: Unit | None = None, note: str = ""
) -> Claim:
    """Staff assign a task (派单) to a checked-in member or to a unit; it holds a slot while it
    waits for their answer."""
    actor = require_authenticated(actor)
    # First who may: the answers below would tell anyone whether a member has checked in.
    require(can_in_area(actor, "volunteering.manage", shift.area_path))
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, NOTE_MAX)
    if (person is None) == (unit is None):
        errors["person"] = _("Give a member or a unit, not both.")
    elif person is not None and standing_checkin(person) is None:
        errors["person"] = _("This member has no confirmed check-in.")
    _raise(errors)
    if person is not None:
        _lock_person(person)
    shift = _lock_shift(shift)
    require(can_in_area(actor, "volunteering.manage", shift.area_path))
    _open_for_claims(shift)
    if unit is not None and Claim.objects.filter(shift=shift, unit=unit, status__in=HOLDING).exists():
        raise Conflict(_("This unit already holds a place on this shift."), code="already_claimed")
    _room_for(shift, person)
    claim = _hold(
        shift,
        Claim(
            shift=shift,
            person=person,
            unit=unit,
            status=ClaimStatus.DISPATCHED,
            dispatched_by=actor,
            reason=note,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        ),
    )
    audit_record(
        actor=actor,
        action="volunteering.claim.dispatched",
        obj=claim,
        area_path=shift.area_path,
        new={"person": person.pk if person else None, "unit": unit.code if unit else None},
    )
    _tell_shift(
        [person] if person is not None else _unit_people(unit) if unit is not None else [],
        "volunteering.claim.dispatched",
        gettext_noop("A task for you: %(project)s on %(when)s. Please accept or decline it."),
        shift,
    )
    return claim


def capacities(actor: Any, claim: Claim) -> frozenset[str]:
    """What the actor is to the claim: its member, its unit's people, the community's staff."""
    held: set[str] = set()
    if claim.person_id is not None and claim.person_id == getattr(actor, "pk", None):
        held.add(states.MEMBER)
    if claim.unit is not None and can_act_for_unit(actor, "volunteering.view", claim.unit):
        held.add(states.UNIT)
    if can_in_area(actor, "volunteering.manage", claim.shift.area_path):
        held.add(states.STAFF)
    return frozenset(held)


def _move(actor: Any, claim: Claim, name: str) -> tuple[Shift, Claim]:
    actor = require_authenticated(actor)
    if claim.person is not None:
        _lock_person(claim.person)
    shift = _lock_shift(claim.shift)
    claim = Claim.objects.select_for_update(of=("self",)).select_related("person", "unit").get(pk=claim.pk)
    claim.shift = shift
    move = states.CLAIM_MOVES[name]
    if not capacities(actor, claim) & move.capacities:
        raise PermissionDenied()
    if claim.status not in move.sources:
        raise Conflict(
            _("A claim that is %(state)s cannot be %(move)s.")
            % {"state": claim.get_status_display(), "move": name}
        )
    return shift, claim


def _to(claim: Claim, name: str, reason: str | None = None) -> None:
    claim.status = target(states.CLAIM_MOVES, name)
    fields = ["status", "updated_at"]
    if reason is not None:
        claim.reason = reason
        fields.append("reason")
    claim.save(update_fields=fields)


def _reason(reason: Any, *, required: bool = False) -> str:
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, NOTE_MAX, required=required)
    _raise(errors)
    return reason


def _release(actor: Any, claim: Claim, name: str, action: str, reason: str) -> tuple[Shift, Claim]:
    """Moves the claim out of its place on the shift: the slot is freed, the reason audited."""
    shift, claim = _move(actor, claim, name)
    _to(claim, name, reason)
    _free(shift)
    audit_record(actor=actor, action=action, obj=claim, area_path=shift.area_path, new={"reason": reason})
    return shift, claim


@transaction.atomic
def claim_cancel(*, actor: Any, claim: Claim, reason: str = "") -> Claim:
    """The member, the unit or staff cancel: the slot is freed and the project's coordinator
    (or the member, when staff cancelled it) hears of it."""
    reason = _reason(reason)
    shift, claim = _release(actor, claim, "cancel", "volunteering.claim.cancelled", reason)
    _tell_shift(
        _others(actor, shift.project.coordinator, claim.person),
        "volunteering.claim.cancelled",
        gettext_noop("A place on %(project)s on %(when)s was cancelled; the slot is free again."),
        shift,
    )
    return claim


@transaction.atomic
def claim_accept(*, actor: Any, claim: Claim) -> Claim:
    shift, claim = _move(actor, claim, "accept")
    _to(claim, "accept")
    audit_record(actor=actor, action="volunteering.claim.accepted", obj=claim, area_path=shift.area_path)
    return claim


@transaction.atomic
def claim_decline(*, actor: Any, claim: Claim, reason: str) -> Claim:
    """Declining needs a reason; it frees the slot and tells the coordinator."""
    reason = _reason(reason, required=True)
    shift, claim = _release(actor, claim, "decline", "volunteering.claim.declined", reason)
    _tell_shift(
        _others(actor, shift.project.coordinator),
        "volunteering.claim.declined",
        gettext_noop("A task on %(project)s on %(when)s was declined: %(reason)s"),
        shift,
        reason=reason,
    )
    return claim


@transaction.atomic
def claim_done(*, actor: Any, claim: Claim) -> Claim:
    shift, claim = _move(actor, claim, "done")
    _to(claim, "done")
    audit_record(actor=actor, action="volunteering.claim.done", obj=claim, area_path=shift.area_path)
    return claim


# -- ratings ---------------------------------------------------------------------------------


def may_rate(actor: Any, project: Project) -> bool:
    """A resident who received the service: a signed-in person whose home is in the project's
    community, or the reporter of a request linked to one of its needs; never one of the
    people who served on it (nobody rates their own service)."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if Claim.objects.filter(shift__project=project, person=actor).exists():
        return False
    home = actor.home_area.path if actor.home_area_id is not None else ""
    if home.startswith(project.area_path):
        return True
    return project.needs.filter(case__reporter=actor).exists()


@transaction.atomic
def rating_give(*, actor: Any, project: Project, rating: int, comment: str = "") -> tuple[Rating, bool]:
    """One rating per resident and project: a second one replaces the first (the resident
    changed their mind). Returns the rating and whether it is new."""
    actor = require_authenticated(actor)
    errors: dict[str, str] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = _("Give a rating from 1 to 5.")
    comment = _text(errors, "comment", comment, TEXT_MAX)
    if not may_rate(actor, project):
        raise PermissionDenied(_("Only residents who received this service rate it."))
    if errors:
        raise ValidationFailed(fields=errors)
    project = Project.objects.select_for_update().get(pk=project.pk)
    found, made = Rating.objects.select_for_update().get_or_create(
        project=project, person=actor, defaults={"rating": rating, "comment": comment}
    )
    if not made:
        found.rating, found.comment = rating, comment
        found.save(update_fields=["rating", "comment", "updated_at"])
    audit_record(
        actor=actor,
        action="volunteering.rating.given",
        obj=project,
        object_repr=project.title,
        new={"rating": rating},
    )
    return found, made
