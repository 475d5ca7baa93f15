"""A reporter's contact details through the API: one case's read through case_contact (whole
and audited for those who may see them), lists masked for everyone."""

import pytest

from needle.core.models import AuditEvent
from needle.testing import submit

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def contact_reads():
    return list(AuditEvent.objects.filter(action="cases.case.contact_viewed"))


@pytest.fixture
def case(world, catalog):
    return submit(world, catalog["road"], reporter=None, contact_name="王小明", contact_phone=PHONE)


def test_reading_one_case_contact_through_the_api_is_audited(world, case, api_for):
    body = api_for("dispatcher").get(f"/api/v1/cases/{case.number}").json()
    assert (body["contact_name"], body["contact_phone"]) == ("王小明", PHONE)
    [event] = contact_reads()
    assert event.actor == world.people["dispatcher"] and event.object_id == str(case.pk)


def test_who_may_not_see_the_contact_gets_it_masked_and_unaudited(case, api_for):
    body = api_for("supervisor").get(f"/api/v1/cases/{case.number}").json()
    assert body["contact_phone"] == "139****5678" and body["contact_name"] == "王**"
    assert contact_reads() == []


def test_the_list_never_returns_a_whole_phone(world, catalog, case, api_for):
    submit(world, catalog["road"], reporter=None, contact_phone="13700001111")
    rows = api_for("dispatcher").get("/api/v1/cases").json()["results"]
    assert sorted(r["contact_phone"] for r in rows) == ["137****1111", "139****5678"]
    assert contact_reads() == []
