"""Reads of check-ins, pairings, commitments and the resources list, each scoped by who asks.

Who reads a member's check-in: the member; the community's staff and those above them
("volunteering.view_members" over the community: not "volunteering.view", which a department's
viewer holds over its whole district, and the workplace rule says a unit's people read its own
members only); the member's workplace, that is anyone holding a role
in the workplace unit or in a unit above it in the unit tree (never by area scope: a street's
roles do not read a department's members). Phones are masked unless the member chose to show
theirs; a staff read of shown numbers is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from needle.areas.models import Area, subtree_q
from needle.core.audit import audit_record
from needle.core.errors import NotFound, or_not_found
from needle.orgs.models import MembershipKind, Person, Unit, mask_phone, normalize_phone
from needle.orgs.permissions import can_act_for_unit, can_in_area, is_superuser, require
from needle.volunteering.models import (
    PARTS,
    STANDING_CHECKIN,
    CheckIn,
    CheckInStatus,
    Commitment,
    Skill,
    UnitCheckIn,
    UnitCommitment,
    availability_bit,
)

MEMBER_KINDS = (MembershipKind.PARTY_MEMBER, MembershipKind.MEMBER)
# The most rows a list reads at once: a community's roster fits, a district's is searched.
LIST_MAX = 500


def member_workplaces(person: Any) -> list[Unit]:
    """The units of the person's open memberships as a party member or a member."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    return list(
        Unit.objects.filter(
            memberships__person=person,
            memberships__kind__in=MEMBER_KINDS,
            memberships__left_on__isnull=True,
            dissolved_on__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


def standing_checkin(person: Any) -> CheckIn | None:
    """The person's check-in that stands (submitted, confirmed or returned), if any."""
    if person is None or not getattr(person, "is_authenticated", False):
        return None
    return (
        CheckIn.objects.filter(person=person, status__in=STANDING_CHECKIN)
        .select_related("community", "grid", "workplace")
        .first()
    )


def my_checkins(*, actor: Any) -> QuerySet[CheckIn]:
    """The actor's check-ins, the standing one and its history, newest first."""
    if not getattr(actor, "is_authenticated", False):
        return CheckIn.objects.none()
    return (
        CheckIn.objects.filter(person=actor)
        .select_related("community", "grid", "workplace")
        .prefetch_related("skills")
        .order_by("-created_at", "-pk")
    )


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The unit and the units above it, nearest first (the unit tree is a few levels deep)."""
    chain, seen = [unit], {unit.pk}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = Unit.objects.get(pk=chain[-1].parent_id)
        seen.add(parent.pk)
        chain.append(parent)
    return chain


def unit_subtree_ids(unit: Unit) -> list[int]:
    """The unit and every unit below it: one query per level."""
    ids, frontier = {unit.pk}, [unit.pk]
    while frontier:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids.update(frontier)
    return sorted(ids)


def acts_for_workplace(actor: Any, unit: Unit) -> bool:
    """Any role in the unit or in a unit above it (the workplace rule)."""
    if is_superuser(actor):
        return True
    return any(can_act_for_unit(actor, "orgs.view_units", u) for u in unit_ancestors(unit))


def is_community_staff(actor: Any, community: Area) -> bool:
    return can_in_area(actor, "volunteering.manage", community.path)


def access_checkin(*, actor: Any, checkin_id: int, for_write: bool = False) -> CheckIn:
    """The check-in, for the member, the community's staff (or above), or its workplace
    (read only); locked when writing. 404 for anyone else."""
    qs = CheckIn.objects.select_related("community", "grid", "workplace", "person")
    if for_write:
        qs = qs.select_for_update(of=("self",))
    checkin = or_not_found(qs.filter(pk=checkin_id).first())
    mine = getattr(actor, "pk", None) == checkin.person_id
    staff = can_in_area(actor, "volunteering.view_members", checkin.community.path)
    if not (mine or staff or acts_for_workplace(actor, checkin.workplace)):
        raise NotFound()
    if for_write:
        require(mine or is_community_staff(actor, checkin.community))
    return checkin


def checkin_list_for(*, actor: Any, community: Area, status: str | None = None) -> QuerySet[CheckIn]:
    """A community's check-ins, for its staff and those above them; oldest waiting first."""
    require(can_in_area(actor, "volunteering.view_members", community.path))
    qs = CheckIn.objects.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("person", "grid", "workplace", "community")
        .prefetch_related("skills")
        .order_by("created_at", "pk")
    )


def shown_phone(checkin: CheckIn) -> str:
    """The member's phone as another member or staff sees it on a list."""
    phone = checkin.person.phone
    return phone if checkin.phone_visible else mask_phone(phone)


@dataclass(frozen=True)
class UnitMembers:
    unit: Unit
    checkins: list[CheckIn]
    phones: dict[int, str]  # check-in id -> masked phone


def unit_member_checkins(*, actor: Any, unit: Unit) -> UnitMembers:
    """The check-ins, standing and past, of the members of the unit and of the units below it,
    for anyone with a role in the unit or above it; phones masked; the read is audited."""
    require(acts_for_workplace(actor, unit), visible=False)
    checkins = list(
        CheckIn.objects.filter(workplace_id__in=unit_subtree_ids(unit))
        .select_related("person", "community", "grid", "workplace")
        .prefetch_related("skills")
        .order_by("person__username", "-created_at")[:LIST_MAX]
    )
    audit_record(
        actor=actor,
        action="volunteering.unit.checkins_viewed",
        obj=unit,
        area_path=unit.area_path,
        new={"checkins": len(checkins)},
    )
    return UnitMembers(unit, checkins, {c.pk: mask_phone(c.person.phone) for c in checkins})


def pairing_list_for(
    *, actor: Any, community: Area | None = None, unit: Unit | None = None
) -> QuerySet[UnitCheckIn]:
    """A community's pairings (its staff and above) or a unit's (its own people)."""
    qs = UnitCheckIn.objects.select_related("unit", "community").prefetch_related("commitments")
    if community is not None:
        require(can_in_area(actor, "volunteering.view", community.path))
        qs = qs.filter(community=community)
    if unit is not None:
        if community is None:
            require(acts_for_workplace(actor, unit))
        qs = qs.filter(unit=unit)
    return qs.order_by("-year", "created_at", "pk")


def access_pairing(*, actor: Any, pairing_id: int, for_write: bool = False) -> UnitCheckIn:
    qs = UnitCheckIn.objects.select_related("unit", "community")
    if for_write:
        qs = qs.select_for_update(of=("self",))
    pairing = or_not_found(qs.filter(pk=pairing_id).first())
    staff = can_in_area(actor, "volunteering.view", pairing.community.path)
    if not (staff or acts_for_workplace(actor, pairing.unit)):
        raise NotFound()
    return pairing


def access_commitment(*, actor: Any, commitment_id: int) -> Commitment:
    commitment = or_not_found(
        Commitment.objects.select_related("community", "person").filter(pk=commitment_id).first()
    )
    mine = getattr(actor, "pk", None) == commitment.person_id
    if not (mine or can_in_area(actor, "volunteering.view_members", commitment.community.path)):
        raise NotFound()
    return commitment


def my_commitments(*, actor: Any) -> QuerySet[Commitment]:
    """The actor's own commitments, newest year first."""
    if not getattr(actor, "is_authenticated", False):
        return Commitment.objects.none()
    return Commitment.objects.filter(person=actor).select_related("community").order_by("-year", "-pk")


def commitment_list_for(*, actor: Any, community: Area, year: int) -> QuerySet[Commitment]:
    require(can_in_area(actor, "volunteering.view_members", community.path))
    return Commitment.objects.filter(community=community, year=year).select_related("person").order_by("pk")


def public_commitments(community: Area, year: int) -> list[dict[str, Any]]:
    """The commitments members chose to publish, for anyone: a display name and the promise,
    nothing else about the person."""
    rows = (
        Commitment.objects.filter(community=community, year=year, public=True)
        .select_related("person")
        .order_by("pk")
    )
    return [
        {
            "name": c.person.display_name or _("A member"),
            "text": c.text,
            "review": c.review,
            "review_label": c.get_review_display() if c.review else "",
        }
        for c in rows
    ]


def availability_mask(weekday: int | None, part: str | None) -> int:
    """The bits of a weekday (any part), a part (any day), or one slot; 0 for no filter."""
    days = [weekday] if weekday else range(1, 8)
    parts = [part] if part else PARTS
    if weekday is None and part is None:
        return 0
    mask = 0
    for d in days:
        for p in parts:
            mask |= availability_bit(d, p)
    return mask


@dataclass(frozen=True)
class MemberResource:
    checkin: CheckIn
    name: str
    phone: str
    skills: list[Skill]
    slots: list[tuple[int, str]]


@dataclass(frozen=True)
class Resources:
    area: Area
    members: list[MemberResource] = field(default_factory=list)
    pairings: list[UnitCheckIn] = field(default_factory=list)
    capped: bool = False


def slots_of(availability: int) -> list[tuple[int, str]]:
    """The (weekday, part) slots of an availability bitmask, Monday morning first."""
    return [(d, p) for d in range(1, 8) for p in PARTS if availability & availability_bit(d, p)]


def resources_for(
    *,
    actor: Any,
    community_or_area: Area,
    skill: Skill | None = None,
    weekday: int | None = None,
    part: str | None = None,
    year: int | None = None,
) -> Resources:
    """The resources list (资源清单) of an area for its staff: confirmed members' skills and
    availability (phones masked unless the member shows theirs; shown numbers read by staff are
    audited) and the confirmed pairings' commitments."""
    area = community_or_area
    require(can_in_area(actor, "volunteering.view_members", area.path))
    qs = CheckIn.objects.filter(subtree_q(area.path, "area_path"), status=CheckInStatus.CONFIRMED)
    if skill is not None:
        qs = qs.filter(skills=skill)
    mask = availability_mask(weekday, part)
    if mask:
        qs = qs.annotate(free=F("availability").bitand(mask)).filter(free__gt=0)
    checkins = list(
        qs.select_related("person", "grid", "community", "workplace")
        .prefetch_related("skills")
        .order_by("area_path", "person__username")[: LIST_MAX + 1]
    )
    capped = len(checkins) > LIST_MAX
    checkins = checkins[:LIST_MAX]
    members = [
        MemberResource(c, str(c.person), shown_phone(c), list(c.skills.all()), slots_of(c.availability))
        for c in checkins
    ]
    shown = sorted({c.person.username for c in checkins if c.phone_visible and c.person.phone})
    if shown:
        audit_record(
            actor=actor, action="volunteering.resources.phones_viewed", obj=area, new={"people": shown}
        )
    pairings = UnitCheckIn.objects.filter(subtree_q(area.path, "area_path"), status=CheckInStatus.CONFIRMED)
    if year is not None:
        pairings = pairings.filter(year=year)
    pairing_rows = list(
        pairings.select_related("unit", "community")
        .prefetch_related(Prefetch("commitments", queryset=UnitCommitment.objects.order_by("pk")))
        .order_by("-year", "unit__name")[:LIST_MAX]
    )
    return Resources(area, members, pairing_rows, capped)


def person_by_login(value: str) -> Person | None:
    """A person by username, or by phone number when no username matches."""
    person = Person.objects.filter(username=value).first()
    if person is None and value:
        person = Person.objects.filter(phone=normalize_phone(value)).order_by("pk").first()
    return person
