"""django.request keeps its warnings, but not one per 404."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_not_found_is_not_logged_but_other_client_errors_are(world, api_for, caplog):
    api = api_for("dispatcher")
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert api.get("/api/v1/cases/NONE").status_code == 404
        assert api.get("/api/v1/cases", state="flying").status_code == 422
    logged = [
        (r.levelname, getattr(r, "status_code", None)) for r in caplog.records if r.name == "django.request"
    ]
    assert logged == [("WARNING", 422)]
