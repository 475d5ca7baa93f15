"""/api/v1/volunteering/: lists."""

from __future__ import annotations

from ninja import Router

router = Router()
