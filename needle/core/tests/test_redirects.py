"""After a form, a page goes back to where it was posted from only within its own app."""

from __future__ import annotations

from django.test import RequestFactory

from needle.core.redirects import redirect_to_next


def test_next_within_the_app_is_followed() -> None:
    request = RequestFactory().post("/center/x/", {"next": "/center/activities/7/"})
    assert (
        redirect_to_next(request, under="/center/", fallback="/center/mine/").url == "/center/activities/7/"
    )


def test_next_elsewhere_or_missing_falls_back() -> None:
    for posted in ({"next": "https://elsewhere.example/center/"}, {"next": "/cases/"}, {}):
        request = RequestFactory().post("/center/x/", posted)
        assert redirect_to_next(request, under="/center/", fallback="/center/mine/").url == "/center/mine/"
