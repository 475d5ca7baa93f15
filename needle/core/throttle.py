"""Request budgets for costly public endpoints: at most `limit` calls per client per minute.

A fixed one-minute window counted in the cache, so every worker shares the count when Redis is
configured (with the local-memory cache each process counts alone). A client is its user when
signed in, else its address.

Limits on failures (sign-in) and on what a client makes (sign-up) count strikes instead: the
`limit`th strike within a window locks the account or the client for that window.
"""

from __future__ import annotations

import hashlib
import math
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


def client_address(request: HttpRequest) -> str:
    """The client's address, whoever is signed in: what a sign-in or sign-up limit counts."""
    return str(request.META.get("REMOTE_ADDR", ""))


def _who(who: str) -> str:
    # Usernames may hold spaces and any letters; a digest keeps every cache key short and plain.
    return hashlib.sha256(who.encode()).hexdigest()[:32]


def locked_for(scope: str, who: str) -> int:
    """Seconds left before `who` may try `scope` again (0: not locked)."""
    until = cache.get(f"lock:{scope}:{_who(who)}")
    return max(0, math.ceil(until - time.time())) if until else 0


def strike(scope: str, who: str, *, limit: int, window: int) -> bool:
    """Count one event of `who` in `scope` (a failed sign-in, an account made); the `limit`th within
    `window` seconds of the first locks `who` for `window` seconds. True when this one locked."""
    key = f"strikes:{scope}:{_who(who)}"
    if cache.add(key, 1, timeout=window):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            used = 1
    if used < limit:
        return False
    cache.set(f"lock:{scope}:{_who(who)}", time.time() + window, timeout=window)
    cache.delete(key)
    return True


def forgive(scope: str, who: str) -> None:
    """Forget the strikes `who` has in `scope` (a lock already set stays until it ends)."""
    cache.delete(f"strikes:{scope}:{_who(who)}")
