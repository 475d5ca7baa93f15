import json

import pytest
from django.test import Client

from needle.core.audit import audit_record
from needle.core.models import AuditEvent


def test_audit_events_are_append_only(world):
    event = audit_record(
        actor=world.people["resident"],
        action="test.thing.done",
        obj=world.areas["grid_a1a"],
        old={"a": 1, "b": 2},
        new={"a": 1, "b": 3},
    )
    assert event.changes == {"old": {"b": 2}, "new": {"b": 3}}
    assert event.area_path == world.areas["grid_a1a"].path
    event.action = "edited"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_events_remember_the_request_id_and_ip(world):
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(world.people["staff"])
    response = client.post(
        "/api/v1/areas/500103001001/grids",
        json.dumps({"name": "新"}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response.status_code == 201 and response["X-Request-ID"] == "req-42"
    event = AuditEvent.objects.get(action="areas.grid.created")
    assert (event.request_id, event.ip, event.actor.username) == ("req-42", "10.1.2.3", "staff")


def test_a_bad_request_id_is_replaced(world, client_for):
    response = client_for("resident").get("/me/", HTTP_X_REQUEST_ID="bad id; drop table")
    assert response["X-Request-ID"] != "bad id; drop table" and len(response["X-Request-ID"]) == 32


def test_admin_cannot_edit_audit_events(world):
    client = Client()
    client.force_login(world.people["root"])
    event = audit_record(actor=None, action="test.x")
    assert client.get("/admin/core/auditevent/").status_code == 200
    page = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
