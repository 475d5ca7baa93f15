"""Open311 lists are written from values() rows and as XML strings: the same answer as one
request written from its model instance, and the same bytes as ElementTree."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone, translation

from needle.cases import open311, selectors
from needle.cases.models import Case, CaseEvent, EventKind, State

ROWS = (*open311.LIST_FIELDS, "status_note", "parent_number")


def make(world, catalog, number, **kw):
    area = world.areas["community_a1a"]
    fields = {
        "service": catalog["road"],
        "area": area,
        "area_path": area.path,
        "description": f"路面塌陷 {number} & <坑>",
        "tracking_token": f"token-{number}",
        "public": True,
        "submitted_at": timezone.now() - dt.timedelta(hours=int(number[-2:])),
        "lead_unit": world.units["district_a_env"],
        **kw,
    }
    return Case.objects.create(number=number, **fields)


@pytest.fixture
def cases(world, catalog):
    now = timezone.now()
    parent = make(world, catalog, "T00000001", state=State.IN_PROGRESS, lat=29.5612345, lng=106.5512345)
    CaseEvent.objects.create(case=parent, at=now, kind=EventKind.NOTE, note="已派人处理", public=True)
    CaseEvent.objects.create(case=parent, at=now, kind=EventKind.NOTE, note="内部备注", public=False)
    make(world, catalog, "T00000002", state=State.MERGED, parent=parent, closed_at=now)
    make(world, catalog, "T00000003", state=State.RESOLVED, resolved_at=now, address="解放碑 1 号")
    make(world, catalog, "T00000004", state=State.CLOSED, closed_at=now, resolved_at=now, lead_unit=None)
    hidden = make(
        world,
        catalog,
        "T00000005",
        state=State.SUBMITTED,
        details_hidden=True,
        public_description="路面问题",
        lat=29.5612345,
        lng=106.5512345,
        address="某某家门口",
    )
    CaseEvent.objects.create(case=hidden, at=now, kind=EventKind.NOTE, note="联系了张三", public=True)
    make(world, catalog, "T00000006", state=State.REOPENED, resolve_due_at=now + dt.timedelta(days=2))
    make(world, catalog, "T00000007", state=State.REJECTED)  # never listed


@pytest.mark.parametrize("extensions", [False, True])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rows_give_what_request_item_gives(cases, extensions, language):
    with translation.override(language):
        qs = selectors.open311_requests()
        expected = [open311.request_item(case, extensions=extensions) for case in qs]
        got = open311.request_rows(list(qs.values(*ROWS)), extensions=extensions)
    assert got == expected
    assert [i["service_request_id"] for i in got] == [f"T0000000{i}" for i in range(1, 7)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_list_endpoint_answers_as_one_request_does(client, cases, fmt):
    listed = client.get(f"/open311/v2/requests.{fmt}", {"extensions": "true"}).content.decode()
    for number in ("T00000002", "T00000005"):
        one = client.get(f"/open311/v2/requests/{number}.{fmt}", {"extensions": "true"}).content.decode()
        if fmt == "xml":
            one = one.split("<service_requests>", 1)[1].rsplit("</service_requests>", 1)[0]
        else:
            one = one[1:-1]
        assert one in listed


def reference_xml(root, data):
    """The ElementTree writer the string writer replaced."""

    def fill(element, value):
        if isinstance(value, dict):
            for key, item in value.items():
                fill(ET.SubElement(element, key), item)
        elif isinstance(value, list | tuple):
            for item in value:
                fill(ET.SubElement(element, open311.ITEM_NAMES[element.tag]), item)
        elif value is None:
            return
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        else:
            element.text = open311._XML_UNSAFE.sub("", str(value))

    element = ET.Element(root)
    fill(element, data)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


@pytest.mark.parametrize(
    "root, data",
    [
        ("service_requests", []),
        ("service_requests", [{}]),
        ("errors", [{"code": 400, "description": "a < b & c > d \"q\" 'a'"}]),
        (
            "service_requests",
            [
                {
                    "service_request_id": "T1",
                    "status_notes": None,
                    "description": "坑\x00\x08\x0b\ufffe ok\r\n\tline",
                    "lat": 29.56,
                    "long": -106.5,
                    "flag": True,
                    "other": False,
                    "empty": "",
                    "extended_attributes": {"state": "merged", "area_name": "渝中区"},
                }
            ],
        ),
        ("services", [{"service_code": "a", "keywords": None, "metadata": False}]),
        ("discovery", {"endpoints": [{"formats": ["text/xml", "application/json"], "url": "x"}]}),
        ("service_definition", {"service_code": "a", "attributes": [{"values": []}]}),
    ],
)
def test_the_xml_writer_writes_what_elementtree_wrote(root, data):
    assert open311.to_xml(root, data) == reference_xml(root, data)


def test_the_cached_services_list_follows_the_catalog(client, world, catalog):
    from needle.cases.models import AttributeType, ServiceAttribute

    def road():
        listed = client.get("/open311/v2/services.json").json()
        return next(s for s in listed if s["service_code"] == catalog["road"].code)

    assert road()["metadata"] is False
    road_service = catalog["road"]
    road_service.name = "路面坑洼"
    road_service.save()
    assert road()["service_name"] == "路面坑洼"
    question = ServiceAttribute.objects.create(
        service=road_service, code="depth", datatype=AttributeType.STRING, description="多深？"
    )
    assert road()["metadata"] is True
    question.delete()
    assert road()["metadata"] is False
    category = road_service.category
    category.name = "道路"
    category.save()
    assert road()["group"] == "道路"
    noise = f"<service_code>{catalog['noise'].code}</service_code>"
    assert noise in client.get("/open311/v2/services.xml").content.decode()
    catalog["noise"].delete()
    assert noise not in client.get("/open311/v2/services.xml").content.decode()
