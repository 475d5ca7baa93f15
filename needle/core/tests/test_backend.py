"""The PostgreSQL backend reads timestamps with psycopg's compiled loader, to the same values."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from needle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's loader")
def test_timestamps_come_back_as_django_writes_them():
    from needle.core.backends.postgresql.base import COMPILED, UtcTimestamptzLoader

    when = dt.datetime(2026, 3, 1, 23, 59, 58, 123456, tzinfo=dt.UTC)
    event = AuditEvent.objects.create(action="test.loader", object_type="x", object_id="1")

    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(cursor.cursor.adapters.types["timestamptz"].oid, 0)
        if COMPILED:
            # Django kept the connection's loader for the cursor instead of its Python one.
            assert loader is UtcTimestamptzLoader
        cursor.execute("SELECT %s::timestamptz", [when])
        (given,) = cursor.fetchone()
    read = AuditEvent.objects.values_list("created_at", flat=True).get(pk=event.pk)

    assert given == when and given.tzinfo is dt.UTC
    assert read == event.created_at and read.tzinfo is dt.UTC
    assert timezone.localtime(read).isoformat() == timezone.localtime(event.created_at).isoformat()
