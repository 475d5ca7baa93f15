"""The care pages for staff, persona by persona, with exact statuses: the door, a community's
console (its lists, a bounded number of queries), a street's and a district's counts (no
person named), the household file (masked until an explicit, audited "show"), the forms to
register, record a consent and change the status. Both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from needle.care.models import Consent, Item, ItemStatus, Pairing, Purpose, Recipient, Status, Visit
from needle.care.tests.registry_helpers import SECRETS, personas, register
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, Person
from needle.testing import World, build_catalog

A1A = "500103001001"
STREET = "500103001000"
DISTRICT = "500103000000"
OTHER = "500106001001"


def client(person: Person | None, language: str = "en") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    if person is not None:
        c.force_login(person)
    return c


def file_url(r: Recipient, code: str = A1A) -> str:
    return f"/care/{code}/r/{r.pk}/"


@pytest.fixture
def r(world: World) -> Recipient:
    """王秀英, consented, paired with a helper who is a member of the community's party
    committee (a helper still standing)."""
    recipient = register(world)
    personas(world, recipient)
    return recipient


def test_the_door_opens_the_one_community_or_lists_the_areas(world: World, r: Recipient) -> None:
    p = world.people
    staff = client(p["staff"]).get("/care/")
    assert staff.status_code == 200
    assert "王秀英" in staff.content.decode()  # the one community's console, at the door's address
    supervisor = client(p["supervisor"]).get("/care/")
    assert supervisor.status_code == 200
    body = supervisor.content.decode()
    assert "王秀英" not in body and "华一坡社区居委会" in body and 'id="communities"' in body
    assert client(p["resident"]).get("/care/").status_code == 403
    assert client(p["outsider"]).get("/care/").status_code == 403
    assert client(p["handler"]).get("/care/").status_code == 403
    anonymous = client(None).get("/care/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_the_console_lists_the_days_work(world: World, r: Recipient) -> None:
    p = world.people
    today = timezone.localdate()
    Recipient.objects.filter(pk=r.pk).update(next_visit_due=today - dt.timedelta(days=3))
    lonely = register(world, name="赵大爷", risk="medium", categories=["elderly_alone"])
    Recipient.objects.filter(pk=lonely.pk).update(next_visit_due=today + dt.timedelta(days=2))
    Item.objects.create(recipient=r, what="屋顶漏水", since=today, area_path=r.area_path)
    res = client(p["staff"]).get(f"/care/{A1A}/")
    assert res.status_code == 200
    body = res.content.decode()
    needs = body.split('id="needs-helper"')[1].split("</section>")[0]
    assert "赵大爷" in needs and "王秀英" not in needs  # he has no helper; she has one
    overdue = body.split('id="overdue"')[1].split("</section>")[0]
    assert "王秀英" in overdue and "3 days overdue" in overdue and str(p["helper"]) in overdue
    due = body.split('id="due-week"')[1].split("</section>")[0]
    assert "赵大爷" in due
    never = body.split('id="never-visited"')[1].split("</section>")[0]
    assert "王秀英" in never and "赵大爷" in never
    assert "屋顶漏水" in body.split('id="items"')[1].split("</section>")[0]
    by_helper = body.split('id="by-helper"')[1].split("</section>")[0]
    assert str(p["helper"]) in by_helper and "colour-red" in by_helper
    assert SECRETS["health"] not in body and SECRETS["id_number"] not in body
    Visit.objects.create(
        recipient=r, kind="home", visited_at=timezone.now(), by=p["staff"], digest="x", area_path=r.area_path
    )
    Recipient.objects.filter(pk=r.pk).update(last_visit_on=today)
    body = client(p["staff"]).get(f"/care/{A1A}/").content.decode()
    assert "王秀英" not in body.split('id="never-visited"')[1].split("</section>")[0]
    # Her helper leaves the party committee: she needs a new helper the same day.
    Membership.objects.filter(person=p["helper"]).update(left_on=today)
    body = client(p["staff"]).get(f"/care/{A1A}/").content.decode()
    assert "王秀英" in body.split('id="needs-helper"')[1].split("</section>")[0]
    # The registry's search.
    found = client(p["staff"]).get(f"/care/{A1A}/", {"q": "赵"}).content.decode()
    registry = found.split('id="registry"')[1]
    assert "赵大爷" in registry and "王秀英" not in registry


def test_the_console_in_chinese(world: World, r: Recipient) -> None:
    res = client(world.people["staff"], "zh-hans").get(f"/care/{A1A}/")
    assert res.status_code == 200
    assert '<html lang="zh-hans">' in res.content.decode()


def test_the_console_costs_a_bounded_number_of_queries(world: World, r: Recipient) -> None:
    staff = world.people["staff"]
    c = client(staff)
    c.get(f"/care/{A1A}/")
    with CaptureQueriesContext(connection) as few:
        assert c.get(f"/care/{A1A}/").status_code == 200
    for i in range(12):
        extra = register(world, name=f"居民{i}", risk=["high", "medium", "low"][i % 3])
        Item.objects.create(
            recipient=extra, what=f"问题{i}", since=timezone.localdate(), area_path=extra.area_path
        )
    with CaptureQueriesContext(connection) as many:
        assert c.get(f"/care/{A1A}/").status_code == 200
    assert len(many) == len(few) <= 30, [q["sql"] for q in many.captured_queries]


def test_who_may_open_the_console(world: World, r: Recipient) -> None:
    p = world.people
    assert client(p["staff"]).get(f"/care/{A1A}/").status_code == 200
    # The street's supervisor reads the community's registry (care.view), without the forms.
    read = client(p["supervisor"]).get(f"/care/{A1A}/")
    assert read.status_code == 200
    assert "王秀英" in read.content.decode() and f"/care/register/{A1A}/" not in read.content.decode()
    for persona in ("resident", "outsider", "handler", "helper", "grid_worker", "other_supervisor"):
        assert client(p[persona]).get(f"/care/{A1A}/").status_code == 403, persona
    assert client(p["staff"]).get(f"/care/{OTHER}/").status_code == 403
    assert client(p["staff"]).get("/care/nope/").status_code == 404
    assert client(p["staff"]).get("/care/500103001001-001/").status_code == 404  # a grid
    assert client(None).get(f"/care/{A1A}/").status_code == 302


def test_a_street_and_a_district_see_counts_and_no_person(world: World, r: Recipient) -> None:
    p = world.people
    Recipient.objects.filter(pk=r.pk).update(next_visit_due=timezone.localdate() - dt.timedelta(days=1))
    register(world, name="赵大爷", consent=False)
    street = client(p["supervisor"]).get(f"/care/{STREET}/")
    assert street.status_code == 200
    body = street.content.decode()
    assert "王秀英" not in body and "赵大爷" not in body and SECRETS["health"] not in body
    row = body.split("华一坡社区居委会")[1].split("</tr>")[0]
    # in care 2, high risk 2, need a helper 0 (赵大爷 is not registered yet: no helper could see
    # him), overdue 1, never visited 2, open problems 0
    assert [c.split(">")[1] for c in row.split('<td class="num"')[1:]] == [
        "2</td",
        "2</td",
        "0</td",
        "1</td",
        "2</td",
        "0</td",
    ]
    assert "领事巷社区居委会" in body and "小什字社区居委会" not in body
    district = client(p["district_auditor"]).get(f"/care/{DISTRICT}/")
    assert district.status_code == 200 and "小什字社区居委会" in district.content.decode()
    # The city's view counts by district.
    city = client(p["city_admin"]).get("/care/500100000000/")
    body = city.content.decode()
    assert city.status_code == 200 and "渝中区" in body and "华一坡社区居委会" not in body
    row = body.split("渝中区")[1].split("</tr>")[0]
    assert row.split('<td class="num">')[1].startswith("2<")
    assert client(p["other_supervisor"]).get(f"/care/{STREET}/").status_code == 403
    assert client(p["outsider"]).get(f"/care/{DISTRICT}/").status_code == 403


def test_the_household_file_by_persona(world: World, r: Recipient) -> None:
    p = world.people
    staff = client(p["staff"]).get(file_url(r))
    assert staff.status_code == 200
    body = staff.content.decode()
    assert "王秀英" in body and "13800000001" in body and 'id="consents"' in body
    assert SECRETS["health"] not in body and "recorded, hidden" in body  # masked until shown
    helper = client(p["helper"]).get(file_url(r))
    assert helper.status_code == 200 and 'id="consents"' not in helper.content.decode()
    # The grid worker sees what a visit needs, not the sensitive fields (no consent to share with them).
    grid = client(p["grid_worker"]).get(file_url(r))
    assert grid.status_code == 200 and "13800000001" in grid.content.decode()
    assert "Show</button>" not in grid.content.decode()
    # Those shown the contacts are audited as having viewed them; the supervisor's masked file is not.
    viewed = AuditEvent.objects.filter(action="care.recipient.contact_viewed", object_id=str(r.pk))
    assert sorted(viewed.values_list("actor__username", flat=True)) == ["grid_worker", "helper", "staff"]
    supervisor = client(p["supervisor"]).get(file_url(r))
    assert supervisor.status_code == 200
    body = supervisor.content.decode()
    assert "13800000001" not in body and "华一坡3号" not in body and "Show</button>" not in body
    assert viewed.count() == 3
    for persona in ("resident", "outsider", "other_supervisor", "handler"):
        assert client(p[persona]).get(file_url(r)).status_code == 404, persona
    assert client(p["staff"]).get(file_url(r, OTHER)).status_code == 404
    assert client(p["staff"]).get("/care/500103001001/r/999999/").status_code == 404
    assert client(None).get(file_url(r)).status_code == 302
    # Not consented yet: only the care staff see the record.
    quiet = register(world, name="赵大爷", consent=False)
    assert client(p["supervisor"]).get(file_url(quiet)).status_code == 404
    assert client(p["staff"]).get(file_url(quiet)).status_code == 200


def test_showing_the_sensitive_fields_is_a_post_and_is_audited(world: World, r: Recipient) -> None:
    p = world.people
    before = AuditEvent.objects.filter(action="care.recipient.sensitive_read").count()
    shown = client(p["staff"]).post(f"{file_url(r)}show/", {"why": "家访前核对"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    body = shown.content.decode()
    assert SECRETS["health"] in body and SECRETS["id_number"] in body
    event = AuditEvent.objects.filter(action="care.recipient.sensitive_read").latest("pk")
    assert AuditEvent.objects.filter(action="care.recipient.sensitive_read").count() == before + 1
    assert event.actor_id == p["staff"].pk and event.changes["new"]["why"] == "家访前核对"
    # The helper with the consent to share: health, not the ID number.
    helper = client(p["helper"]).post(f"{file_url(r)}show/", {})
    body = helper.content.decode()
    assert helper.status_code == 200 and SECRETS["health"] in body and SECRETS["id_number"] not in body
    # The supervisor may read none: nothing opened, nothing audited.
    count = AuditEvent.objects.filter(action="care.recipient.sensitive_read").count()
    masked = client(p["supervisor"]).post(f"{file_url(r)}show/", {})
    assert masked.status_code == 200 and SECRETS["health"] not in masked.content.decode()
    assert AuditEvent.objects.filter(action="care.recipient.sensitive_read").count() == count
    assert client(p["outsider"]).post(f"{file_url(r)}show/", {}).status_code == 404
    assert client(p["staff"]).get(f"{file_url(r)}show/").status_code == 405
    assert client(None).post(f"{file_url(r)}show/", {}).status_code == 302


def test_registering_a_person_with_consent(world: World) -> None:
    p = world.people
    c = client(p["staff"])
    assert c.get(f"/care/register/{A1A}/").status_code == 200
    bad = c.post(f"/care/register/{A1A}/", {"name": "刘奶奶", "risk": "high"})
    assert bad.status_code == 400 and "Give at least one category." in bad.content.decode()
    assert not Recipient.objects.filter(name="刘奶奶").exists()
    res = c.post(
        f"/care/register/{A1A}/",
        {
            "name": "刘奶奶",
            "area": "500103001001-001",
            "address": "华一坡5号",
            "categories": ["elderly_alone", "disability"],
            "risk": "high",
            "birth_date": "1938-02-11",
            "health": "糖尿病",
            "consent_method": "verbal_witnessed",
            "consent_given_by": "刘奶奶",
            "consent_witness": "王芳",
        },
    )
    made = Recipient.objects.get(name="刘奶奶")
    assert res.status_code == 302 and res["Location"] == file_url(made)
    assert made.category_codes == ["elderly_alone", "disability"] and made.risk == "high"
    assert made.consented(Purpose.REGISTRATION) and b"\xe7\xb3\x96" not in made.sealed.encode()
    # Another person in the same household.
    res = c.post(
        f"/care/register/{A1A}/?household={made.household_id}",
        {"name": "刘大爷", "categories": ["elderly_alone"], "risk": "medium", "area": A1A},
    )
    assert res.status_code == 302
    assert Recipient.objects.get(name="刘大爷").household_id == made.household_id
    assert "刘大爷" in c.get(file_url(made)).content.decode()
    # Not for those who do not keep the registry.
    assert client(p["supervisor"]).get(f"/care/register/{A1A}/").status_code == 403
    assert client(p["outsider"]).post(f"/care/register/{A1A}/", {"name": "x"}).status_code == 403
    assert client(p["staff"]).get(f"/care/register/{STREET}/").status_code == 403
    assert client(p["street_admin"]).get(f"/care/register/{STREET}/").status_code == 404  # not a community
    assert client(p["staff"]).get(f"/care/register/{OTHER}/").status_code == 403
    assert client(p["staff"]).get(f"/care/register/{A1A}/?household=999999").status_code == 404
    # Not a number to look up: "²" and "٣" are digits to str.isdigit(), 10**20 overflows the key.
    for odd in ("\u00b2", "\u0663", "-1", str(10**20)):
        assert client(p["staff"]).get(f"/care/register/{A1A}/", {"household": odd}).status_code == 404
    assert client(None).get(f"/care/register/{A1A}/").status_code == 302


def test_recording_consents_and_changing_the_status(world: World) -> None:
    p = world.people
    child = register(
        world,
        name="李小明",
        consent=False,
        birth_date="2015-09-01",
        guardian_name="李桂兰",
        categories=["left_behind_child"],
    )
    c = client(p["staff"])
    url = f"{file_url(child)}consent/"
    wrong = c.post(
        url, {"purpose": "registration", "given": "yes", "method": "signed_form", "given_by": "李小明"}
    )
    assert wrong.status_code == 400 and "guardian" in wrong.content.decode()
    assert not Consent.objects.filter(recipient=child).exists()
    ok = c.post(
        url,
        {
            "purpose": "registration",
            "given": "yes",
            "method": "signed_form",
            "given_by": "李桂兰",
            "by_guardian": "on",
        },
    )
    assert ok.status_code == 302
    consent = Consent.objects.get(recipient=child)
    assert consent.by_guardian and consent.recorded_by == p["staff"]
    body = c.get(file_url(child)).content.decode()
    assert "李桂兰" in body and "signed form" in body
    assert client(p["supervisor"]).post(url, {"purpose": "sharing"}).status_code in (403, 404)
    assert client(p["outsider"]).post(url, {}).status_code == 404
    # Status: moved away, then back.
    status = f"{file_url(child)}status/"
    assert c.post(status, {"move": "moved_away", "reason": "随父母迁往外地"}).status_code == 302
    child.refresh_from_db()
    assert child.status == Status.MOVED_AWAY
    assert c.post(status, {"move": "deceased"}).status_code == 409
    assert c.post(status, {"move": "resume"}).status_code == 302
    child.refresh_from_db()
    assert child.status == Status.ACTIVE
    assert (
        client(p["helper"] if "helper" in p else p["outsider"]).post(status, {"move": "end"}).status_code
        == 404
    )


def test_the_pages_in_chinese(world: World, r: Recipient) -> None:
    staff = client(world.people["staff"], "zh-hans")
    street = client(world.people["supervisor"], "zh-hans")
    for c, url in (
        (staff, f"/care/{A1A}/"),
        (staff, file_url(r)),
        (staff, f"/care/register/{A1A}/"),
        (staff, f"/care/import/{A1A}/"),
        (street, f"/care/{STREET}/"),
    ):
        res = c.get(url)
        assert res.status_code == 200, url
        assert '<html lang="zh-hans">' in res.content.decode()


def test_pairing_helpers_on_the_household_file(world: World, r: Recipient) -> None:
    p = world.people
    c = client(p["staff"])
    url = f"{file_url(r)}pair/"
    unknown = c.post(url, {"helper": "nobody"})
    assert unknown.status_code == 400 and "No account has this username or phone." in unknown.content.decode()
    assert c.post(url, {"helper": "member", "lead": "on"}).status_code == 302
    pairing = Pairing.objects.get(recipient=r, helper=p["member"], ended_on__isnull=True)
    assert pairing.lead and not Pairing.objects.get(recipient=r, helper=p["helper"]).lead
    assert c.post(url, {"helper": "member"}).status_code == 409  # already paired
    assert (
        str(p["member"])
        in c.get(file_url(r)).content.decode().split('id="helpers"')[1].split("</section>")[0]
    )
    end = f"{file_url(r)}pairings/{pairing.pk}/end/"
    assert c.post(end, {"reason": ""}).status_code == 400
    assert c.post(end, {"reason": "调往外区工作"}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on is not None and pairing.end_reason == "调往外区工作"
    assert c.post(f"{file_url(r)}pairings/{pairing.pk}/nope/").status_code == 404
    # Only the care staff pair; the others are refused without a change.
    assert client(p["helper"]).post(url, {"helper": "member"}).status_code == 403
    assert client(p["supervisor"]).post(url, {"helper": "member"}).status_code == 403
    assert client(p["outsider"]).post(url, {"helper": "member"}).status_code == 404
    assert client(None).post(url, {"helper": "member"}).status_code == 302
    assert Pairing.objects.filter(recipient=r, ended_on__isnull=True).count() == 1


def test_the_ledger_on_the_household_file(world: World, r: Recipient) -> None:
    p = world.people
    catalog = build_catalog(world)
    helper = client(p["helper"])
    add = f"{file_url(r)}items/"
    assert helper.post(add, {"what": ""}).status_code == 400
    assert (
        helper.post(add, {"what": "屋顶漏水", "who_acts": "物业", "due_on": "2000-01-01"}).status_code == 400
    )
    assert helper.post(add, {"what": "屋顶漏水", "who_acts": "物业"}).status_code == 302
    assert helper.post(add, {"what": "缺少助行器"}).status_code == 302
    leak, walker = Item.objects.filter(recipient=r).order_by("pk")
    assert AuditEvent.objects.filter(action="care.item.added").count() == 2
    # The helper may make a request of it, not close it.
    close = f"{file_url(r)}items/{leak.pk}/close/"
    assert helper.post(close, {"confirmation": "户主签字确认"}).status_code == 403
    staff = client(p["staff"])
    assert staff.post(close, {"confirmation": ""}).status_code == 400
    assert staff.post(close, {"confirmation": "户主签字确认"}).status_code == 302
    leak.refresh_from_db()
    assert leak.status == ItemStatus.CLOSED and leak.closed_by == p["staff"]
    assert staff.post(close, {"confirmation": "again"}).status_code == 409
    to_case = f"{file_url(r)}items/{walker.pk}/to-case/"
    assert helper.post(to_case, {"service": "nope"}).status_code == 400
    assert (
        helper.post(to_case, {"service": catalog["road"].code, "description": "需要助行器"}).status_code
        == 302
    )
    walker.refresh_from_db()
    assert walker.status == ItemStatus.CASE and walker.case is not None
    body = staff.get(file_url(r)).content.decode()
    ledger = body.split('id="ledger"')[1].split("</section>")[0]
    assert walker.case.number in ledger and "户主签字确认" in ledger
    timeline = body.split('id="timeline"')[1].split("</section>")[0]
    assert "屋顶漏水" in timeline and "缺少助行器" in timeline
    assert client(p["outsider"]).post(add, {"what": "x"}).status_code == 404
    assert client(p["supervisor"]).post(add, {"what": "x"}).status_code == 403
    assert client(p["outsider"]).post(close, {"confirmation": "x"}).status_code == 404
    assert Item.objects.filter(recipient=r).count() == 2


def test_correcting_the_details_keeps_the_sensitive_fields_left_blank(world: World, r: Recipient) -> None:
    p = world.people
    url = f"{file_url(r)}edit/"
    c = client(p["staff"])
    form = c.get(url)
    assert form.status_code == 200
    assert "13800000001" in form.content.decode() and SECRETS["health"] not in form.content.decode()
    res = c.post(
        url,
        {
            "name": "王秀英",
            "phone": "13800000009",
            "address": "华一坡5号",
            "categories": ["elderly_alone"],
            "risk": "medium",
            "birth_date": "1949-05-01",
            "income": "月收入一千五百元",
        },
    )
    assert res.status_code == 302 and res["Location"] == file_url(r)
    r.refresh_from_db()
    assert r.phone == "13800000009" and r.risk == "medium" and r.category_codes == ["elderly_alone"]
    assert r.household.address == "华一坡5号"
    shown = client(p["staff"]).post(f"{file_url(r)}show/", {}).content.decode()
    assert "月收入一千五百元" in shown and SECRETS["health"] in shown  # kept
    bad = c.post(url, {"name": "王秀英", "categories": [], "risk": "high"})
    assert bad.status_code == 400 and "Give at least one category." in bad.content.decode()
    for persona, status in (("helper", 403), ("supervisor", 403), ("outsider", 404), ("resident", 404)):
        assert client(p[persona]).get(url).status_code == status, persona
        assert client(p[persona]).post(url, {"name": "x"}).status_code == status, persona
    assert client(None).get(url).status_code == 302
    r.refresh_from_db()
    assert r.name == "王秀英" and r.risk == "medium"


def test_the_household_file_costs_a_bounded_number_of_queries(world: World, r: Recipient) -> None:
    c = client(world.people["staff"])
    Item.objects.create(recipient=r, what="屋顶漏水", since=timezone.localdate(), area_path=r.area_path)
    c.get(file_url(r))
    with CaptureQueriesContext(connection) as few:
        assert c.get(file_url(r)).status_code == 200
    today = timezone.localdate()
    for i in range(8):
        Visit.objects.create(
            recipient=r,
            kind="home",
            visited_at=timezone.now() - dt.timedelta(days=i + 1),
            by=world.people["helper"],
            digest=str(i),
            area_path=r.area_path,
        )
        Item.objects.create(recipient=r, what=f"问题{i}", since=today, area_path=r.area_path)
    register(world, name="王大爷", household=r.household.pk)
    with CaptureQueriesContext(connection) as many:
        assert c.get(file_url(r)).status_code == 200
    assert len(many) == len(few) <= 30, [q["sql"] for q in many.captured_queries]


def test_a_supervisor_reads_neither_the_ledger_s_text_nor_the_visits_notes(
    world: World, r: Recipient
) -> None:
    p = world.people
    today = timezone.localdate()
    item = Item.objects.create(
        recipient=r,
        what="SECRET-ITEM 欠债",
        who_acts="王主任",
        since=today,
        area_path=r.area_path,
    )
    closed = Item.objects.create(
        recipient=r,
        what="SECRET-CLOSED 药费",
        since=today,
        status=ItemStatus.CLOSED,
        confirmation="SECRET-CONFIRM",
        closed_at=timezone.now(),
        area_path=r.area_path,
    )
    Visit.objects.create(
        recipient=r,
        kind="home",
        visited_at=timezone.now(),
        companions="SECRET-COMPANION",
        notes="SECRET-NOTE",
        digest="d",
        area_path=r.area_path,
    )
    secrets = ("SECRET-ITEM", "王主任", "SECRET-CLOSED", "SECRET-CONFIRM", "SECRET-COMPANION", "SECRET-NOTE")
    page = client(p["supervisor"]).get(file_url(r))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="ledger"' in body and 'id="timeline"' in body
    for secret in secrets:
        assert secret not in body, secret
    console = client(p["supervisor"]).get(f"/care/{A1A}/").content.decode()
    assert "SECRET-ITEM" not in console and "王主任" not in console
    # The care staff read them all.
    staff = client(p["staff"]).get(file_url(r)).content.decode()
    for secret in secrets:
        assert secret in staff, secret
    assert "SECRET-ITEM" in client(p["staff"]).get(f"/care/{A1A}/").content.decode()
    assert item.pk and closed.pk
