"""What the case pages share: the error on a page, the pager's links, photos, a safe `next`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import url_has_allowed_host_and_scheme

from needle.cases import selectors
from needle.cases.models import Photo
from needle.core.errors import Conflict, DomainError
from needle.core.pagination import Page, seek_paginate
from needle.core.photos import photo_response
from needle.core.views import show_error

SEARCH_LIMIT = 20


def _fail(request: HttpRequest, exc: DomainError, form: Any = None) -> int:
    """Show a domain error on the page; return the status the page answers with."""
    if isinstance(exc, Conflict) or form is None:
        messages.error(request, exc.message)
        for text in exc.fields.values():
            messages.error(request, text)
    else:
        show_error(request, exc, form)
    return 409 if isinstance(exc, Conflict) else 403 if exc.status == 403 else 400


# The pager's own parameters: page number and the positions it starts from.
PAGER_PARAMS = frozenset({"page", "after", "before"})


def _query_without_page(request: HttpRequest) -> str:
    """The list's other parameters, for the pager's links ("a=1&b=2&")."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in PAGER_PARAMS for v in values]
    return urlencode(pairs) + "&" if pairs else ""


def _seek_page(
    request: HttpRequest,
    qs: Any,
    page_size: int | None = None,
    fields: tuple[str, ...] = (),
    cap: int | None = None,
    sort_deep: bool = False,
    count: bool = True,
) -> Page[Any]:
    """A page of a case list, newest first, without counting past `cap` (COUNT_CAP; see
    needle.core.pagination.seek_paginate, also for `sort_deep` and `count`)."""
    return seek_paginate(
        qs,
        keys=selectors.CASE_ORDER,
        page=request.GET.get("page"),
        page_size=page_size,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        fields=fields,
        cap=cap,
        sort_deep=sort_deep,
        count=count,
    )


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


def _photo_response(photo: Photo) -> HttpResponseBase:
    # A request's photo is reached through its tracking code or a staff grant: no shared cache
    # may keep it.
    return photo_response(photo, public=False)
