"""The case's moves from dispatch to closure: dispatch (one case or several), accept, return,
start, resolve, callback, reopen, reject, merge, reclassify, and the direct answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.deadlines import add_hours
from needle.cases.models import Callback, Case, EventKind, Extension, Service, State
from needle.cases.selectors import QUEUE_STATES, access_case, dispatch_target_units
from needle.cases.services._common import (
    MAX_DESCRIPTION,
    _atomic_move,
    _audit,
    _check_written,
    _close_for_good,
    _conflict,
    _event,
    _expect,
    _lapse_extension,
    _locked,
    _may_act_as_reporter,
    _may_handle,
    _save,
    _store_photos,
    _tell_reporters,
    _tell_unit,
)
from needle.cases.services.routing import _route
from needle.cases.uploads import MAX_PHOTOS, clean_image, photo_files_removed_on_error
from needle.core.errors import DomainError, PermissionDenied, ValidationFailed
from needle.core.text import bounded
from needle.notify.messages import Message
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated


@_atomic_move
def case_dispatch(
    *, actor: Actor, case: Case, unit: Unit, note: str = "", version: int | None = None
) -> Case:
    """Send the case to a unit; from a queue that is dispatch, later it is re-routing (改派)
    or transfer. The unit's people are notified."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "dispatch", _("dispatched"), version)
    if unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    if not dispatch_target_units(actor=actor).filter(pk=unit.pk).exists():
        message = _("This unit is outside the areas you dispatch to.")
        raise PermissionDenied(message, fields={"unit": message})
    if case.lead_unit_id == unit.pk and case.state == State.DISPATCHED:
        raise _conflict(case, _("The case is already with this unit."))
    kind = EventKind.DISPATCHED if case.state in (State.SUBMITTED, State.RETURNED) else EventKind.TRANSFERRED
    _lapse_extension(case, case.state)
    _route(case, unit=unit, actor=actor, kind=kind, note=note.strip())
    return case


# At most this many cases are dispatched in one call.
DISPATCH_MANY_MAX = 100


@dataclass(frozen=True)
class Dispatched:
    """One case of case_dispatch_many: the case as dispatched, or why it was refused."""

    number: str
    case: Case | None = None
    error: DomainError | None = None


def case_dispatch_many(
    *, actor: Actor, numbers: Sequence[str], unit: Unit, note: str = ""
) -> list[Dispatched]:
    """Send several cases waiting in the queue to one unit, each read, locked and moved by
    case_dispatch in a transaction of its own: a case someone routed meanwhile (it is not
    transferred behind their back), or one the actor may not see or dispatch, is refused alone
    and reported; the others go. Each dispatch is audited and its unit notified as a single one
    is. A unit the actor may not send to refuses the whole call."""
    require_authenticated(actor)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not wanted:
        raise ValidationFailed(fields={"numbers": _("Choose the cases to dispatch.")})
    if len(wanted) > DISPATCH_MANY_MAX:
        raise ValidationFailed(
            fields={"numbers": _("Dispatch at most %(n)d cases at once.") % {"n": DISPATCH_MANY_MAX}}
        )
    if unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    if not dispatch_target_units(actor=actor).filter(pk=unit.pk).exists():
        message = _("This unit is outside the areas you dispatch to.")
        raise PermissionDenied(message, fields={"unit": message})
    done = []
    for number in wanted:
        try:
            with transaction.atomic():
                case = access_case(actor=actor, number=number, for_write=True)
                if case.state not in QUEUE_STATES:
                    raise _conflict(
                        case,
                        _("The case no longer waits for a unit: it is %(state)s.")
                        % {"state": State(case.state).label},
                    )
                done.append(
                    Dispatched(number, case=case_dispatch(actor=actor, case=case, unit=unit, note=note))
                )
        except DomainError as exc:
            done.append(Dispatched(number, error=exc))
    return done


@_atomic_move
def case_accept(*, actor: Actor, case: Case, version: int | None = None) -> Case:
    """The lead unit takes the case on (首接负责)."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "accept", _("accepted"), version)
    previous = case.state
    case.state = State.ACCEPTED
    if case.accepted_at is None:
        case.accepted_at = timezone.now()
    _save(case, ["state", "accepted_at"])
    _event(case, actor=actor, kind=EventKind.ACCEPTED, from_state=previous, unit=case.lead_unit)
    _audit(actor, "accepted", case, {"state": previous}, {"state": case.state})
    unit = case.lead_unit.name if case.lead_unit else ""
    _tell_reporters(
        case,
        "case.accepted",
        Message(
            gettext_noop("Your request %(number)s was taken on by %(unit)s."),
            {"number": case.number, "unit": unit},
        ),
        Message(
            gettext_noop("Request %(number)s, which you follow, was taken on by %(unit)s."),
            {"number": case.number, "unit": unit},
        ),
        sms=True,
    )
    return case


@_atomic_move
def case_return(*, actor: Actor, case: Case, reason: str, version: int | None = None) -> Case:
    """The unit says "not ours" (退单), with a reason; the case goes back to the dispatchers."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "return", _("returned"), version)
    reason = _check_written(reason, "reason", _("Say why the case is not your unit's."))
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
        note=reason,
    )
    _audit(
        actor,
        "returned",
        case,
        {"state": State.DISPATCHED, "lead_unit": unit.pk if unit else None},
        {"state": case.state, "lead_unit": None, "reason": reason},
    )
    return case


@_atomic_move
def case_start(*, actor: Actor, case: Case, note: str = "", version: int | None = None) -> Case:
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "start", _("started"), version)
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
@_atomic_move
def case_resolve(
    *, actor: Actor, case: Case, note: str, photos: Sequence[bytes] = (), version: int | None = None
) -> Case:
    """The handler reports the work done; the resident is asked whether it is solved."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "resolve", _("resolved"), version)
    note = _check_written(note, "note", _("Say what was done."))
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(fields={"photos": _("At most %(n)d photos.") % {"n": MAX_PHOTOS}})
    images = [clean_image(raw) for raw in photos]
    previous = case.state
    _lapse_extension(case, previous)
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
        note=note,
    )
    _store_photos(case, event, images, "done")
    _audit(actor, "resolved", case, {"state": previous}, {"state": case.state, "note": note})
    _tell_reporters(
        case,
        "case.resolved",
        Message(
            gettext_noop(
                "Your request %(number)s is resolved. Is it solved? Please tell us and rate the work."
            ),
            {"number": case.number},
        ),
        Message(gettext_noop("Request %(number)s, which you follow, is resolved."), {"number": case.number}),
        sms=True,
    )
    return case


def _may_callback(actor: Actor | None, case: Case, tracking_token: str | None) -> bool:
    if _may_act_as_reporter(actor, case, tracking_token):
        return True
    return tracking_token is None and can_in_area(actor, "cases.callback", case.area_path)


@_atomic_move
def case_callback(
    *,
    actor: Actor | None,
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
    _expect(case, "callback", _("rated"), version)
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationFailed(fields={"rating": _("Rate from 1 to 5.")})
    by_staff = tracking_token is None and getattr(actor, "pk", None) != case.reporter_id
    Callback.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor if isinstance(actor, Person) else None,
        by_staff=by_staff,
        solved=solved,
        rating=rating,
        comment=bounded(comment, limit=2000, field="comment"),
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
            Message(
                gettext_noop("Case %(number)s was reopened: the resident says it is not solved."),
                {"number": case.number},
            ),
        )
    _event(
        case,
        actor=actor,
        kind=EventKind.CALLBACK,
        code="callback",
        params={"solved": solved, "rating": rating},
        note=comment.strip(),
    )
    _event(case, actor=actor, kind=kind, from_state=State.RESOLVED, unit=case.lead_unit)
    _audit(actor, "rated", case, old, {"state": case.state, "solved": solved, "rating": rating})
    return case


@_atomic_move
def case_reopen(*, actor: Actor, case: Case, reason: str, version: int | None = None) -> Case:
    """Staff reopen a resolved or closed case to the same unit (the reason is kept)."""
    require_authenticated(actor)
    case = _locked(case)
    require(
        can_in_area(actor, "cases.callback", case.area_path)
        or can_in_area(actor, "cases.supervise", case.area_path)
    )
    _expect(case, "reopen", _("reopened"), version)
    reason = _check_written(reason, "reason", _("Say why the case is reopened."))
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
        note=reason,
    )
    _audit(actor, "reopened", case, {"state": previous}, {"state": case.state, "reason": reason})
    _tell_unit(
        case,
        case.lead_unit,
        "case.reopened",
        Message(gettext_noop("Case %(number)s was reopened."), {"number": case.number}),
    )
    return case


@_atomic_move
def case_reject(*, actor: Actor, case: Case, reason: str, version: int | None = None) -> Case:
    """Refuse an invalid or abusive request, with the reason."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "reject", _("rejected"), version)
    reason = _check_written(reason, "reason", _("Say why the request is rejected."))
    previous = case.state
    case.state = State.REJECTED
    case.closed_at = timezone.now()
    _save(case, ["state", "closed_at"])
    _event(case, actor=actor, kind=EventKind.REJECTED, from_state=previous, note=reason)
    _audit(actor, "rejected", case, {"state": previous}, {"state": case.state, "reason": reason})
    _tell_reporters(
        case,
        "case.rejected",
        Message(
            gettext_noop("Your request %(number)s was not accepted: %(reason)s"),
            {"number": case.number, "reason": reason},
        ),
        # The reason speaks of the reporter's request: not for strangers who followed it.
        Message(
            gettext_noop("Request %(number)s, which you follow, was not accepted."), {"number": case.number}
        ),
    )
    return case


@_atomic_move
def case_merge(*, actor: Actor, case: Case, parent: Case, version: int | None = None) -> Case:
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
    _expect(case, "merge", _("merged"), version)
    if parent.state in (State.MERGED, State.REJECTED, State.WITHDRAWN):
        raise _conflict(parent, _("The target case is %(state)s.") % {"state": State(parent.state).label})
    case.parent = parent
    previous = _close_for_good(case, State.MERGED, timezone.now(), ["parent"])
    # Cases merged into this one follow the parent too.
    Case.objects.filter(parent=case).update(parent=parent)
    _event(
        case,
        actor=actor,
        kind=EventKind.MERGED,
        from_state=previous,
        code="merged_into",
        params={"number": parent.number},
    )
    _event(
        parent,
        actor=actor,
        kind=EventKind.MERGED,
        code="merged_in",
        params={"number": case.number},
        public=False,
    )
    _audit(actor, "merged", case, {"state": previous}, {"state": case.state, "parent": parent.number})
    return case


@_atomic_move
def case_reclassify(*, actor: Actor, case: Case, service: Service, version: int | None = None) -> Case:
    """A dispatcher corrects the service the resident chose. The deadlines follow the new
    service (counted from intake); the classifier learns from the correction."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "reclassify", _("reclassified"), version)
    if not service.active:
        raise ValidationFailed(fields={"service": _("This service is not taking requests.")})
    if service.pk == case.service_id:
        raise _conflict(case, _("The case already has this service."))
    old_service = case.service
    case.service = service
    case.accept_due_at = add_hours(case.submitted_at, service.accept_hours, working_days=service.working_days)
    case.resolve_due_at = _resolve_due(case, service)
    _save(case, ["service", "accept_due_at", "resolve_due_at"])
    _event(
        case,
        actor=actor,
        kind=EventKind.RECLASSIFIED,
        code="reclassified",
        params={
            "old": {"code": old_service.code, "name": old_service.name, "name_en": old_service.name_en},
            "new": {"code": service.code, "name": service.name, "name_en": service.name_en},
        },
    )
    _audit(actor, "reclassified", case, {"service": old_service.code}, {"service": service.code})
    return case


def _resolve_due(case: Case, service: Service) -> dt.datetime:
    """The new service's deadline, counted from intake, plus the time the case was on hold;
    an extension already granted still holds when it is later."""
    due = add_hours(case.submitted_at, service.resolve_hours, working_days=service.working_days)
    due += dt.timedelta(seconds=case.paused_seconds)
    granted = (
        Extension.objects.filter(case=case, status=Extension.Status.GRANTED)
        .order_by("-decided_at")
        .values_list("granted_due", flat=True)
        .first()
    )
    return max(due, granted) if granted is not None else due


@_atomic_move
def case_answer(*, actor: Actor, case: Case, answer: str, version: int | None = None) -> Case:
    """A question answered at once (直接答复), at intake or from the queue: the case is done
    without a unit. It counts as responded and resolved at the answer; its reporter is told
    the answer."""
    require_authenticated(actor)
    case = _locked(case)
    require(
        can_in_area(actor, "cases.dispatch", case.area_path)
        or can_in_area(actor, "cases.intake", case.area_path)
    )
    _expect(case, "answer", _("answered directly"), version)
    text = bounded(answer, limit=MAX_DESCRIPTION, field="answer")
    if not text:
        raise ValidationFailed(fields={"answer": _("Write the answer given.")})
    previous = case.state
    now = timezone.now()
    case.state = State.ANSWERED
    case.accepted_at = case.accepted_at or now
    case.resolved_at = case.closed_at = now
    case.colour = ""
    _save(case, ["state", "accepted_at", "resolved_at", "closed_at", "colour"])
    _event(case, actor=actor, kind=EventKind.ANSWERED, from_state=previous, note=text)
    _audit(actor, "answered", case, {"state": previous}, {"state": case.state, "answer": text})
    _tell_reporters(
        case,
        "case.answered",
        Message(
            gettext_noop("Your request %(number)s is answered: %(answer)s"),
            {"number": case.number, "answer": text},
        ),
        Message(gettext_noop("Request %(number)s, which you follow, is answered."), {"number": case.number}),
        sms=True,
    )
    return case
