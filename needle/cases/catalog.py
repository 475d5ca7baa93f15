"""The catalog as every intake reads it (services, their questions, routing rules), remembered
by each process and keyed on the catalog's version.

Every save or delete of a catalog row bumps the version in the shared cache (Redis when
configured, so all app servers see it; see apps.py), at once and again after commit, so a
reader that loaded the old rows meanwhile reloads. A process looks at the shared version at
most once every VERSION_SECONDS (its own writes it sees at once). Bulk writes (`update()`,
`bulk_create()`) send no signal: what a process remembers is also forgotten after
MEMO_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from needle.cases.models import RoutingRule, Service

VERSION_KEY = "cases:catalog-version"
VERSION_SECONDS = 1.0
MEMO_SECONDS = 30.0

T = TypeVar("T")

_memo: dict[tuple[Any, ...], tuple[int, float, Any]] = {}
_memo_lock = threading.Lock()
_version: tuple[int, float] = (0, float("-inf"))  # (the shared version, when it was read)


def catalog_changed(**_signal: Any) -> None:
    """Receiver of post_save/post_delete of the catalog's models."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    global _version
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): any new value differs from what was read
        cache.set(VERSION_KEY, time.time_ns(), None)
    _version = (0, float("-inf"))


def _current_version(now: float) -> int:
    global _version
    version, read_at = _version
    if now - read_at >= VERSION_SECONDS:
        version = cache.get(VERSION_KEY, 0)
        _version = (version, now)
    return version


def remembered(key: tuple[Any, ...], load: Callable[[], T]) -> T:
    now = time.monotonic()
    version = _current_version(now)
    with _memo_lock:
        hit = _memo.get(key)
    if hit is not None and hit[0] == version and hit[1] > now:
        return hit[2]
    value = load()
    if value is not None:  # misses are not kept: codes come from requests, the memo stays small
        with _memo_lock:
            _memo[key] = (version, now + MEMO_SECONDS, value)
    return value


def active_service(code: str, *, public_only: bool) -> Service | None:
    """The active service with this code, its category and questions loaded; treat it as
    read-only (processes share it between requests)."""

    def load() -> Service | None:
        qs = Service.objects.filter(code=code, active=True).select_related("category")
        if public_only:
            qs = qs.filter(public=True)
        return qs.prefetch_related("attributes").first()

    return remembered(("service", code, public_only), load)


def service_rules(service: Service) -> dict[str, RoutingRule]:
    """The service's routing rules by area path, each with its unit and area (no boundary)."""

    def load() -> dict[str, RoutingRule]:
        rules = (
            RoutingRule.objects.filter(service=service).select_related("unit", "area").defer("area__boundary")
        )
        return {rule.area_path: rule for rule in rules}

    return remembered(("rules", service.pk), load)
