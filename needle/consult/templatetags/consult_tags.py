"""The think tank's template filters."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def of(mapping: dict[Any, Any], key: Any) -> Any:
    """`engagement|of:card.suggestion.pk`: a page's per-row data, looked up by the row's key."""
    return mapping.get(key) if isinstance(mapping, dict) else None
