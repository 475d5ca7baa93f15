"""/api/v1/volunteering/: hours."""

from __future__ import annotations

from ninja import Router

router = Router()
