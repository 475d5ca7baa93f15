"""schemathesis drives every operation of /api/v1/openapi.json with generated input: whatever
it sends, the API answers without a server error and within its declared responses."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from needle import testing as t
from needle.orgs.services import token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly would close the test's database connection at the end of
    each request (Django's test client avoids this the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, keep_test_connection):
    world = t.build_world()
    t.build_catalog(world)
    return token_create(actor=None, person=world.people["city_admin"], name="fuzz").secret


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, bearer):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {bearer}"}, checks=[not_a_server_error, status_code_conformance]
    )
