from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from needle.core.errors import DomainError


def show_error(request: HttpRequest, exc: DomainError, form: Any = None) -> None:
    """A domain error on a page: field errors onto the form, the rest as a message."""
    if form is not None:
        for name, text in exc.fields.items():
            form.add_error(name if name in form.fields else None, text)
        if not exc.fields:
            form.add_error(None, exc.message)
    else:
        messages.error(request, exc.message)
