"""Reads of fill-once reports, scoped by who asks: a target's report (its fields, values, where
each came from and whether it may be typed now), and the issuer's table of every target's
answers with totals up the area tree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from needle.areas.models import Area
from needle.core.errors import NotFound
from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, can_in_area, granting_unit_ids, is_superuser
from needle.rollups.sources import source_named
from needle.supervision import prefill
from needle.supervision.access import may_view_task
from needle.supervision.models import (
    Answer,
    FieldKind,
    ReportField,
    ReportRequest,
    ReportTemplate,
    Status,
    Target,
    Task,
)
from needle.supervision.selectors.tasks import access_target
from needle.supervision.states import FILLING, SIGNER, TARGET, editable

MAX_TABLE = 20000


@dataclass
class Line:
    field: ReportField
    answer: Answer
    editable: bool


@dataclass
class Filled:
    target: Target
    request: ReportRequest
    template: ReportTemplate
    lines: list[Line]
    held: set[str]

    @property
    def may_fill(self) -> bool:
        return TARGET in self.held and any(line.editable for line in self.lines)

    @property
    def may_submit(self) -> bool:
        return TARGET in self.held and self.target.status in FILLING | {Status.RETURNED}

    @property
    def may_review(self) -> bool:
        return SIGNER in self.held and self.target.status == Status.DONE


def report_of(*, actor: Any, target_id: int) -> Filled:
    """The target's report as the actor may see it (404 when not a report, or not theirs)."""
    target, held = access_target(actor=actor, target_id=target_id)
    request = ReportRequest.objects.select_related("template").filter(task_id=target.task_id).first()
    if request is None:
        raise NotFound()
    answers = list(
        Answer.objects.filter(target=target).select_related("field").order_by("field__position", "id")
    )
    lines = [Line(a.field, a, TARGET in held and editable(target, a, a.field)) for a in answers]
    return Filled(target=target, request=request, template=request.template, lines=lines, held=held)


def access_report_task(*, actor: Any, task_id: int) -> tuple[Task, ReportRequest]:
    task = Task.objects.select_related("issuer").filter(pk=task_id).first()
    if task is None or not may_view_task(actor, task):
        raise NotFound()
    request = ReportRequest.objects.select_related("template").filter(task=task).first()
    if request is None:
        raise NotFound()
    return task, request


def summable(field: ReportField) -> bool:
    """Whether the field's values add up (counts and typed numbers do; rates do not)."""
    if field.kind not in (FieldKind.INTEGER, FieldKind.DECIMAL):
        return False
    if not field.bound:
        return True
    source = source_named(field.source)
    if field.figure in source.counter_names:
        return True
    return not source.figure(field.figure).is_ratio


@dataclass
class TableRow:
    unit: str
    area: str
    status: str
    values: list[str]
    origins: list[str]


@dataclass
class TotalRow:
    area: str
    name: str
    depth: int
    targets: int
    values: list[Decimal | None]


@dataclass
class Table:
    task: Task
    request: ReportRequest
    fields: list[ReportField]
    rows: list[TableRow]
    totals: list[TotalRow]


def report_table(*, actor: Any, task_id: int) -> Table:
    """Every target's answers (one row each, by area), and the totals of the summable fields for
    each area from the targets' parents up to the issuer's area (the tree's subtotals)."""
    task, request = access_report_task(actor=actor, task_id=task_id)
    fields = list(request.template.fields.order_by("position", "id"))
    index = {f.pk: i for i, f in enumerate(fields)}
    adds = [summable(f) for f in fields]
    targets = list(
        Target.objects.filter(task=task)
        .order_by("area_path", "id")
        .values_list("id", "unit__name", "area__code", "area_path", "status")[:MAX_TABLE]
    )
    values: dict[int, list[str]] = {t[0]: [""] * len(fields) for t in targets}
    origins: dict[int, list[str]] = {t[0]: [""] * len(fields) for t in targets}
    for target_id, field_id, value, origin in Answer.objects.filter(target__task=task).values_list(
        "target_id", "field_id", "value", "origin"
    ):
        if target_id in values and field_id in index:
            values[target_id][index[field_id]] = value
            origins[target_id][index[field_id]] = origin
    sums: dict[str, list[Decimal | None]] = {}
    counts: dict[str, int] = defaultdict(int)
    top = task.area_path
    for target_id, _unit, _code, path, _status in targets:
        parts = path.rstrip("/").split("/")
        ancestors = ["/".join(parts[:i]) + "/" for i in range(len(parts) - 1, 0, -1)]
        for anc in ancestors:
            if not anc.startswith(top):
                break
            counts[anc] += 1
            acc = sums.setdefault(anc, [None] * len(fields))
            for i, raw in enumerate(values[target_id]):
                number = prefill.number(raw) if adds[i] else None
                if number is not None:
                    acc[i] = (acc[i] or Decimal(0)) + number
    places = {
        a.path: a for a in Area.objects.filter(path__in=list(sums)).only("path", "code", "name", "depth")
    }
    totals = [
        TotalRow(
            area=places[p].code if p in places else p,
            name=places[p].name if p in places else p,
            depth=places[p].depth if p in places else p.count("/"),
            targets=counts[p],
            values=sums[p],
        )
        for p in sorted(sums)
    ]
    rows = [
        TableRow(unit=name, area=code, status=status, values=values[pk], origins=origins[pk])
        for pk, name, code, _path, status in targets
    ]
    return Table(task=task, request=request, fields=fields, rows=rows, totals=totals)


def access_template(*, actor: Any, template_id: int) -> ReportTemplate:
    """A template for those who may see its owner's tasks, or issue within the owner's area."""
    template = ReportTemplate.objects.select_related("owner").filter(pk=template_id).first()
    if template is None:
        raise NotFound()
    owner = template.owner
    if not (
        can_in_area(actor, "supervision.view", owner.area_path)
        or can_act_for_unit(actor, "supervision.issue", owner)
        or any(u.startswith(owner.area_path) for u in issuing_paths(actor))
    ):
        raise NotFound()
    return template


def issuing_paths(actor: Any) -> list[str]:
    """The places of the units the actor issues for."""
    return list(
        Unit.objects.filter(pk__in=granting_unit_ids(actor, "supervision.issue")).values_list(
            "area_path", flat=True
        )
    )


def templates_for(*, actor: Any, limit: int = 50) -> list[ReportTemplate]:
    """The templates the actor may issue: those of their issuing units and of the units above
    them (a template is used within its owner's area)."""
    paths = issuing_paths(actor)
    above = {p[: i + 1] for p in paths for i, c in enumerate(p) if c == "/"}
    qs = ReportTemplate.objects.select_related("owner").prefetch_related("fields").order_by("name", "id")
    if not is_superuser(actor):
        qs = qs.filter(owner__area_path__in=sorted(above))
    return list(qs[:limit])
