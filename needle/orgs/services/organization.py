"""Every write to units, memberships, roles, grids, and the staff accounts administrators make.

Each service is keyword-only, atomic, checks the actor's permission and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from needle.areas.models import Area, Level
from needle.areas.services import grid_add
from needle.core.audit import audit_record, field_set_audited, snapshot
from needle.core.errors import Conflict, ValidationFailed
from needle.orgs.models import (
    GridAssignment,
    Membership,
    MembershipKind,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
)
from needle.orgs.permissions import can_for_unit, can_in_area, forget_grants, require, require_authenticated
from needle.orgs.services.accounts import PROFILE_FIELDS, check_password_strength, validate_profile

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def person_create_staff(
    *,
    actor: Any,
    unit: Unit,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    phone: str = "",
) -> Person:
    """An administrator creates a staff account and gives it a role in a unit in scope."""
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_people", unit))
    errors = validate_profile(display_name=display_name, phone=phone, language="")
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    if not username or Person.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This username is taken.") if username else _("Required.")
    check_password_strength(
        password, Person(username=username, display_name=display_name, phone=phone), errors
    )
    if errors:
        raise ValidationFailed(fields=errors)
    person = Person.objects.create_user(
        username=username, password=password, display_name=display_name, phone=phone
    )
    audit_record(
        actor=actor,
        action="orgs.person.created",
        obj=person,
        area_path=unit.area_path,
        new=snapshot(person, ["username", *PROFILE_FIELDS]),
    )
    role_grant(actor=actor, person=person, unit=unit, role=role)
    return person


def _check_unit_fields(
    *, code: str, name: str, type: str, area: Area, founded_on: dt.date, parent: Unit | None
) -> None:
    errors: dict[str, str] = {}
    if not code or len(code) > 40:
        errors["code"] = _("Give a code of 1 to 40 characters.")
    elif Unit.objects.filter(code=code).exists():
        errors["code"] = _("Another unit has this code.")
    if not name or len(name) > 150:
        errors["name"] = _("Give a name of 1 to 150 characters.")
    if type not in UnitType.values:
        errors["type"] = _("Unknown unit type.")
    if area.retired:
        errors["area"] = _("This area is retired.")
    if founded_on > timezone.localdate():
        errors["founded_on"] = _("Cannot be in the future.")
    if parent is not None and parent.dissolved_on is not None:
        errors["parent"] = _("The parent unit is dissolved.")
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    type: str,
    area: Area,
    parent: Unit | None = None,
    founded_on: dt.date | None = None,
) -> Unit:
    """Found a unit in an area the actor administers (under a parent unit, when given)."""
    require_authenticated(actor)
    require(can_in_area(actor, "orgs.manage_units", area))
    if parent is not None:
        require(can_for_unit(actor, "orgs.view_units", parent))
    founded_on = founded_on or timezone.localdate()
    _check_unit_fields(
        code=code.strip(), name=name.strip(), type=type, area=area, founded_on=founded_on, parent=parent
    )
    unit = Unit.objects.create(
        code=code.strip(),
        name=name.strip(),
        type=type,
        area=area,
        area_path=area.path,
        parent=parent,
        founded_on=founded_on,
    )
    audit_record(
        actor=actor,
        action="orgs.unit.created",
        obj=unit,
        new=snapshot(unit, ["code", "name", "type", "area", "parent", "founded_on"]),
    )
    return unit


@transaction.atomic
def unit_move(*, actor: Any, unit: Unit, area: Area) -> Unit:
    """Re-home a unit in another area. Its `area_path`, which every grant of its roles reads,
    moves with it in the same transaction."""
    require_authenticated(actor)
    unit = Unit.objects.select_for_update(of=("self",)).select_related("area").get(pk=unit.pk)
    require(can_for_unit(actor, "orgs.manage_units", unit))
    require(can_in_area(actor, "orgs.manage_units", area))
    if area.retired:
        raise ValidationFailed(fields={"area": _("This area is retired.")})
    if unit.area_id == area.pk and unit.area_path == area.path:
        return unit
    old = {"area": unit.area_id, "area_path": unit.area_path}
    unit.area = area
    unit.area_path = area.path
    unit.save(update_fields=["area", "area_path", "updated_at"])
    audit_record(
        actor=actor,
        action="orgs.unit.moved",
        obj=unit,
        area_path=area.path,
        old=old,
        new={"area": area.pk, "area_path": area.path},
    )
    return unit


def _locked_open(model: type[M], pk: int, field: str, ended: str) -> M:
    """The row locked for its ending; a Conflict saying `ended` when `field` is set already (by
    another request meanwhile, say)."""
    row = model._default_manager.select_for_update().get(pk=pk)
    if getattr(row, field) is not None:
        raise Conflict(ended)
    return row


def _end_day(on: dt.date | None, since: dt.date, too_early: str) -> dt.date:
    """The day something ends, today unless given; refused (on the field `on`) before `since`."""
    on = on or timezone.localdate()
    if on < since:
        raise ValidationFailed(fields={"on": too_early})
    return on


@transaction.atomic
def unit_dissolve(*, actor: Any, unit: Unit, on: dt.date | None = None) -> Unit:
    """Dissolve a unit; its role assignments stop granting anything."""
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_units", unit))
    unit = _locked_open(Unit, unit.pk, "dissolved_on", _("The unit is already dissolved."))
    on = _end_day(on, unit.founded_on, _("Cannot be before the unit was founded."))
    if unit.children.filter(dissolved_on__isnull=True).exists():
        raise Conflict(_("Dissolve or move its child units first."))
    field_set_audited(actor=actor, obj=unit, field="dissolved_on", value=on, action="orgs.unit.dissolved")
    return unit


@transaction.atomic
def membership_add(
    *, actor: Any, person: Person, unit: Unit, kind: str, joined_on: dt.date | None = None
) -> Membership:
    """Record that a person belongs to a unit (e.g. a party member registering with a branch)."""
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_people", unit))
    if kind not in MembershipKind.values:
        raise ValidationFailed(fields={"kind": _("Unknown membership kind.")})
    if unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    joined_on = joined_on or timezone.localdate()
    if Membership.objects.filter(person=person, unit=unit, kind=kind, left_on__isnull=True).exists():
        raise Conflict(_("This person is already a member of this unit."))
    membership = Membership.objects.create(person=person, unit=unit, kind=kind, joined_on=joined_on)
    audit_record(
        actor=actor,
        action="orgs.membership.added",
        obj=membership,
        area_path=unit.area_path,
        new=snapshot(membership, ["person", "unit", "kind", "joined_on"]),
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership, on: dt.date | None = None) -> Membership:
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_people", membership.unit))
    membership = _locked_open(Membership, membership.pk, "left_on", _("This membership has already ended."))
    on = _end_day(on, membership.joined_on, _("Cannot be before the person joined."))
    field_set_audited(
        actor=actor,
        obj=membership,
        field="left_on",
        value=on,
        action="orgs.membership.ended",
        area_path=membership.unit.area_path,
    )
    return membership


@transaction.atomic
def role_grant(*, actor: Any, person: Person, unit: Unit, role: str) -> RoleAssignment:
    """Give a person a role in a unit the actor administers."""
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_people", unit))
    if role not in Role.values:
        raise ValidationFailed(fields={"role": _("Unknown role.")})
    if unit.dissolved_on is not None:
        raise ValidationFailed(fields={"unit": _("The unit is dissolved.")})
    assignment, created = RoleAssignment.objects.get_or_create(person=person, unit=unit, role=role)
    if not created:
        raise Conflict(_("This person already has this role in this unit."))
    forget_grants(person)
    audit_record(
        actor=actor,
        action="orgs.role.granted",
        obj=assignment,
        area_path=unit.area_path,
        new={"person": person.pk, "unit": unit.pk, "role": role},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    require_authenticated(actor)
    require(can_for_unit(actor, "orgs.manage_people", assignment.unit))
    old = {"person": assignment.person_id, "unit": assignment.unit_id, "role": assignment.role}
    audit_record(
        actor=actor,
        action="orgs.role.revoked",
        obj=assignment,
        area_path=assignment.unit.area_path,
        old=old,
    )
    assignment.delete()
    forget_grants(assignment.person)


@transaction.atomic
def grid_create(*, actor: Any, community: Area, name: str) -> Area:
    """Divide a community into a new grid (level 6), where the actor manages grids; the tree's
    part is `areas.services.grid_add`."""
    require_authenticated(actor)
    require(can_in_area(actor, "areas.manage_grids", community))
    grid = grid_add(community=community, name=name)
    audit_record(
        actor=actor, action="areas.grid.created", obj=grid, new=snapshot(grid, ["code", "name", "parent"])
    )
    return grid


@transaction.atomic
def grid_assign_worker(*, actor: Any, grid: Area, worker: Person) -> GridAssignment:
    require_authenticated(actor)
    require(can_in_area(actor, "areas.manage_grids", grid))
    if grid.level != Level.GRID:
        raise ValidationFailed(fields={"grid": _("Workers are assigned to grids.")})
    if GridAssignment.objects.filter(grid=grid, worker=worker, ended_at__isnull=True).exists():
        raise Conflict(_("This person already works this grid."))
    assignment = GridAssignment.objects.create(grid=grid, worker=worker, area_path=grid.path)
    audit_record(
        actor=actor,
        action="areas.grid.worker_assigned",
        obj=assignment,
        new={"grid": grid.code, "worker": worker.pk},
    )
    return assignment


@transaction.atomic
def grid_unassign_worker(*, actor: Any, assignment: GridAssignment) -> GridAssignment:
    require_authenticated(actor)
    require(can_in_area(actor, "areas.manage_grids", assignment.area_path))
    assignment = _locked_open(
        GridAssignment, assignment.pk, "ended_at", _("This assignment has already ended.")
    )
    field_set_audited(
        actor=actor,
        obj=assignment,
        field="ended_at",
        value=timezone.now(),
        action="areas.grid.worker_unassigned",
    )
    return assignment
