"""The lists: needs (raised by staff and grid workers, or made from a resident's request),
projects with their shifts, claims and dispatched tasks, and the residents' ratings.

Every claim move locks the member's person row (when there is one), then the shift, then the
claim: a member's claims never overlap and a shift's `filled` is counted under its lock, so it
always equals the number of its claims that hold a slot (models.HOLDING)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area, Level
from needle.cases.models import Case
from needle.cases.selectors.access import may_view
from needle.core.audit import audit_record
from needle.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from needle.core.states import target
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person, RoleAssignment, Unit
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.volunteering import states
from needle.volunteering.models import (
    HOLDING,
    Claim,
    ClaimStatus,
    Need,
    Project,
    ProjectKind,
    ProjectStatus,
    ServiceKind,
    Shift,
    Skill,
    Urgency,
)

MAX_SLOTS = 500
MAX_PEOPLE = 1000
MAX_SHIFTS = 200
MAX_WEEKS = 52
MAX_SHIFT_LENGTH = dt.timedelta(days=7)
# How far ahead a need or a shift may be planned.
MAX_AHEAD = dt.timedelta(days=2 * 366)
TITLE_MAX = 150
TEXT_MAX = 4000
PLACE_MAX = 200
NOTE_MAX = 300


# -- input checks ----------------------------------------------------------------------------


def _text(errors: dict[str, str], name: str, value: Any, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        errors[name] = _("Give text.")
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[name] = _("Remove the NUL character.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    elif required and not value:
        errors[name] = _("This field is required.")
    return value


def _choice(errors: dict[str, str], name: str, value: Any, choices: Any) -> None:
    if value not in choices.values:
        errors[name] = _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}


def _skills(errors: dict[str, str], name: str, codes: Any) -> list[Skill]:
    if not isinstance(codes, (list, tuple)) or not all(isinstance(c, str) for c in codes):
        errors[name] = _("Give a list of skill codes.")
        return []
    if len(codes) > 20 or any("\x00" in c or len(c) > 40 for c in codes):
        errors[name] = _("Unknown skills.")
        return []
    found = list(Skill.objects.filter(code__in=set(codes)))
    unknown = sorted(set(codes) - {s.code for s in found})
    if unknown:
        errors[name] = _("Unknown skills: %(codes)s.") % {"codes": ", ".join(unknown)}
    return found


def _day(errors: dict[str, str], name: str, value: Any, *, optional: bool = False) -> dt.date | None:
    if value is None and optional:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors[name] = _("Give a date (YYYY-MM-DD).")
        return None
    today = timezone.localdate()
    if value < today - dt.timedelta(days=366) or value > today + MAX_AHEAD:
        errors[name] = _("Give a date within a year back and two years ahead.")
        return None
    return value


def _whole(errors: dict[str, str], name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return low
    return value


def _community(community: Any, name: str = "community") -> Area:
    if not isinstance(community, Area) or community.level != Level.COMMUNITY:
        raise ValidationFailed(fields={name: _("Choose a community.")})
    return community


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


# -- needs -----------------------------------------------------------------------------------


def _need_fields(
    errors: dict[str, str],
    *,
    category: Any,
    place: Any,
    people_needed: Any,
    skill_codes: Any,
    starts_on: Any,
    ends_on: Any,
    urgency: Any,
) -> dict[str, Any]:
    _choice(errors, "category", category, ServiceKind)
    _choice(errors, "urgency", urgency, Urgency)
    fields = {
        "category": category,
        "urgency": urgency,
        "place": _text(errors, "place", place, PLACE_MAX),
        "people_needed": _whole(errors, "people_needed", people_needed, 1, MAX_PEOPLE),
        "skills": _skills(errors, "skill_codes", skill_codes),
        "starts_on": _day(errors, "starts_on", starts_on),
        "ends_on": _day(errors, "ends_on", ends_on, optional=True),
    }
    if fields["starts_on"] and fields["ends_on"] and fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = _("The end comes before the start.")
    return fields


def _need_save(actor: Person, need: Need, skills: list[Skill]) -> Need:
    need.save()
    need.skills.set(skills)
    audit_record(
        actor=actor,
        action="volunteering.need.raised",
        obj=need,
        new={"title": need.title, "case": need.case.number if need.case else ""},
    )
    return need


@transaction.atomic
def need_create(
    *,
    actor: Any,
    community: Area,
    title: str,
    description: str = "",
    category: str = ServiceKind.OTHER,
    place: str = "",
    people_needed: int = 1,
    skill_codes: list[str] | tuple[str, ...] = (),
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    urgency: str = Urgency.NORMAL,
    grid: Area | None = None,
) -> Need:
    """A need raised by the community's staff or a grid worker (volunteering.raise_needs)."""
    actor = require_authenticated(actor)
    community = _community(community)
    require(can_in_area(actor, "volunteering.raise_needs", community))
    errors: dict[str, str] = {}
    if grid is not None and (grid.level != Level.GRID or not grid.path.startswith(community.path)):
        errors["grid"] = _("Choose a grid of this community.")
    fields = _need_fields(
        errors,
        category=category,
        place=place,
        people_needed=people_needed,
        skill_codes=skill_codes,
        starts_on=starts_on if starts_on is not None else timezone.localdate(),
        ends_on=ends_on,
        urgency=urgency,
    )
    title = _text(errors, "title", title, TITLE_MAX, required=True)
    description = _text(errors, "description", description, TEXT_MAX)
    _raise(errors)
    skills = fields.pop("skills")
    need = Need(
        community=community,
        grid=grid,
        area_path=(grid or community).path,
        title=title,
        description=description,
        raised_by=actor,
        **fields,
    )
    return _need_save(actor, need, skills)


def community_of(area: Area) -> tuple[Area | None, Area | None]:
    """The community an area lies in, and its grid when it is one."""
    if area.level == Level.COMMUNITY:
        return area, None
    if area.level == Level.GRID and area.parent_id is not None:
        parent = Area.objects.get(pk=area.parent_id)
        if parent.level == Level.COMMUNITY:
            return parent, area
    return None, None


@transaction.atomic
def need_from_case(
    *,
    actor: Any,
    case: Case,
    category: str = ServiceKind.OTHER,
    place: str = "",
    people_needed: int = 1,
    skill_codes: list[str] | tuple[str, ...] = (),
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    urgency: str = Urgency.NORMAL,
) -> Need:
    """A need made from a resident's request located in a community, linked to it: when the
    need is met, the request can be resolved with it. Its title and description are the
    request's; the caller must see the request (as staff) and raise needs in its community."""
    actor = require_authenticated(actor)
    if not may_view(actor, case) or case.reporter_id == actor.pk:
        raise NotFound(_("No case has the number %(number)s.") % {"number": case.number})
    community, grid = community_of(case.area)
    if community is None:
        raise ValidationFailed(fields={"case": _("This request is not located in a community.")})
    require(can_in_area(actor, "volunteering.raise_needs", community))
    if Need.objects.filter(case=case, status=states.N.OPEN).exists():
        raise Conflict(_("An open need is already linked to request %(number)s.") % {"number": case.number})
    errors: dict[str, str] = {}
    fields = _need_fields(
        errors,
        category=category,
        place=place or case.address[:PLACE_MAX],
        people_needed=people_needed,
        skill_codes=skill_codes,
        starts_on=starts_on if starts_on is not None else timezone.localdate(),
        ends_on=ends_on,
        urgency=urgency,
    )
    _raise(errors)
    skills = fields.pop("skills")
    title = (case.title or case.service.name or case.number)[:TITLE_MAX]
    need = Need(
        community=community,
        grid=grid,
        area_path=(grid or community).path,
        title=title,
        description=case.description[:TEXT_MAX],
        case=case,
        raised_by=actor,
        **fields,
    )
    return _need_save(actor, need, skills)


def _locked_need(need: Need) -> Need:
    return Need.objects.select_for_update(of=("self",)).select_related("case").get(pk=need.pk)


def _need_move(actor: Any, need: Need, name: str) -> Need:
    actor = require_authenticated(actor)
    need = _locked_need(need)
    require(can_in_area(actor, "volunteering.raise_needs", need.area_path))
    if need.status not in states.NEED_MOVES[name].sources:
        raise Conflict(
            _("A need that is %(state)s cannot be %(move)s.")
            % {"state": need.get_status_display(), "move": name}
        )
    return need


@dataclass
class Met:
    """A need met, and what became of its request: resolved, or why not (the meet stands)."""

    need: Need
    case_resolved: bool = False
    case_note: str = ""


@transaction.atomic
def need_meet(*, actor: Any, need: Need, note: str = "", resolve_case: bool = False) -> Met:
    """The need is met. With `resolve_case`, its linked request is resolved through the cases
    app's own service, by its rules (only its lead unit's handlers resolve, and only from a
    state that allows it); when those refuse, the need is met all the same and `case_note`
    says why the request was left as it is."""
    need = _need_move(actor, need, "meet")
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, NOTE_MAX)
    _raise(errors)
    need.status = target(states.NEED_MOVES, "meet")
    need.met_at = timezone.now()
    need.met_note = note
    need.save(update_fields=["status", "met_at", "met_note", "updated_at"])
    audit_record(actor=actor, action="volunteering.need.met", obj=need, new={"note": note})
    met = Met(need)
    if resolve_case and need.case is not None:
        from needle.cases.services.lifecycle import case_resolve

        try:
            with transaction.atomic():
                case_resolve(
                    actor=actor,
                    case=need.case,
                    note=note or _("Met by the community's volunteers: %(title)s") % {"title": need.title},
                )
            met.case_resolved = True
        except DomainError as exc:
            met.case_note = _("The need is met, but request %(number)s was not resolved: %(why)s") % {
                "number": need.case.number,
                "why": exc.message,
            }
    elif resolve_case:
        met.case_note = _("This need is not linked to a request.")
    return met


@transaction.atomic
def need_withdraw(*, actor: Any, need: Need, note: str = "") -> Need:
    need = _need_move(actor, need, "withdraw")
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, NOTE_MAX)
    _raise(errors)
    need.status = target(states.NEED_MOVES, "withdraw")
    need.met_note = note
    need.save(update_fields=["status", "met_note", "updated_at"])
    audit_record(actor=actor, action="volunteering.need.withdrawn", obj=need, new={"note": note})
    return need


@transaction.atomic
def need_reopen(*, actor: Any, need: Need) -> Need:
    need = _need_move(actor, need, "reopen")
    need.status = target(states.NEED_MOVES, "reopen")
    need.met_at = None
    need.save(update_fields=["status", "met_at", "updated_at"])
    audit_record(actor=actor, action="volunteering.need.reopened", obj=need)
    return need


# -- projects and shifts ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftDraft:
    """A timed shift (starts_at, ends_at) or, for a flexible project, a task by `due_on`."""

    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    due_on: dt.date | None = None
    place: str = ""
    slots: int = 1
    skill_codes: tuple[str, ...] | list[str] = field(default_factory=tuple)


def _check_draft(errors: dict[str, str], name: str, draft: Any, flexible: bool) -> dict[str, Any]:
    if not isinstance(draft, ShiftDraft):
        errors[name] = _("Give a shift.")
        return {}
    sub: dict[str, str] = {}
    out: dict[str, Any] = {
        "place": _text(sub, "place", draft.place, PLACE_MAX),
        "slots": _whole(sub, "slots", draft.slots, 1, MAX_SLOTS),
        "skills": _skills(sub, "skill_codes", draft.skill_codes),
    }
    if flexible:
        if draft.starts_at is not None or draft.ends_at is not None:
            sub["starts_at"] = _("A flexible task has no times: give the day it is due by.")
        if draft.due_on is None:
            sub["due_on"] = _("Give the day it is due by.")
        else:
            out["due_on"] = _day(sub, "due_on", draft.due_on)
            if out["due_on"] and out["due_on"] < timezone.localdate():
                sub["due_on"] = _("That day has passed.")
    else:
        out.update(_check_times(sub, draft.starts_at, draft.ends_at))
        if draft.due_on is not None:
            sub["due_on"] = _("A timed shift has no due day.")
    for key, message in sub.items():
        errors[f"{name}.{key}"] = message
    return out


def _check_times(errors: dict[str, str], starts_at: Any, ends_at: Any) -> dict[str, Any]:
    for key, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            errors[key] = _("Give a moment with its time zone.")
    if errors:
        return {}
    now = timezone.now()
    if starts_at < now - dt.timedelta(hours=1):
        errors["starts_at"] = _("That time has passed.")
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = _("Plan at most two years ahead.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    elif ends_at - starts_at > MAX_SHIFT_LENGTH:
        errors["ends_at"] = _("A shift lasts at most seven days.")
    return {"starts_at": starts_at, "ends_at": ends_at}


def _make_shift(project: Project, fields: dict[str, Any]) -> Shift:
    skills = fields.get("skills", [])
    shift = Shift.objects.create(
        project=project,
        area_path=project.area_path,
        starts_at=fields.get("starts_at"),
        ends_at=fields.get("ends_at"),
        due_on=fields.get("due_on"),
        place=fields["place"],
        slots=fields["slots"],
    )
    shift.skills.set(skills)
    return shift


@transaction.atomic
def project_create(
    *,
    actor: Any,
    community: Area,
    title: str,
    description: str = "",
    kind: str = ProjectKind.ONE_OFF,
    category: str = ServiceKind.OTHER,
    need_ids: list[int] | tuple[int, ...] = (),
    shifts: list[ShiftDraft] | tuple[ShiftDraft, ...] = (),
    weeks: int = 1,
) -> Project:
    """A project of the community's staff (volunteering.manage), answering some of its needs,
    with its shifts; a recurring project repeats its drafts weekly for `weeks` weeks."""
    actor = require_authenticated(actor)
    community = _community(community)
    require(can_in_area(actor, "volunteering.manage", community))
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, TITLE_MAX, required=True)
    description = _text(errors, "description", description, TEXT_MAX)
    _choice(errors, "kind", kind, ProjectKind)
    _choice(errors, "category", category, ServiceKind)
    weeks = _whole(errors, "weeks", weeks, 1, MAX_WEEKS)
    if kind != ProjectKind.RECURRING and weeks != 1:
        errors["weeks"] = _("Only a recurring project repeats weekly.")
    needs: list[Need] = []
    if not isinstance(need_ids, (list, tuple)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in need_ids
    ):
        errors["need_ids"] = _("Give a list of need ids.")
    else:
        needs = list(Need.objects.filter(pk__in=set(need_ids), community=community))
        if len(needs) != len(set(need_ids)):
            errors["need_ids"] = _("Some needs are not this community's.")
    if not isinstance(shifts, (list, tuple)):
        errors["shifts"] = _("Give a list of shifts.")
        shifts = ()
    elif len(shifts) * weeks > MAX_SHIFTS:
        errors["shifts"] = _("At most %(n)d shifts in a project.") % {"n": MAX_SHIFTS}
        shifts = ()
    drafts = [
        _check_draft(errors, f"shifts.{i}", d, kind == ProjectKind.FLEXIBLE) for i, d in enumerate(shifts)
    ]
    _raise(errors)
    project = Project.objects.create(
        community=community,
        area_path=community.path,
        title=title,
        description=description,
        kind=kind,
        category=category,
        coordinator=actor,
        created_by=actor,
    )
    project.needs.set(needs)
    for week in range(weeks):
        step = dt.timedelta(weeks=week)
        for fields in drafts:
            repeated = dict(fields)
            if week and repeated.get("starts_at") is not None:
                repeated["starts_at"] += step
                repeated["ends_at"] += step
            _make_shift(project, repeated)
    audit_record(
        actor=actor,
        action="volunteering.project.created",
        obj=project,
        new={"title": title, "kind": kind, "shifts": len(drafts) * weeks},
    )
    return project


def _locked_project(project: Project, actor: Any) -> Project:
    actor = require_authenticated(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(can_in_area(actor, "volunteering.manage", project.area_path))
    return project


@transaction.atomic
def shift_add(*, actor: Any, project: Project, draft: ShiftDraft) -> Shift:
    project = _locked_project(project, actor)
    if project.status != ProjectStatus.OPEN:
        raise Conflict(_("This project is closed."))
    errors: dict[str, str] = {}
    fields = _check_draft(errors, "shift", draft, project.kind == ProjectKind.FLEXIBLE)
    if project.shifts.count() >= MAX_SHIFTS:
        errors["shift"] = _("At most %(n)d shifts in a project.") % {"n": MAX_SHIFTS}
    _raise(errors)
    shift = _make_shift(project, fields)
    audit_record(actor=actor, action="volunteering.shift.added", obj=shift, new={"slots": shift.slots})
    return shift


def _tell_shift(people: list[Person], verb: str, text: str, shift: Shift, **params: Any) -> None:
    """Tells `people` of a change to `shift`: the message names its project and time, the link opens it."""
    if people:
        message = Message(text, {"project": shift.project.title, "when": _when(shift), **params})
        notify(
            recipients=people, verb=verb, message=message, link=reverse("volunteering-shift", args=[shift.pk])
        )


def _others(actor: Any, *people: Person | None) -> list[Person]:
    """The people given, less the missing and the actor (nobody is told of their own move)."""
    return [p for p in people if p is not None and p.pk != actor.pk]


def _when(shift: Shift) -> str:
    if shift.starts_at is not None:
        return timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M")
    return shift.due_on.isoformat() if shift.due_on else ""


def _unit_people(unit: Unit) -> list[Person]:
    ids = RoleAssignment.objects.filter(unit=unit).values_list("person_id", flat=True)
    return list(Person.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def shift_cancel(*, actor: Any, shift: Shift, reason: str = "") -> Shift:
    """Cancels the shift: its claims are cancelled (their slots freed) and their members told."""
    actor = require_authenticated(actor)
    shift = Shift.objects.select_for_update().select_related("project").get(pk=shift.pk)
    require(can_in_area(actor, "volunteering.manage", shift.area_path))
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, NOTE_MAX)
    _raise(errors)
    if shift.cancelled:
        raise Conflict(_("This shift is already cancelled."))
    live = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .filter(shift=shift, status__in=[ClaimStatus.CLAIMED, ClaimStatus.DISPATCHED, ClaimStatus.ACCEPTED])
    )
    Claim.objects.filter(pk__in=[c.pk for c in live]).update(
        status=ClaimStatus.CANCELLED, reason=reason, updated_at=timezone.now()
    )
    shift.cancelled = True
    shift.filled = Claim.objects.filter(shift=shift, status__in=HOLDING).count()
    shift.save(update_fields=["cancelled", "filled", "updated_at"])
    audit_record(actor=actor, action="volunteering.shift.cancelled", obj=shift, new={"claims": len(live)})
    people = [c.person for c in live if c.person is not None]
    for claim in live:
        if claim.unit is not None:
            people += _unit_people(claim.unit)
    _tell_shift(
        people,
        "volunteering.shift.cancelled",
        gettext_noop("The shift of %(project)s on %(when)s is cancelled."),
        shift,
    )
    return shift


@transaction.atomic
def project_close(*, actor: Any, project: Project) -> Project:
    """A closed project takes no more claims; what was claimed stays as it is."""
    project = _locked_project(project, actor)
    if project.status == ProjectStatus.CLOSED:
        raise Conflict(_("This project is already closed."))
    project.status = ProjectStatus.CLOSED
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="volunteering.project.closed", obj=project)
    return project
