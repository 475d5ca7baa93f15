"""Writing a deployment's configuration rows (a catalog's categories, the known skills, rules of
points) from the admin: each app's service checks who may and names its rows' audited fields;
the validation, the save and the audit event with the old and new values are done here once."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError as ModelValidationError
from django.db import models

from needle.core.audit import audit_record, snapshot
from needle.core.errors import ValidationFailed

Row = TypeVar("Row", bound=models.Model)


def row_save(*, actor: Any, row: Row, data: dict[str, Any], action: str, fields: list[str]) -> Row:
    """Set `data`'s `fields` on the row, validate it (a field error names the field), save it
    and audit `<action>.created` or `<action>.changed`. The caller holds the transaction."""
    old = snapshot(row, fields) if row.pk else None
    for name, value in data.items():
        if name in fields:
            setattr(row, name, value)
    try:
        row.full_clean()
    except ModelValidationError as exc:
        raise ValidationFailed(fields={k: " ".join(v) for k, v in exc.message_dict.items()}) from None
    row.save()
    audit_record(
        actor=actor,
        action=f"{action}.{'changed' if old else 'created'}",
        obj=row,
        old=old,
        new=snapshot(row, fields),
    )
    return row
