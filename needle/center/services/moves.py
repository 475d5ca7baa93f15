"""The one write every move of a center lifecycle ends with (a registration's, an
appointment's): the status its table leads to, saved and audited with the old and the new."""

from __future__ import annotations

from typing import Any

from needle.core.audit import audit_record
from needle.core.states import Move, target


def status_move(
    *, actor: Any, obj: Any, table: dict[str, Move], move: str, action: str, area_path: str, fields: list[str]
) -> None:
    """Save `obj` in the state `move` of `table` leads to, with `fields` the caller set beside
    it, and audit the change of status as `action`."""
    old = obj.status
    obj.status = target(table, move)
    obj.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        area_path=area_path,
        old={"status": old},
        new={"status": obj.status},
    )
