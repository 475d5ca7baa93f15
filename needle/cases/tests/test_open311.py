"""Open311 GeoReport v2 conformance, written from the specification (wiki.open311.org/GeoReport_v2)
and FixMyStreet's servicerequestupdates extension: every endpoint in JSON and XML, every JSON
answer validated against the community's schemas, and a real Open311 client reading us."""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import AttributeType, Case, CaseEvent, Channel, ServiceAttribute, State
from needle.cases.services import open311_key_check, open311_key_create
from needle.testing import submit

BASE = "/open311/v2/"
SCHEMAS = Path(__file__).parent / "open311_schemas"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
INSIDE = {"lat": "29.56", "long": "106.56"}  # inside community A1a's boundary (see `mapped`)


# Helpers ---------------------------------------------------------------------------------------


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        # W3C date-time with a zone, as the specification requires.
        return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def uri(value: object) -> bool:
        return not isinstance(value, str) or value.startswith(("http://", "https://"))

    return checker


_REGISTRY = Registry().with_resources(
    (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT7))
    for path in SCHEMAS.glob("*.json")
)
CHECKER = _format_checker()


def validate(data, schema: str) -> None:
    contents = json.loads((SCHEMAS / schema).read_text())
    Draft7Validator(contents, registry=_REGISTRY, format_checker=CHECKER).validate(data)


def body(response, fmt: str):
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def records(root: ET.Element, root_tag: str, item_tag: str) -> list[dict[str, str | None]]:
    """XML list -> [{child tag: text}], checking the structure on the way."""
    assert root.tag == root_tag
    assert all(child.tag == item_tag for child in root)
    return [{field.tag: field.text for field in item} for item in root]


def errors(response, fmt: str) -> list[dict]:
    data = body(response, fmt)
    if fmt == "json":
        assert all(set(e) == {"code", "description"} for e in data)
        return data
    return [
        {"code": int(e["code"]), "description": e["description"]} for e in records(data, "errors", "error")
    ]


def assert_error(response, fmt: str, status: int, *texts: str) -> None:
    assert response.status_code == status, response.content
    found = errors(response, fmt)
    assert found and all(e["code"] == status for e in found)
    joined = " | ".join(e["description"] for e in found)
    for text in texts:
        assert text in joined, joined


@pytest.fixture
def api() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def key(world) -> str:
    return open311_key_create(actor=None, name="resident app").secret


@pytest.fixture
def handler_key(world) -> str:
    return open311_key_create(actor=None, name="handler's tool", person=world.people["handler"]).secret


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.55, 29.55], [106.57, 29.55], [106.57, 29.57], [106.55, 29.57], [106.55, 29.55]]],
}
BIG = {
    "type": "Polygon",
    "coordinates": [[[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6], [106.5, 29.5]]],
}


@pytest.fixture
def mapped(world, catalog):
    """Street A1 and community A1a get boundaries; the community's is inside the street's."""
    for name, shape in (("street_a1", BIG), ("community_a1a", SQUARE)):
        area = world.areas[name]
        area.boundary = shape
        area.save(update_fields=["boundary"])
    return world


def post(api, fmt="json", headers=None, **data):
    return api.post(f"{BASE}requests.{fmt}", data, headers=headers or {})


def get(api, resource: str, fmt="json", **params):
    return api.get(f"{BASE}{resource}.{fmt}", params)


# Discovery and services -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(api, world, fmt):
    response = get(api, "discovery", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        dt.datetime.fromisoformat(endpoint["changeset"])
    else:
        assert data.tag == "discovery"
        endpoint = data.find("endpoints/endpoint")
        assert endpoint.findtext("url") == "http://testserver/open311/v2/"
        assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
        assert endpoint.findtext("type") == "production"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_lists_public_active_services(api, catalog, fmt):
    response = get(api, "services", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        validate(data, "services.json")
        items = data
    else:
        items = records(data, "services", "service")
        assert list(items[0]) == [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ]
    by_code = {item["service_code"]: item for item in items}
    assert list(by_code) == ["noise", "road"]  # `private` is not public
    as_text = (lambda v: v) if fmt == "json" else (lambda v: v == "true")
    assert as_text(by_code["noise"]["metadata"]) is True and as_text(by_code["road"]["metadata"]) is False
    assert by_code["road"]["type"] == "realtime"
    assert by_code["road"]["service_name"] == "Damaged road"
    assert by_code["road"]["group"] == "Urban affairs"
    assert by_code["road"]["keywords"] == "路,坑"


def test_inactive_services_are_not_offered(api, catalog):
    catalog["noise"].active = False
    catalog["noise"].save()
    assert [s["service_code"] for s in get(api, "services").json()] == ["road"]
    assert get(api, "services/noise").status_code == 404


def test_services_speak_the_asked_language(catalog):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {s["service_name"] for s in get(chinese, "services").json()} == {"噪音扰民", "道路破损"}
    assert {s["service_name"] for s in get(chinese, "services", locale="en_US").json()} == {
        "Noise",
        "Damaged road",
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(api, catalog, fmt):
    response = get(api, "services/noise", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        validate(data, "service-definition.json")
        assert data["service_code"] == "noise"
        floor, when = data["attributes"]  # same `order`: by code
        assert when == {
            "variable": True,
            "code": "when",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 2,
            "description": "什么时候？",
            "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
        }
        assert (floor["code"], floor["datatype"], floor["required"], floor["order"], floor["values"]) == (
            "floor",
            "number",
            False,
            1,
            [],
        )
    else:
        assert data.tag == "service_definition" and data.findtext("service_code") == "noise"
        attributes = data.findall("attributes/attribute")
        assert [a.findtext("code") for a in attributes] == ["floor", "when"]
        assert [a.findtext("order") for a in attributes] == ["1", "2"]
        assert attributes[1].findtext("variable") == "true" and attributes[1].findtext("required") == "true"
        assert [(v.findtext("key"), v.findtext("name")) for v in attributes[1].findall("values/value")] == [
            ("day", "白天"),
            ("night", "夜间"),
        ]
        assert attributes[0].find("values") is not None and len(attributes[0].find("values")) == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["nope", "private"])
def test_unknown_or_private_service_definition_is_404(api, catalog, fmt, code):
    assert_error(get(api, f"services/{code}", fmt), fmt, 404, code)


@pytest.mark.parametrize("resource", ["services", "services/noise", "requests", "servicerequestupdates"])
def test_jurisdictions(api, catalog, resource):
    assert get(api, resource, jurisdiction_id="500000000000").status_code == 200
    assert get(api, resource, jurisdiction_id="500100000000").status_code == 200
    assert_error(
        get(api, resource, jurisdiction_id="nowhere.gov"), "json", 404, "jurisdiction_id nowhere.gov"
    )


# POST requests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_case(api, world, catalog, key, fmt):
    response = post(
        api,
        fmt,
        api_key=key,
        service_code="road",
        area_code="500103001001",
        description="路面塌陷",
        address_string="中山一路 12 号",
        first_name="Li",
        last_name="Lei",
        email="li@example.org",
        phone="13812341234",
        device_id="d1",
        account_id="a1",
    )
    assert response.status_code == 200, response.content
    data = body(response, fmt)
    if fmt == "json":
        (item,) = data
        assert (
            set(item) == {"service_request_id", "service_notice", "account_id"} and item["account_id"] is None
        )
    else:
        (item,) = records(data, "service_requests", "request")
    assert isinstance(item["service_request_id"], str)
    case = Case.objects.get(number=item["service_request_id"])
    assert (case.channel, case.reporter, case.area, case.state) == (
        Channel.OPEN311,
        None,
        world.areas["community_a1a"],
        State.DISPATCHED,
    )
    assert (case.contact_name, case.contact_email, case.contact_phone, case.address) == (
        "Li Lei",
        "li@example.org",
        "13812341234",
        "中山一路 12 号",
    )
    assert (
        case.number in item["service_notice"] and world.units["district_a_env"].name in item["service_notice"]
    )


def test_post_places_coordinates_in_the_deepest_area(api, mapped, key):
    response = post(api, api_key=key, service_code="road", description="坑", **INSIDE)
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.area == mapped.areas["community_a1a"] and (case.lat, case.lng) == (29.56, 106.56)
    response = post(api, api_key=key, service_code="road", description="坑", lat="29.51", long="106.51")
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).area == mapped.areas["street_a1"]
    # area_code and coordinates together: the deepest area inside area_code
    response = post(
        api, api_key=key, service_code="road", description="坑", area_code="500103001000", **INSIDE
    )
    assert (
        Case.objects.get(number=response.json()[0]["service_request_id"]).area
        == mapped.areas["community_a1a"]
    )


def test_post_answers_questions_including_lists(api, world, catalog, key):
    ServiceAttribute.objects.create(
        service=catalog["noise"],
        code="sources",
        datatype=AttributeType.MULTI,
        order=5,
        description="来源",
        values=[
            {"key": "music", "name": "音乐"},
            {"key": "dogs", "name": "狗"},
            {"key": "works", "name": "施工"},
        ],
    )
    response = post(
        api,
        api_key=key,
        service_code="noise",
        area_code="500103001001",
        description="吵",
        **{"attribute[when]": "night", "attribute[floor]": "3", "attribute[sources][]": ["music", "dogs"]},
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.attributes == {"when": "night", "floor": 3.0, "sources": ["music", "dogs"]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_required_attribute_is_400_naming_it(api, catalog, key, fmt):
    response = post(
        api,
        fmt,
        api_key=key,
        service_code="noise",
        area_code="500103001001",
        description="吵",
        **{"attribute[floor]": "x"},
    )
    assert_error(response, fmt, 400, "attribute[when]: Required.", "attribute[floor]: Must be a number.")
    assert not Case.objects.exists()


def test_idempotency_key_makes_one_case(api, catalog, key):
    data = {"api_key": key, "service_code": "road", "area_code": "500103001001", "description": "坑"}
    first = post(api, headers={"Idempotency-Key": "abc-1"}, **data)
    again = post(api, headers={"Idempotency-Key": "abc-1"}, **data)
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Case.objects.count() == 1
    # another client's identical key is another key space
    other = open311_key_create(actor=None, name="other app").secret
    post(api, headers={"Idempotency-Key": "abc-1"}, **{**data, "api_key": other})
    assert Case.objects.count() == 2
    assert_error(post(api, headers={"Idempotency-Key": "k" * 81}, **data), "json", 400, "Idempotency-Key:")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_key_is_required_and_checked(api, catalog, key, fmt):
    data = {"service_code": "road", "area_code": "500103001001", "description": "坑"}
    assert_error(post(api, fmt, **data), fmt, 403, "api_key was not provided")
    assert_error(post(api, fmt, api_key="o311_nope_nope", **data), fmt, 403, "Invalid api_key")
    assert_error(post(api, fmt, api_key=key[:-2] + "xx", **data), fmt, 403, "Invalid api_key")
    issued = open311_key_check(key)
    issued.revoked_at = timezone.now()
    issued.save()
    assert_error(post(api, fmt, api_key=key, **data), fmt, 403, "Invalid api_key")
    assert not Case.objects.exists()


def test_a_key_acting_for_a_person_makes_them_the_reporter(api, world, catalog):
    secret = open311_key_create(actor=None, name="portal", person=world.people["resident"]).secret
    response = post(api, api_key=secret, service_code="road", area_code="500103001001", description="坑")
    assert (
        Case.objects.get(number=response.json()[0]["service_request_id"]).reporter == world.people["resident"]
    )
    world.people["resident"].is_active = False
    world.people["resident"].save()
    assert_error(
        post(api, api_key=secret, service_code="road", area_code="500103001001", description="坑"),
        "json",
        403,
        "no longer active",
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_code_missing_unknown_or_private(api, catalog, key, fmt):
    data = {"api_key": key, "area_code": "500103001001", "description": "坑"}
    assert_error(post(api, fmt, **data), fmt, 400, "service_code: service_code was not provided")
    assert_error(post(api, fmt, service_code="nope", **data), fmt, 404, "nope")
    assert_error(post(api, fmt, service_code="private", **data), fmt, 404, "private")


@pytest.mark.parametrize(
    "location, texts",
    [
        ({"lat": "10", "long": "10"}, ["lat: These coordinates are outside every area we serve."]),
        ({"lat": "abc", "long": "106.5"}, ["lat: Must be a number"]),
        ({"lat": "29.5", "long": "181"}, ["long: Must be between -180 and 180."]),
        ({"lat": "nan", "long": "106.5"}, ["lat: Must be between -90 and 90."]),
        ({"lat": "29.5"}, ["long: Give both lat and long."]),
        ({"address_string": "中山一路 12 号"}, ["address_string:", "area_code"]),
        ({"address_id": "A-1"}, ["address_string:", "area_code"]),
        ({}, ["lat: Give lat and long, or area_code."]),
        ({"area_code": "999"}, ["area_code: No area has the code 999."]),
    ],
)
def test_location_problems_are_400(api, mapped, key, location, texts):
    response = post(api, api_key=key, service_code="road", description="坑", **location)
    assert_error(response, "json", 400, *texts)
    assert not Case.objects.exists()


def test_a_jurisdiction_bounds_the_location(api, mapped, key):
    t.area("510000000000", "四川省", 1, None)
    data = {"api_key": key, "service_code": "road", "description": "坑"}
    assert_error(
        post(api, jurisdiction_id="510000000000", area_code="500103001001", **data),
        "json",
        400,
        "area_code: This area is outside jurisdiction_id.",
    )
    assert_error(
        post(api, jurisdiction_id="510000000000", **INSIDE, **data),
        "json",
        400,
        "lat: These coordinates are outside jurisdiction_id.",
    )
    assert_error(post(api, jurisdiction_id="x", **INSIDE, **data), "json", 404, "jurisdiction_id x")
    response = post(api, jurisdiction_id="500000000000", **INSIDE, **data)
    assert response.status_code == 200
    assert Case.objects.get().area == mapped.areas["community_a1a"]


def test_description_limits(api, catalog, key):
    data = {"api_key": key, "service_code": "road", "area_code": "500103001001"}
    assert_error(
        post(api, description="x" * 4001, **data), "json", 400, "description: At most 4000 characters."
    )
    assert post(api, description="长" * 4000, **data).status_code == 200
    # optional in the specification: the service's name stands in
    response = post(api, **data)
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).description == "道路破损"


def test_media_url_is_kept_in_the_description(api, catalog, key):
    data = {"api_key": key, "service_code": "road", "area_code": "500103001001", "description": "坑"}
    response = post(api, media_url="https://img.example.org/1.jpg", **data)
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.description == "坑\n\nhttps://img.example.org/1.jpg"
    assert_error(post(api, media_url="javascript:alert(1)", **data), "json", 400, "media_url:")


def test_contact_details_are_checked(api, catalog, key):
    data = {"api_key": key, "service_code": "road", "area_code": "500103001001", "description": "坑"}
    assert_error(post(api, phone="12", email="not-an-email", **data), "json", 400, "phone:", "email:")
    assert_error(post(api, email="a" * 250 + "@example.org", **data), "json", 400, "email:")


def test_post_needs_no_csrf_token(catalog, key):
    strict = Client(enforce_csrf_checks=True)
    response = post(strict, api_key=key, service_code="road", area_code="500103001001", description="坑")
    assert response.status_code == 200


# GET requests ---------------------------------------------------------------------------------------


def _flow(world, catalog):
    """One case in each public situation, plus a rejected and a private one."""
    road = submit(world, catalog["road"], description="门口有坑", address="中山一路 1 号")  # dispatched
    accepted = s.case_accept(actor=world.people["handler"], case=submit(world, catalog["road"]))
    resolved = submit(world, catalog["road"], description="路灯坏了")
    s.case_accept(actor=world.people["handler"], case=resolved)
    resolved = s.case_resolve(actor=world.people["handler"], case=resolved, note="已修复路面")
    noise = submit(world, catalog["noise"], attributes={"when": "night"})  # submitted
    merged = s.case_merge(
        actor=world.people["dispatcher"],
        case=submit(world, catalog["noise"], attributes={"when": "day"}, reporter="outsider"),
        parent=noise,
    )
    rejected = s.case_reject(
        actor=world.people["dispatcher"],
        case=submit(world, catalog["noise"], attributes={"when": "day"}, reporter=None),
        reason="骚扰",
    )
    private = submit(world, catalog["private"], reporter=None)
    return {
        "road": road,
        "accepted": accepted,
        "resolved": resolved,
        "noise": noise,
        "merged": merged,
        "rejected": rejected,
        "private": private,
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_list(api, world, catalog, fmt):
    cases = _flow(world, catalog)
    response = get(api, "requests", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        validate(data, "requests.json")
        items = data
    else:
        items = records(data, "service_requests", "request")
        assert all(list(item) == REQUEST_FIELDS for item in items)
    by_id = {item["service_request_id"]: item for item in items}
    assert set(by_id) == {cases[k].number for k in ("road", "accepted", "resolved", "noise", "merged")}
    road, resolved, merged = (
        by_id[cases["road"].number],
        by_id[cases["resolved"].number],
        by_id[cases["merged"].number],
    )
    assert (road["status"], resolved["status"], merged["status"]) == ("open", "closed", "closed")
    assert road["agency_responsible"] == world.units["district_a_env"].name
    assert road["description"] == "门口有坑" and road["address"] == "中山一路 1 号"
    assert road["service_code"] == "road" and road["service_name"] == "Damaged road"
    assert "168 hours" in road["service_notice"]
    assert resolved["status_notes"] == "已修复路面"
    assert merged["status_notes"] == f"Duplicate of {cases['noise'].number}."
    assert road["expected_datetime"] == timezone.localtime(cases["road"].resolve_due_at).isoformat(
        timespec="seconds"
    )
    assert road["requested_datetime"].endswith("+08:00")
    assert resolved["updated_datetime"] == timezone.localtime(cases["resolved"].resolved_at).isoformat(
        timespec="seconds"
    )
    # newest first
    assert [i["service_request_id"] for i in items] == sorted(by_id, reverse=True)


def test_requests_filters(api, world, catalog):
    cases = _flow(world, catalog)
    numbers = lambda r: {i["service_request_id"] for i in r.json()}  # noqa: E731
    assert numbers(get(api, "requests", service_code="noise")) == {
        cases["noise"].number,
        cases["merged"].number,
    }
    assert numbers(get(api, "requests", service_code="road,noise")) == numbers(get(api, "requests"))
    assert numbers(get(api, "requests", status="closed")) == {
        cases["resolved"].number,
        cases["merged"].number,
    }
    assert numbers(get(api, "requests", status="open")) == {
        cases[k].number for k in ("road", "accepted", "noise")
    }
    assert numbers(get(api, "requests", status="open,closed")) == numbers(get(api, "requests"))
    # service_request_id overrides every other argument, and hides what is not public
    old = cases["road"]
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=400))
    ids = ",".join([old.number, cases["rejected"].number, cases["private"].number, "nope"])
    assert numbers(get(api, "requests", service_request_id=ids, status="closed", service_code="noise")) == {
        old.number
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_hidden_details_are_not_leaked(api, world, catalog, fmt):
    case = submit(
        world,
        catalog["road"],
        description="我是张三，电话13900001111，家住3栋502",
        address="3栋502",
        contact_name="张三",
        contact_phone="13900001111",
        contact_email="zs@example.org",
        lat=29.561234,
        lng=106.561234,
        show_name=True,
    )
    s.case_note(actor=world.people["handler"], case=case, note="已联系张三", public=True)
    s.case_hide_details(actor=world.people["dispatcher"], case=case, public_description="路面有坑")
    for response in (
        get(api, "requests", fmt),
        get(api, f"requests/{case.number}", fmt),
        get(api, "requests", fmt, extensions="true"),
        get(api, "servicerequestupdates", fmt),
    ):
        text = response.content.decode()
        for secret in ("张三", "13900001111", "zs@example.org", "3栋502", "29.561234", "家住"):
            assert secret not in text, (secret, text)
    data = body(get(api, "requests", fmt), fmt)
    item = data[0] if fmt == "json" else records(data, "service_requests", "request")[0]
    assert item["description"] == "路面有坑" and item["address"] is None and item["status_notes"] is None
    assert float(item["lat"]) == 29.561 and float(item["long"]) == 106.561
    # a moderator who left no public text: nothing, not the original
    Case.objects.filter(pk=case.pk).update(public_description="")
    assert get(api, "requests").json()[0]["description"] is None


def test_contact_data_is_never_shown(api, world, catalog, key):
    post(
        api,
        api_key=key,
        service_code="road",
        area_code="500103001001",
        description="坑",
        first_name="Wang",
        last_name="Wu",
        email="ww@example.org",
        phone="13812345678",
    )
    case = submit(world, catalog["road"], contact_name="赵六", contact_phone="13700001111")
    text = b"".join(get(api, "requests", fmt).content for fmt in ("json", "xml")).decode()
    text += get(api, f"requests/{case.number}").content.decode()
    for secret in (
        "Wang",
        "ww@example.org",
        "13812345678",
        "赵六",
        "13700001111",
        world.people["resident"].phone,
        case.tracking_token,
    ):
        assert secret not in text


def test_ninety_day_window(api, world, catalog):
    old = submit(world, catalog["road"])
    new = submit(world, catalog["road"])
    Case.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=100))
    numbers = lambda **p: [i["service_request_id"] for i in get(api, "requests", **p).json()]  # noqa: E731
    assert numbers() == [new.number]
    day = (timezone.now() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert numbers(start_date=day) == [old.number]  # start + 90 days
    assert numbers(end_date=(timezone.now() - dt.timedelta(days=50)).isoformat()) == [
        old.number
    ]  # end - 90 days
    assert_error(
        get(api, "requests", start_date=day, end_date=timezone.now().isoformat()),
        "json",
        400,
        "end_date: The range may not span more than 90 days.",
    )
    assert_error(
        get(api, "requests", start_date="2026-02-01T00:00:00Z", end_date="2026-01-01T00:00:00Z"),
        "json",
        400,
        "start_date:",
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"end_date": "9999-12-31T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"status": "fixed"}, "status"),  # extended statuses need ?extensions=true
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": "1001"}, "page_size"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_query_arguments_are_400(api, catalog, params, field, fmt):
    assert_error(get(api, "requests", fmt, **params), fmt, 400, f"{field}:")


def test_dates_with_zone_without_zone_and_with_an_unescaped_plus(api, world, catalog):
    case = submit(world, catalog["road"])
    today = timezone.localdate().isoformat()
    for start in (f"{today}T00:00:00+08:00", f"{today}T00:00:00 08:00", f"{today}T00:00:00", today):
        assert [i["service_request_id"] for i in get(api, "requests", start_date=start).json()] == [
            case.number
        ]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert get(api, "requests", start_date=tomorrow).json() == []


def test_at_most_1000_results_and_pages(api, world, catalog, django_assert_max_num_queries):
    now = timezone.now()
    area = world.areas["community_a1a"]
    Case.objects.bulk_create(
        Case(
            number=f"T{i:08d}",
            service=catalog["road"],
            area=area,
            area_path=area.path,
            description=f"坑{i}",
            tracking_token=f"token-{i}",
            public=True,
            submitted_at=now - dt.timedelta(minutes=i),
        )
        for i in range(1005)
    )
    default = get(api, "requests")  # 100 to a page unless page_size says otherwise
    assert [i["service_request_id"] for i in default.json()] == [f"T{i:08d}" for i in range(100)]
    assert default["Link"] == '<http://testserver/open311/v2/requests.json?page=2>; rel="next"'
    with django_assert_max_num_queries(3):  # one query for the page, whatever its size
        first = get(api, "requests", page_size=1000)
    assert len(first.json()) == 1000
    assert first["Link"] == '<http://testserver/open311/v2/requests.json?page_size=1000&page=2>; rel="next"'
    second = get(api, "requests", page=2, page_size=1000)
    assert len(second.json()) == 5 and "Link" not in second
    assert {i["service_request_id"] for i in first.json()} | {
        i["service_request_id"] for i in second.json()
    } == {f"T{i:08d}" for i in range(1005)}
    third = get(api, "requests", page=3, page_size=10)
    assert [i["service_request_id"] for i in third.json()] == [f"T{i:08d}" for i in range(20, 30)]
    assert get(api, "requests", page=999).json() == []
    assert (
        len(get(api, "requests", service_request_id=",".join(f"T{i:08d}" for i in range(1000))).json())
        == 1000
    )
    assert_error(
        get(api, "requests", service_request_id=",".join(f"T{i:08d}" for i in range(1001))),
        "json",
        400,
        "service_request_id:",
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_extended_statuses_only_when_asked(api, world, catalog, fmt):
    cases = _flow(world, catalog)
    s.case_start(actor=world.people["handler"], case=cases["accepted"])
    data = body(get(api, "requests", fmt, extensions="true"), fmt)
    if fmt == "json":
        items = data
    else:
        assert data.tag == "service_requests"
        items = [
            {
                **{f.tag: f.text for f in r},
                "extended_attributes": {f.tag: f.text for f in r.find("extended_attributes")},
            }
            for r in data
        ]
    status = {i["service_request_id"]: i["status"] for i in items}
    assert status == {
        cases["road"].number: "investigating",
        cases["accepted"].number: "in_progress",
        cases["resolved"].number: "fixed",
        cases["noise"].number: "open",
        cases["merged"].number: "duplicate",
    }
    extended = {i["service_request_id"]: i["extended_attributes"] for i in items}
    assert extended[cases["road"].number] == {
        "state": "dispatched",
        "area_code": "500103001001",
        "area_name": world.areas["community_a1a"].name,
    }
    plain = body(get(api, "requests", fmt), fmt)
    assert all(
        r["status"] in {"open", "closed"}
        for r in (plain if fmt == "json" else records(plain, "service_requests", "request"))
    )
    assert "extended_attributes" not in (plain[0] if fmt == "json" else {f.tag for f in plain[0]})
    filtered = get(api, "requests", extensions="true", status="fixed,duplicate").json()
    assert {i["service_request_id"] for i in filtered} == {cases["resolved"].number, cases["merged"].number}


# One request, tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request(api, world, catalog, fmt):
    cases = _flow(world, catalog)
    response = get(api, f"requests/{cases['resolved'].number}", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        validate(data, "requests.json")
        validate(data[0], "request.json")
        (item,) = data
    else:
        (item,) = records(data, "service_requests", "request")
        assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == cases["resolved"].number and item["status"] == "closed"
    for hidden in ("rejected", "private"):
        assert_error(get(api, f"requests/{cases[hidden].number}", fmt), fmt, 404, cases[hidden].number)
    assert_error(get(api, "requests/nope", fmt), fmt, 404, "nope")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens(api, world, catalog, key, fmt):
    number = post(api, api_key=key, service_code="road", area_code="500103001001", description="坑").json()[
        0
    ]["service_request_id"]
    data = body(get(api, f"tokens/{number}", fmt), fmt)
    item = data[0] if fmt == "json" else records(data, "service_requests", "request")[0]
    assert item == {"service_request_id": number, "token": number}
    assert_error(get(api, "tokens/12345", fmt), fmt, 404, "12345")


# FixMyStreet's service request updates ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_list(api, world, catalog, fmt):
    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_note(actor=world.people["handler"], case=case, note="内部备注", public=False)
    s.case_note(actor=world.people["handler"], case=case, note="明天施工", public=True)
    s.case_resolve(actor=world.people["handler"], case=case, note="已修好")
    s.case_callback(actor=world.people["resident"], case=case, solved=True, rating=5, comment="我的私人评价")
    response = get(api, "servicerequestupdates", fmt)
    assert response.status_code == 200
    data = body(response, fmt)
    items = data if fmt == "json" else records(data, "service_request_updates", "request_update")
    assert all(
        list(i)
        == ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
        for i in items
    )
    assert all(i["service_request_id"] == case.number for i in items)
    assert [(i["status"], i["description"]) for i in items] == [
        ("open", "Received via web form."),
        ("open", f"Routed by rule: 渝中区 → {world.units['district_a_env'].name}."),
        ("open", "accepted"),
        ("open", "明天施工"),
        ("closed", "已修好"),
        ("closed", "closed"),
    ]
    assert "内部备注" not in response.content.decode() and "我的私人评价" not in response.content.decode()
    assert len({i["update_id"] for i in items}) == len(items)
    extended = get(api, "servicerequestupdates", extensions="1").json()
    assert [i["status"] for i in extended] == [
        "open",
        "investigating",
        "action_scheduled",
        "action_scheduled",
        "fixed",
        "closed",
    ]
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert get(api, "servicerequestupdates", start_date=later).json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_an_update(api, world, catalog, handler_key, fmt):
    case = submit(world, catalog["road"])
    response = api.post(
        f"{BASE}servicerequestupdates.{fmt}",
        {
            "api_key": handler_key,
            "service_request_id": case.number,
            "status": "OPEN",
            "updated_datetime": "2026-11-26T10:00:00+08:00",
            "description": "已派人查看",
            "update_id": "fms-1",
        },
    )
    assert response.status_code == 200, response.content
    data = body(response, fmt)
    item = data[0] if fmt == "json" else records(data, "service_request_updates", "request_update")[0]
    event = CaseEvent.objects.get(pk=int(item["update_id"]))
    assert (event.kind, event.public, event.note, event.actor) == (
        "note",
        True,
        "已派人查看",
        world.people["handler"],
    )
    assert item["update_id"] in {i["update_id"] for i in get(api, "servicerequestupdates").json()}
    assert get(api, f"requests/{case.number}").json()[0]["status_notes"] == "已派人查看"


def test_update_refusals(api, world, catalog, key, handler_key):
    case = submit(world, catalog["road"])
    resident_key = open311_key_create(actor=None, name="r", person=world.people["resident"]).secret
    url = f"{BASE}servicerequestupdates.json"
    data = {"service_request_id": case.number, "description": "修好了吗？"}
    assert_error(api.post(url, data), "json", 403, "api_key was not provided")
    assert_error(api.post(url, {**data, "api_key": key}), "json", 403, "acts for no one")
    assert_error(api.post(url, {**data, "api_key": resident_key}), "json", 403)
    assert_error(
        api.post(url, {**data, "api_key": handler_key, "status": "FIXED"}), "json", 409, "(status: open)"
    )
    assert_error(api.post(url, {**data, "api_key": handler_key, "status": "bogus"}), "json", 400, "status:")
    assert_error(api.post(url, {**data, "api_key": handler_key, "service_request_id": "nope"}), "json", 404)
    assert_error(
        api.post(url, {**data, "api_key": handler_key, "description": ""}), "json", 400, "description:"
    )
    assert_error(
        api.post(url, {**data, "api_key": handler_key, "updated_datetime": "soon"}),
        "json",
        400,
        "updated_datetime:",
    )
    assert not CaseEvent.objects.filter(kind="note").exists()


# Errors, formats, XML -----------------------------------------------------------------------------


def test_unknown_resources_and_formats(api, world):
    assert_error(api.get(f"{BASE}services.html"), "xml", 404, "/open311/v2/services.html")
    assert_error(api.get(f"{BASE}nothing.json"), "json", 404, ".json or .xml")
    assert_error(api.get(f"{BASE}"), "xml", 404)


def test_wrong_methods_are_405(api, world):
    response = api.post(f"{BASE}services.json")
    assert_error(response, "json", 405, "GET")
    assert response["Allow"] == "GET, HEAD"
    assert_error(api.put(f"{BASE}requests.xml"), "xml", 405)
    assert_error(api.delete(f"{BASE}servicerequestupdates.json"), "json", 405)


def test_xml_is_escaped_utf8(api, world, catalog, key):
    text = '水管<爆裂> & "漏水" \' \x0b控制字符'
    post(api, api_key=key, service_code="road", area_code="500103001001", description=text)
    root = body(get(api, "requests", "xml"), "xml")
    assert root.find("request/description").text == text.replace("\x0b", "")
    assert get(api, "requests").json()[0]["description"] == text


def test_gets_allow_cross_origin_reads(api, catalog):
    assert get(api, "services")["Access-Control-Allow-Origin"] == "*"


# The CLI --------------------------------------------------------------------------------------------


def test_apikey_command(world):
    out = StringIO()
    call_command("apikey", "create", "--name", "FixMyStreet", stdout=out)
    key = open311_key_check(out.getvalue().split()[-1])
    assert key is not None and key.name == "FixMyStreet" and key.person is None
    out = StringIO()
    call_command("apikey", "create", "--name", "tool", "--person", "handler", stdout=out)
    assert open311_key_check(out.getvalue().split()[-1]).person == world.people["handler"]
    with pytest.raises(CommandError, match="no person"):
        call_command("apikey", "create", "--name", "x", "--person", "ghost")
    with pytest.raises(CommandError):
        call_command("apikey", "create", "--name", " ")


# A real Open311 client --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_us(live_server, world_tx, catalog_tx, fmt):
    """georeport (PyPI) is a Python 3 GeoReport v2 client: it reads services, definitions and
    requests (it cannot post). It talks HTTP to a live server."""
    from georeport import GeoReport

    first = submit(world_tx, catalog_tx["road"], description="门口有坑")
    second = submit(world_tx, catalog_tx["noise"], attributes={"when": "night"})
    client = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction="500000000000", output_format=fmt)
    services = client.get_service_list()
    assert [x["service_code"] for x in services] == ["noise", "road"]
    definition = client.get_service_definition("noise")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == ["floor", "when"]
    found = client.get_service_requests(status="open")
    assert {r["service_request_id"] for r in found} == {first.number, second.number}
    one = client.get_service_request(first.number)
    assert one["service_request_id"] == first.number and one["description"] == "门口有坑"
    assert one["status"] == "open" and one["service_code"] == "road"


def test_nul_characters_and_oversized_forms_are_400(api, catalog, key, settings):
    assert_error(get(api, "requests/2026\x00.json".removesuffix(".json")), "json", 400, "NUL")
    assert_error(
        get(api, "requests", "xml", service_code="ro\x00ad"), "xml", 400, "service_code: Must not contain NUL"
    )
    data = {"api_key": key, "service_code": "road", "area_code": "500103001001", "description": "坑\x00"}
    assert_error(post(api, **data), "json", 400, "description:")
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    assert_error(post(api, **{**data, "description": "坑", "a": "1", "b": "2"}), "json", 400, "too large")
    assert_error(get(api, "requests", **{f"x{i}": "1" for i in range(9)}), "json", 400, "too large")
    assert not Case.objects.exists()
