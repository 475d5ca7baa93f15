"""What the pages and the API show of supervision: a colour's class and label, a status's label,
the moves a person may make on a target (read from states.py, as the services check them), and
the API's dicts of tasks, targets, entries, evidence, report templates and returns, and burden."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from needle.core.states import allowed
from needle.orgs.models import UnitType
from needle.supervision import states
from needle.supervision.models import Colour, Entry, Evidence, ReportTemplate, Status, Target, Task
from needle.supervision.selectors.burden import Burden
from needle.supervision.selectors.report_burden import FieldsBurden
from needle.supervision.selectors.reports import Filled, Table
from needle.supervision.selectors.tasks import target_colour
from needle.supervision.states import OPEN

CSS = {
    Colour.BLUE: "colour-blue",
    Colour.YELLOW: "colour-yellow",
    Colour.RED: "colour-red",
    Colour.GREEN: "state-closed",
    Colour.NONE: "",
}


def colour_class(colour: str) -> str:
    return CSS.get(Colour(colour), "") if colour in Colour.values else ""


def colour_label(colour: str) -> Promise | str:
    return Colour(colour).label if colour in Colour.values else colour


def status_label(status: str) -> Promise | str:
    return Status(status).label if status in Status.values else status


@dataclass(frozen=True)
class Moves:
    accept: bool
    progress: bool
    done: bool
    sign_off: bool
    give_back: bool
    decline: bool
    split: bool
    ask_extension: bool
    decide_extension: bool
    urge: bool


def target_moves(target: Target, held: set[str], *, street: bool, community: bool) -> Moves:
    """The forms a target's page shows to someone holding `held` (the services decide)."""

    def can(name: str) -> bool:
        return allowed(states.TARGET_MOVES, name, target.status, held)

    def ext(name: str) -> bool:
        return allowed(states.EXTENSION_MOVES, name, target.extension, held)

    return Moves(
        accept=can("accept"),
        progress=can("progress") and not target.split,
        done=can("done"),
        sign_off=can("sign_off"),
        give_back=can("return"),
        decline=can("decline") and community and not target.listed,
        split=can("split") and street and not target.split,
        ask_extension=ext("ask") and target.status in OPEN,
        decide_extension=ext("grant"),
        urge=allowed(states.TARGET_MOVES, "urge", target.status, held),
    )


# The API's answers ----------------------------------------------------------------------------


def task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "issuer": t.issuer_id,
        "issuer_name": t.issuer.name,
        "title": t.title,
        "body": t.body,
        "task_type": t.task_type,
        "source": t.source,
        "priority": t.priority,
        "issued_on": t.issued_on,
        "deadline": t.deadline,
        "targets_count": t.targets_count,
        "parent_target": t.parent_target_id,
        "lead_unit": t.lead_unit_id,
        "assisting": sorted(t.assisting.values_list("pk", flat=True)) if t.pk else [],
        "consult_action": t.consult_action_id,
        "hold": t.hold,
    }


def target_out(t: Target, colour: str | None = None) -> dict[str, Any]:
    return {
        "id": t.pk,
        "task": t.task_id,
        "unit": t.unit_id,
        "unit_name": t.unit.name,
        "signer": t.signer_id,
        "status": t.status,
        "colour": colour if colour is not None else target_colour(t),
        "progress": t.progress,
        "note": t.note,
        "deadline": t.deadline,
        "listed": t.listed,
        "extension": t.extension,
        "extension_until": t.extension_until,
        "return_reason": t.return_reason,
        "split": t.split,
    }


def entry_out(e: Entry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "district": e.district.code,
        "issuer": e.issuer_id,
        "issuer_name": e.issuer.name,
        "task_type": e.task_type,
        "asks": e.asks,
        "basis": e.basis,
        "hours": e.hours,
        "valid_from": e.valid_from,
        "valid_until": e.valid_until,
        "status": e.status,
        "decision_note": e.decision_note,
    }


def evidence_out(e: Evidence) -> dict[str, Any]:
    return {"id": e.pk, "target": e.target_id, "name": e.name, "content_type": e.content_type, "size": e.size}


def burden_period_out(b: Burden) -> dict[str, Any]:
    return {
        "start": b.start,
        "end": b.end,
        "received": b.received,
        "hours": b.hours,
        "declined": b.declined,
        "refused": b.refused,
        "by_issuer": [
            {
                "issuer": line.issuer_id,
                "name": line.name,
                "received": line.received,
                "hours": line.hours,
                "declined": line.declined,
                "refused": line.refused,
            }
            for line in b.lines
        ],
    }


def field_out(f: Any) -> dict[str, Any]:
    return {
        "key": f.key,
        "label": f.label,
        "kind": f.kind,
        "required": f.required,
        "source": f.source,
        "figure": f.figure,
    }


def template_out(t: ReportTemplate) -> dict[str, Any]:
    return {
        "id": t.pk,
        "owner": t.owner_id,
        "name": t.name,
        "description": t.description,
        "fields": [field_out(f) for f in t.fields.order_by("position", "id")],
    }


def report_out(r: Filled) -> dict[str, Any]:
    t = r.target
    return {
        "target": t.pk,
        "task": t.task_id,
        "unit": t.unit_id,
        "unit_name": t.unit.name,
        "status": t.status,
        "template": r.template.pk,
        "period_start": r.request.period_start,
        "period_end": r.request.period_end,
        "return_reason": t.return_reason,
        "fields": [
            {
                **field_out(line.field),
                "value": line.answer.value,
                "origin": line.answer.origin or "empty",
                "flagged": line.answer.flagged,
                "editable": line.editable,
            }
            for line in r.lines
        ],
    }


def table_out(table: Table) -> dict[str, Any]:
    return {
        "task": table.task.pk,
        "template": table.request.template_id,
        "period_start": table.request.period_start,
        "period_end": table.request.period_end,
        "fields": [field_out(f) for f in table.fields],
        "rows": [r.__dict__ for r in table.rows],
        "totals": [
            {
                "area": t.area,
                "name": t.name,
                "targets": t.targets,
                "values": [None if v is None else str(v) for v in t.values],
            }
            for t in table.totals
        ],
    }


def fields_period_out(b: FieldsBurden) -> dict[str, Any]:
    return {
        "start": b.start,
        "end": b.end,
        "totals": {o or "empty": n for o, n in b.totals.items()},
        "by_issuer": [
            {"issuer": line.issuer_id, "name": line.name, **{o or "empty": n for o, n in line.counts.items()}}
            for line in b.lines
        ],
    }


# The kinds of unit a page may issue to, and their choices in its form.
TARGET_TYPES = (UnitType.STREET_OFFICE, UnitType.RESIDENT_COMMITTEE, UnitType.DEPARTMENT)


def unit_type_choices() -> list[tuple[str, Any]]:
    return [(t.value, t.label) for t in TARGET_TYPES]
