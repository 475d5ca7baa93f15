"""The last slot of a shift goes to exactly one member, and one member's two overlapping
claims made at once leave one held: on PostgreSQL, where the person's and the shift's row locks
serialize them (two threads, each with its own connection). SQLite serializes every write
transaction anyway; the test runs where the locks matter."""

from __future__ import annotations

import pytest
from django.db import connection

from needle import testing as t
from needle.core.errors import Conflict
from needle.volunteering.models import HOLDING, Claim, Shift
from needle.volunteering.services.lists_claims import claim_create
from needle.volunteering.tests.conftest import build_volunteering
from needle.volunteering.tests.lists_helpers import checked_in, draft, first_shift, make_project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def w(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("row locks are tried on PostgreSQL (SQLite serializes every write transaction)")
    return checked_in(build_volunteering(t.build_world()))


def test_the_last_slot_goes_to_exactly_one(w):
    shift = first_shift(make_project(w, draft(slots=1)))
    outcomes = t.at_once(
        lambda: claim_create(actor=w.people["member"], shift=shift),
        lambda: claim_create(actor=w.people["member2"], shift=shift),
    )
    won = [o for o in outcomes if isinstance(o, Claim)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1 and lost[0].code == "full", outcomes
    shift = Shift.objects.get(pk=shift.pk)
    assert shift.filled == 1 == Claim.objects.filter(shift=shift, status__in=HOLDING).count()


def test_two_overlapping_claims_at_once_one_holds(w):
    one = first_shift(make_project(w, draft(2, 9, 3), title="甲"))
    two = first_shift(make_project(w, draft(2, 10, 2), title="乙"))
    outcomes = t.at_once(
        lambda: claim_create(actor=w.people["member"], shift=one),
        lambda: claim_create(actor=w.people["member"], shift=two),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Claim", "Conflict"], outcomes
    assert Claim.objects.filter(person=w.people["member"], status__in=HOLDING).count() == 1
