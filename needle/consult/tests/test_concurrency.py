"""Supports given at once are all counted, and one person's two at once make one: the
suggestion's row lock serializes them and the unique constraint stands behind it. Tried on
PostgreSQL, where requests really run at once (SQLite's in-memory test database is one
connection)."""

import pytest
from django.db import connection

from needle import testing as t
from needle.consult import services as s
from needle.consult.models import Suggestion, Support
from needle.consult.tests.conftest import make_suggestion, make_topic
from needle.core.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_supports_at_once_are_counted_once_each(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("threads share one connection to SQLite's in-memory test database")
    world = t.build_world()
    topic = make_topic(world)
    made = make_suggestion(world, topic)
    people = [
        t.PersonFactory.create(username=f"n{i}", home_area=world.areas["community_a1a"]) for i in range(6)
    ]
    calls = [lambda p=p: s.support_add(actor=p, suggestion=made) for p in people]
    twice = [lambda: s.support_add(actor=people[0], suggestion=made)]
    outcomes = t.at_once(*calls, *twice)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and not [
        o for o in outcomes if isinstance(o, Exception) and o not in conflicts
    ]
    made = Suggestion.objects.get(pk=made.pk)
    assert made.supports == Support.objects.filter(suggestion=made).count() == 6
