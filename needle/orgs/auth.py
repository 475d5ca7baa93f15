"""API authentication: personal bearer tokens for integrations, the session for the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from needle.core.errors import PermissionDenied
from needle.orgs.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = token_authenticate(token)
        if person is not None:
            request.user = person
        return person


class Session(SessionAuth):
    """The browser's session; its unsafe requests must carry the CSRF token. A caller without
    a signed-in session is anonymous: an operation open to all serves it, the others answer
    401. Only a request that rides on a session can be forged, so only it is checked."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise PermissionDenied(
                _("The CSRF token is missing or wrong; reload the page."), code="csrf_failed"
            )
        return user


api_auth = [BearerToken(), Session()]


def optional_actor(request: HttpRequest) -> Any:
    """The signed-in caller (token or session) of an operation open to anonymous callers, or None."""
    for auth in api_auth:
        person = auth(request)
        if person:
            return person
    return None
