"""Working together on a case without moving its state: following, urging, calling units in,
assisting units and their answers, notes, hiding personal details, the public list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.cases.models import OPEN_STATES, Assist, Case, CaseEvent, EventKind, State
from needle.cases.presenters import TITLE_CHARS
from needle.cases.selectors import is_public, whistle_target_units
from needle.cases.services._common import (
    MAX_DESCRIPTION,
    _atomic_move,
    _audit,
    _check_written,
    _conflict,
    _event,
    _expect,
    _locked,
    _may_handle,
    _save,
    _tell_unit,
)
from needle.core.errors import Conflict, ValidationFailed
from needle.core.text import bounded
from needle.notify.messages import Message
from needle.orgs.models import Unit
from needle.orgs.permissions import Actor, can_act_for_unit, can_in_area, require, require_authenticated


@_atomic_move
def case_follow(*, actor: Actor, case: Case) -> Case:
    """A resident with the same problem follows an existing case instead of filing a new one:
    they hear of every step, and the case counts them."""
    person = require_authenticated(actor)
    case = _locked(case)
    if not (is_public(case) and case.state in OPEN_STATES | {State.RESOLVED}):
        raise _conflict(case, _("This case cannot be followed."))
    if case.reporter_id == person.pk or case.followers.filter(pk=person.pk).exists():
        raise _conflict(case, _("You already follow this case."))
    case.followers.add(person)
    case.repeat_count += 1
    _save(case, ["repeat_count"])
    _event(case, actor=None, kind=EventKind.FOLLOWED, public=False)
    _audit(actor, "followed", case, {}, {"follower": actor.pk})
    return case


@_atomic_move
def case_urge(*, actor: Actor, case: Case, note: str = "", supervise: bool = False) -> Case:
    """A supervisor urges (催办) or formally supervises (督办) the unit on an open case."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.supervise", case.area_path))
    _expect(case, "urge", _("urged"), None)
    kind = EventKind.SUPERVISED if supervise else EventKind.URGED
    _event(case, actor=actor, kind=kind, unit=case.lead_unit, note=note.strip(), public=False)
    _audit(actor, "supervised" if supervise else "urged", case, {}, {"note": note.strip()})
    _tell_unit(
        case,
        case.lead_unit,
        f"case.{kind}",
        Message(
            gettext_noop("Case %(number)s is under supervision: %(note)s")
            if supervise
            else gettext_noop("Case %(number)s is urged: %(note)s"),
            {"number": case.number, "note": note.strip() or "—"},
        ),
    )
    return case


@_atomic_move
def case_whistle(
    *, actor: Actor, case: Case, units: Sequence[Unit], hours: int = 24, note: str = ""
) -> list[Assist]:
    """A street calls departments in (吹哨报到): each must respond within `hours`."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.supervise", case.area_path) or _may_handle(actor, case))
    _expect(case, "whistle", _("escalated"), None)
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
            defaults={
                "kind": Assist.Kind.WHISTLE,
                "respond_due_at": due,
                "note": bounded(note, limit=500, field="note"),
            },
        )
        if created:
            made.append(assist)
            _tell_unit(
                case,
                unit,
                "case.whistled",
                Message(
                    gettext_noop(
                        "Your unit is called in on case %(number)s; respond within %(hours)d hours."
                    ),
                    {"number": case.number, "hours": hours},
                ),
            )
    _event(
        case,
        actor=actor,
        kind=EventKind.WHISTLED,
        code="whistled",
        params={"units": [a.unit.name for a in made], "hours": hours},
        note=note.strip(),
    )
    _audit(actor, "whistled", case, {}, {"units": [a.unit_id for a in made], "hours": hours})
    return made


@_atomic_move
def case_assist(*, actor: Actor, case: Case, unit: Unit, note: str = "") -> Assist:
    """The lead unit (or a dispatcher) adds an assisting unit."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case) or can_in_area(actor, "cases.dispatch", case.area_path))
    _expect(case, "assist", _("given assisting units"), None)
    if unit.pk == case.lead_unit_id or Assist.objects.filter(case=case, unit=unit).exists():
        raise _conflict(case, _("This unit already works on the case."))
    assist = Assist.objects.create(
        case=case, unit=unit, kind=Assist.Kind.ASSIST, note=bounded(note, limit=500, field="note")
    )
    _event(case, actor=actor, kind=EventKind.ASSISTED, unit=unit, note=note.strip())
    _audit(actor, "assisted", case, {}, {"unit": unit.pk})
    _tell_unit(
        case,
        unit,
        "case.assisted",
        Message(gettext_noop("Your unit assists on case %(number)s."), {"number": case.number}),
    )
    return assist


@transaction.atomic
def assist_respond(*, actor: Actor, assist: Assist, note: str) -> Assist:
    """A called-in or assisting unit reports in, once; the lead unit is told."""
    require_authenticated(actor)
    require(can_act_for_unit(actor, "cases.handle", assist.unit))
    assist = Assist.objects.select_for_update(of=("self",)).select_related("case", "unit").get(pk=assist.pk)
    if assist.responded_at is not None:
        raise Conflict(_("This unit has already responded."))
    note = _check_written(note, "note", _("Say what your unit will do."))
    assist.responded_at = timezone.now()
    assist.note = bounded(note, limit=500, field="note")
    assist.save(update_fields=["responded_at", "note", "updated_at"])
    _event(assist.case, actor=actor, kind=EventKind.RESPONDED, unit=assist.unit, note=note)
    _audit(actor, "responded", assist.case, {}, {"unit": assist.unit_id})
    case = assist.case
    _tell_unit(
        case,
        case.lead_unit,
        "case.responded",
        Message(
            gettext_noop("%(unit)s responded on case %(number)s: %(note)s"),
            {"unit": assist.unit.name, "number": case.number, "note": note},
        ),
    )
    return assist


@_atomic_move
def case_note(*, actor: Actor, case: Case, note: str, public: bool = False) -> CaseEvent:
    """A progress note by the unit working on the case."""
    require_authenticated(actor)
    case = _locked(case)
    require(_may_handle(actor, case) or can_in_area(actor, "cases.dispatch", case.area_path))
    note = _check_written(note, "note", _("Write the note."))
    event = _event(
        case,
        actor=actor,
        kind=EventKind.NOTE,
        unit=case.lead_unit,
        note=bounded(note, limit=4000, field="note"),
        public=public,
    )
    _audit(actor, "noted", case, {}, {"public": public})
    return event


@_atomic_move
def case_hide_details(*, actor: Actor, case: Case, public_description: str) -> Case:
    """A moderator hides personal details from public view; the original stays for staff.
    Every field the public sees is rewritten from the moderated text: the title too, which
    intake cut from the original text (the audit event keeps the title it replaced)."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.moderate", case.area_path))
    old = {"details_hidden": case.details_hidden, "title": case.title}
    case.details_hidden = True
    case.public_description = bounded(public_description, limit=MAX_DESCRIPTION, field="public_description")
    case.title = case.public_description[:TITLE_CHARS]
    _save(case, ["details_hidden", "public_description", "title"])
    _event(case, actor=actor, kind=EventKind.HIDDEN, public=False)
    _audit(actor, "hidden", case, old, {"details_hidden": True, "title": case.title})
    return case


@_atomic_move
def case_set_public(*, actor: Actor, case: Case, public: bool, version: int | None = None) -> Case:
    """A moderator puts a case on the public list or takes it off; the list, the case's public
    page, Open311 and the suggestions of similar requests follow (selectors.public_q). Asking
    for what the case already is changes nothing."""
    require_authenticated(actor)
    case = _locked(case)
    require(can_in_area(actor, "cases.moderate", case.area_path))
    if version is not None and version != case.version:
        raise _conflict(case, _("Someone else changed this case meanwhile; reload it."))
    if public and not case.service.public:
        raise ValidationFailed(
            fields={
                "public": _("Requests for %(service)s are never public.") % {"service": case.service.label}
            }
        )
    if public and case.state == State.REJECTED:
        raise _conflict(case, _("A rejected request cannot be public."))
    if public and case.state == State.WITHDRAWN:
        raise _conflict(case, _("A request its reporter withdrew cannot be public."))
    if case.public == public:
        return case
    case.public = public
    _save(case, ["public"])
    _event(case, actor=actor, kind=EventKind.PUBLISHED if public else EventKind.UNPUBLISHED, public=False)
    _audit(actor, "published" if public else "unpublished", case, {"public": not public}, {"public": public})
    return case
