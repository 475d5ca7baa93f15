"""/api/v1/volunteering/: checkins."""

from __future__ import annotations

from ninja import Router

router = Router()
