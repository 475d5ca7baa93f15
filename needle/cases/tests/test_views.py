import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from needle.cases import services as s
from needle.cases.models import Case, Channel, Photo, State
from needle.core.models import AuditEvent
from needle.testing import report_form, submit


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    """Pages pick their language from the request; these tests read the English messages."""
    settings.LANGUAGE_CODE = "en"


def png(colour="red", size=(8, 8)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    out.seek(0)
    out.name = "photo.png"
    return out


def page(response):
    return response.content.decode()


def resolved_case(world, catalog):
    case = submit(world, catalog["road"])
    handler = world.people["handler"]
    s.case_accept(actor=handler, case=case)
    return s.case_resolve(actor=handler, case=case, note="坑已填平。")


# Who may see which page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, allowed, refused",
    [
        (
            "/inbox/",
            ["handler", "supervisor", "staff", "dispatcher", "root"],
            ["resident", "member", "outsider"],
        ),
        (
            "/queue/",
            ["dispatcher", "city_admin", "root"],
            ["handler", "supervisor", "staff", "resident", "outsider"],
        ),
        (
            "/intake/",
            ["staff", "dispatcher", "city_admin"],
            ["handler", "supervisor", "resident", "outsider"],
        ),
        (
            "/cases/rates/",
            ["supervisor", "handler", "staff", "dispatcher"],
            ["resident", "member", "outsider"],
        ),
    ],
)
def test_staff_pages_follow_roles(world, catalog, client_for, url, allowed, refused):
    submit(world, catalog["road"])
    for persona in allowed:
        assert client_for(persona).get(url).status_code == 200, persona
    for persona in refused:
        assert client_for(persona).get(url).status_code == 403, persona
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "persona, status",
    [
        ("handler", 200),
        ("supervisor", 200),
        ("staff", 200),
        ("dispatcher", 200),
        ("resident", 200),
        ("outsider", 404),
        ("other_supervisor", 404),
        ("member", 404),
    ],
)
def test_case_page_follows_scope(world, catalog, client_for, persona, status):
    case = submit(world, catalog["road"])
    assert client_for(persona).get(f"/cases/{case.number}/").status_code == status


def test_case_page_needs_sign_in(world, catalog):
    case = submit(world, catalog["road"])
    assert Client().get(f"/cases/{case.number}/").status_code == 302
    assert Client().post(f"/cases/{case.number}/accept/").status_code == 302
    assert Case.objects.get().state == State.DISPATCHED


def test_public_pages_work_without_sign_in(world, catalog):
    client = Client()
    assert client.get("/report/").status_code == 200
    assert client.get("/cases/public/").status_code == 200
    assert client.get("/report/boundaries/500000000000/").json()["type"] == "FeatureCollection"
    assert client.get("/report/boundaries/nope/").status_code == 404
    assert client.get("/track/not-a-token/").status_code == 404


# Intake ----------------------------------------------------------------------------------------------


def test_a_form_without_its_key_still_works(world, catalog):
    assert Client().post("/report/", report_form(catalog, idempotency_key="")).status_code == 302
    assert Case.objects.get().idempotency_key is None


def test_report_makes_one_case_even_when_posted_twice(world, catalog):
    client = Client()
    form = page(client.get("/report/"))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form).group(1)
    data = report_form(catalog, idempotency_key=key)
    first = client.post("/report/", data)
    second = client.post("/report/", data)
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/report/thanks/{case.tracking_token}/"
    thanks = page(client.get(first["Location"]))
    assert case.number in thanks and f"/track/{case.tracking_token}/" in thanks
    assert case.reporter is None and case.channel == Channel.WEB and case.contact_phone == "13812345678"


def test_a_signed_in_resident_is_the_reporter(world, catalog, client_for):
    response = client_for("resident").post(
        "/report/", report_form(catalog, contact_name="", contact_phone="")
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reporter == world.people["resident"] and case.contact_phone == world.people["resident"].phone


def test_report_with_photos(world, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    response = client.post("/report/", report_form(catalog, photos=[png("red"), png("blue")]))
    assert response.status_code == 302
    case = Case.objects.get()
    photos = list(case.photos.all())
    assert len(photos) == 2 and {p.content_type for p in photos} == {"image/png"}
    track = page(client.get(f"/track/{case.tracking_token}/"))
    url = f"/track/{case.tracking_token}/photos/{photos[0].pk}/"
    assert url in track
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_photos_are_checked(world, catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    not_an_image = io.BytesIO(b"just text")
    not_an_image.name = "photo.png"
    response = Client().post("/report/", report_form(catalog, photos=[not_an_image]))
    assert response.status_code == 400 and "not an image" in page(response)
    response = Client().post("/report/", report_form(catalog, photos=[png(), png(), png(), png()]))
    assert response.status_code == 400 and "At most 3 photos" in page(response)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "change, field_text",
    [
        ({"consent": ""}, "consent"),
        ({"description": ""}, "This field is required"),
        ({"description": "x" * 4001}, "at most 4000"),
        ({"service": "private"}, "Select a valid choice"),
        ({"service": "nope"}, "Select a valid choice"),
        ({"area": "", "lat": "", "lng": ""}, "Place the request on the map"),
        ({"area": "123"}, "No area has the code 123"),
        ({"contact_phone": "12"}, "valid phone"),
        ({"lat": "95", "lng": "106"}, "less than or equal to 90"),
    ],
)
def test_bad_intake_is_a_400_naming_the_field(world, catalog, change, field_text):
    response = Client().post("/report/", report_form(catalog, **change))
    assert response.status_code == 400
    assert field_text in page(response)
    assert not Case.objects.exists()


def test_questions_of_the_chosen_service(world, catalog):
    client = Client()
    questions = page(client.get("/report/questions/", {"service": "noise"}))
    assert 'name="attr_when"' in questions and "什么时候？" in questions
    assert 'name="attr_when"' not in page(client.get("/report/questions/", {"service": "private"}))
    response = client.post("/report/", report_form(catalog, service="noise"))
    assert response.status_code == 400 and not Case.objects.exists()
    response = client.post(
        "/report/", report_form(catalog, service="noise", attr_when="night", attr_floor="3")
    )
    assert response.status_code == 302
    assert Case.objects.get().attributes == {"when": "night", "floor": 3.0}


def test_place_on_the_map(world, catalog):
    square = {
        "type": "Polygon",
        "coordinates": [[[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6], [106.5, 29.5]]],
    }
    type(world.areas["district_a"]).objects.filter(pk=world.areas["district_a"].pk).update(boundary=square)
    features = Client().get("/report/boundaries/500000000000/").json()["features"]
    assert [f["properties"]["code"] for f in features] == ["500103000000"]
    response = Client().post("/report/", report_form(catalog, area="", lat="29.55", lng="106.55"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.area == world.areas["district_a"] and case.lat == 29.55
    response = Client().post("/report/", report_form(catalog, area="", lat="39.9", lng="116.4"))
    assert response.status_code == 400 and "outside every area" in page(response)


def test_service_and_area_search(world, catalog):
    client = Client()
    found = page(client.get("/report/services/", {"service_q": "坑"}))
    assert 'name="service" value="road"' in found and "Urban affairs" in found
    assert "private" not in page(client.get("/report/services/", {"service_q": "Family"}))
    assert client.get("/report/services/").content.strip() == b""
    areas = page(client.get("/report/areas/", {"area": "华一坡"}))
    assert 'data-pick-area="500103001001"' in areas
    assert page(client.get("/report/areas/", {"area": "5001030010"})).count("data-pick-area") == 4


def test_staff_phone_intake(world, catalog, client_for):
    data = report_form(catalog, service="private", contact_name="来电人", contact_phone="023-12345678")
    response = client_for("staff").post("/intake/", data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    assert case.channel == Channel.PHONE and case.reporter is None and case.contact_name == "来电人"
    # Staff of one community cannot take in a request for another.
    response = client_for("staff").post("/intake/", {**data, "area": "500106001001", "idempotency_key": "k2"})
    assert response.status_code == 403 and Case.objects.count() == 1


# Tracking --------------------------------------------------------------------------------------------


def test_tracking_rating_closes_the_case(world, catalog):
    case = resolved_case(world, catalog)
    client = Client()
    track = page(client.get(f"/track/{case.tracking_token}/"))
    assert "Is it solved? Rate 1–5" in track and "坑已填平" in track
    assert world.people["resident"].phone not in track
    response = client.post(
        f"/track/{case.tracking_token}/",
        {"callback-solved": "yes", "callback-rating": "5", "callback-version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.callbacks.get().rating == 5
    assert not case.callbacks.get().by_staff
    assert "Is it solved?" not in page(client.get(f"/track/{case.tracking_token}/"))


def test_tracking_unsolved_reopens(world, catalog):
    case = resolved_case(world, catalog)
    response = Client().post(
        f"/track/{case.tracking_token}/", {"callback-solved": "no", "callback-rating": "2"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REOPENED and case.reopen_count == 1


def test_tracking_rating_in_the_wrong_state_is_a_409(world, catalog):
    case = submit(world, catalog["road"])
    response = Client().post(
        f"/track/{case.tracking_token}/", {"callback-solved": "yes", "callback-rating": "5"}
    )
    assert response.status_code == 409
    assert "cannot be rated" in page(response) and "dispatched" in page(response)
    response = Client().post(f"/track/{case.tracking_token}/", {"callback-solved": "maybe"})
    assert response.status_code == 400


def test_a_merged_case_shows_its_parents_progress(world, catalog):
    parent = submit(
        world, catalog["road"], reporter="member", contact_phone="13900001111", description="父案"
    )
    child = submit(world, catalog["road"], description="子案")
    s.case_merge(actor=world.people["dispatcher"], case=child, parent=parent)
    s.case_accept(actor=world.people["handler"], case=parent)
    track = page(Client().get(f"/track/{child.tracking_token}/"))
    assert parent.number in track and "accepted" in track.lower()
    assert "父案" not in track and "13900001111" not in track and "子案" in track


# The public list -------------------------------------------------------------------------------------


def test_public_list_hides_private_cases_and_names_unless_shown_by_choice(world, catalog):
    shown = submit(world, catalog["road"], contact_name="张三", show_name=True, description="公开的坑")
    hidden_name = submit(world, catalog["road"], contact_name="李四", description="匿名的坑")
    submit(world, catalog["private"], description="家里的事")
    moderated = submit(
        world, catalog["road"], contact_name="赵六", show_name=True, description="我叫赵六电话138"
    )
    s.case_hide_details(actor=world.people["dispatcher"], case=moderated, public_description="路面问题")
    listing = page(Client().get("/cases/public/"))
    assert shown.number in listing and "张三" in listing and "公开的坑" in listing
    assert hidden_name.number in listing and "李四" not in listing
    assert "家里的事" not in listing
    assert "路面问题" in listing and "赵六" not in listing
    assert "13800" not in listing


def test_the_public_page_of_a_case_shows_what_the_list_shows(world, catalog, client_for):
    case = submit(
        world,
        catalog["road"],
        contact_name="赵六",
        contact_phone="13912345678",
        address="解放路12号3单元",
        description="我叫赵六，身份证500103199001011234，门口的坑",
    )
    s.case_follow(actor=world.people["outsider"], case=case)
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_resolve(actor=world.people["handler"], case=case, note="坑已填平。")
    link = world.people["outsider"].notifications.get(verb="case.resolved").link
    stranger = client_for("outsider")
    shown = page(stranger.get(link))
    assert case.number in shown and "门口的坑" in shown and "赵六" in shown
    assert "解放路12号" not in shown and "13912345678" not in shown and "坑已填平" not in shown
    assert "Is it solved?" not in shown and "callback-solved" not in shown
    s.case_hide_details(actor=world.people["dispatcher"], case=case, public_description="门口有个坑")
    shown = page(Client().get(link))
    assert "门口有个坑" in shown and "500103199001011234" not in shown and "赵六" not in shown
    listed = page(Client().get("/cases/public/"))
    assert f'href="{link}"' in listed
    private = submit(world, catalog["private"], description="家里的事")
    assert Client().get(f"/cases/public/{private.number}/").status_code == 404
    assert Client().get("/cases/public/20000101999999/").status_code == 404


def test_the_reporter_sees_the_public_timeline_staff_the_internal_one(world, catalog, client_for):
    Person = type(world.people["handler"])
    Person.objects.filter(username="handler").update(display_name="经办人王五")
    Person.objects.filter(username="supervisor").update(display_name="督办人钱七")
    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_note(actor=world.people["handler"], case=case, note="内部备注：住户难缠")
    s.case_note(actor=world.people["handler"], case=case, note="已安排施工", public=True)
    s.case_urge(actor=world.people["supervisor"], case=case, note="请尽快")
    for shown in (
        page(client_for("resident").get(f"/cases/{case.number}/")),
        page(Client().get(f"/track/{case.tracking_token}/")),
    ):
        assert "已安排施工" in shown
        assert "内部备注" not in shown and "请尽快" not in shown
        assert "经办人王五" not in shown and "督办人钱七" not in shown
    staff = page(client_for("supervisor").get(f"/cases/{case.number}/"))
    assert "内部备注" in staff and "请尽快" in staff and "经办人王五" in staff and "督办人钱七" in staff


def test_public_list_filters_and_bad_input(world, catalog):
    road = submit(world, catalog["road"])
    noise = submit(world, catalog["noise"], area="community_b1a", attributes={"when": "day"})
    client = Client()
    listing = page(client.get("/cases/public/", {"service": "noise"}))
    assert noise.number in listing and road.number not in listing
    listing = page(client.get("/cases/public/", {"area": "500103000000", "state": "dispatched"}))
    assert road.number in listing and noise.number not in listing
    assert client.get("/cases/public/", {"state": "rejected"}).status_code == 400
    assert client.get("/cases/public/", {"area": "nope"}).status_code == 400
    assert client.get("/cases/public/", {"page": "x"}).status_code == 400


# The inbox -----------------------------------------------------------------------------------------------


def test_inbox_filters(world, catalog, client_for):
    road = submit(world, catalog["road"])
    noise = submit(world, catalog["noise"], area="community_a1b", attributes={"when": "day"})
    client = client_for("supervisor")
    listing = page(client.get("/inbox/"))
    assert road.number in listing and noise.number in listing
    closed = resolved_case(world, catalog)
    s.case_callback(actor=None, case=closed, solved=True, tracking_token=closed.tracking_token)
    assert closed.number not in page(client.get("/inbox/"))  # open cases by default
    assert closed.number in page(client.get("/inbox/", {"state": ""}))
    listing = page(client.get("/inbox/", {"state": "submitted"}))
    assert noise.number in listing and road.number not in listing
    listing = page(client.get("/inbox/", {"area": "500103001002"}))
    assert noise.number in listing and road.number not in listing
    listing = page(client.get("/inbox/", {"q": road.number}))
    assert road.number in listing and noise.number not in listing
    unit = world.units["street_a1"].pk
    assert road.number not in page(client.get("/inbox/", {"unit": unit}))
    handler_unit = world.units["district_a_env"].pk
    assert client.get("/inbox/", {"unit": handler_unit}).status_code == 400  # not one of the supervisor's
    assert client.get("/inbox/", {"state": "bogus"}).status_code == 400
    assert client.get("/inbox/", {"colour": "green"}).status_code == 400
    assert client.get("/inbox/", {"page": "0"}).status_code == 400
    assert road.number not in page(client_for("other_supervisor").get("/inbox/"))


def test_inbox_query_count_does_not_grow_with_the_cases(world, catalog, client_for):
    client = client_for("handler")
    for _ in range(2):
        submit(world, catalog["road"])
    client.get("/inbox/")  # the filter's services are remembered from the first request on
    with CaptureQueriesContext(connection) as few:
        assert client.get("/inbox/").status_code == 200
    for _ in range(8):
        submit(world, catalog["road"], reporter=None)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/inbox/")
    assert page(response).count('name="numbers"') == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_bulk_accept_reports_each_failure(world, catalog, client_for):
    a = submit(world, catalog["road"])
    b = submit(world, catalog["road"], reporter=None)
    c = submit(world, catalog["noise"], attributes={"when": "day"})  # in the queue: not the handler's
    s.case_accept(actor=world.people["handler"], case=b)
    client = client_for("handler")
    response = client.post("/inbox/?state=", {"action": "accept", "numbers": [a.number, b.number, c.number]})
    assert response.status_code == 302 and response["Location"] == "/inbox/?state="
    listing = page(client.get(response["Location"]))
    assert f"Accepted: {a.number}." in listing
    assert f"{b.number}: A case that is accepted cannot be accepted." in listing
    assert f"{c.number}: You do not have permission to do this." in listing
    assert Case.objects.get(pk=a.pk).state == State.ACCEPTED


def test_bulk_urge_needs_a_supervisor(world, catalog, client_for):
    a = submit(world, catalog["road"])
    client_for("supervisor").post("/inbox/", {"action": "urge", "numbers": [a.number], "note": "快"})
    assert a.events.filter(kind="urged").count() == 1
    listing = page(
        client_for("handler").post("/inbox/", {"action": "urge", "numbers": [a.number]}, follow=True)
    )
    assert "permission" in listing and a.events.filter(kind="urged").count() == 1
    assert (
        client_for("handler").post("/inbox/", {"action": "delete", "numbers": [a.number]}).status_code == 400
    )


# The dispatch queue ----------------------------------------------------------------------------------


def test_queue_search_and_dispatch(world, catalog, client_for):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    routed = submit(world, catalog["road"])
    client = client_for("dispatcher")
    listing = page(client.get("/queue/"))
    assert case.number in listing and routed.number not in listing
    picks = page(client.get(f"/cases/{case.number}/units/", {"purpose": "dispatch", "q": "生态环境"}))
    unit = world.units["district_a_env"]
    assert f'value="{unit.pk}"' in picks and "七星岗" not in picks
    assert client.get(f"/cases/{case.number}/units/", {"q": ""}).content.strip() == b""
    assert client_for("outsider").get(f"/cases/{case.number}/units/", {"q": "局"}).status_code == 404
    assert client_for("handler").get(f"/cases/{case.number}/units/", {"q": "局"}).status_code == 403
    response = client.post(
        f"/cases/{case.number}/dispatch/",
        {"dispatch-unit": unit.pk, "dispatch-version": case.version, "next": "/queue/"},
    )
    assert response.status_code == 302 and response["Location"] == "/queue/"
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.lead_unit == unit
    client.get("/queue/")  # shows the success message once
    assert case.number not in page(client.get("/queue/"))


def test_dispatch_to_a_unit_outside_the_search_is_a_400(world, catalog, client_for):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    client = client_for("dispatcher")
    response = client.post(f"/cases/{case.number}/dispatch/", {"dispatch-unit": 999999})
    assert response.status_code == 400 and "No such unit." in page(response)
    response = client.post(f"/cases/{case.number}/dispatch/", {"dispatch-unit": "abc"})
    assert response.status_code == 400


# The case page and its moves -----------------------------------------------------------------------


def test_forms_shown_follow_role_and_state(world, catalog, client_for):
    case = submit(world, catalog["road"])
    handler = page(client_for("handler").get(f"/cases/{case.number}/"))
    assert 'id="act-accept"' in handler and 'id="act-return"' in handler and 'id="act-resolve"' not in handler
    assert 'id="act-dispatch"' not in handler and 'id="act-urge"' not in handler
    supervisor = page(client_for("supervisor").get(f"/cases/{case.number}/"))
    assert (
        'id="act-urge"' in supervisor
        and 'id="act-whistle"' in supervisor
        and 'id="act-accept"' not in supervisor
    )
    dispatcher = page(client_for("dispatcher").get(f"/cases/{case.number}/"))
    assert {'id="act-dispatch"', 'id="act-reject"', 'id="act-merge"', 'id="act-hide"'} <= set(
        re.findall(r'id="act-\w+"', dispatcher)
    )
    # Its reporter may only add to it or take it back.
    resident = page(client_for("resident").get(f"/cases/{case.number}/"))
    assert set(re.findall(r'id="act-\w+"', resident)) == {'id="act-add_info"', 'id="act-withdraw"'}


def test_contact_is_masked_for_those_who_do_not_need_it(world, catalog, client_for):
    case = submit(world, catalog["road"], contact_phone="13912345678")
    assert "139****5678" in page(client_for("supervisor").get(f"/cases/{case.number}/"))
    assert "13912345678" not in page(client_for("supervisor").get(f"/cases/{case.number}/"))
    assert "13912345678" in page(client_for("handler").get(f"/cases/{case.number}/"))
    assert AuditEvent.objects.filter(
        action="cases.case.contact_viewed", actor=world.people["handler"]
    ).exists()


def test_the_full_loop_through_the_pages(world, catalog, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = submit(world, catalog["road"])
    handler = client_for("handler")
    url = f"/cases/{case.number}/"
    assert handler.post(url + "accept/", {"accept-version": case.version}).status_code == 302
    assert handler.post(url + "start/", {"start-note": "出发"}).status_code == 302
    response = handler.post(url + "resolve/", {"resolve-note": "填平了", "resolve-photos": [png()]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    photo = Photo.objects.get(case=case)
    assert photo.event.kind == "resolved"
    assert handler.get(f"{url}photos/{photo.pk}/").status_code == 200
    assert client_for("outsider").get(f"{url}photos/{photo.pk}/").status_code == 404
    response = client_for("staff").post(url + "callback/", {"callback-solved": "no", "callback-rating": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REOPENED and case.callbacks.get().by_staff
    detail = page(handler.get(url))
    assert "填平了" in detail and "出发" in detail


def test_an_action_in_the_wrong_state_is_a_409_with_the_current_state(world, catalog, client_for):
    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    response = client_for("handler").post(f"/cases/{case.number}/accept/", {})
    assert response.status_code == 409
    body = page(response)
    assert "A case that is accepted cannot be accepted." in body
    assert 'class="tag state-accepted"' in body


def test_a_stale_version_is_a_409(world, catalog, client_for):
    case = submit(world, catalog["road"])
    stale = case.version
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_start(actor=world.people["handler"], case=case)
    response = client_for("handler").post(
        f"/cases/{case.number}/resolve/", {"resolve-note": "x", "resolve-version": stale}
    )
    assert response.status_code == 409 and "Someone else changed this case meanwhile" in page(response)
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS


@pytest.mark.parametrize(
    "persona, action, data, status",
    [
        ("handler", "return", {"return-reason": ""}, 400),
        ("handler", "return", {"return-reason": "不归我们"}, 302),
        ("supervisor", "accept", {}, 403),
        ("outsider", "accept", {}, 404),
        ("handler", "fly", {}, 404),
        ("dispatcher", "reject", {"reject-reason": "重复恶意"}, 302),
        ("supervisor", "reject", {"reject-reason": "x"}, 403),
        ("dispatcher", "merge", {"merge-parent": "nope"}, 400),
        ("supervisor", "urge", {"urge-kind": "supervise", "urge-note": "抓紧"}, 302),
        ("supervisor", "urge", {"urge-kind": "shout"}, 400),
        ("handler", "hide", {"hide-public_description": "x"}, 403),
        ("dispatcher", "hide", {"hide-public_description": "路面问题"}, 302),
        ("dispatcher", "reopen", {"reopen-reason": "x"}, 409),
    ],
)
def test_moves_check_input_role_and_state(world, catalog, client_for, persona, action, data, status):
    case = submit(world, catalog["road"])
    response = client_for(persona).post(f"/cases/{case.number}/{action}/", data)
    assert response.status_code == status


def test_merge_and_whistle_from_the_case_page(world, catalog, client_for):
    parent = submit(world, catalog["road"])
    child = submit(world, catalog["road"], reporter=None)
    response = client_for("dispatcher").post(f"/cases/{child.number}/merge/", {"merge-parent": parent.number})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.state == State.MERGED and child.parent == parent
    client = client_for("supervisor")
    picks = page(client.get(f"/cases/{parent.number}/units/", {"purpose": "whistle", "q": "区"}))
    go = world.units["district_a_go"]
    assert f'name="whistle-units" value="{go.pk}"' in picks
    response = client.post(
        f"/cases/{parent.number}/whistle/", {"whistle-units": [go.pk], "whistle-hours": "4"}
    )
    assert response.status_code == 302 and parent.assists.get().unit == go
    response = client.post(
        f"/cases/{parent.number}/whistle/",
        {"whistle-units": [world.units["rc_b1a"].pk], "whistle-hours": "4"},
    )
    assert response.status_code == 400


# The rates ---------------------------------------------------------------------------------------------


def test_rates_page(world, catalog, client_for):
    case = resolved_case(world, catalog)
    s.case_callback(actor=None, case=case, solved=True, rating=5, tracking_token=case.tracking_token)
    unit = world.units["district_a_env"]
    body = page(client_for("handler").get("/cases/rates/"))
    assert "Satisfaction rate" in body and "100.0%" in body and unit.name in body
    assert client_for("supervisor").get("/cases/rates/", {"area": "500103000000"}).status_code == 404
    body = page(client_for("supervisor").get("/cases/rates/", {"area": "500103001000"}))
    assert "Resolution rate" in body and "1 / 1" in body
    assert client_for("city_admin").get("/cases/rates/", {"unit": unit.pk}).status_code == 200
    # Digits that are not ASCII ("²" passes str.isdigit, int refuses it) or overflow a bigint:
    # the form names the choice, never a 500.
    for bad in ("²", "٣", "9" * 30):
        assert client_for("city_admin").get("/cases/rates/", {"unit": bad}).status_code == 400
    assert client_for("other_supervisor").get("/cases/rates/", {"area": "500103000000"}).status_code == 404
    assert client_for("other_supervisor").get("/cases/rates/", {"unit": unit.pk}).status_code == 400
    assert (
        client_for("supervisor")
        .get("/cases/rates/", {"start": "2026-05-02", "end": "2026-05-01"})
        .status_code
        == 400
    )
    assert client_for("supervisor").get("/cases/rates/", {"start": "yesterday"}).status_code == 400
    assert client_for("supervisor").get("/cases/rates/", {"area": "nope"}).status_code == 400


def test_nav_links_reach_the_pages(world, client_for):
    body = page(client_for("dispatcher").get("/"))
    for url in ("/report/", "/cases/public/", "/inbox/", "/queue/", "/intake/", "/cases/rates/"):
        assert f'href="{url}"' in body
    handler = page(client_for("handler").get("/"))
    assert 'href="/inbox/"' in handler and 'href="/queue/"' not in handler  # only what they may open
    resident = page(client_for("resident").get("/"))
    assert (
        'href="/report/"' in resident
        and 'href="/inbox/"' not in resident
        and 'href="/audit/"' not in resident
    )
    anonymous = page(Client().get("/login/"))
    assert 'href="/report/"' in anonymous and 'href="/inbox/"' not in anonymous


def test_area_and_unit_pages_load_the_rates_panel(world, catalog, client_for):
    client = client_for("city_admin")
    area_page = client.get("/areas/500103000000/").content.decode()
    assert 'hx-get="/cases/rates/?area=500103000000"' in area_page
    unit = world.units["district_a_env"]
    assert f'hx-get="/cases/rates/?unit={unit.pk}"' in client.get(f"/units/{unit.pk}/").content.decode()
    fragment = client.get("/cases/rates/", {"area": "500103000000"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'hx-get="/cases/rates/' not in client_for("resident").get("/areas/500103000000/").content.decode()


def test_case_page_shows_questions_and_answer_names(world, catalog, client_for):
    case = submit(world, catalog["noise"], attributes={"when": "night", "floor": 3})
    body = client_for("dispatcher").get(f"/cases/{case.number}/").content.decode()
    assert "什么时候？" in body and "夜间" in body and ">night<" not in body


def test_my_requests_lists_only_mine_with_tracking_links(world, catalog, client_for):
    mine = submit(world, catalog["road"])
    other = submit(world, catalog["road"], reporter="member")
    body = client_for("resident").get("/cases/mine/").content.decode()
    assert f"/track/{mine.tracking_token}/" in body and other.number not in body
    assert Client().get("/cases/mine/").status_code == 302


def test_my_requests_lists_the_ones_i_follow_with_their_public_pages(world, catalog, client_for):
    followed = submit(world, catalog["road"], reporter="member", description="别人家门口的坑")
    s.case_follow(actor=world.people["resident"], case=followed)
    body = client_for("resident").get("/cases/mine/").content.decode()
    assert f"/cases/public/{followed.number}/" in body
    assert followed.tracking_token not in body and "别人家门口的坑" not in body


def test_inbox_pages_keep_the_default_open_filter(world, catalog, client_for):
    from needle.cases import services as s

    done = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=done)
    s.case_resolve(actor=world.people["handler"], case=done, note="ok")
    s.case_callback(actor=world.people["resident"], case=done, solved=True, rating=5)
    client = client_for("handler")
    assert done.number not in client.get("/inbox/", {"page": "1"}).content.decode()
    assert done.number in client.get("/inbox/", {"state": ""}).content.decode()
