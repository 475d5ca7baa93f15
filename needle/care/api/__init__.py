"""/api/v1/care/: the registry, consents and exports (registry), pairings, schedule and ledger
(plan), visits and their sync (visits)."""

from __future__ import annotations

from ninja import Router

from needle.care.api import plan, registry, visits

router = Router(tags=["care"])
router.add_router("", registry.router)
router.add_router("", plan.router)
router.add_router("", visits.router)
