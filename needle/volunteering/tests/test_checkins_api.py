"""The API contract of check-ins, pairings, commitments, resources and the roster import under
/api/v1/volunteering/, with the project's error shape: exact statuses, 422 naming the field."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.core.models import AuditEvent
from needle.orgs.models import Role, RoleAssignment
from needle.volunteering.models import CheckIn, CheckInStatus
from needle.volunteering.tests.conftest import make_checkin

BASE = "/api/v1/volunteering"


@pytest.fixture
def api(vworld):
    def make(persona: str) -> t.ApiClient:
        return t.ApiClient(vworld.people[persona])

    return make


def body(**fields):
    return {
        "community": "500103001001",
        "skills": ["急救", "computer", "唱歌"],
        "availability": [{"weekday": 6, "part": "morning"}, {"weekday": 7, "part": "evening"}],
        "service_kinds": ["elderly"],
        "phone_visible": False,
        **fields,
    }


def test_checkin_created_201_then_confirmed_by_staff(vworld, api):
    res = api("member").post(f"{BASE}/checkins", body())
    assert res.status_code == 201, res.content
    out = res.json()
    assert out["id"] and out["status"] == "submitted" and out["community"] == "500103001001"
    assert set(out["skills"]) == {"first_aid", "it"} and "唱歌" in out["skills_text"]
    assert out["availability"] == [{"weekday": 6, "part": "morning"}, {"weekday": 7, "part": "evening"}]
    again = api("member").post(f"{BASE}/checkins", body())
    assert again.status_code == 409 and again.json()["error"]["code"] == "checkin_standing"
    for persona in ("member2", "unit_coord", "supervisor", "outsider"):
        res = api(persona).post(f"{BASE}/checkins/{out['id']}/confirm")
        assert res.status_code in (403, 404), (persona, res.status_code)
    assert api("supervisor").post(f"{BASE}/checkins/{out['id']}/confirm").status_code == 403
    assert api("outsider").post(f"{BASE}/checkins/{out['id']}/confirm").status_code == 404
    res = api("staff").post(f"{BASE}/checkins/{out['id']}/confirm")
    assert res.status_code == 200 and res.json()["status"] == "confirmed"
    assert api("staff").post(f"{BASE}/checkins/{out['id']}/confirm").status_code == 409
    assert Client().post(f"{BASE}/checkins", body(), content_type="application/json").status_code == 401


def test_non_member_403_with_a_clear_message(vworld, api):
    res = api("resident").post(f"{BASE}/checkins", body())
    said = res.json()["error"]["message"]
    assert res.status_code == 403 and ("member" in said or "党员" in said)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"community": "999999999999"}, "community"),
        ({"community": "500103001000"}, "community"),
        ({"community": "5001\u0000"}, "community"),
        ({"community": "500103001002"}, "outside_reason"),
        ({"availability": [{"weekday": 8, "part": "morning"}]}, "availability.0.weekday"),
        ({"availability": [{"weekday": 1, "part": "noon"}]}, "availability.0.part"),
        ({"availability": [{"weekday": True, "part": "morning"}]}, "availability.0.weekday"),
        ({"skills_text": "x" * 10_000}, "skills_text"),
        ({"skills": ["急救\u0000"]}, "skills.0"),
        ({"outside_reason": "y\u0000", "community": "500103001002"}, "outside_reason"),
        ({"service_kinds": ["karaoke"]}, "service_kinds"),
        ({"grid": "nope"}, "grid"),
        ({"workplace": "nope"}, "workplace"),
        ({"phone_visible": "yes"}, "phone_visible"),
    ],
)
def test_bad_input_422_names_the_field(vworld, api, fields, named):
    res = api("member").post(f"{BASE}/checkins", body(**fields))
    assert res.status_code == 422, res.content
    assert named in res.json()["error"]["fields"], res.json()
    assert not CheckIn.objects.exists()


def test_return_resubmit_move_withdraw(vworld, api):
    member, staff = api("member"), api("staff")
    pk = member.post(f"{BASE}/checkins", body()).json()["id"]
    assert staff.post(f"{BASE}/checkins/{pk}/return", {"note": ""}).status_code == 422
    res = staff.post(f"{BASE}/checkins/{pk}/return", {"note": "请补充技能"})
    assert (
        res.status_code == 200 and res.json()["status"] == "returned" and res.json()["note"] == "请补充技能"
    )
    assert staff.post(f"{BASE}/checkins/{pk}/resubmit", {}).status_code == 403
    res = member.post(f"{BASE}/checkins/{pk}/resubmit", {"skills": ["法律"], "phone_visible": True})
    assert (
        res.status_code == 200 and res.json()["status"] == "submitted" and res.json()["skills"] == ["legal"]
    )
    staff.post(f"{BASE}/checkins/{pk}/confirm")
    res = member.post(f"{BASE}/checkins/{pk}/move", {"community": "500103001002"})
    assert res.status_code == 422 and "outside_reason" in res.json()["error"]["fields"]
    res = member.post(f"{BASE}/checkins/{pk}/move", {"community": "500103001002", "outside_reason": "搬家"})
    assert res.status_code == 201 and res.json()["status"] == "submitted" and res.json()["id"] != pk
    new = res.json()["id"]
    mine = member.get(f"{BASE}/checkins/mine").json()["items"]
    assert [(c["id"], c["status"], c["moved_to"]) for c in mine] == [
        (new, "submitted", None),
        (pk, "moved", new),
    ]
    assert member.post(f"{BASE}/checkins/{pk}/withdraw").status_code == 409
    res = member.post(f"{BASE}/checkins/{new}/withdraw")
    assert res.status_code == 200 and res.json()["status"] == "withdrawn"


def test_list_by_community_for_staff_phones_masked(vworld, api):
    w = vworld
    w.people["member2"].phone = "13912345678"
    w.people["member2"].save()
    make_checkin(
        w.people["member2"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1a"],
        status="submitted",
    )
    res = api("staff").get(f"{BASE}/checkins", community="500103001001", status="submitted")
    assert res.status_code == 200
    items = res.json()["items"]
    assert len(items) == 1 and items[0]["phone"] == "139****5678"
    assert (
        api("staff").get(f"{BASE}/checkins", community="500103001001", status="confirmed").json()["items"]
        == []
    )
    assert api("staff").get(f"{BASE}/checkins", community="500103001001", status="bogus").status_code == 422
    assert api("staff").get(f"{BASE}/checkins", community="nope").status_code == 422
    for persona in ("member", "unit_coord", "other_supervisor"):
        assert api(persona).get(f"{BASE}/checkins", community="500103001001").status_code == 403
    # The workplace reads its member's check-in by id, not the community's list.
    assert api("unit_coord").get(f"{BASE}/checkins/{items[0]['id']}").status_code == 200
    assert api("member").get(f"{BASE}/checkins/{items[0]['id']}").status_code == 404


def test_pairings(vworld, api):
    w = vworld
    RoleAssignment.objects.create(person=w.people["member3"], unit=w.units["workplace"], role=Role.ADMIN)
    year = timezone.localdate().year
    pbody = {
        "unit": "dept-work",
        "community": "500103001001",
        "year": year,
        "commitments": [{"kind": "venue", "description": "会议室", "quantity": 1, "measure": "间"}],
    }
    assert api("unit_coord").post(f"{BASE}/pairings", pbody).status_code == 403
    res = api("member3").post(f"{BASE}/pairings", pbody)
    assert res.status_code == 201, res.content
    pk = res.json()["id"]
    assert api("member3").post(f"{BASE}/pairings", pbody).status_code == 409
    bad = api("member3").post(
        f"{BASE}/pairings", {**pbody, "commitments": [{"kind": "venue", "description": "x", "quantity": 0}]}
    )
    assert bad.status_code == 422 and "commitments.0.quantity" in bad.json()["error"]["fields"]
    assert api("member3").post(f"{BASE}/pairings", {**pbody, "unit": "nope"}).status_code == 422
    assert api("member3").post(f"{BASE}/pairings/{pk}/confirm").status_code == 403
    res = api("staff").get(f"{BASE}/pairings", community="500103001001")
    assert res.status_code == 200 and [p["id"] for p in res.json()["items"]] == [pk]
    assert api("unit_coord").get(f"{BASE}/pairings", unit="dept-work").status_code == 200
    res = api("staff").post(f"{BASE}/pairings/{pk}/confirm")
    assert res.status_code == 200 and res.json()["status"] == "confirmed"
    assert api("outsider").post(f"{BASE}/pairings/{pk}/withdraw").status_code == 404
    assert api("member3").post(f"{BASE}/pairings/{pk}/withdraw").json()["status"] == "withdrawn"


def test_commitments(vworld, api):
    w = vworld
    year = timezone.localdate().year
    assert api("member").post(f"{BASE}/commitments", {"year": year, "text": "每月一次"}).status_code == 403
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=w.areas["community_a1a"])
    res = api("member").post(f"{BASE}/commitments", {"year": year, "text": "每月一次", "public": True})
    assert res.status_code == 201 and res.json()["community"] == "500103001001"
    pk = res.json()["id"]
    assert api("member").post(f"{BASE}/commitments", {"year": year, "text": "x" * 600}).status_code == 422
    assert api("member").post(f"{BASE}/commitments/{pk}/review", {"review": "kept"}).status_code == 403
    assert api("staff").post(f"{BASE}/commitments/{pk}/review", {"review": "great"}).status_code == 422
    expected = 200 if timezone.localdate().month == 12 else 409
    assert api("staff").post(f"{BASE}/commitments/{pk}/review", {"review": "kept"}).status_code == expected


def test_resources(vworld, api):
    w = vworld
    make_checkin(
        w.people["member"],
        workplace=w.units["pb_a1a"],
        community=w.areas["community_a1a"],
        skill_codes=["first_aid"],
    )
    res = api("staff").get(f"{BASE}/resources", community="500103001001", skill="急救")
    assert res.status_code == 200 and len(res.json()["members"]) == 1
    assert (
        api("staff").get(f"{BASE}/resources", community="500103001001", skill="legal").json()["members"] == []
    )
    assert (
        api("staff").get(f"{BASE}/resources", community="500103001001", skill="juggling").status_code == 422
    )
    assert api("staff").get(f"{BASE}/resources", community="500103001001", weekday=8).status_code == 422
    assert api("staff").get(f"{BASE}/resources", community="500103001001", part="noon").status_code == 422
    assert api("unit_coord").get(f"{BASE}/resources", community="500103001001").status_code == 403


def roster_file(rows, name="roster.csv"):
    text = "\n".join(",".join(r) for r in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


HEADER = ["username or phone", "workplace unit code", "skills", "availability", "phone visible"]


def test_import_all_or_nothing_with_errors_by_line(vworld):
    w = vworld
    w.people["member3"].phone = "13700001111"
    w.people["member3"].save()
    client = t.ApiClient(w.people["staff"]).client
    bad = roster_file(
        [
            HEADER,
            ["member", "pb-a1a", "急救", "Sat morning; 周日下午", "yes"],
            ["nobody", "pb-a1a", "", "", "no"],
            ["member2", "dept-work", "", "Someday noon", "no"],
            ["13700001111", "pb-a1a", "", "", "no"],
            ["resident", "", "", "", "maybe"],
        ]
    )
    res = client.post(f"{BASE}/checkins/import", {"file": bad, "community": "500103001001"})
    assert res.status_code == 422, res.content
    fields = res.json()["error"]["fields"]
    assert set(fields) == {"line 3", "line 4", "line 5", "line 6"}
    assert not CheckIn.objects.exists()
    good = roster_file(
        [
            HEADER,
            ["member", "pb-a1a", "急救 电脑", "Sat morning; 周日下午", "yes"],
            ["13700001111", "dept-work", "", "", "否"],
        ]
    )
    res = client.post(f"{BASE}/checkins/import", {"file": good, "community": "500103001001"})
    assert res.status_code == 201 and res.json()["imported"] == 2
    made = CheckIn.objects.get(person=w.people["member"])
    assert made.status == CheckInStatus.CONFIRMED and made.phone_visible and made.skills.count() == 2
    assert AuditEvent.objects.filter(action="volunteering.roster.imported").count() == 1
    other = t.ApiClient(w.people["unit_coord"]).client
    res = other.post(f"{BASE}/checkins/import", {"file": roster_file([HEADER]), "community": "500103001001"})
    assert res.status_code == 403


def test_import_xlsx(vworld):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["member2", "dept-work", "维修", "周六上午", "no"])
    buf = io.BytesIO()
    book.save(buf)
    client = t.ApiClient(vworld.people["staff"]).client
    upload = SimpleUploadedFile("roster.xlsx", buf.getvalue())
    res = client.post(f"{BASE}/checkins/import", {"file": upload, "community": "500103001001"})
    assert res.status_code == 201, res.content
    made = CheckIn.objects.get(person=vworld.people["member2"])
    assert made.grid == vworld.areas["grid_a1a"] and [s.code for s in made.skills.all()] == ["repairs"]
    junk = SimpleUploadedFile("roster.xlsx", b"not a workbook")
    res = client.post(f"{BASE}/checkins/import", {"file": junk, "community": "500103001001"})
    assert res.status_code == 422 and "file" in res.json()["error"]["fields"]


def test_import_refuses_unreadable_files_named(vworld):
    client = t.ApiClient(vworld.people["staff"]).client
    for name, data in (
        ("r.csv", b'"' + b"x" * 200_000 + b'"\n'),
        ("r.csv", "\u540d".encode("gbk")),
        ("r.csv", b"h\nmember\x00,pb-a1a,,,\n"),
        ("r.csv", b"h\n"),
    ):
        res = client.post(
            f"{BASE}/checkins/import", {"file": SimpleUploadedFile(name, data), "community": "500103001001"}
        )
        assert res.status_code == 422, (data[:20], res.content)
        fields = res.json()["error"]["fields"]
        assert "file" in fields or "line 2" in fields
    street = t.ApiClient(vworld.people["street_admin"]).client
    res = street.post(
        f"{BASE}/checkins/import", {"file": SimpleUploadedFile("r.csv", b"h\n"), "community": "500103001000"}
    )
    assert res.status_code == 422 and "community" in res.json()["error"]["fields"]
    assert not CheckIn.objects.exists()


def test_an_area_code_no_area_has_is_the_same_refusal_on_the_page_and_in_the_api(vworld, api):
    res = api("member").post(f"{BASE}/checkins", body(community="599999999999"))
    assert res.status_code == 422
    fields = res.json()["error"]["fields"]
    assert set(fields) == {"community"}
    page = Client()
    page.force_login(vworld.people["member"])
    refused = page.post("/volunteering/checkin/", {"community": "599999999999"})
    assert refused.status_code == 200
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [fields["community"]]
    assert not CheckIn.objects.exists()
