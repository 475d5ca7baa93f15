"""Idempotency keys live in one namespace per channel and sender, made by the server: no key a
client sends can return a case another channel or another person made."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from needle.cases import services as s
from needle.cases.models import Case, Channel

FORM = {
    "service": "road",
    "description": "楼下的路面塌了一个大坑。",
    "area": "500103001001",
    "consent": "on",
}


def api_case(api, key: str) -> dict:
    response = api.client.post(
        "/api/v1/cases",
        json.dumps({"service_code": "road", "area_code": "500103001001", "description": "路面塌陷"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("forged", ["api:{pk}:k-1", "k-1", "stored"])
def test_the_web_form_never_returns_an_api_callers_case(world, catalog, api_for, forged):
    resident = world.people["resident"]
    theirs = api_case(api_for("resident"), "k-1")
    stored = Case.objects.get(number=theirs["number"]).idempotency_key
    key = stored if forged == "stored" else forged.format(pk=resident.pk)
    response = Client().post("/report/", {**FORM, "idempotency_key": key})
    assert response.status_code == 302
    assert theirs["tracking_url"] not in response["Location"]
    assert Case.objects.count() == 2
    mine = Case.objects.exclude(number=theirs["number"]).get()
    assert mine.reporter is None and response["Location"] == f"/report/thanks/{mine.tracking_token}/"


def test_each_channel_and_sender_has_its_own_keys(world, catalog):
    def submit(actor, channel):
        intake = s.Intake(
            service=catalog["road"],
            description="路面塌陷",
            area=world.areas["community_a1a"],
            channel=channel,
            idempotency_key="same",
        )
        return s.case_submit(actor=actor, intake=intake)

    first = submit(None, Channel.WEB)
    assert submit(None, Channel.WEB) == first
    staff = world.people["staff"]
    others = {
        submit(world.people["resident"], Channel.WEB),
        submit(world.people["resident"], Channel.API),
        submit(staff, Channel.PHONE),
        submit(None, Channel.OPEN311),
    }
    assert first not in others and len(others) == 4
    assert submit(staff, Channel.PHONE) in others
