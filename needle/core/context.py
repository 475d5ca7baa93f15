"""Where the current request came from, for audit events written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


# RequestContext is frozen, so sharing the default instance is safe.
current: ContextVar[RequestContext] = ContextVar(
    "needle_request",
    default=RequestContext(),  # noqa: B039
)
