"""Helpers for management commands: who the actor is, and domain errors as CommandErrors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from needle.core.errors import DomainError


def actor_from_option(username: str | None) -> Any:
    """`--actor USERNAME` names the person a CLI run acts as; none means the system operator."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"--actor: no person with username {username!r}") from None


def command_error(exc: DomainError) -> CommandError:
    lines = [exc.message]
    lines.extend(f"  {name}: {text}" for name, text in exc.fields.items())
    return CommandError("\n".join(lines))
