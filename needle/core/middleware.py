from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from needle.core.context import RequestContext, current
from needle.core.errors import DomainError, ValidationFailed
from needle.core.views import refusal

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when sane) and remembers the client IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = current.set(RequestContext(request_id=request_id, ip=request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Powerful browser features no page uses; the location stays open to our own pages ("use my
# location" on the intake form).
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    ]
)


def tile_source(template: str) -> str:
    """The CSP source of a map tile URL template ("" when the tiles are our own): its origin,
    with a `{s}.` subdomain placeholder as a wildcard."""
    parts = urlsplit(template)
    if not parts.netloc:
        return ""
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme or 'https'}://{host}"


def content_security_policy(tiles: str | Sequence[str]) -> str:
    # Every script is a file of ours (no inline script, no eval); styles may be inline because
    # the vendored chart and map libraries write style attributes; images may be data: URIs
    # (charts, map markers), blobs (chart downloads) and map tiles (each layer's server).
    templates = tiles.split() if isinstance(tiles, str) else tiles
    sources = dict.fromkeys(filter(None, (tile_source(t) for t in templates)))
    images = " ".join(["'self'", "data:", "blob:", *sources])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """A Content-Security-Policy and a Permissions-Policy on every response, and HSTS when the
    site is served over HTTPS (SECURE_COOKIES)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.NEEDLE_MAP_TILES)
        self.hsts = f"max-age={settings.SECURE_HSTS_SECONDS}" if settings.SECURE_HSTS_SECONDS else ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if self.hsts:
            # Django's SecurityMiddleware sends it only to requests it sees as HTTPS, which a
            # proxy that ends TLS hides; browsers ignore the header on plain HTTP anyway.
            response.setdefault("Strict-Transport-Security", self.hsts)
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than REQUEST_MAX_BYTES with 413, before
    anything reads it. Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves out the files of a
    multipart body, which would otherwise be read in full (and spooled to a temporary file)
    before the photo checks could refuse them. A body without a length is read as empty."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit: int = settings.REQUEST_MAX_BYTES
        if length <= limit:
            return self.get_response(request)
        message = _("The request is too large: at most %(mb)d MB may be sent at once.") % {
            "mb": limit // 2**20
        }
        if request.path.startswith("/api/"):
            body = {"error": {"code": "too_large", "message": message, "fields": {}}}
            response: HttpResponse = JsonResponse(body, status=413)
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response


API_PREFIX = "/api/"
_NUL = "\x00"
# Open311's views refuse bad input themselves, in the error shape of its specification.
_OWN_ERRORS = ("/open311/",)


def _nul_field(request: HttpRequest) -> str | None:
    """The name of the first path part or query parameter holding a NUL character, or None."""
    for name, values in request.GET.lists():
        if _NUL in name or any(_NUL in v for v in values):
            return name.replace(_NUL, "") or "query"
    if _NUL not in request.path_info:
        return None
    try:
        kwargs = resolve(request.path_info).kwargs
    except Resolver404:
        return "path"
    return next((k for k, v in kwargs.items() if _NUL in str(v)), "path")


def _nul_in_json(value: Any, where: str = "") -> str | None:
    """The dotted name of the first key or string in a JSON document holding a NUL, or None."""
    if isinstance(value, str):
        return (where or "body") if _NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if _NUL in str(key):
                return name.replace(_NUL, "")
            found = _nul_in_json(item, name)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_in_json(item, f"{where}.{i}" if where else str(i))
            if found:
                return found
    return None


def _json_body_nul_field(request: HttpRequest) -> str | None:
    if request.method not in ("POST", "PUT", "PATCH") or "json" not in (request.content_type or ""):
        return None
    # A NUL can only reach a JSON string escaped: without "\u0000" there is nothing to look for.
    if b"\\u0000" not in request.body:
        return None
    try:
        return _nul_in_json(json.loads(request.body))
    except (ValueError, UnicodeDecodeError, RequestDataTooBig):
        return None  # the API's parser refuses a body that is too large or not JSON


_STATUS_CODES = {
    400: ("bad_request", _("The request could not be read.")),
    401: ("not_authenticated", _("Sign in or give an API token.")),
    403: ("permission_denied", _("You do not have permission to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("too_large", _("The request is too large.")),
    500: ("server_error", _("Something went wrong on our side; it has been logged.")),
}


def api_error_response(status: int) -> HttpResponse:
    """The API's JSON error for a bare HTTP status (an unknown path, a wrong method, a crash)."""
    code, message = _STATUS_CODES.get(status, ("error", _("The request could not be carried out.")))
    error = DomainError(message, code=code)
    return JsonResponse(error.as_dict(), status=status, json_dumps_params={"ensure_ascii": False})


class BadRequestMiddleware:
    """One door for input that no view should see, and one shape for errors:

    - PostgreSQL can neither store nor compare text holding a NUL character (SQLite stores it
      silently), and no person types one: a path or query string with one, and an API's JSON
      body with one, are refused here, before any view reads them: 422 with the API's JSON
      error naming the field under /api/, a 400 page naming it elsewhere. Form bodies are
      checked by Django's form fields, which refuse NUL themselves; Open311 answers in its
      own specification's shape, so its views refuse it.
    - A domain error that escapes a page's view is shown as a page with its status, not a 500.
    - Under /api/, every error that did not come from the API's own handlers (an unknown path,
      a wrong method, a crash) is given the API's JSON error shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith(API_PREFIX)
        if not request.path_info.startswith(_OWN_ERRORS):
            field = _nul_field(request) or (_json_body_nul_field(request) if api else None)
            if field:
                refused = ValidationFailed(fields={field: str(_("Must not contain NUL characters."))})
                return self._refuse(request, refused, api=api)
        response = self.get_response(request)
        if api and response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            shaped = api_error_response(response.status_code)
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and not request.path_info.startswith(API_PREFIX):
            if exception.status in (401, 403, 404):
                return refusal(request, exception)
            return self._refuse(request, exception, api=False)
        return None

    @staticmethod
    def _refuse(request: HttpRequest, exc: DomainError, *, api: bool) -> HttpResponse:
        if api:
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
        status = 400 if exc.status == 422 else exc.status
        return render(request, "400.html", {"error": exc}, status=status)
