"""The deadline clock of a case being worked on: putting it on hold (挂起) where the catalog
allows and back in progress, and extensions (延期) the lead unit asks for and a dispatcher over
the case's place grants or refuses."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.models import Case, EventKind, Extension, State
from needle.cases.services._common import (
    HOLD_FIELDS,
    _atomic_move,
    _audit,
    _case_link,
    _conflict,
    _dispatchers_over,
    _end_hold,
    _event,
    _expect,
    _locked,
    _may_handle,
    _save,
    _tell_reporters,
    _tell_unit,
)
from needle.cases.services.deadlines import case_recolour
from needle.core.errors import ValidationFailed
from needle.core.text import bounded
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated

# The latest deadline an extension may set, from the moment it is asked for or granted.
LONGEST_EXTENSION = dt.timedelta(days=365)


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


@_atomic_move
def case_suspend(*, actor: Actor, case: Case, reason: str, version: int | None = None) -> Case:
    """The lead unit puts the case on hold, with the reason, where the catalog allows it for
    the service: its deadline clock stops until it is back in progress. The resident (and
    followers) are told."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "suspend", _("put on hold"), version)
    if not case.service.suspendable:
        raise _conflict(
            case,
            _("The catalog does not allow putting %(service)s on hold.") % {"service": case.service.label},
        )
    text = bounded(reason, limit=2000, field="reason")
    if not text:
        raise ValidationFailed(fields={"reason": _("Say what the case waits for.")})
    previous = case.state
    case.state = State.SUSPENDED
    case.suspended_at = timezone.now()
    _save(case, ["state", "suspended_at"])
    _event(case, actor=actor, kind=EventKind.SUSPENDED, from_state=previous, unit=case.lead_unit, note=text)
    _audit(actor, "suspended", case, {"state": previous}, {"state": case.state, "reason": text})
    _tell_reporters(
        case,
        "case.suspended",
        Message(
            gettext_noop(
                "Your request %(number)s is on hold: %(reason)s Its deadline waits until work resumes."
            ),
            {"number": case.number, "reason": text},
        ),
        Message(gettext_noop("Request %(number)s, which you follow, is on hold."), {"number": case.number}),
        sms=True,
    )
    return case


@_atomic_move
def case_resume(*, actor: Actor, case: Case, note: str = "", version: int | None = None) -> Case:
    """The case is back in progress (the lead unit, or a dispatcher or supervisor over its
    place ending a hold): the resolve deadline moves on by the time it was held."""
    require_authenticated(actor)
    case = _locked(case)
    handling = _may_handle(actor, case)
    require(
        handling
        or can_in_area(actor, "cases.dispatch", case.area_path)
        or can_in_area(actor, "cases.supervise", case.area_path)
    )
    _expect(case, "resume", _("resumed"), version)
    text = bounded(note, limit=2000, field="note")
    now = timezone.now()
    old_due = case.resolve_due_at
    held = _end_hold(case, now)
    case.state = State.IN_PROGRESS
    case_recolour(case=case, now=now)
    _save(case, ["state", "colour", *HOLD_FIELDS])
    _event(
        case,
        actor=actor,
        kind=EventKind.RESUMED,
        from_state=State.SUSPENDED,
        unit=case.lead_unit,
        code="resumed",
        params={"paused": held, "due": case.resolve_due_at.isoformat() if case.resolve_due_at else None},
        note=text,
    )
    _audit(
        actor,
        "resumed",
        case,
        {"state": State.SUSPENDED, "resolve_due_at": old_due},
        {"state": case.state, "resolve_due_at": case.resolve_due_at, "held_seconds": held},
    )
    if not handling:
        _tell_unit(
            case,
            case.lead_unit,
            "case.resumed",
            Message(
                gettext_noop("Case %(number)s is back in progress; it is now due %(due)s."),
                {"number": case.number, "due": _when(case.resolve_due_at)},
            ),
        )
    _tell_reporters(
        case,
        "case.resumed",
        Message(
            gettext_noop("Work on your request %(number)s resumed; it is now due %(due)s."),
            {"number": case.number, "due": _when(case.resolve_due_at)},
        ),
        Message(
            gettext_noop("Work on request %(number)s, which you follow, resumed."), {"number": case.number}
        ),
        sms=True,
    )
    return case


def _check_due(due: dt.datetime | None, case: Case, now: dt.datetime) -> dt.datetime:
    if due is None:
        raise ValidationFailed(fields={"due": _("Give the new deadline.")})
    if timezone.is_naive(due):
        due = timezone.make_aware(due)
    if due <= now or (case.resolve_due_at is not None and due <= case.resolve_due_at):
        raise ValidationFailed(
            fields={"due": _("The new deadline must be later than the current one and than now.")}
        )
    if due > now + LONGEST_EXTENSION:
        raise ValidationFailed(fields={"due": _("At most a year from now.")})
    return due


@_atomic_move
def case_extension_request(
    *, actor: Actor, case: Case, due: dt.datetime | None, reason: str, version: int | None = None
) -> Extension:
    """The lead unit asks for a later resolve deadline, with the reason (延期申请); the
    dispatchers over the case's place are told and decide."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case))
    _expect(case, "extend", _("extended"), version)
    if Extension.objects.filter(case=case, status=Extension.Status.PENDING).exists():
        raise _conflict(case, _("An extension for this case is already waiting for a decision."))
    now = timezone.now()
    text = bounded(reason, limit=2000, field="reason")
    errors = {}
    if not text:
        errors["reason"] = _("Say why the case needs more time.")
    try:
        due = _check_due(due, case, now)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    assert due is not None and case.lead_unit is not None and case.resolve_due_at is not None
    extension = Extension.objects.create(
        case=case,
        unit=case.lead_unit,
        requested_by=require_authenticated(actor),
        reason=text,
        old_due=case.resolve_due_at,
        requested_due=due,
    )
    _event(
        case,
        actor=actor,
        kind=EventKind.EXTENSION_ASKED,
        unit=case.lead_unit,
        code="extension_asked",
        params={"due": due.isoformat()},
        note=text,
        public=False,
    )
    _audit(actor, "extension_requested", case, {}, {"requested_due": due, "reason": text})
    notify(
        recipients=_dispatchers_over(case),
        verb="case.extension_requested",
        message=Message(
            gettext_noop("%(unit)s asks to extend case %(number)s to %(due)s."),
            {"unit": extension.unit.name, "number": case.number, "due": _when(due)},
        ),
        link=_case_link(case),
    )
    return extension


@_atomic_move
def case_extension_decide(
    *,
    actor: Actor,
    case: Case,
    grant: bool,
    due: dt.datetime | None = None,
    note: str = "",
    version: int | None = None,
) -> Extension:
    """A dispatcher over the case's place decides the pending extension: granted, the case is
    due at `due` (by default the one asked for) and recoloured at once; refused, with the
    reason. The lead unit is told."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "decide_extension", _("given a decision on its extension"), version)
    extension = (
        Extension.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(case=case, status=Extension.Status.PENDING)
        .first()
    )
    if extension is None:
        raise _conflict(case, _("No extension for this case is waiting for a decision."))
    now = timezone.now()
    text = bounded(note, limit=2000, field="note")
    old_due = case.resolve_due_at
    if grant:
        due = _check_due(due or extension.requested_due, case, now)
        if case.suspended_at is not None:
            # The date granted is a date on the calendar: only the hold from now on moves it.
            case.paused_seconds += max(int((now - case.suspended_at).total_seconds()), 0)
            case.suspended_at = now
        case.resolve_due_at = due
        case_recolour(case=case, now=now)
        _save(case, ["resolve_due_at", "colour", *HOLD_FIELDS])
        extension.status, extension.granted_due = Extension.Status.GRANTED, due
        _event(
            case,
            actor=actor,
            kind=EventKind.EXTENSION_GRANTED,
            unit=case.lead_unit,
            code="extension_granted",
            params={"due": due.isoformat()},
            note=text,
        )
        _audit(actor, "extension_granted", case, {"resolve_due_at": old_due}, {"resolve_due_at": due})
    else:
        if not text:
            raise ValidationFailed(fields={"note": _("Say why the extension is refused.")})
        extension.status = Extension.Status.REFUSED
        _event(
            case, actor=actor, kind=EventKind.EXTENSION_REFUSED, unit=case.lead_unit, note=text, public=False
        )
        _audit(actor, "extension_refused", case, {}, {"reason": text})
    extension.decided_by = actor  # type: ignore[assignment]
    extension.decided_at = now
    extension.decision_note = text
    extension.save(
        update_fields=["status", "granted_due", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    _tell_unit(
        case,
        case.lead_unit,
        "case.extension_decided",
        Message(
            gettext_noop("The extension of case %(number)s is granted: it is now due %(due)s."),
            {"number": case.number, "due": _when(case.resolve_due_at)},
        )
        if grant
        else Message(
            gettext_noop("The extension of case %(number)s is refused: %(reason)s"),
            {"number": case.number, "reason": text},
        ),
    )
    return extension
