"""Members' phone numbers: whole for those who may see them, with an audit event naming whose
numbers were shown; masked, and not audited, for everyone else. The page and the API alike."""

import pytest

from needle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def phone_reads():
    return list(AuditEvent.objects.filter(action="orgs.unit.phones_viewed"))


def test_the_unit_page_audits_whole_numbers(world, client_for):
    pb = world.units["pb_a1a"]
    phone = world.people["member"].phone
    assert phone not in client_for("supervisor").get(f"/units/{pb.pk}/").content.decode()
    assert phone_reads() == []
    assert phone in client_for("city_admin").get(f"/units/{pb.pk}/").content.decode()
    [event] = phone_reads()
    assert event.actor == world.people["city_admin"] and event.object_id == str(pb.pk)
    assert event.changes["new"] == {"people": ["member"]}


def test_the_members_api_audits_whole_numbers(world, api_for):
    pb = world.units["pb_a1a"]
    masked = api_for("supervisor").get(f"/api/v1/units/{pb.pk}/members").json()
    assert "****" in masked[0]["phone"] and phone_reads() == []
    full = api_for("city_admin").get(f"/api/v1/units/{pb.pk}/members").json()
    assert full[0]["phone"] == world.people["member"].phone
    [event] = phone_reads()
    assert event.actor == world.people["city_admin"] and event.changes["new"] == {"people": ["member"]}
    added = api_for("city_admin").post(
        f"/api/v1/units/{pb.pk}/members",
        {"username": "resident", "kind": "volunteer", "joined_on": "2026-01-01"},
    )
    assert added.status_code == 201 and added.json()["phone"] == world.people["resident"].phone
    assert phone_reads()[0].changes["new"] == {"people": ["resident"]}
