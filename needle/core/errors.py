"""One family of domain errors. The API maps them to JSON with their status; pages show them
as messages. Services raise them; nothing else decides HTTP statuses."""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils.translation import gettext_lazy as _

T = TypeVar("T")


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message: Any = _("The request could not be carried out.")

    def __init__(
        self,
        message: Any = None,
        *,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.extra)
        return {"error": body}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    default_message = _("Some fields are not valid.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Sign in or give an API token.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("The object changed meanwhile; reload and try again.")


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    default_message = _("Too many requests; try again in a moment.")


def or_invalid(found: T | None, field: str, message: Any) -> T:
    """`found`, or a ValidationFailed naming `field`: the input names a row that is not there
    (a 422 on the input's field, not a 404 on the address)."""
    if found is None:
        raise ValidationFailed(fields={field: message})
    return found


def or_not_found(found: T | None) -> T:
    """`found`, or a NotFound: the address names a row that is not there (or not for this actor)."""
    if found is None:
        raise NotFound()
    return found
