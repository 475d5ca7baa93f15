"""Fill-once reports: templates whose fields may be bound to a figure Needle holds, report
requests (a task whose targets fill a template for a period), and a target's return.

A request prefills every target at issue: its bound fields from the rollups over the target's
area and the period (one GROUP BY per source and depth for all targets), its other fields from
what the unit already answered to the same key for the same period in another report. Opening
the report refreshes the bound values while it is still being filled. The community types only
the rest. Each answer records whether it was prefilled, reused or typed.

Locks: a report is filled while its target is open (issued, accepted, reporting); done and
signed off lock it whole; a return opens only the fields the reviewer flagged. A bound field
is not typed over, unless the reviewer flagged it: a change to it is refused (422
`bound_field`, naming the field) whichever surface sends it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from needle.core.audit import audit_record
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.orgs.models import Unit
from needle.orgs.permissions import can_act_for_unit, require_authenticated
from needle.supervision import inputs, prefill
from needle.supervision.access import visible_target
from needle.supervision.models import (
    Answer,
    FieldKind,
    Origin,
    ReportField,
    ReportRequest,
    ReportTemplate,
    Source,
    Status,
    Target,
    Task,
)
from needle.supervision.services.issue import Draft, task_issue
from needle.supervision.services.targets import target_done, target_return
from needle.supervision.states import FILLING, TARGET, editable

MAX_FIELDS = 200
MAX_PERIOD_DAYS = 3660


# Templates ------------------------------------------------------------------------------------


def _field(raw: Any, position: int, seen: set[str]) -> ReportField:
    where = f"fields[{position}]"
    if not isinstance(raw, dict):
        raise ValidationFailed(fields={where: _("Give an object with key, label and type.")})
    unknown = set(raw) - {"key", "label", "kind", "required", "source", "figure"}
    if unknown:
        raise ValidationFailed(
            fields={where: _("Unknown: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    key = inputs.code(raw.get("key"), field=f"{where}.key")
    if key in seen:
        raise ValidationFailed(fields={f"{where}.key": _("Another field has this key.")})
    seen.add(key)
    label = inputs.text(raw.get("label"), limit=200, field=f"{where}.label", required=True)
    kind = raw.get("kind")
    if kind not in FieldKind.values:
        raise ValidationFailed(
            fields={f"{where}.kind": _("Choose one of: %(c)s.") % {"c": ", ".join(FieldKind.values)}}
        )
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise ValidationFailed(fields={f"{where}.required": _("Give true or false.")})
    source = inputs.text(raw.get("source"), limit=40, field=f"{where}.source")
    figure = inputs.text(raw.get("figure"), limit=60, field=f"{where}.figure")
    if bool(source) != bool(figure):
        raise ValidationFailed(fields={f"{where}.figure": _("A binding names both a source and a figure.")})
    if source:
        prefill.check_binding(source, figure, kind, field=f"{where}.figure")
    return ReportField(
        key=key, label=label, kind=kind, required=required, position=position, source=source, figure=figure
    )


@transaction.atomic
def template_create(
    *, actor: Any, owner: Unit, name: Any, fields: Sequence[Any], description: Any = ""
) -> ReportTemplate:
    """A report template of `owner` (who may issue tasks for it) with its fields in order."""
    actor = require_authenticated(actor)
    if not can_act_for_unit(actor, "supervision.issue", owner):
        raise PermissionDenied()
    title = inputs.text(name, limit=inputs.TITLE, field="name", required=True)
    about = inputs.text(description, limit=inputs.BODY, field="description")
    if not isinstance(fields, (list, tuple)) or not fields:
        raise ValidationFailed(fields={"fields": _("Give at least one field.")})
    if len(fields) > MAX_FIELDS:
        raise ValidationFailed(fields={"fields": _("At most %(n)d fields.") % {"n": MAX_FIELDS}})
    seen: set[str] = set()
    made = [_field(raw, i, seen) for i, raw in enumerate(fields)]
    template = ReportTemplate.objects.create(owner=owner, name=title, description=about, created_by=actor)
    for f in made:
        f.template = template
    ReportField.objects.bulk_create(made)
    audit_record(
        actor=actor,
        action="supervision.template.created",
        obj=template,
        area_path=owner.area_path,
        new={"name": title, "fields": [f.key for f in made], "bound": [f.key for f in made if f.bound]},
    )
    return template


def may_use_template(actor: Any, template: ReportTemplate, issuer: Unit) -> bool:
    """The template's own unit, or a unit within the owner's area (a template set above is
    used below it), when the actor issues for that unit."""
    return template.owner_id == issuer.pk or issuer.area_path.startswith(template.owner.area_path)


# Issuing a report request -------------------------------------------------------------------------


def _period(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    for value, field in ((start, "period_start"), (end, "period_end")):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValidationFailed(fields={field: _("Give a date (YYYY-MM-DD).")})
    if end < start:
        raise ValidationFailed(fields={"period_end": _("Give a day on or after the first day.")})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(fields={"period_end": _("Give a period of at most ten years.")})
    return start, end


def _reused(
    units: list[int], fields: list[ReportField], start: dt.date, end: dt.date
) -> dict[tuple[int, str], str]:
    """(unit, key) -> the latest value the unit gave that key for this period in any report."""
    keys = {f.key for f in fields if not f.bound}
    if not keys or not units:
        return {}
    out: dict[tuple[int, str], str] = {}
    for unit, key, value in (
        Answer.objects.filter(unit_id__in=units, key__in=sorted(keys), period_start=start, period_end=end)
        .exclude(value="")
        .order_by("updated_at", "id")
        .values_list("unit_id", "key", "value")
    ):
        out[(unit, key)] = value
    return out


def _fit(kind: str, value: str) -> str | None:
    """A value kept for a key, as this field's kind takes it; none if it does not fit."""
    try:
        return prefill.parse(kind, value, field="value")
    except ValidationFailed:
        return None


def _answers(request: ReportRequest, targets: list[Target], fields: list[ReportField]) -> list[Answer]:
    start, end = request.period_start, request.period_end
    bound = prefill.bound_values(
        fields, [prefill.light_area(t.area_id, t.area_path) for t in targets], start, end
    )
    kept = _reused([t.unit_id for t in targets], fields, start, end)
    rows = []
    for t in targets:
        for f in fields:
            value, origin = "", Origin.EMPTY
            if f.bound:
                value, origin = bound[t.area_id].get(f.pk, ""), Origin.PREFILLED
            elif (t.unit_id, f.key) in kept:
                fitted = _fit(f.kind, kept[(t.unit_id, f.key)])
                if fitted:
                    value, origin = fitted, Origin.REUSED
            rows.append(
                Answer(
                    target=t,
                    field=f,
                    unit_id=t.unit_id,
                    key=f.key,
                    period_start=start,
                    period_end=end,
                    value=value,
                    origin=origin,
                )
            )
    return rows


def report_issue(
    *,
    actor: Any,
    issuer: Unit,
    template: ReportTemplate,
    period_start: Any,
    period_end: Any,
    draft: Draft,
    targets: Sequence[Any],
) -> Task:
    """Issue a report request (a task of source "data request") to `targets` and prefill every
    target's report. The admission list applies as to any task. Writes the task, its targets,
    the request, the answers and the task's audit event with the request's."""
    actor = require_authenticated(actor)
    start, end = _period(period_start, period_end)
    if not may_use_template(actor, template, issuer):
        raise ValidationFailed(
            fields={"template": _("This template belongs to a unit outside the issuer's area.")}
        )
    fields = list(template.fields.order_by("position", "id"))
    draft = Draft(**{**draft.__dict__, "source": Source.DATA_REQUEST})
    try:
        with transaction.atomic():
            task = task_issue(actor=actor, issuer=issuer, draft=draft, targets=targets)
            request = ReportRequest.objects.create(
                task=task, template=template, period_start=start, period_end=end
            )
            chunk: list[Target] = []
            prefilled = reused = 0
            for target in (
                Target.objects.filter(task=task)
                .order_by("id")
                .only("id", "unit_id", "area_id", "area_path")
                .iterator(chunk_size=4000)
            ):
                chunk.append(target)
                if len(chunk) == 4000:
                    p, r = _write(request, chunk, fields)
                    prefilled, reused, chunk = prefilled + p, reused + r, []
            if chunk:
                p, r = _write(request, chunk, fields)
                prefilled, reused = prefilled + p, reused + r
            audit_record(
                actor=actor,
                action="supervision.report.requested",
                obj=task,
                area_path=issuer.area_path,
                new={
                    "template": template.pk,
                    "period": [start, end],
                    "targets": task.targets_count,
                    "prefilled": prefilled,
                    "reused": reused,
                },
            )
    except ValidationFailed as exc:
        if exc.code == "task_type_not_admitted":
            # The rollback took the refusal with it; issuing again outside keeps it (and raises).
            task_issue(actor=actor, issuer=issuer, draft=draft, targets=targets)
        raise
    return task


def _write(request: ReportRequest, targets: list[Target], fields: list[ReportField]) -> tuple[int, int]:
    rows = _answers(request, targets, fields)
    Answer.objects.bulk_create(rows, batch_size=5000)
    return (
        sum(1 for a in rows if a.origin == Origin.PREFILLED),
        sum(1 for a in rows if a.origin == Origin.REUSED),
    )


# A target's report ----------------------------------------------------------------------------------


def _locked(actor: Any, target_id: int) -> tuple[Target, ReportRequest, set[str]]:
    target, held = visible_target(
        actor, Target.objects.select_for_update(of=("self",)).select_related("task", "unit"), target_id
    )
    request = ReportRequest.objects.filter(task_id=target.task_id).first()
    if request is None:
        raise NotFound()
    if not held:
        raise PermissionDenied()
    return target, request, held


@transaction.atomic
def report_open(*, actor: Any, target_id: int) -> int:
    """The target's staff open the report: while it is being filled, bound fields take the
    figures of now (prefilled values only; a flagged field typed again stays). Returns how many
    values changed; audits only a change."""
    actor = require_authenticated(actor)
    target, request, held = _locked(actor, target_id)
    if TARGET not in held or target.status not in FILLING:
        return 0
    answers = list(Answer.objects.filter(target=target, origin=Origin.PREFILLED).select_related("field"))
    if not answers:
        return 0
    fresh = prefill.bound_values(
        [a.field for a in answers],
        [prefill.light_area(target.area_id, target.area_path)],
        request.period_start,
        request.period_end,
    )[target.area_id]
    changed = [a for a in answers if fresh.get(a.field_id, "") != a.value]
    old = {a.key: a.value for a in changed}
    for a in changed:
        a.value = fresh.get(a.field_id, "")
    Answer.objects.bulk_update(changed, ["value", "updated_at"])
    if changed:
        audit_record(
            actor=actor,
            action="supervision.report.prefilled",
            obj=target,
            old=old,
            new={a.key: a.value for a in changed},
        )
    return len(changed)


def _bound_refusal(field: ReportField) -> str:
    return _(
        "%(label)s is prefilled from Needle's figures (%(source)s.%(figure)s) and cannot be typed over."
    ) % {
        "label": field.label,
        "source": field.source,
        "figure": field.figure,
    }


def _save(actor: Any, target: Target, values: Any) -> dict[str, tuple[str, str]]:
    if not isinstance(values, dict):
        raise ValidationFailed(fields={"values": _("Give an object of field keys and values.")})
    answers = {a.key: a for a in Answer.objects.filter(target=target).select_related("field")}
    unknown = [k for k in values if k not in answers]
    if unknown:
        raise ValidationFailed(
            fields={str(unknown[0])[:40]: _("The report has no such field.")}, code="unknown_field"
        )
    changes: dict[str, tuple[str, str]] = {}
    errors: dict[str, str] = {}
    bound: dict[str, str] = {}
    for key, raw in values.items():
        answer = answers[key]
        # A bound field holds Needle's figure: a change is refused on every surface alike.
        fixed = answer.field.bound and not editable(target, answer, answer.field)
        try:
            value = prefill.parse(answer.field.kind, raw, field=key)
        except ValidationFailed as exc:
            if fixed:
                bound[key] = _bound_refusal(answer.field)
            else:
                errors.update(exc.fields)
            continue
        if value == answer.value:
            continue
        if fixed:
            bound[key] = _bound_refusal(answer.field)
            continue
        if not editable(target, answer, answer.field):
            raise Conflict(
                _("The field %(key)s is locked.") % {"key": key},
                extra={"state": target.status, "field": key},
            )
        changes[key] = (answer.value, value)
        answer.value = value
        answer.origin = Origin.TYPED if value else Origin.EMPTY
    if bound:
        first = next(iter(bound))
        raise ValidationFailed(
            _("The field %(label)s comes from Needle's figures and cannot be changed.")
            % {"label": answers[first].field.label},
            fields={**errors, **bound},
            code="bound_field",
        )
    if errors:
        raise ValidationFailed(fields=errors, code="wrong_type")
    Answer.objects.bulk_update([answers[k] for k in changes], ["value", "origin", "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action="supervision.report.filled",
            obj=target,
            old={k: v[0] for k, v in changes.items()},
            new={k: v[1] for k, v in changes.items()},
        )
    return changes


@transaction.atomic
def report_save(*, actor: Any, target_id: int, values: Any) -> Target:
    """Keep typed values ({key: value}); each is checked against its field's type. A change to a
    bound field is refused naming it (422); another locked field (not flagged on a returned
    report, or any after done) refuses a change (409)."""
    actor = require_authenticated(actor)
    target, _request, held = _locked(actor, target_id)
    if TARGET not in held:
        raise PermissionDenied()
    if target.status not in FILLING and target.status != Status.RETURNED:
        raise Conflict(_("This report is locked."), extra={"state": target.status})
    _save(actor, target, values)
    return target


@transaction.atomic
def report_submit(*, actor: Any, target_id: int, values: Any = None) -> Target:
    """Keep the values given, then report the target done (the level above signs it off);
    refused while a required field is empty."""
    report_save(actor=actor, target_id=target_id, values=values or {})
    missing = [
        a.key
        for a in Answer.objects.filter(target_id=target_id, value="").select_related("field")
        if a.field.required and not a.field.bound
    ]
    if missing:
        raise ValidationFailed(
            _("Fill every required field."),
            fields={k: _("This field is required.") for k in missing},
            code="report_incomplete",
        )
    return target_done(actor=actor, target_id=target_id)


@transaction.atomic
def report_return(*, actor: Any, target_id: int, reason: Any, fields: Any) -> Target:
    """The level above returns the report with a reason and the fields to correct: only those
    open again."""
    actor = require_authenticated(actor)
    if not isinstance(fields, (list, tuple)) or not fields or not all(isinstance(k, str) for k in fields):
        raise ValidationFailed(fields={"fields": _("Flag at least one field to correct.")})
    target, _request, _held = _locked(actor, target_id)
    # The move first: it checks who returns and when; an unknown field then undoes it.
    returned = target_return(actor=actor, target_id=target_id, reason=reason)
    keys = set(Answer.objects.filter(target=target).values_list("key", flat=True))
    unknown = [k for k in fields if k not in keys]
    if unknown:
        raise ValidationFailed(
            fields={"fields": _("The report has no field %(key)s.") % {"key": unknown[0][:40]}}
        )
    Answer.objects.filter(target=target).exclude(key__in=fields).update(flagged=False)
    Answer.objects.filter(target=target, key__in=fields).update(flagged=True)
    audit_record(
        actor=actor, action="supervision.report.flagged", obj=target, new={"fields": sorted(set(fields))}
    )
    return returned
