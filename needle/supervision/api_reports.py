"""/api/v1/supervision/: fill-once reports. Templates (fields, some bound to a figure of a
rollup source), report requests (a task whose targets get the report prefilled), a target's
report (open, fill, submit; the level above returns it with the fields to correct), and the
issuer's table of every target's answers as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from needle.areas.selectors import area_named
from needle.core.schemas import ERRORS, Code, Day, Id
from needle.orgs.permissions import require_authenticated
from needle.supervision import services as svc
from needle.supervision.exports import table_csv, table_xlsx
from needle.supervision.presenters import fields_period_out, report_out, table_out, template_out
from needle.supervision.report_schemas import (
    SupFieldsBurdenOut,
    SupReportCreatedOut,
    SupReportIn,
    SupReportOut,
    SupReportReturnIn,
    SupTableOut,
    SupTemplateIn,
    SupTemplateOut,
    SupValuesIn,
)
from needle.supervision.selectors.report_burden import fields_burden
from needle.supervision.selectors.reports import access_template, report_of, report_table
from needle.supervision.selectors.units import unit_named
from needle.supervision.states import TARGET

router = Router()


@router.post(
    "/report-templates",
    response={201: SupTemplateOut, **ERRORS},
    summary="Create a report template",
    url_name="sup-report-templates",
)
def template_create(request: HttpRequest, payload: SupTemplateIn) -> Any:
    """Fields in order; a field bound to a source's figure is prefilled for each target."""
    actor = require_authenticated(request.user)
    template = svc.template_create(
        actor=actor,
        owner=unit_named(payload.owner, field="owner"),
        name=payload.name,
        description=payload.description,
        fields=payload.fields,
    )
    return Status(201, template_out(template))


@router.get("/report-templates/{template_id}", response={200: SupTemplateOut, **ERRORS}, summary="A template")
def template_get(request: HttpRequest, template_id: Id) -> Any:
    return template_out(access_template(actor=request.user, template_id=template_id))


@router.post(
    "/reports",
    response={201: SupReportCreatedOut, **ERRORS},
    summary="Request a report from many units, prefilled",
    url_name="sup-reports",
)
def report_create(request: HttpRequest, payload: SupReportIn) -> Any:
    """A task (source: data request) whose targets fill the template for the period; bound
    fields are prefilled from the figures, fields the unit answered for the period reused.
    422 `task_type_not_admitted` as for any task that reaches resident committees."""
    actor = require_authenticated(request.user)
    task = svc.report_issue(
        actor=actor,
        issuer=unit_named(payload.issuer, field="issuer"),
        template=access_template(actor=actor, template_id=payload.template),
        period_start=payload.period_start,
        period_end=payload.period_end,
        draft=svc.Draft(
            title=payload.title,
            body=payload.body,
            task_type=payload.task_type,
            priority=payload.priority,
            deadline=payload.deadline,
            working_days=payload.working_days,
        ),
        targets=payload.targets,
    )
    return Status(201, {"id": task.pk, "targets_count": task.targets_count, "deadline": task.deadline})


@router.get(
    "/targets/{target_id}/report", response={200: SupReportOut, **ERRORS}, summary="A target's report"
)
def report_get(request: HttpRequest, target_id: Id) -> Any:
    """The target's own staff opening it refresh the bound values while it is being filled."""
    filled = report_of(actor=request.user, target_id=target_id)
    if TARGET in filled.held and svc.report_open(actor=request.user, target_id=target_id):
        filled = report_of(actor=request.user, target_id=target_id)
    return report_out(filled)


@router.post("/targets/{target_id}/report", response={200: SupReportOut, **ERRORS}, summary="Fill a report")
def report_save(request: HttpRequest, target_id: Id, payload: SupValuesIn) -> Any:
    """422 naming each field whose value does not fit its type; 409 for a locked field."""
    actor = require_authenticated(request.user)
    svc.report_save(actor=actor, target_id=target_id, values=payload.values)
    return report_out(report_of(actor=actor, target_id=target_id))


@router.post(
    "/targets/{target_id}/report/submit", response={200: SupReportOut, **ERRORS}, summary="Submit a report"
)
def report_submit(request: HttpRequest, target_id: Id, payload: SupValuesIn) -> Any:
    actor = require_authenticated(request.user)
    svc.report_submit(actor=actor, target_id=target_id, values=payload.values)
    return report_out(report_of(actor=actor, target_id=target_id))


@router.post(
    "/targets/{target_id}/report/return",
    response={200: SupReportOut, **ERRORS},
    summary="Return a report with the fields to correct",
)
def report_return(request: HttpRequest, target_id: Id, payload: SupReportReturnIn) -> Any:
    actor = require_authenticated(request.user)
    svc.report_return(actor=actor, target_id=target_id, reason=payload.reason, fields=payload.fields)
    return report_out(report_of(actor=actor, target_id=target_id))


@router.get(
    "/tasks/{task_id}/report", response={200: SupTableOut, **ERRORS}, summary="Every target's answers"
)
def table_get(request: HttpRequest, task_id: Id) -> Any:
    return table_out(report_table(actor=require_authenticated(request.user), task_id=task_id))


@router.get(
    "/tasks/{task_id}/report.csv", response={200: None, **ERRORS}, summary="Every target's answers (CSV)"
)
def table_csv_get(request: HttpRequest, task_id: Id) -> HttpResponse:
    table = report_table(actor=require_authenticated(request.user), task_id=task_id)
    response = HttpResponse(table_csv(table).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{task_id}.csv"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/tasks/{task_id}/report.xlsx", response={200: None, **ERRORS}, summary="Every target's answers (XLSX)"
)
def table_xlsx_get(request: HttpRequest, task_id: Id) -> HttpResponse:
    table = report_table(actor=require_authenticated(request.user), task_id=task_id)
    response = HttpResponse(table_xlsx(table), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{task_id}.xlsx"'
    return response


@router.get(
    "/burden/fields",
    response={200: SupFieldsBurdenOut, **ERRORS},
    summary="Report fields asked of an area's units, by issuer and origin",
)
def fields_burden_get(request: HttpRequest, area: Code, start: Day, end: Day) -> Any:
    """The fields of report requests issued in the period to units in the area, by issuing unit:
    prefilled from the figures, reused from another report, typed, still empty; and the same
    period a year before."""
    actor = require_authenticated(request.user)
    place = area_named(area, field="area")
    now, before = fields_burden(actor=actor, area=place, start=start, end=end)
    return {"area": place.code, "period": fields_period_out(now), "year_before": fields_period_out(before)}
