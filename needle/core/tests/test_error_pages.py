"""Pages have one error path: a domain error that leaves a view becomes the refusal page with
its status (BadRequestMiddleware), as the API's exception handler does for JSON."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from needle.testing import submit

pytestmark = pytest.mark.urls("needle.core.tests.error_urls")


def test_not_found_is_the_404_page_which_does_not_repeat_the_reason(db):
    response = Client().get("/raise/not-found/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "not in your scope" not in response.content.decode()


def test_permission_denied_is_the_403_page(db):
    response = Client().get("/raise/denied/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_conflict_is_a_409_page_with_the_message(db):
    response = Client().get("/raise/conflict/")
    assert response.status_code == 409
    assert "The case was accepted by someone else meanwhile." in response.content.decode()


def test_invalid_input_is_a_400_page_naming_the_field(db):
    response = Client().get("/raise/invalid/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "note" in body and "Write the note." in body


def test_signed_out_is_sent_to_sign_in(db):
    response = Client().get("/raise/signed-out/")
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=/raise/signed-out/")


def test_require_anywhere_lets_holders_in_and_refuses_the_rest(world, client_for):
    assert client_for("dispatcher").get("/dispatchers-only/").status_code == 200
    refused = client_for("handler").get("/dispatchers-only/")
    assert refused.status_code == 403
    assert "403.html" in [t.name for t in refused.templates]
    assert Client().get("/dispatchers-only/").status_code == 403


def test_real_pages_refuse_through_the_same_path(world, catalog, client_for):
    case = submit(world, catalog["road"])
    dispatcher = client_for("dispatcher")
    unknown_move = dispatcher.post(f"/cases/{case.number}/fly/", {})
    assert unknown_move.status_code == 404
    assert "404.html" in [t.name for t in unknown_move.templates]
    assert dispatcher.get("/cases/T99999999/").status_code == 404
    queue = client_for("handler").get("/queue/")
    assert queue.status_code == 403
    assert "403.html" in [t.name for t in queue.templates]
    assert dispatcher.get("/queue/").status_code == 200
