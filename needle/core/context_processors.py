from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def needle(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: the language switch's return path."""
    return {"current_path": request.get_full_path()}
