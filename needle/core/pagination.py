"""Page numbers for lists in pages and the API: one way to read `page` and `page_size`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed

T = TypeVar("T")
MAX_PAGE_SIZE = 500


@dataclass
class Page(Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def parse_page_args(page: Any, page_size: Any) -> tuple[int, int]:
    default = settings.NEEDLE_PAGE_SIZE
    try:
        page_n = int(page) if page not in (None, "") else 1
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"page": _("Must be a whole number.")}) from None
    try:
        size_n = int(page_size) if page_size not in (None, "") else default
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"page_size": _("Must be a whole number.")}) from None
    if page_n < 1:
        raise ValidationFailed(fields={"page": _("Must be 1 or more.")})
    if not 1 <= size_n <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            fields={"page_size": _("Must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}}
        )
    return page_n, size_n


def paginate(qs: QuerySet[Any], *, page: Any = None, page_size: Any = None) -> Page[Any]:
    page_n, size_n = parse_page_args(page, page_size)
    count = qs.count()
    start = (page_n - 1) * size_n
    return Page(items=list(qs[start : start + size_n]), count=count, page=page_n, page_size=size_n)
