"""Where a page's form sends the reader after a write: back to the page it was posted from."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def redirect_to_next(request: HttpRequest, *, under: str, fallback: str) -> HttpResponse:
    """Back to the page the form was posted from (its `next`) when that is one of the app's own
    pages, a path under `under` (so never another site), else to `fallback`."""
    to = request.POST.get("next", "")
    return redirect(to if to.startswith(under) else fallback)
