"""API authentication: personal bearer tokens for integrations, the session for the browser."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from needle.orgs.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = token_authenticate(token)
        if person is not None:
            request.user = person
        return person


class Session(SessionAuth):
    """The browser's session; unsafe methods must carry the CSRF token."""


api_auth = [BearerToken(), Session()]
