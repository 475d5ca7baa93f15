"""The deployment-wide rows of volunteering (the known skills and the rules of points) as the
admin writes them: only someone who manages volunteering at the top of every area tree may, and
every save and delete is an audit event with the old and new values. A rule changed later
leaves the points of entries already verified as they were (they are fixed at verification)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from needle.areas.selectors import area_roots
from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed
from needle.core.rows import row_save
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated
from needle.volunteering.models import PointRule, Skill

Row = TypeVar("Row", Skill, PointRule)

FIELDS: dict[type[models.Model], tuple[str, list[str]]] = {
    Skill: ("volunteering.skill", ["code", "name", "name_en", "synonyms"]),
    PointRule: ("volunteering.point_rule", ["kind", "service_kind", "points", "active"]),
}


def _require_manager(actor: Actor) -> None:
    require_authenticated(actor)
    require(all(can_in_area(actor, "volunteering.manage", root) for root in area_roots()))


@transaction.atomic
def config_row_save(*, actor: Actor, row: Row, data: dict[str, Any]) -> Row:
    """Create (row not saved yet) or change a skill or a rule of points with `data`."""
    _require_manager(actor)
    action, fields = FIELDS[type(row)]
    if isinstance(row, PointRule):
        kind = data.get("kind", row.kind)
        if (kind == "kind_per_hour") != bool(data.get("service_kind", row.service_kind)):
            raise ValidationFailed(
                fields={
                    "service_kind": _("A rule per kind of service names its kind; the other rules name none.")
                }
            )
    return row_save(actor=actor, row=row, data=data, action=action, fields=fields)


@transaction.atomic
def config_row_delete(*, actor: Actor, row: Skill | PointRule) -> None:
    """Delete a skill (members' and needs' lists lose it) or a rule of points."""
    _require_manager(actor)
    action, fields = FIELDS[type(row)]
    audit_record(actor=actor, action=f"{action}.deleted", obj=row, old=snapshot(row, fields))
    row.delete()
