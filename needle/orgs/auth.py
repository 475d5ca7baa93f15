"""Authentication: personal bearer tokens for integrations, the session for the browser, and the
limits on password guessing that every password sign-in goes through (`password_sign_in`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from needle.core import throttle
from needle.core.audit import audit_record
from needle.core.errors import PermissionDenied, TooManyRequests
from needle.orgs.models import Person
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


def _account(username: str) -> str:
    # One count per account however the name is typed: usernames are unique case-insensitively.
    return username.strip().casefold()


def _locked(seconds: int) -> TooManyRequests:
    minutes = max(1, -(-seconds // 60))
    return TooManyRequests(
        ngettext(
            "Too many failed sign-ins for this account or from this address. Try again in %(minutes)d minute.",
            "Too many failed sign-ins for this account or from this address. Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        extra={"retry_after": seconds},
    )


def password_sign_in(request: HttpRequest, *, username: str, password: str) -> Any:
    """The person with this username and password, or None. Refused with TooManyRequests while
    the account (from any address) or the address (for any account) is locked; a wrong
    password counts against both, a right one clears the account's count. The lock of an
    account is audited."""
    account, client = _account(username), throttle.client_address(request)
    lock = max(throttle.locked_for("signin.account", account), throttle.locked_for("signin.client", client))
    if lock:
        raise _locked(lock)
    person = authenticate(request, username=username, password=password)
    if person is not None:
        throttle.forgive("signin.account", account)
        return person
    window = settings.SIGNIN_LOCK_MINUTES * 60
    throttle.strike("signin.client", client, limit=settings.SIGNIN_FAILURES_PER_CLIENT, window=window)
    if throttle.strike("signin.account", account, limit=settings.SIGNIN_FAILURES_PER_ACCOUNT, window=window):
        known = Person.objects.filter(username__iexact=username.strip()).first()
        audit_record(
            actor=None,
            action="orgs.person.sign_in_locked",
            obj=known,
            object_type="" if known else "orgs.person",
            object_repr="" if known else username.strip()[:200],
            new={"failures": settings.SIGNIN_FAILURES_PER_ACCOUNT, "minutes": settings.SIGNIN_LOCK_MINUTES},
        )
    return None


def optional_actor(request: HttpRequest) -> Any:
    """The signed-in caller (token or session) of an operation open to anonymous callers, or None."""
    for auth in api_auth:
        person = auth(request)
        if person:
            return person
    return None
