"""/api/v1/care/: the registry, consents and exports (registry), pairings, schedule and ledger
(plan), visits and their sync (visits)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["care"])

from needle.care.api import visits  # noqa: E402

router.add_router("", visits.router)
