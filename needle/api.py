"""The REST API at /api/v1/: one router per app, one error shape for every failure."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from needle.areas.api import router as areas_router
from needle.care.api import router as care_router
from needle.cases.api import router as cases_router
from needle.cases.api_steps import router as cases_steps_router
from needle.center.api import router as center_router
from needle.consult.api import router as consult_router
from needle.consult.engagement_api import router as consult_engagement_router
from needle.consult.survey_api import router as consult_survey_router
from needle.core.errors import DomainError, NotAuthenticated, NotFound, ValidationFailed
from needle.intel.api import router as intel_router
from needle.notify.api import router as notify_router
from needle.operations.api import router as operations_router
from needle.orgs.api import router as orgs_router
from needle.orgs.auth import api_auth
from needle.supervision.api import router as supervision_router
from needle.supervision.api_consultation import router as supervision_consultation_router
from needle.supervision.api_reports import router as supervision_reports_router
from needle.supervision.api_workflow import router as supervision_workflow_router
from needle.volunteering.api import router as volunteering_router


class ObjectParser(Parser):
    """Every operation's body is one JSON object: anything else (an array, a bare string) is
    refused as unreadable (400), rather than read as an object whose fields were all left out."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data


api = NinjaAPI(
    title="Needle API",
    version="1",
    description="Community governance and service platform. Errors share one shape: "
    '{"error": {"code", "message", "fields"}}.',
    auth=api_auth,
    urls_namespace="api",
    parser=ObjectParser(),
)


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc)


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "payload", "form"}]
    return ".".join(parts) or "request"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(list(err.get("loc", []))), str(err.get("msg", "")))
    return _error(request, ValidationFailed(fields=fields))


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, NotAuthenticated())


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, NotFound())


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # django-ninja's words for a body ObjectParser refused or JSON that does not parse.
        error = DomainError(_("The body must be one JSON object."), code="bad_request")
    else:
        error = DomainError(str(exc), code="bad_request" if exc.status_code == 400 else "error")
    error.status = exc.status_code
    return _error(request, error)


api.add_router("/areas", areas_router)
api.add_router("/", orgs_router)
api.add_router("/", notify_router)
api.add_router("/", cases_router)
api.add_router("/", cases_steps_router)
api.add_router("/center", center_router)
api.add_router("/volunteering", volunteering_router)
api.add_router("/care", care_router)
# First, so that /consult/topics/from-hot-topic is not read as a topic's id.
api.add_router("/consult", consult_engagement_router)
api.add_router("/consult", consult_router)
api.add_router("/consult", consult_survey_router)
api.add_router("/supervision", supervision_router)
api.add_router("/supervision", supervision_reports_router)
api.add_router("/supervision", supervision_workflow_router)
api.add_router("/supervision", supervision_consultation_router)
api.add_router("/intel", intel_router)
api.add_router("/operations", operations_router)
