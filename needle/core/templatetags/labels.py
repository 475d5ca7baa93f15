"""`{% colon %}` after a label: `{% translate "Code" %}{% colon %}{{ value }}` reads "Code: X"
in English and "代码：X" in Chinese (see needle.core.i18n)."""

from __future__ import annotations

from django import template

from needle.core import i18n

register = template.Library()


@register.simple_tag
def colon() -> str:
    return i18n.colon()
