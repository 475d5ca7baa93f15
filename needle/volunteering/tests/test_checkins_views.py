"""The check-in pages: the member's slip and history, the workplace unit's page, the resources
list, pairings and the roster import; the two partials' context functions. Both languages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from needle import testing as t
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, Role, RoleAssignment
from needle.volunteering.models import CheckIn, CheckInStatus, Commitment, UnitCheckIn, availability_bit
from needle.volunteering.tests.conftest import make_checkin
from needle.volunteering.views.checkins import checkin_panel, console_checkins


def client(w, persona, language="zh-hans"):
    c = Client()
    c.force_login(w.people[persona])
    c.cookies["django_language"] = language
    return c


def test_member_checks_in_from_the_page(vworld):
    w = vworld
    c = client(w, "member")
    page = c.get("/volunteering/checkin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "急救" in html and 'name="slot" value="6-morning"' in html and "华一坡社区居委会" in html
    res = c.post(
        "/volunteering/checkin/",
        {
            "community": "500103001001",
            "skill": ["first_aid"],
            "skills_text": "plumbing",
            "slot": ["6-morning", "7-evening"],
            "kind": ["elderly"],
        },
    )
    assert res.status_code == 302
    checkin = CheckIn.objects.get(person=w.people["member"])
    assert checkin.status == "submitted" and {s.code for s in checkin.skills.all()} == {
        "first_aid",
        "repairs",
    }
    assert checkin.availability == availability_bit(6, "morning") | availability_bit(7, "evening")
    assert "周六" in html
    c.cookies["django_language"] = "en"
    again = c.get("/volunteering/checkin/").content.decode()
    assert "submitted" in again and "I moved home" in again


def test_bad_input_on_the_page_is_a_message_not_a_500(vworld):
    w = vworld
    c = client(w, "member")
    for data in (
        {"community": "500103001002"},
        {"community": "500103001000"},
        {"community": "nope"},
        {"community": "500103001001", "slot": ["9-morning"]},
        {"community": "500103001001", "slot": ["x-morning"]},
        {"community": "500103001001", "skills_text": "x" * 10_000},
        {"community": "500103001001\x00"},
    ):
        res = c.post("/volunteering/checkin/", data, follow=True)
        assert res.status_code == 200, data
    assert not CheckIn.objects.exists()


def test_non_member_sees_why(vworld):
    res = client(vworld, "resident", "en").get("/volunteering/checkin/")
    assert res.status_code == 200 and "not a member" in res.content.decode()


def test_staff_confirm_and_return_from_the_console_partial(vworld):
    w = vworld
    checkin = make_checkin(
        w.people["member"],
        workplace=w.units["pb_a1a"],
        community=w.areas["community_a1a"],
        status="submitted",
    )
    ctx = console_checkins(actor=w.people["staff"], community=w.areas["community_a1a"])
    assert [c for c, _phone in ctx["console_checkins"]["checkins"]] == [checkin]
    html = render_to_string("volunteering/_console_checkins.html", ctx)
    assert f"/volunteering/checkins/{checkin.pk}/confirm/" in html
    assert (
        console_checkins(actor=w.people["unit_coord"], community=w.areas["community_a1a"])[
            "console_checkins"
        ]["checkins"]
        == []
    )
    assert client(w, "member").post(f"/volunteering/checkins/{checkin.pk}/confirm/").status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == "submitted"
    client(w, "staff").post(f"/volunteering/checkins/{checkin.pk}/return/", {"note": "请补充"})
    checkin.refresh_from_db()
    assert checkin.status == "returned"
    client(w, "member").post("/volunteering/checkin/", {"skill": ["legal"], "slot": ["1-evening"]})
    checkin.refresh_from_db()
    assert checkin.status == "submitted" and [s.code for s in checkin.skills.all()] == ["legal"]
    client(w, "staff").post(f"/volunteering/checkins/{checkin.pk}/confirm/")
    checkin.refresh_from_db()
    assert checkin.status == "confirmed"
    assert client(w, "outsider").post(f"/volunteering/checkins/{checkin.pk}/confirm/").status_code == 404
    assert client(w, "staff").post(f"/volunteering/checkins/{checkin.pk}/explode/").status_code == 404


def test_checkin_panel(vworld):
    w = vworld
    ctx = checkin_panel(w.people["member"])
    assert ctx["checkin_panel"]["member"] and ctx["checkin_panel"]["standing"] is None
    assert "/volunteering/checkin/" in render_to_string("volunteering/_checkin_panel.html", ctx)
    assert checkin_panel(w.people["resident"])["checkin_panel"]["member"] is False
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=w.areas["community_a1a"])
    assert checkin_panel(w.people["member"])["checkin_panel"]["standing"].status == "confirmed"


def test_unit_page_for_its_people_only(vworld):
    w = vworld
    w.people["member2"].phone = "13812345678"
    w.people["member2"].save()
    make_checkin(
        w.people["member2"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1a"],
        skill_codes=["it"],
        phone_visible=True,
    )
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=w.areas["community_a1a"])
    for language in ("zh-hans", "en"):
        res = client(w, "unit_coord", language).get(f"/volunteering/units/{w.units['workplace'].pk}/")
        assert res.status_code == 200
        html = res.content.decode()
        assert "Member2" in html and "138****5678" in html and "13812345678" not in html
        assert "<td>Member</td>" not in html
    assert "unit_hours" in (Path(__file__).parents[1] / "templates/volunteering/unit.html").read_text(
        encoding="utf-8"
    )
    assert AuditEvent.objects.filter(action="volunteering.unit.checkins_viewed").count() == 2
    for persona in ("staff", "supervisor", "member2", "outsider"):
        assert client(w, persona).get(f"/volunteering/units/{w.units['workplace'].pk}/").status_code == 404
    assert client(w, "unit_coord").get("/volunteering/units/999999/").status_code == 404


def test_resources_page(vworld):
    w = vworld
    make_checkin(
        w.people["member"],
        workplace=w.units["pb_a1a"],
        community=w.areas["community_a1a"],
        skill_codes=["first_aid"],
        availability=availability_bit(6, "morning"),
    )
    for language in ("zh-hans", "en"):
        res = client(w, "staff", language).get(
            "/volunteering/500103001001/resources/", {"skill": "first_aid", "weekday": "6", "part": "morning"}
        )
        assert res.status_code == 200 and "Member" in res.content.decode()
    res = client(w, "staff").get(
        "/volunteering/500103001001/resources/", {"weekday": "99", "part": "noon", "skill": "x"}
    )
    assert res.status_code == 200
    assert (
        client(w, "staff").get("/volunteering/500103001001/resources/", {"skill": "x\x00"}).status_code < 500
    )
    assert client(w, "unit_coord").get("/volunteering/500103001001/resources/").status_code == 403
    assert client(w, "staff").get("/volunteering/nope/resources/").status_code == 404


def test_pairings_page(vworld):
    w = vworld
    RoleAssignment.objects.create(person=w.people["member3"], unit=w.units["workplace"], role=Role.ADMIN)
    c = client(w, "member3")
    assert c.get("/volunteering/500103001001/pairings/").status_code == 200
    res = c.post(
        "/volunteering/500103001001/pairings/",
        {
            "unit": str(w.units["workplace"].pk),
            "year": str(timezone.localdate().year),
            "kind": ["venue", "funds"],
            "description": ["会议室", ""],
            "quantity": ["1", ""],
            "measure": ["间", ""],
        },
    )
    assert res.status_code == 302
    pairing = UnitCheckIn.objects.get()
    assert pairing.commitments.count() == 1
    assert (
        c.post("/volunteering/500103001001/pairings/", {"unit": "abc", "year": "x"}, follow=True).status_code
        == 200
    )
    staff = client(w, "staff", "en")
    assert "Confirm" in staff.get("/volunteering/500103001001/pairings/").content.decode()
    staff.post(f"/volunteering/pairings/{pairing.pk}/confirm/")
    pairing.refresh_from_db()
    assert pairing.status == CheckInStatus.CONFIRMED
    assert client(w, "outsider").get("/volunteering/500103001001/pairings/").status_code == 403


def test_import_page(vworld):
    w = vworld
    c = client(w, "staff", "en")
    assert c.get("/volunteering/500103001001/import/").status_code == 200
    template = c.get("/volunteering/roster-template.csv")
    assert template.status_code == 200 and "username or phone" in template.content.decode("utf-8-sig")
    book = c.get("/volunteering/roster-template.xlsx")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert c.get("/volunteering/roster-template.exe").status_code == 404
    bad = SimpleUploadedFile("r.csv", b"h\nnobody,,,,\nmember,pb-a1a,,someday,\n")
    res = c.post("/volunteering/500103001001/import/", {"file": bad})
    assert res.status_code == 200 and "line 2" in res.content.decode() and "line 3" in res.content.decode()
    assert not CheckIn.objects.exists()
    good = SimpleUploadedFile("r.csv", "h\nmember,pb-a1a,急救,Sat morning,yes\n".encode())
    assert c.post("/volunteering/500103001001/import/", {"file": good}).status_code == 302
    assert CheckIn.objects.get().status == "confirmed"
    assert client(w, "supervisor").get("/volunteering/500103001001/import/").status_code == 403


def test_member_makes_a_commitment_from_the_page(vworld):
    w = vworld
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=w.areas["community_a1a"])
    c = client(w, "member")
    year = timezone.localdate().year
    assert (
        c.post(
            "/volunteering/commitments/add/", {"year": str(year), "text": "每月一次", "public": "on"}
        ).status_code
        == 302
    )
    assert (
        c.post("/volunteering/commitments/add/", {"year": "abcd", "text": "x"}, follow=True).status_code
        == 200
    )
    page = c.get("/volunteering/checkin/").content.decode()
    assert "每月一次" in page
    assert (
        client(w, "resident")
        .post("/volunteering/commitments/add/", {"year": str(year), "text": "x"})
        .status_code
        == 302
    )
    assert Commitment.objects.count() == 1


def test_unit_page_and_resources_read_in_a_fixed_number_of_queries(vworld):
    """Hot pages: their queries do not grow with the members listed."""
    w = vworld
    make_checkin(
        w.people["member2"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1a"],
        skill_codes=["it"],
    )
    coord, staff = client(w, "unit_coord"), client(w, "staff")
    unit_url, res_url = (
        f"/volunteering/units/{w.units['workplace'].pk}/",
        "/volunteering/500103001001/resources/",
    )

    def count(c, url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = (count(coord, unit_url), count(staff, res_url))
    for i in range(6):
        person = t.PersonFactory.create(username=f"extra{i}")
        Membership.objects.create(
            person=person, unit=w.units["workplace"], kind="member", joined_on=dt.date(2020, 1, 1)
        )
        make_checkin(
            person,
            workplace=w.units["workplace"],
            community=w.areas["community_a1a"],
            skill_codes=["it", "legal"],
        )
    assert (count(coord, unit_url), count(staff, res_url)) == before
