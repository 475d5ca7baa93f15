from __future__ import annotations

from typing import Any

from django import template

from needle.operations.selectors import Row, value_of

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def num(value: int | None) -> str:
    """12,345 (humanize's intcomma is locale-aware and slow over long tables)."""
    return "—" if value is None else f"{value:,}"


@register.simple_tag
def node_url(row: Row) -> str:
    from needle.operations.views import node_url as url

    return url(row.kind, row.key)


@register.filter
def indicator(row: Row, name: str) -> Any:
    value = value_of(row.figures, name)
    if isinstance(value, float) or (value is None and name.endswith("_rate")):
        return pct(value)
    return value
