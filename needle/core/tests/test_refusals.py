"""A page's write refused by the domain shows the refusal as one message and lets the page go on;
anything else still fails."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from needle.core.errors import Conflict, ValidationFailed
from needle.core.refusals import refusal_as_message


def _request() -> Any:
    request: Any = RequestFactory().post("/somewhere/")
    request.session = SessionStore()
    # What the session and message middleware would have set on a page's request.
    request._messages = FallbackStorage(request)
    return request


def test_a_refusal_becomes_one_message_and_the_page_goes_on() -> None:
    request = _request()
    reached = []
    with refusal_as_message(request):
        raise ValidationFailed(fields={"year": "Give this year."})
    reached.append("after")
    with refusal_as_message(request):
        raise Conflict("Already done.")
    assert reached == ["after"]
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("error", "Give this year."),
        ("error", "Already done."),
    ]


def test_a_write_that_goes_through_leaves_no_message_and_other_errors_still_fail() -> None:
    request = _request()
    with refusal_as_message(request):
        pass
    assert list(get_messages(request)) == []
    with pytest.raises(KeyError), refusal_as_message(request):
        raise KeyError("a bug, not a refusal")
