"""Serving a stored photo (a request's, an activity's): every app that keeps photos answers
for one the same way."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse

from needle.core.errors import NotFound


def photo_response(photo: Any, *, public: bool) -> FileResponse:
    """The photo's file as it was stored (re-encoded, without metadata), cached for an hour: by
    shared caches only when `public`. A file gone from the storage is a 404."""
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise NotFound() from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=3600"
    return response
