"""Page numbers for lists in pages and the API: one way to read `page` and `page_size`.

Two ways to cut a list into pages:

- `paginate`: an exact count and OFFSET pages, for lists that stay small (units, areas,
  notifications).
- `seek_paginate`: for lists that can hold tens of thousands of rows (cases). It counts
  only up to a cap ("more than 1,000"), and its next/previous links carry the position of
  the last/first row shown (`after`/`before`), so that page 500 costs what page 2 costs:
  the database starts from the position in an index instead of reading and throwing away
  the 25,000 rows before it. A bare `page=N` (a bookmark, a typed URL) still works, by
  OFFSET.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _

from needle.core.errors import ValidationFailed
from needle.core.sql import Unindexed

T = TypeVar("T")
MAX_PAGE_SIZE = 500
# Lists counted by seek_paginate say "more than COUNT_CAP" past this many rows.
COUNT_CAP = 1000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass
class Page(Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int
    # False: `count` is a lower bound (the list holds more than `count` rows).
    exact: bool = True
    # Known from fetching one row more than a page (seek_paginate); None: from the count.
    more: bool | None = None
    # The positions the pager's links start from (seek_paginate): "" links by page number.
    next_cursor: str = ""
    previous_cursor: str = ""
    # False: not counted at all (seek_paginate(count=False)); the pager asks for the count later.
    counted: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.more if self.more is not None else self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# Past this, an offset is no use to anyone and overflows SQLite's integers.
MAX_PAGE = 1_000_000


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
    if page_n > MAX_PAGE:
        raise ValidationFailed(fields={"page": _("Must be at most %(max)d.") % {"max": MAX_PAGE}})
    if not 1 <= size_n <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            fields={"page_size": _("Must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}}
        )
    return page_n, size_n


def paginate(
    qs: QuerySet[Any], *, page: Any = None, page_size: Any = None, count: int | None = None
) -> Page[Any]:
    """One page of `qs` by OFFSET; `count`: the list's length when the caller has read it already
    (with other figures in the same query), else it is counted here."""
    page_n, size_n = parse_page_args(page, page_size)
    if count is None:
        count = qs.count()
    start = (page_n - 1) * size_n
    return Page(items=list(qs[start : start + size_n]), count=count, page=page_n, page_size=size_n)


def page_out(result: Page[Any], results: list[Any] | None = None) -> dict[str, Any]:
    """An offset page as the API answers it; `results`: its rows as the operation shows them
    (by default the rows themselves, for a schema to read)."""
    return {
        "count": result.count,
        "page": result.page,
        "page_size": result.page_size,
        "results": result.items if results is None else results,
    }


def capped_count(qs: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """(rows, exact): the number of rows up to `cap` (COUNT_CAP); past it (cap, False). The
    database stops after cap + 1 rows instead of visiting every row of a large list."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


def count_page(
    qs: QuerySet[Any], *, page: Any = None, page_size: Any = None, cap: int | None = None
) -> Page[Any]:
    """The count of a list, capped as capped_count, as a Page without rows: what the pager of
    a page read with seek_paginate(count=False) asks for after the page."""
    page_n, size_n = parse_page_args(page, page_size)
    count, exact = capped_count(qs, cap)
    return Page(items=[], count=count, page=page_n, page_size=size_n, exact=exact)


# Seek ("keyset") pages ----------------------------------------------------------------------


def _encode(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return str((value - _EPOCH) // _MICROSECOND)
    return str(int(value))


def _decode(field: Any, raw: str) -> Any:
    number = int(raw)  # ValueError for anything else
    if isinstance(field, models.DateTimeField):
        return _EPOCH + number * _MICROSECOND  # OverflowError past year 9999
    return number


def cursor_of(row: Any, keys: Sequence[str]) -> str:
    """A row's position in a list ordered by `keys`: "1732600000000000_42"."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return "_".join(_encode(get(key.lstrip("-"))) for key in keys)


def _parse_cursor(model: type[models.Model], keys: Sequence[str], raw: str, name: str) -> list[Any]:
    parts = raw.split("_")
    try:
        if len(parts) != len(keys):
            raise ValueError(raw)
        return [_decode(model._meta.get_field(k.lstrip("-")), p) for k, p in zip(keys, parts, strict=True)]
    except (ValueError, OverflowError):
        raise ValidationFailed(fields={name: _("Not a position in this list.")}) from None


def _beyond(keys: Sequence[str], values: list[Any], *, forward: bool) -> Q:
    """Rows after (forward) or before the position `values` in the order `keys` (all in one
    direction). The first key's `<=`/`>=` is redundant, but lets an index on it serve the
    condition; the OR that follows decides the ties."""
    descending = keys[0].startswith("-")
    strict, loose = ("lt", "lte") if descending == forward else ("gt", "gte")
    names = [k.lstrip("-") for k in keys]
    tie = Q()
    for i in range(len(names) - 1, -1, -1):
        step = Q(**{f"{names[i]}__{strict}": values[i]})
        tie = step if i == len(names) - 1 else step | (Q(**{names[i]: values[i]}) & tie)
    return Q(**{f"{names[0]}__{loose}": values[0]}) & tie


def _ordering(keys: Sequence[str], *, sort: bool) -> list[Any]:
    """ORDER BY `keys`; with `sort`, the first one as an Unindexed expression."""
    if not sort:
        return list(keys)
    first = keys[0].lstrip("-")
    return [OrderBy(Unindexed(first), descending=keys[0].startswith("-")), *keys[1:]]


def seek_paginate(
    qs: QuerySet[Any],
    *,
    keys: Sequence[str],
    page: Any = None,
    page_size: Any = None,
    after: str = "",
    before: str = "",
    cap: int | None = None,
    fields: Sequence[str] = (),
    sort_deep: bool = False,
    count: bool = True,
) -> Page[Any]:
    """One page of `qs` in the order `keys` (one direction, the last key unique), counted up
    to `cap` (COUNT_CAP). `after`/`before` are positions from the pager's links (the page starts after
    the row at `after`, or ends before the row at `before`); `page` is then the number shown.
    Without them, `page` is read by OFFSET. With `fields` the rows are values() dicts of them
    (the keys among them), read by a query of their own: the count then joins nothing.

    `sort_deep`: when the count found the whole list (no more than `cap` rows), pages after
    the first read the rows the filter's own indexes find and sort them, instead of walking
    back along the first key's index from the position. For a list that is a small part of
    its table and thins out with age (a unit's open cases: most of an old case's neighbours in
    time are closed), the walk skips more rows the deeper the page (100,000 closed cases for a
    page of last spring's open ones), while the sort of a counted list stays small. A list
    too long to count is walked: its rows are dense enough.

    `count=False`: no count at all (`counted` False): for lists whose count costs more than
    their page, such as a common word searched over a district; the pager fetches it after."""
    if len({k.startswith("-") for k in keys}) != 1:
        raise ValueError("seek_paginate needs keys in one direction")
    page_n, size_n = parse_page_args(page, page_size)
    if after and before:
        raise ValidationFailed(fields={"before": _("Give after or before, not both.")})
    total, exact = capped_count(qs, cap) if count else (0, False)
    sort = sort_deep and exact
    ordered = qs.order_by(*_ordering(keys, sort=sort and bool(after or before or page_n > 1)))
    if fields:
        ordered = ordered.values(*fields)
    if before:
        values = _parse_cursor(qs.model, keys, before, "before")
        backwards = [k[1:] if k.startswith("-") else f"-{k}" for k in keys]
        rows = list(
            ordered.filter(_beyond(keys, values, forward=False)).order_by(*_ordering(backwards, sort=sort))[
                : size_n + 1
            ]
        )
        if len(rows) <= size_n:  # nothing newer is left: this is the first page
            page_n, before = 1, ""
            rows = list(ordered.order_by(*keys)[: size_n + 1])
            more = len(rows) > size_n
            items = rows[:size_n]
        else:
            items, more = rows[:size_n][::-1], True
            page_n = max(page_n, 2)
    else:
        if after:
            values = _parse_cursor(qs.model, keys, after, "after")
            rows = list(ordered.filter(_beyond(keys, values, forward=True))[: size_n + 1])
            page_n = max(page_n, 2)
        else:
            start = (page_n - 1) * size_n
            rows = list(ordered[start : start + size_n + 1])
        items, more = rows[:size_n], len(rows) > size_n
    return Page(
        items=items,
        count=total,
        page=page_n,
        page_size=size_n,
        exact=exact,
        more=more,
        next_cursor=cursor_of(items[-1], keys) if items and more else "",
        previous_cursor=cursor_of(items[0], keys) if items and page_n > 2 else "",
        counted=count,
    )
