from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def bar_heights(values: list[int] | None) -> list[int]:
    """Counts as percentages of the largest (at least 4%, so that a zero still shows)."""
    values = list(values or [])
    top = max(values, default=0) or 1
    return [max(4, round(100 * v / top)) for v in values]
