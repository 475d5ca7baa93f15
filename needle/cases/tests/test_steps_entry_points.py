"""The hotline's steps through every entry point: the case page's forms, the tracking page, staff
intake, and the REST API give the same outcome as the services, with the same refusals."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Case, EventKind, Extension, Service, State
from needle.core.models import AuditEvent
from needle.orgs.models import Role, RoleAssignment


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def png_file() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    out.seek(0)
    out.name = "photo.png"
    return out


def png_b64() -> str:
    return base64.b64encode(png_file().getvalue()).decode()


def working(world: t.World, catalog: dict[str, Any]) -> Case:
    Service.objects.filter(pk=catalog["road"].pk).update(suspendable=True)
    handler = world.people["handler"]
    case = s.case_accept(actor=handler, case=t.submit(world, Service.objects.get(code="road")))
    return s.case_start(actor=handler, case=case)


def act(client: Client, case: Case, action: str, **fields: Any) -> Any:
    """POST one move's form on the case page, its fields prefixed as the page names them."""
    data = {f"{action}-{k}": v for k, v in fields.items()}
    return client.post(f"/cases/{case.number}/{action}/", data)


def kinds(case: Case) -> list[str]:
    """The case's own steps (not the note that the same resident raised the matter again)."""
    events = case.events.exclude(kind=EventKind.REPEATED).order_by("at", "id")
    return list(events.values_list("kind", flat=True))


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# The case page offers each step to whom it may ---------------------------------------------------


def test_the_case_page_offers_the_new_steps_to_their_personas(world, catalog, client_for):
    case = working(world, catalog)
    handler = client_for("handler").get(f"/cases/{case.number}/").content.decode()
    assert 'id="act-suspend"' in handler and 'id="act-extend"' in handler
    s.case_whistle(actor=world.people["supervisor"], case=case, units=[world.units["rc_a1a"]])
    called = client_for("staff").get(f"/cases/{case.number}/").content.decode()
    assert 'id="act-respond"' in called and 'id="act-suspend"' not in called
    s.case_extension_request(
        actor=world.people["handler"],
        case=case,
        due=case.resolve_due_at + dt.timedelta(days=3),
        reason="检测",
    )
    dispatcher = client_for("dispatcher").get(f"/cases/{case.number}/").content.decode()
    assert 'id="act-decide_extension"' in dispatcher and "检测" in dispatcher
    queued = t.submit(world, catalog["noise"], attributes={"when": "day"})
    assert 'id="act-answer"' in client_for("dispatcher").get(f"/cases/{queued.number}/").content.decode()


def test_a_called_in_unit_responds_on_its_page(world, catalog, client_for):
    case = working(world, catalog)
    s.case_whistle(actor=world.people["supervisor"], case=case, units=[world.units["rc_a1a"]])
    response = act(client_for("staff"), case, "respond", note="明早到现场")
    assert response.status_code == 302
    assert case.assists.get().responded_at is not None and "responded" in kinds(case)
    # Once answered, the form is gone; another unit's people never had it.
    assert 'id="act-respond"' not in client_for("staff").get(f"/cases/{case.number}/").content.decode()
    assert act(client_for("handler"), case, "respond", note="x").status_code == 404


# Page and API give the same outcome ------------------------------------------------------------------


def test_answer_on_the_page_and_through_the_api(world, catalog, client_for, api_for):
    one = t.submit(world, catalog["noise"], attributes={"when": "day"})
    two = t.submit(world, catalog["noise"], attributes={"when": "night"})
    assert (
        act(client_for("dispatcher"), one, "answer", answer="已解答", version=one.version).status_code == 302
    )
    response = api_for("dispatcher").post(f"/api/v1/cases/{two.number}/answer", {"answer": "已解答"})
    assert response.status_code == 200 and response.json()["state"] == State.ANSWERED
    one.refresh_from_db()
    assert one.state == State.ANSWERED and kinds(one) == kinds(two) == ["submitted", "answered"]
    # Again: the state no longer allows it, on both.
    assert act(client_for("dispatcher"), one, "answer", answer="再答").status_code == 409
    again = api_for("dispatcher").post(f"/api/v1/cases/{two.number}/answer", {"answer": "再答"})
    assert again.status_code == 409 and again.json()["error"]["state"] == State.ANSWERED
    # Not a handler's to give.
    three = t.submit(world, catalog["noise"], attributes={"when": "day"})
    assert act(client_for("handler"), three, "answer", answer="x").status_code == 403
    assert (
        api_for("supervisor").post(f"/api/v1/cases/{three.number}/answer", {"answer": "x"}).status_code == 403
    )


def test_hold_and_resume_on_the_page_and_through_the_api(world, catalog, client_for, api_for):
    one, two = working(world, catalog), working(world, catalog)
    page, api = client_for("handler"), api_for("handler")
    assert act(page, one, "suspend", reason="等待判决", version=one.version).status_code == 302
    response = api.post(f"/api/v1/cases/{two.number}/suspend", {"reason": "等待判决"})
    assert response.status_code == 200 and response.json()["suspended_at"] is not None
    one.refresh_from_db()
    assert one.state == State.SUSPENDED and kinds(one) == kinds(two)
    # The dispatcher may not put a case on hold, on either; a case on hold is not held again.
    assert (
        api_for("dispatcher").post(f"/api/v1/cases/{two.number}/suspend", {"reason": "x"}).status_code == 403
    )
    assert act(page, one, "suspend", reason="again").status_code == 409
    assert act(page, one, "resume", note="判决已下").status_code == 302
    response = api_for("dispatcher").post(f"/api/v1/cases/{two.number}/resume", {"note": ""})
    assert response.status_code == 200 and response.json()["state"] == State.IN_PROGRESS
    one.refresh_from_db()
    assert one.state == State.IN_PROGRESS and kinds(one) == kinds(two)
    assert api.post(f"/api/v1/cases/{two.number}/resume", {}).status_code == 409


def test_extensions_on_the_page_and_through_the_api(world, catalog, client_for, api_for):
    one, two = working(world, catalog), working(world, catalog)
    due = one.resolve_due_at + dt.timedelta(days=5)
    assert act(client_for("handler"), one, "extend", due=local(due), reason="需检测").status_code == 302
    response = api_for("handler").post(
        f"/api/v1/cases/{two.number}/extension", {"due": due.isoformat(), "reason": "需检测"}
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert (
        api_for("handler")
        .post(f"/api/v1/cases/{two.number}/extension", {"due": due.isoformat(), "reason": "再次"})
        .status_code
        == 409
    )
    # The unit that asks does not decide.
    refused = api_for("handler").post(f"/api/v1/cases/{two.number}/extension/decision", {"grant": True})
    assert refused.status_code == 403
    assert act(client_for("dispatcher"), one, "decide_extension", decision="grant", due="").status_code == 302
    response = api_for("dispatcher").post(f"/api/v1/cases/{two.number}/extension/decision", {"grant": True})
    assert response.status_code == 200 and response.json()["status"] == "granted"
    one.refresh_from_db()
    two.refresh_from_db()
    # The page's datetime-local field has minutes: both deadlines are the one asked for, to the minute.
    assert abs(one.resolve_due_at - two.resolve_due_at) < dt.timedelta(minutes=1)
    assert kinds(one) == kinds(two)
    assert Extension.objects.filter(status="granted").count() == 2
    # A refusal without a reason names the field, on both.
    three = working(world, catalog)
    s.case_extension_request(actor=world.people["handler"], case=three, due=due, reason="需检测")
    page = act(client_for("dispatcher"), three, "decide_extension", decision="refuse", note="")
    assert page.status_code == 400 and "Say why" in page.content.decode()
    api = api_for("dispatcher").post(f"/api/v1/cases/{three.number}/extension/decision", {"grant": False})
    assert api.status_code == 422 and "note" in api.json()["error"]["fields"]


def test_withdraw_and_add_info_on_the_tracking_page(world, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = t.submit(world, catalog["road"], reporter=None)
    anyone = Client()
    page = anyone.get(f"/track/{case.tracking_token}/").content.decode()
    assert 'id="track-add_info"' in page and 'id="track-withdraw"' in page
    response = anyone.post(
        f"/track/{case.tracking_token}/add_info/",
        {"add_info-note": "位置在3栋楼下", "add_info-photos": png_file()},
    )
    assert response.status_code == 302
    added = case.events.get(kind=EventKind.INFO_ADDED)
    assert added.note == "位置在3栋楼下" and added.photos.count() == 1
    page = anyone.get(f"/track/{case.tracking_token}/").content.decode()
    assert "位置在3栋楼下" in page and f"/track/{case.tracking_token}/photos/" in page
    assert anyone.post(f"/track/{case.tracking_token}/add_info/", {"add_info-note": ""}).status_code == 400
    assert anyone.post("/track/not-a-token/withdraw/", {}).status_code == 404
    assert anyone.post(f"/track/{case.tracking_token}/close/", {}).status_code == 404
    response = anyone.post(
        f"/track/{case.tracking_token}/withdraw/",
        {"withdraw-reason": "已修好", "withdraw-version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN
    page = anyone.get(f"/track/{case.tracking_token}/").content.decode()
    assert 'id="track-withdraw"' not in page and 'id="track-add_info"' not in page
    assert anyone.post(f"/track/{case.tracking_token}/withdraw/", {}).status_code == 409


def test_withdraw_and_add_info_through_the_api(world, catalog, api_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = t.submit(world, catalog["road"])
    anonymous = Client()
    body = {"note": "补充", "photos": [png_b64()], "tracking_token": case.tracking_token}
    response = anonymous.post(f"/api/v1/cases/{case.number}/info", body, content_type="application/json")
    assert response.status_code == 200 and case.events.get(kind=EventKind.INFO_ADDED).photos.count() == 1
    other = t.submit(world, catalog["road"])
    wrong = {"reason": "", "tracking_token": other.tracking_token}
    response = anonymous.post(f"/api/v1/cases/{case.number}/withdraw", wrong, content_type="application/json")
    assert response.status_code == 422 and "tracking_token" in response.json()["error"]["fields"]
    # Signed in: the reporter may, the handler may not (the case is theirs to see, not to withdraw).
    assert api_for("handler").post(f"/api/v1/cases/{case.number}/withdraw", {}).status_code == 403
    assert api_for("handler").post(f"/api/v1/cases/{case.number}/info", {"note": "x"}).status_code == 404
    response = api_for("resident").post(f"/api/v1/cases/{case.number}/withdraw", {"reason": "修好了"})
    assert response.status_code == 200 and response.json()["state"] == State.WITHDRAWN
    assert api_for("resident").post(f"/api/v1/cases/{case.number}/withdraw", {}).status_code == 409


# Phone intake: the direct answer and the caller's earlier requests -----------------------------------


def test_staff_register_a_call_answered_on_the_phone(world, catalog, client_for):
    call = t.report_form(
        catalog,
        description="问下周修路的时间。",
        contact_name="王先生",
        contact_phone="13800001111",
        answer="下周一开始施工。",
    )
    response = client_for("staff").post("/intake/", call)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == State.ANSWERED and case.channel == "phone" and case.lead_unit is None
    assert response.url == f"/cases/{case.number}/"
    form = client_for("staff").get("/intake/").content.decode()
    assert 'name="answer"' in form and 'id="caller-history"' in form


def test_the_callers_earlier_requests_are_shown_to_intake_staff_scoped_and_audited(
    world, catalog, client_for
):
    mine = t.submit(world, catalog["road"], reporter=None, contact_phone="13800001111")
    elsewhere = t.submit(
        world, catalog["road"], area="community_b1a", reporter=None, contact_phone="13800001111"
    )
    t.submit(world, catalog["road"], reporter=None, contact_phone="13900002222")
    staff = client_for("staff").post("/intake/caller/", {"contact_phone": "13800001111"}).content.decode()
    # The community's coordinator sees its own community's request, not another district's.
    assert mine.number in staff and elsewhere.number not in staff
    assert list(
        AuditEvent.objects.filter(action="cases.case.caller_looked_up").values_list("object_id", "actor")
    ) == [(str(mine.pk), world.people["staff"].pk)]
    dispatcher = client_for("dispatcher").post("/intake/caller/", {"contact_phone": "13800001111"})
    assert mine.number in dispatcher.content.decode() and elsewhere.number in dispatcher.content.decode()
    bad = client_for("staff").post("/intake/caller/", {"contact_phone": "12"}).content.decode()
    assert (
        "valid phone" in bad and AuditEvent.objects.filter(action="cases.case.caller_looked_up").count() == 3
    )
    # Not for those who take no calls; no lookups by address.
    assert client_for("handler").post("/intake/caller/", {"contact_phone": "13800001111"}).status_code == 403
    assert client_for("staff").get("/intake/caller/?contact_phone=13800001111").status_code == 405


def test_a_visitor_taking_calls_sees_no_earlier_requests(world, catalog, client_for):
    t.submit(world, catalog["road"], reporter=None, contact_phone="13800001111")
    RoleAssignment.objects.create(
        person=world.people["member"], unit=world.units["rc_a1a"], role=Role.VISITOR
    )
    page = client_for("member").post("/intake/caller/", {"contact_phone": "13800001111"}).content.decode()
    assert "None that you may see" in page
    assert not AuditEvent.objects.filter(action="cases.case.caller_looked_up").exists()


def test_the_callers_earlier_requests_through_the_api(world, catalog, api_for):
    case = t.submit(world, catalog["road"], reporter=None, contact_phone="13800001111")
    response = api_for("dispatcher").post("/api/v1/cases/callers", {"phone": "13800001111"})
    assert response.status_code == 200 and [c["number"] for c in response.json()] == [case.number]
    assert api_for("outsider").post("/api/v1/cases/callers", {"phone": "13800001111"}).status_code == 403
    bad = api_for("dispatcher").post("/api/v1/cases/callers", {"phone": "abc"})
    assert bad.status_code == 422 and "phone" in bad.json()["error"]["fields"]
    staff = api_for("staff")
    statuses = [staff.post("/api/v1/cases/callers", {"phone": "13800001111"}).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
