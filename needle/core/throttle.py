"""Request budgets for costly public endpoints: at most `limit` calls per client per minute.

A fixed one-minute window counted in the cache, so every worker shares the count when Redis is
configured (with the local-memory cache each process counts alone). A client is its user when
signed in, else its address.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from needle.core.errors import TooManyRequests

WINDOW = 60


def client_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{request.META.get('REMOTE_ADDR', '')}"


def spend(request: HttpRequest, scope: str, limit: int) -> None:
    """Count one call of `scope`; TooManyRequests once the client has made `limit` this minute."""
    window = int(time.time()) // WINDOW
    key = f"throttle:{scope}:{client_key(request)}:{window}"
    if cache.add(key, 1, timeout=WINDOW + 5):
        return
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW + 5)
        return
    if used > limit:
        raise TooManyRequests(
            _("Too many requests: at most %(limit)d a minute. Try again in a moment.") % {"limit": limit},
            extra={"retry_after": WINDOW - int(time.time()) % WINDOW},
        )
