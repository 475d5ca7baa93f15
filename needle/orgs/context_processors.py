from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from needle.orgs.navigation import nav_links


def menu(request: HttpRequest) -> dict[str, Any]:
    """The header's links: only what the person may open (read when a template uses them)."""
    user = getattr(request, "user", None)
    return {"nav": SimpleLazyObject(lambda: nav_links(user, path=request.path))}
