"""A page's write refused by the domain: the refusal is shown as a message and the page goes on
(usually to its redirect), so every page answers a `DomainError` the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.http import HttpRequest

from needle.core.errors import DomainError
from needle.core.views import refusal_message


@contextmanager
def refusal_as_message(request: HttpRequest) -> Iterator[None]:
    """Runs the block; a `DomainError` it raises becomes one error message instead of a failure.
    A success message belongs at the block's end, where only a write that went through reaches."""
    try:
        yield
    except DomainError as exc:
        messages.error(request, refusal_message(exc))
