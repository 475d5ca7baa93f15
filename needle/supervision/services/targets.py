"""A target's moves (states.TARGET_MOVES and EXTENSION_MOVES): accept, report progress, report
done, sign off or return (the level above), decline an unlisted task (a community), ask for an
extension and decide it (the issuer). Each locks the target, checks the capacity and the state,
writes, audits; a street's target that was passed down follows its children's mean progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from needle.core.audit import audit_record_state, snapshot
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import target as move_target
from needle.orgs.models import UnitType
from needle.orgs.permissions import require_authenticated
from needle.supervision import inputs, states
from needle.supervision.access import visible_target
from needle.supervision.models import Extension, Report, Status, Target
from needle.supervision.services import workflow
from needle.supervision.services.issue import today

FIELDS = ["status", "progress", "deadline", "extension", "extension_until"]


def _locked(actor: Any, target_id: int) -> tuple[Target, set[str]]:
    # The unit too: the answer names it, and a decline asks its type.
    target, held = visible_target(
        actor, Target.objects.select_for_update(of=("self",)).select_related("task", "unit"), target_id
    )
    if target.task.hold in ("held", "rejected"):
        raise Conflict(
            _("This task has not been approved by the general office."), extra={"state": target.task.hold}
        )
    return target, held


def _check(table: dict[str, Any], name: str, state: str, held: set[str]) -> None:
    found = table[name]
    if not found.capacities & held:
        raise PermissionDenied()
    if state not in found.sources:
        raise Conflict(
            _("This cannot be done in the state “%(state)s”.") % {"state": state}, extra={"state": state}
        )


def _log(actor: Any, target: Target, old: dict[str, Any], *, action: str, **extra: Any) -> None:
    audit_record_state(actor=actor, action=action, obj=target, fields=FIELDS, old=old, **extra)


def _follow_children(target: Target) -> None:
    """The split street's target above this one takes its children's mean progress (done and
    signed off count as 100; declined ones count not at all)."""
    parent_id = target.task.parent_target_id
    if parent_id is None:
        workflow.follow_action(target)
        return
    parent = Target.objects.select_for_update().get(pk=parent_id)
    mean = workflow.mean_progress(Target.objects.filter(task__parent_target_id=parent_id))
    if mean != parent.progress:
        parent.progress = mean
        parent.save(update_fields=["progress", "updated_at"])
    workflow.follow_action(target)


def _move(actor: Any, target_id: int, name: str, **change: Any) -> tuple[Target, dict[str, Any], list[str]]:
    """The locked target moved by `name` and given `change`; its old values; the fields changed."""
    target, held = _locked(actor, target_id)
    _check(states.TARGET_MOVES, name, target.status, held)
    old = snapshot(target, FIELDS)
    target.status = move_target(states.TARGET_MOVES, name)
    for key, value in change.items():
        setattr(target, key, value)
    return target, old, ["status", *change, "updated_at"]


@transaction.atomic
def target_accept(*, actor: Any, target_id: int) -> Target:
    """The target unit takes the task on."""
    actor = require_authenticated(actor)
    target, old, fields = _move(actor, target_id, "accept")
    target.save(update_fields=fields)
    _log(actor, target, old, action="supervision.target.accepted")
    return target


@transaction.atomic
def target_progress(*, actor: Any, target_id: int, progress: Any, text: Any = "") -> Target:
    """A progress report (text, 0-100); a split street's share follows its communities'."""
    actor = require_authenticated(actor)
    percent = inputs.percent(progress, field="progress")
    note = inputs.text(text, limit=inputs.NOTE, field="text")
    target, old, fields = _move(actor, target_id, "progress", progress=percent, note=note)
    if target.split:
        # Its communities' mean stands for it; a figure typed over it would not last.
        raise ValidationFailed(
            _("This share was passed down: its progress is its communities' mean."),
            fields={"progress": _("This share was passed down: its progress is its communities' mean.")},
            code="progress_from_children",
        )
    target.save(update_fields=fields)
    Report.objects.create(target=target, by=actor, text=note, progress=percent)
    _log(actor, target, old, action="supervision.target.progress")
    _follow_children(target)
    return target


@transaction.atomic
def target_done(*, actor: Any, target_id: int, text: Any = "") -> Target:
    """The target reports done; it waits for the sign-off of the level above."""
    actor = require_authenticated(actor)
    note = inputs.text(text, limit=inputs.NOTE, field="text")
    target, old, _fields = _move(actor, target_id, "done", progress=100, done_on=today())
    if note:
        target.note = note
    target.save()
    Report.objects.create(target=target, by=actor, text=note, progress=100)
    _log(actor, target, old, action="supervision.target.done")
    _follow_children(target)
    return target


@transaction.atomic
def target_sign_off(*, actor: Any, target_id: int) -> Target:
    """The level above approves the target's done (403 for anyone else, the wrong level too)."""
    actor = require_authenticated(actor)
    target, old, _fields = _move(actor, target_id, "sign_off", signed_off_on=today())
    target.save()
    _log(actor, target, old, action="supervision.target.signed_off")
    _follow_children(target)
    return target


@transaction.atomic
def target_return(*, actor: Any, target_id: int, reason: Any) -> Target:
    """The level above sends the done back, with a reason."""
    actor = require_authenticated(actor)
    why = inputs.text(reason, limit=inputs.NOTE, field="reason", required=True)
    target, old, _fields = _move(actor, target_id, "return", return_reason=why, done_on=None)
    target.save()
    _log(actor, target, old, action="supervision.target.returned", reason=why)
    _follow_children(target)
    return target


@transaction.atomic
def target_decline(*, actor: Any, target_id: int, reason: Any = "") -> Target:
    """A community declines a task whose type its district's admission list does not admit; the
    decline counts against the issuer in the burden figures."""
    actor = require_authenticated(actor)
    why = inputs.text(reason, limit=inputs.NOTE, field="reason")
    target, held = _locked(actor, target_id)
    _check(states.TARGET_MOVES, "decline", target.status, held)
    if target.listed or target.unit.type != UnitType.RESIDENT_COMMITTEE:
        raise ValidationFailed(
            _("Only a resident committee may decline, and only a task its admission list does not admit."),
            code="task_type_admitted",
        )
    old = snapshot(target, FIELDS)
    target.status = Status.DECLINED
    target.decline_reason = why
    target.declined_on = today()
    target.save()
    _log(actor, target, old, action="supervision.target.declined", reason=why)
    _follow_children(target)
    return target


@transaction.atomic
def extension_ask(*, actor: Any, target_id: int, until: Any, reason: Any) -> Target:
    """The target asks the issuer for a later deadline, with a reason."""
    actor = require_authenticated(actor)
    why = inputs.text(reason, limit=inputs.NOTE, field="reason", required=True)
    target, held = _locked(actor, target_id)
    _check(states.EXTENSION_MOVES, "ask", target.extension, held)
    if target.status not in states.OPEN:
        raise Conflict(_("Only an open task may be extended."), extra={"state": target.status})
    day = inputs.future_day(until, field="until", today=today())
    if day <= target.deadline:
        raise ValidationFailed(fields={"until": _("Give a day after the current deadline.")})
    old = snapshot(target, FIELDS)
    target.extension = Extension.ASKED
    target.extension_until = day
    target.extension_reason = why
    target.save()
    _log(actor, target, old, action="supervision.target.extension_asked", reason=why)
    return target


@transaction.atomic
def extension_decide(*, actor: Any, target_id: int, grant: bool) -> Target:
    """The issuer grants the extension asked (the target's deadline moves) or refuses it."""
    actor = require_authenticated(actor)
    if not isinstance(grant, bool):
        raise ValidationFailed(fields={"grant": _("Give true or false.")})
    name = "grant" if grant else "refuse"
    target, held = _locked(actor, target_id)
    _check(states.EXTENSION_MOVES, name, target.extension, held)
    old = snapshot(target, FIELDS)
    target.extension = move_target(states.EXTENSION_MOVES, name)
    if grant and target.extension_until:
        target.deadline = max(target.deadline, target.extension_until)
    target.save()
    if grant:
        _log(actor, target, old, action="supervision.target.extension_granted")
    else:
        _log(actor, target, old, action="supervision.target.extension_refused")
    return target
