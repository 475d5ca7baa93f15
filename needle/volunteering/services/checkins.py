"""Check-ins of members with the community of their home (报到): submitted by the member,
confirmed or returned by the community's staff, resubmitted, moved to a new home (the old one
kept, pointing at the new) or withdrawn. Pairings and commitments are in `pairings`, the roster
import in `roster`.

Every move is checked against CHECKIN_MOVES in `needle.volunteering.states`: the member (the
person the check-in is of) and the community's staff ("volunteering.manage" over the community,
which reaches those above it too)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from needle.areas.models import Area, Level
from needle.core.audit import audit_record_state, snapshot
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.states import target, wrong_status
from needle.core.text import text_input as text_field
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import can_in_area, require, require_authenticated
from needle.volunteering.models import (
    PARTS,
    STANDING_CHECKIN,
    CheckIn,
    CheckInStatus,
    ServiceKind,
    Skill,
    availability_bit,
)
from needle.volunteering.selectors.checkins import member_workplaces, slots_of
from needle.volunteering.skills import skills_match
from needle.volunteering.states import CHECKIN_MOVES, MEMBER, STAFF

MAX_SKILLS_TEXT = 1000
MAX_REASON = 300
MAX_NOTE = 300
MAX_COMMITMENT = 500
MAX_COMMITMENTS = 30
MAX_QUANTITY = Decimal("9999999999")
SLIP_FIELDS = ["status", "community", "grid", "area_path", "availability", "phone_visible", "note"]


def availability_bits(slots: Iterable[Any], *, field: str = "availability") -> int:
    """(weekday 1-7, part) pairs as the stored bitmask."""
    bits = 0
    for slot in slots:
        try:
            weekday, part = slot
        except (TypeError, ValueError):
            raise ValidationFailed(
                fields={field: _("Give each slot as a weekday and a part of the day.")}
            ) from None
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
            raise ValidationFailed(fields={field: _("A weekday is a number from 1 (Monday) to 7 (Sunday).")})
        if part not in PARTS:
            raise ValidationFailed(fields={field: _("A part of the day is morning, afternoon or evening.")})
        bits |= availability_bit(weekday, part)
    return bits


def _kinds(kinds: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for kind in kinds:
        if kind not in ServiceKind.values:
            raise ValidationFailed(
                fields={"service_kinds": _("Unknown kind of service: %(kind)s.") % {"kind": str(kind)[:40]}}
            )
        if kind not in out:
            out.append(kind)
    return out


def _skills(skills_text: str, skill_codes: Sequence[str] | None) -> list[Skill]:
    known = list(Skill.objects.all())
    chosen: dict[int, Skill] = {}
    by_code = {s.code: s for s in known}
    for code in skill_codes or ():
        skill = by_code.get(code) if isinstance(code, str) else None
        if skill is None:
            raise ValidationFailed(
                fields={"skills": _("Unknown skill: %(code)s.") % {"code": str(code)[:40]}}
            )
        chosen[skill.pk] = skill
    for skill in skills_match(skills_text, known=known):
        chosen.setdefault(skill.pk, skill)
    return list(chosen.values())


def home_community(person: Person) -> Area | None:
    """The community of the person's home: their home area, or its parent when it is a grid."""
    home = person.home_area
    if home is None:
        return None
    if home.level == Level.GRID:
        return home.parent
    return home if home.level == Level.COMMUNITY else None


def home_grid(person: Person, community: Area) -> Area | None:
    """The person's home when it is a grid of `community`: where their check-in there belongs."""
    home = person.home_area
    if home is not None and home.level == Level.GRID and home.parent_id == community.pk:
        return home
    return None


def _place(
    person: Person, community: Area, grid: Area | None, outside_reason: Any
) -> tuple[Area | None, str]:
    """The grid and the reason of a check-in with `community`, checked."""
    if community.level != Level.COMMUNITY or community.retired:
        raise ValidationFailed(
            fields={"community": _("Choose a community (not a street, a district or a grid).")}
        )
    if grid is not None and (grid.level != Level.GRID or grid.parent_id != community.pk):
        raise ValidationFailed(fields={"grid": _("Choose a grid of this community.")})
    if grid is None:
        grid = home_grid(person, community)
    reason = text_field(outside_reason, limit=MAX_REASON, field="outside_reason")
    own = home_community(person)
    if (own is None or own.pk != community.pk) and not reason:
        raise ValidationFailed(
            fields={
                "outside_reason": _("This is not the community of your home: say why you check in with it.")
            }
        )
    return grid, reason


@dataclass(frozen=True)
class Slip:
    """What a member fills in on a check-in slip, checked."""

    skills_text: str
    skills: list[Skill]
    availability: int
    service_kinds: list[str]
    phone_visible: bool


def slip(
    *,
    skills_text: Any = "",
    skill_codes: Sequence[str] | None = None,
    availability: Iterable[Any] = (),
    service_kinds: Iterable[Any] = (),
    phone_visible: Any = False,
) -> Slip:
    text = text_field(skills_text, limit=MAX_SKILLS_TEXT, field="skills")
    if not isinstance(phone_visible, bool):
        raise ValidationFailed(fields={"phone_visible": _("Give yes or no.")})
    return Slip(
        text,
        _skills(text, skill_codes),
        availability_bits(availability),
        _kinds(service_kinds),
        phone_visible,
    )


def _notify_member(checkin: CheckIn, text: str) -> None:
    notify(
        recipients=[checkin.person],
        verb="volunteering.checkin",
        message=Message(text, {"community": checkin.community.name, "note": checkin.note}),
        link=reverse("volunteering-checkin"),
    )


def _audit(actor: Any, checkin: CheckIn, action: str, old: dict[str, Any] | None, **new: Any) -> None:
    audit_record_state(
        actor=actor, action=f"volunteering.checkin.{action}", obj=checkin, fields=SLIP_FIELDS, old=old, **new
    )


def _create(
    person: Person, workplace: Unit, community: Area, grid: Area | None, reason: str, s: Slip
) -> CheckIn:
    checkin = CheckIn(
        person=person,
        workplace=workplace,
        community=community,
        grid=grid,
        area_path=(grid or community).path,
        status=CheckInStatus.SUBMITTED,
        skills_text=s.skills_text,
        availability=s.availability,
        service_kinds=s.service_kinds,
        phone_visible=s.phone_visible,
        outside_reason=reason,
    )
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError:
        raise Conflict(
            _("You already have a check-in; move it to change community."), code="checkin_standing"
        ) from None
    checkin.skills.set(s.skills)
    return checkin


@transaction.atomic
def checkin_submit(
    *,
    actor: Any,
    community: Area,
    skills_text: str = "",
    skill_codes: list[str] | None = None,
    availability: Iterable[tuple[int, str]] = (),
    service_kinds: Iterable[str] = (),
    phone_visible: bool = False,
    workplace: Unit | None = None,
    grid: Area | None = None,
    outside_reason: str = "",
) -> CheckIn:
    """A member checks in with a community (submitted, for its staff to confirm); audited."""
    person = require_authenticated(actor)
    workplaces = member_workplaces(person)
    if not workplaces:
        raise PermissionDenied(
            _("Only members of a unit (party members and members) check in with a community.")
        )
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if CheckIn.objects.filter(person=person, status__in=STANDING_CHECKIN).exists():
        raise Conflict(
            _("You already have a check-in; move it to change community."), code="checkin_standing"
        )
    if workplace is None:
        workplace = workplaces[0]
    elif workplace.pk not in {w.pk for w in workplaces}:
        raise ValidationFailed(fields={"workplace": _("You are not a member of this unit.")})
    where, reason = _place(person, community, grid, outside_reason)
    s = slip(
        skills_text=skills_text,
        skill_codes=skill_codes,
        availability=availability,
        service_kinds=service_kinds,
        phone_visible=phone_visible,
    )
    checkin = _create(person, workplace, community, where, reason, s)
    _audit(actor, checkin, "submitted", None, skills=[k.code for k in s.skills])
    return checkin


def _capacities(actor: Any, checkin: CheckIn) -> set[str]:
    held = set()
    if getattr(actor, "pk", None) == checkin.person_id:
        held.add(MEMBER)
    if can_in_area(actor, "volunteering.manage", checkin.community.path):
        held.add(STAFF)
    return held


def _locked(checkin: CheckIn) -> CheckIn:
    return (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("community", "grid", "person", "workplace", "person__home_area")
        .get(pk=checkin.pk)
    )


def _check(actor: Any, checkin: CheckIn, name: str) -> str:
    """Refuse the move unless the actor holds its capacity and the check-in its state; returns
    the state it leaves."""
    require_authenticated(actor)
    rule = CHECKIN_MOVES[name]
    require(bool(_capacities(actor, checkin) & rule.capacities))
    if checkin.status not in rule.sources:
        raise wrong_status(
            _("This check-in is %(status)s.") % {"status": CheckInStatus(checkin.status).label},
            checkin.status,
        )
    return checkin.status


@transaction.atomic
def checkin_confirm(*, actor: Any, checkin: CheckIn) -> CheckIn:
    """The community's staff confirm the slip; the member hears of it."""
    checkin = _locked(checkin)
    old = _check(actor, checkin, "confirm")
    checkin.status = target(CHECKIN_MOVES, "confirm")
    checkin.decided_by = actor
    checkin.confirmed_at = timezone.now()
    checkin.note = ""
    checkin.save(update_fields=["status", "decided_by", "confirmed_at", "note", "updated_at"])
    _audit(actor, checkin, "confirmed", {"status": old})
    _notify_member(checkin, gettext_noop("%(community)s confirmed your check-in."))
    return checkin


@transaction.atomic
def checkin_return(*, actor: Any, checkin: CheckIn, note: str) -> CheckIn:
    """Staff ask the member for corrections (the note says which); the member hears of it."""
    checkin = _locked(checkin)
    old = _check(actor, checkin, "return")
    checkin.note = text_field(note, limit=MAX_NOTE, field="note", required=True)
    checkin.status = target(CHECKIN_MOVES, "return")
    checkin.decided_by = actor
    checkin.save(update_fields=["status", "decided_by", "note", "updated_at"])
    _audit(actor, checkin, "returned", {"status": old})
    _notify_member(checkin, gettext_noop("%(community)s asks for corrections to your check-in: %(note)s"))
    return checkin


@transaction.atomic
def checkin_resubmit(
    *,
    actor: Any,
    checkin: CheckIn,
    skills_text: str | None = None,
    skill_codes: list[str] | None = None,
    availability: Iterable[tuple[int, str]] | None = None,
    service_kinds: Iterable[str] | None = None,
    phone_visible: bool | None = None,
    grid: Area | None = None,
    outside_reason: str | None = None,
) -> CheckIn:
    """The member sends the corrected slip again; what is not given stays as it was."""
    checkin = _locked(checkin)
    old = _check(actor, checkin, "resubmit")
    before = snapshot(checkin, SLIP_FIELDS)
    current = checkin.grid if grid is None else grid
    where, reason = _place(
        checkin.person,
        checkin.community,
        current,
        checkin.outside_reason if outside_reason is None else outside_reason,
    )
    s = slip(
        skills_text=checkin.skills_text if skills_text is None else skills_text,
        skill_codes=skill_codes
        if skill_codes is not None
        else ([k.code for k in checkin.skills.all()] if skills_text is None else None),
        availability=slots_of(checkin.availability) if availability is None else availability,
        service_kinds=checkin.service_kinds if service_kinds is None else service_kinds,
        phone_visible=checkin.phone_visible if phone_visible is None else phone_visible,
    )
    checkin.grid, checkin.outside_reason = where, reason
    checkin.area_path = (where or checkin.community).path
    checkin.skills_text, checkin.availability = s.skills_text, s.availability
    checkin.service_kinds, checkin.phone_visible = s.service_kinds, s.phone_visible
    checkin.status = target(CHECKIN_MOVES, "resubmit")
    checkin.note = ""
    checkin.save()
    checkin.skills.set(s.skills)
    _audit(actor, checkin, "resubmitted", {**before, "status": old})
    return checkin


@transaction.atomic
def checkin_move(
    *,
    actor: Any,
    checkin: CheckIn,
    community: Area,
    grid: Area | None = None,
    outside_reason: str = "",
) -> CheckIn:
    """A new home: the check-in ends as moved (kept, pointing at the new one) and a new one,
    with the same slip, is submitted to the new community. Returns the new one."""
    checkin = _locked(checkin)
    old = _check(actor, checkin, "move")
    if community.pk == checkin.community_id:
        raise ValidationFailed(fields={"community": _("Choose a community other than the present one.")})
    where, reason = _place(checkin.person, community, grid, outside_reason)
    s = Slip(
        checkin.skills_text,
        list(checkin.skills.all()),
        checkin.availability,
        list(checkin.service_kinds),
        checkin.phone_visible,
    )
    checkin.status = target(CHECKIN_MOVES, "move")
    checkin.ended_at = timezone.now()
    checkin.save(update_fields=["status", "ended_at", "updated_at"])
    new = _create(checkin.person, checkin.workplace, community, where, reason, s)
    new.last_served_on = checkin.last_served_on
    new.save(update_fields=["last_served_on", "updated_at"])
    checkin.moved_to = new
    checkin.save(update_fields=["moved_to", "updated_at"])
    _audit(actor, checkin, "moved", {"status": old}, moved_to=new.pk)
    _audit(actor, new, "submitted", None, moved_from=checkin.pk)
    return new


@transaction.atomic
def checkin_withdraw(*, actor: Any, checkin: CheckIn) -> CheckIn:
    """The member (or staff) ends the check-in; it stays in the history."""
    checkin = _locked(checkin)
    old = _check(actor, checkin, "withdraw")
    checkin.status = target(CHECKIN_MOVES, "withdraw")
    checkin.ended_at = timezone.now()
    checkin.save(update_fields=["status", "ended_at", "updated_at"])
    _audit(actor, checkin, "withdrawn", {"status": old})
    return checkin
