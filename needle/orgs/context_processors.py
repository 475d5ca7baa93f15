from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from needle.orgs.permissions import grants_of, has_perm_anywhere, is_superuser


def _menu(user: Any) -> dict[str, bool]:
    staff = is_superuser(user) or bool(grants_of(user))
    return {
        "staff": staff,
        "dispatch": has_perm_anywhere(user, "cases.dispatch"),
        "intake": has_perm_anywhere(user, "cases.intake"),
        "stats": has_perm_anywhere(user, "orgs.view_stats"),
        "audit": has_perm_anywhere(user, "core.view_audit"),
        "hotspots": has_perm_anywhere(user, "intel.view_hotspots"),
    }


def menu(request: HttpRequest) -> dict[str, Any]:
    """Which links the header offers: only what the person may open (one query, when used)."""
    user = getattr(request, "user", None)
    return {"menu": SimpleLazyObject(lambda: _menu(user))}
