"""The project's routes plus pages that raise each domain error, for test_error_pages."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from needle.core.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from needle.orgs.permissions import require_anywhere
from needle.urls import urlpatterns as project

ERRORS: dict[str, DomainError] = {
    "not-found": NotFound("Case T1 is not in your scope."),
    "denied": PermissionDenied("Only dispatchers may do this."),
    "conflict": Conflict("The case was accepted by someone else meanwhile."),
    "invalid": ValidationFailed(fields={"note": "Write the note."}),
    "signed-out": NotAuthenticated(),
}


def raising(request: HttpRequest, kind: str) -> HttpResponse:
    raise ERRORS[kind]


@require_anywhere("cases.dispatch")
def dispatchers_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("dispatch desk")


urlpatterns = [
    path("raise/<str:kind>/", raising),
    path("dispatchers-only/", dispatchers_only),
    *project,
]
