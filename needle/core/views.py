from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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


def show_form_errors(request: HttpRequest, form: Any) -> None:
    """Every error of an invalid form as a message, for a form posted from a page that does not
    show it again."""
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, str(text))


def refusal_message(exc: DomainError) -> str:
    """A refusal as one line for a page's message: its message, or its fields' when they say more."""
    fields = exc.fields
    return exc.message if not fields or exc.message in fields.values() else " ".join(fields.values())


def refusal(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """401 sends to sign-in; 403 and 404 render their pages (a 404 never says whether it exists)."""
    if exc.status == 401:
        return redirect_to_login(request.get_full_path())
    if exc.status == 403:
        return render(request, "403.html", status=403)
    return render(request, "404.html", status=404)
