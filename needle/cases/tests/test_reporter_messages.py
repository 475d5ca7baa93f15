"""What reporters hear when their request is taken on and when it is resolved; a resident
without an account who gave a mobile number hears it by text message, with their tracking link."""

from __future__ import annotations

import pytest
from django.utils import translation

from needle import testing as t
from needle.cases import services as s
from needle.notify.gateways import MemorySms
from needle.notify.models import Delivery, Notification
from needle.notify.services import deliveries_send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def daytime(settings):
    # The deployment's quiet hours would hold a text message made at night until morning.
    settings.NEEDLE_QUIET_HOURS = None


def _phone_case(world, catalog, phone="13900001111"):
    return t.submit(world, catalog["road"], reporter=None, contact_phone=phone, contact_name="王")


def test_a_resident_without_an_account_is_texted_at_acceptance_and_resolution(world, catalog):
    case = _phone_case(world, catalog)
    handler = world.people["handler"]
    s.case_accept(actor=handler, case=case)
    s.case_start(actor=handler, case=case)  # no message for this step
    s.case_resolve(actor=handler, case=case, note="已修复")
    assert deliveries_send() == 2
    accepted, resolved = MemorySms.outbox
    link = f"http://127.0.0.1:8000/track/{case.tracking_token}/"
    assert accepted["to"] == resolved["to"] == "13900001111"
    assert (accepted["verb"], resolved["verb"]) == ("case.accepted", "case.resolved")
    assert accepted["text"].endswith(link) and resolved["text"].endswith(link)
    assert case.number in accepted["text"] and world.units["district_a_env"].name in accepted["text"]
    with translation.override("zh-hans"):
        assert "已" in resolved["text"]  # the deployment's language: no account, no preference


def test_a_landline_or_an_account_gets_no_text_message(world, catalog):
    case = _phone_case(world, catalog, phone="023-12345678")
    s.case_accept(actor=world.people["handler"], case=case)
    mine = t.submit(world, catalog["road"], contact_phone="13900002222")
    s.case_accept(actor=world.people["handler"], case=mine)
    assert not Delivery.objects.exists()
    # The resident with an account hears in Needle (and where their settings say).
    told = Notification.objects.get(verb="case.accepted")
    assert told.recipient == world.people["resident"] and told.link == f"/track/{mine.tracking_token}/"


def test_the_reporter_of_a_merged_case_is_texted_their_own_link(world, catalog):
    parent = t.submit(world, catalog["road"])
    duplicate = _phone_case(world, catalog)
    s.case_merge(actor=world.people["dispatcher"], case=duplicate, parent=parent)
    s.case_accept(actor=world.people["handler"], case=parent)
    s.case_resolve(actor=world.people["handler"], case=parent, note="done")
    deliveries_send()
    accepted, resolved = MemorySms.outbox
    assert (accepted["verb"], resolved["verb"]) == ("case.accepted", "case.resolved")
    for sent in (accepted, resolved):
        assert sent["text"].endswith(f"/track/{duplicate.tracking_token}/")
        assert parent.tracking_token not in sent["text"]


def test_a_refused_move_texts_no_one(world, catalog):
    case = _phone_case(world, catalog)
    with pytest.raises(Exception):  # noqa: B017 - the outsider's refusal, whatever its status
        s.case_accept(actor=world.people["outsider"], case=case)
    assert not Delivery.objects.exists()


def test_the_text_message_leaves_when_the_move_commits(world, catalog, django_capture_on_commit_callbacks):
    case = _phone_case(world, catalog)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_accept(actor=world.people["handler"], case=case)
        assert not MemorySms.outbox  # nothing leaves before the move is saved
    assert [m["verb"] for m in MemorySms.outbox] == ["case.accepted"]
