"""Writing audit events. Every service that changes state calls `audit_record`, or builds
several events with `audit_event` and stores them in one statement with `audit_record_all`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from needle.core.context import current
from needle.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields' current values, for the `old`/`new` halves of an event."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    area_path: str = "",
) -> AuditEvent:
    """One event, not stored yet; `old`/`new` keep only the keys whose values differ (all
    when one is absent)."""
    old_p = _plain(old or {})
    new_p = _plain(new or {})
    if old_p and new_p:
        keys = [k for k in set(old_p) | set(new_p) if old_p.get(k) != new_p.get(k)]
        old_p = {k: old_p.get(k) for k in sorted(keys)}
        new_p = {k: new_p.get(k) for k in sorted(keys)}
    changes: dict[str, Any] = {}
    if old_p:
        changes["old"] = old_p
    if new_p:
        changes["new"] = new_p
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        area_path = area_path or getattr(obj, "area_path", "")
        if not area_path and obj._meta.label_lower == "areas.area":
            # An area's own `path` is its place; other models' `path` (a model file) is not.
            area_path = obj.path  # type: ignore[attr-defined]
    ctx = current.get()
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes,
        area_path=area_path,
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def audit_record(**fields: Any) -> AuditEvent:
    """Append one event (the arguments of `audit_event`)."""
    record = audit_event(**fields)
    record.save()
    return record


def audit_record_all(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append several events built by `audit_event` in one INSERT."""
    return AuditEvent.objects.bulk_create(events)


def audit_record_state(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    fields: list[str],
    old: dict[str, Any] | None,
    **extra: Any,
) -> AuditEvent:
    """Append an event whose new half is the object's `fields` as they are now (snapshot), with
    `extra`; the place is the object's own area_path."""
    return audit_record(actor=actor, action=action, obj=obj, old=old, new={**snapshot(obj, fields), **extra})


def field_set_audited(
    *, actor: Any, obj: models.Model, field: str, value: Any, action: str, area_path: str = ""
) -> None:
    """Set a field that was empty (None) until now — a row ended, dissolved, merged — save it
    with `updated_at`, and append the event `action` from None to the value."""
    setattr(obj, field, value)
    obj.save(update_fields=[field, "updated_at"])
    audit_record(
        actor=actor, action=action, obj=obj, area_path=area_path, old={field: None}, new={field: value}
    )
