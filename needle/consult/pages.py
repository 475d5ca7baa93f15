"""What the think tank's pages do once a form is posted: make the move, go back where it was
posted from, and tell what they refused in one message line (the page they return to does not
show the form)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from needle.core.redirects import redirect_to_next
from needle.core.refusals import refusal_as_message


def go_back(request: HttpRequest, fallback: str) -> HttpResponse:
    """To the page named in the form's `next`, when it is one of the think tank's own (never
    another site), else to `fallback`."""
    return redirect_to_next(request, under="/consult/", fallback=fallback)


def form_refusal(form: Any) -> str:
    """Every error of an invalid form, each after its field's label (its name when it has none,
    as a hidden field has not)."""
    return " ".join(
        f"{form.fields[k].label if k in form.fields and form.fields[k].label else k}: {e}"
        for k, errs in form.errors.items()
        for e in errs
    )


def attempt(request: HttpRequest, call: Callable[[], object], said: str) -> None:
    """Make a move: any refusal, whoever it concerns, becomes the page's error message (the
    page then goes on to its redirect), else `said` its message of success."""
    with refusal_as_message(request):
        call()
        messages.success(request, said)
