"""/api/v1/volunteering/: check-ins of members and units (checkins), needs, projects, shifts,
claims, suggestions and ratings (lists), hours and service cards (hours)."""

from __future__ import annotations

from ninja import Router

from needle.volunteering.api import checkins, hours, lists, suggestions

router = Router(tags=["volunteering"])
router.add_router("", checkins.router)
router.add_router("", lists.router)
router.add_router("", hours.router)
router.add_router("", suggestions.router)
