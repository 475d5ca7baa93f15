from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from needle.cases.figures import RATE_NAMES
from needle.operations.figures_types import RATE_BASES, Figures, Row, value_of
from needle.operations.presenters import node_url as node_url_of
from needle.operations.presenters import rate_sample

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
    return node_url_of(row.kind, row.key)


@register.simple_tag
def rate(figures: Figures, name: str) -> SafeString:
    """A rate; over fewer than SMALL_SAMPLE cases muted, with the count beside it."""
    text, few = rate_sample(figures, name)
    if few is None:
        return format_html("{}", text)
    title = ngettext("Only %(n)d case: too few to compare.", "Only %(n)d cases: too few to compare.", few) % {
        "n": few
    }
    return format_html('<span class="muted" title="{}">{} <small>({})</small></span>', title, text, few)


@register.filter
def indicator(row: Row, name: str) -> Any:
    if name in RATE_BASES:
        return rate(row.figures, name)
    value = value_of(row.figures, name)
    return pct(value) if isinstance(value, float) else value


@register.simple_tag
def row_cells(rows: list[Row], query: str = "") -> SafeString:
    """The body of a breakdown table. Built here, not in a template loop: a city's ~200 rows
    took the template engine a tenth of a second."""
    if not rows:
        return format_html('<tr><td colspan="8" class="muted">{}</td></tr>', _("Nothing in this period."))
    suffix = f"?{query}" if query else ""

    def cells(r: Row) -> tuple[Any, ...]:
        f = r.figures
        name = (
            format_html('<a href="{}{}">{}</a>', node_url_of(r.kind, r.key), suffix, r.name)
            if r.drill and r.key
            else r.name
        )
        return (
            "muted" if r.kind == "here" else "",
            name,
            num(f.received),
            num(f.open),
            num(f.overdue_open),
            *(rate(f, name) for name in RATE_NAMES),
        )

    return format_html_join(
        "",
        '<tr class="{}">\n<td>{}</td>\n<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>\n'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>\n',
        (cells(r) for r in rows),
    )
