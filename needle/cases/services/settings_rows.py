"""The deployment-wide rows of the catalog and the calendar (categories, services, calendar
exceptions) as the admin writes them: only someone who manages the catalog at the top of every
area tree may, and every save and delete is an audit event with the old and new values."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from needle.areas.selectors import area_roots
from needle.cases.models import Category, Holiday, Service
from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed
from needle.core.rows import row_save
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated

Row = TypeVar("Row", Category, Service, Holiday)

# What each row's events record, and its action's name.
FIELDS: dict[type[models.Model], tuple[str, list[str]]] = {
    Category: ("cases.category", ["code", "name", "name_en", "order"]),
    Service: (
        "cases.service",
        [
            "code",
            "name",
            "name_en",
            "category",
            "keywords",
            "synonyms",
            "synonyms_en",
            "deadline_class",
            "accept_hours",
            "resolve_hours",
            "working_days",
            "suspendable",
            "public",
            "active",
        ],
    ),
    Holiday: ("cases.holiday", ["date", "is_workday", "name"]),
}


def _require_manager(actor: Actor) -> None:
    require_authenticated(actor)
    require(all(can_in_area(actor, "cases.manage_catalog", root) for root in area_roots()))


@transaction.atomic
def settings_row_save(*, actor: Actor, row: Row, data: dict[str, Any]) -> Row:
    """Create (row not saved yet) or change a category, a service or a calendar exception with
    `data` (field → value); the catalog's readers see the change through its version."""
    _require_manager(actor)
    action, fields = FIELDS[type(row)]
    return row_save(actor=actor, row=row, data=data, action=action, fields=fields)


@transaction.atomic
def settings_row_delete(*, actor: Actor, row: Category | Service | Holiday) -> None:
    """Delete a calendar exception, or a category or service no case refers to (a service in
    use is retired with `active`, never deleted: the cases keep it)."""
    _require_manager(actor)
    action, fields = FIELDS[type(row)]
    old = snapshot(row, fields)
    audit_record(actor=actor, action=f"{action}.deleted", obj=row, old=old)
    try:
        row.delete()
    except models.ProtectedError:
        raise ValidationFailed(fields={"__all__": _("In use: retire it instead of deleting it.")}) from None
