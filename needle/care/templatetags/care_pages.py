"""The care pages' labels: a recipient's categories (one integer of bits) as words."""

from __future__ import annotations

from django import template

from needle.care.models import Category, category_codes

register = template.Library()


@register.filter
def category_labels(bits: int) -> str:
    """ "elderly living alone, low income (dibao, tekun)" in the reader's language."""
    labels = dict(Category.choices)
    return ", ".join(str(labels[c]) for c in category_codes(bits or 0)) if bits else ""
