"""Which unit leads a case and how it gets there: the routing rules, the routing by a rule or
the classifier, and the timeline entry, audit event and notification of every routing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from needle.areas.models import Area
from needle.cases.catalog import service_rules
from needle.cases.models import Case, CaseEvent, EventKind, RoutingRule, Service, State
from needle.cases.services._common import _event_row, _locked, _save, _tell_unit
from needle.core.audit import audit_event, audit_record
from needle.core.models import AuditEvent
from needle.notify.messages import Message
from needle.orgs.models import Unit
from needle.orgs.permissions import Actor, can_in_area, require, require_authenticated


def rule_for(service: Service, area: Area) -> RoutingRule | None:
    """The routing rule of the deepest area that contains `area`."""
    rules = service_rules(service)
    for path in [area.path, *reversed(area.ancestor_paths)]:
        if path in rules:
            return rules[path]
    return None


@transaction.atomic
def case_route_auto(*, case: Case, unit: Unit, code: str = "", params: dict[str, Any] | None = None) -> Case:
    """The classifier routes a new case (intel's triage): only while it still waits in the
    queue, so a dispatcher who was quicker keeps their choice. A timeline entry (saying why:
    `code` and `params`, see presenters.EVENT_TEXTS), an audit event and the unit's
    notification, as for any routing."""
    case = _locked(case)
    if case.state == State.SUBMITTED:
        _route(case, unit=unit, actor=None, kind=EventKind.ROUTED, code=code, params=params)
    return case


def _route(
    case: Case,
    *,
    unit: Unit,
    actor: Actor | None,
    kind: str,
    note: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
) -> None:
    before = _send(case, unit)
    _save(case, ["state", "lead_unit", "dispatched_at"])
    event, audit = _routing_rows(case, before, actor=actor, kind=kind, note=note, code=code, params=params)
    event.save(force_insert=True)
    audit.save()
    _tell_unit(case, unit, "case.dispatched", _dispatched_text(case))


def _send(case: Case, unit: Unit) -> dict[str, Any]:
    """Make `unit` the case's lead (dispatched now); returns the state and lead unit before."""
    before = {"state": case.state, "lead_unit": case.lead_unit_id}
    case.state = State.DISPATCHED
    case.lead_unit = unit
    case.dispatched_at = timezone.now()
    return before


def _routing_rows(
    case: Case,
    before: dict[str, Any],
    *,
    actor: Actor | None,
    kind: str,
    note: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
) -> tuple[CaseEvent, AuditEvent]:
    """The timeline entry and audit event of a routing done by `_send`, not stored yet."""
    event = _event_row(
        case,
        actor=actor,
        kind=kind,
        from_state=before["state"],
        unit=case.lead_unit,
        note=note,
        code=code,
        params=params,
    )
    audit = audit_event(
        actor=actor,
        action="cases.case.dispatched",
        obj=case,
        old=before,
        new={"state": case.state, "lead_unit": case.lead_unit_id},
    )
    return event, audit


def _dispatched_text(case: Case) -> Message:
    return Message(
        gettext_noop("Case %(number)s was sent to your unit: %(title)s"),
        {"number": case.number, "title": case.title},
    )


@transaction.atomic
def rule_set(*, actor: Actor, service: Service, area: Area, unit: Unit) -> RoutingRule:
    """Route `service` in `area`'s subtree to `unit` (replacing an earlier rule there)."""
    require_authenticated(actor)
    require(can_in_area(actor, "cases.manage_catalog", area))
    rule, created = RoutingRule.objects.update_or_create(
        service=service, area=area, defaults={"unit": unit, "area_path": area.path}
    )
    audit_record(
        actor=actor,
        action="cases.rule.set",
        obj=rule,
        area_path=area.path,
        new={"service": service.code, "area": area.code, "unit": unit.pk, "created": created},
    )
    return rule


@transaction.atomic
def rule_delete(*, actor: Actor, rule: RoutingRule) -> None:
    """Stop routing a service in an area's subtree by that rule (intake falls back to the
    rules above it, or the dispatchers)."""
    require_authenticated(actor)
    require(can_in_area(actor, "cases.manage_catalog", rule.area_path))
    audit_record(
        actor=actor,
        action="cases.rule.deleted",
        obj=rule,
        area_path=rule.area_path,
        old={"service": rule.service.code, "area": rule.area.code, "unit": rule.unit_id},
    )
    rule.delete()
