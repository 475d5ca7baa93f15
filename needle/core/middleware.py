from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from needle.core.context import RequestContext, current

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


def content_security_policy(tiles: str) -> str:
    # Every script is a file of ours (no inline script, no eval); styles may be inline because
    # the vendored chart and map libraries write style attributes; images may be data: URIs
    # (charts, map markers), blobs (chart downloads) and map tiles.
    images = " ".join(filter(None, ["'self'", "data:", "blob:", tile_source(tiles)]))
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
