"""The center's public page in a real Chromium: a resident on a phone, in Chinese, takes the
last seat; a second resident at a desk, in English, joins the waitlist; the first cancels and
the seat is offered to the second, who takes it. Staff register an elderly resident on her
behalf and check people in at the door. Screenshots: screenshots/center-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.center.models import Registration, Status
from needle.center.services import registration_create
from needle.center.tests.conftest import make_activity
from needle.orgs.models import Unit
from needle.testing import Tab, sign_in, switch_language, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}


def card(tab: Tab) -> Any:
    return tab.page.locator("article.card").filter(has_text="太极拳")


def test_a_seat_freed_is_offered_to_the_first_waiting_who_takes_it(
    world: t.World, center: Unit, open_tab: Any
) -> None:
    activity = make_activity(world, capacity=1)
    page_path = f"/center/{world.areas['community_a1a'].code}/"

    # The resident, on a phone, in Chinese: the one seat.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "resident")
    phone.goto(page_path)
    expect(card(phone)).to_contain_text("剩余1个名额")
    phone.shot("center-01-phone-zh-one-seat.png")
    card(phone).get_by_role("button", name=zh("Register")).click()
    mine = Registration.objects.get(activity=activity, person=world.people["resident"])
    expect(phone.page.locator("ul.messages")).to_contain_text(mine.code)
    assert mine.status == Status.CONFIRMED
    expect(card(phone)).to_contain_text(zh("Cancel my registration"))
    phone.shot("center-02-phone-zh-registered.png")

    # A member, at a desk, in English: the class is full, so the waitlist.
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "member")
    switch_language(desk, "en")
    desk.goto(page_path)
    expect(card(desk)).to_contain_text("Full")
    card(desk).get_by_role("button", name="Join the waitlist").click()
    expect(desk.page.locator("ul.messages")).to_contain_text("number 1 on the waitlist")
    waiting = Registration.objects.get(activity=activity, person=world.people["member"])
    assert waiting.status == Status.WAITLISTED
    desk.shot("center-03-desk-en-waitlisted.png")

    # The resident gives the seat up: it is offered to the member, who takes it.
    card(phone).get_by_role("button", name=zh("Cancel my registration")).click()
    expect(phone.page.locator("ul.messages")).to_contain_text(zh("Your registration is cancelled."))
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED and waiting.offered_until is not None
    desk.goto(page_path)
    expect(card(desk)).to_contain_text("Take the seat")
    until = timezone.localtime(waiting.offered_until).strftime("%Y-%m-%d %H:%M")
    expect(card(desk)).to_contain_text(f"take it by {until}")
    desk.shot("center-04-desk-en-offered.png")
    card(desk).get_by_role("button", name="Take the seat").click()
    expect(desk.page.locator("ul.messages")).to_contain_text(waiting.code)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    desk.shot("center-05-desk-en-confirmed.png")

    # Signed out, the page shows the seats and nobody's name or code.
    anonymous: Tab = open_tab(**PHONE)
    anonymous.goto(page_path)
    body = anonymous.page.locator("main").inner_text()
    assert waiting.code not in body and mine.code not in body
    assert world.people["member"].username not in body
    anonymous.shot("center-06-phone-zh-anonymous.png")


def test_staff_register_an_elderly_resident_on_behalf_and_check_people_in(
    world: t.World, center: Unit, open_tab: Any
) -> None:
    starts = timezone.now() + dt.timedelta(minutes=50)
    activity = make_activity(
        world, capacity=3, title_en="Tai chi", starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    mine = registration_create(actor=world.people["resident"], activity=activity)
    code = world.areas["community_a1a"].code

    # The staff member, at a desk, in Chinese: today's session on the home, then the calendar.
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "staff")
    desk.goto("/")
    expect(desk.page.locator("#today-center")).to_contain_text("太极拳")
    desk.goto(f"/center/{code}/staff/")
    expect(desk.page.locator("table.calendar")).to_contain_text("太极拳")
    desk.shot("center-07-desk-zh-calendar.png")
    desk.page.locator("table.calendar a.event").filter(has_text="太极拳").click()

    # An elderly resident without a phone of her own, registered on her behalf.
    form = desk.page.locator("section.card form")
    form.get_by_label(zh("the person's name").capitalize()).fill("王秀英")
    form.get_by_label(zh("age").capitalize()).fill("78")
    form.get_by_label(zh("They agreed to their details being kept")).check()
    form.get_by_role("button", name=zh("Register")).click()
    expect(desk.page.locator("ul.messages")).to_contain_text("王秀英")
    on_behalf = Registration.objects.get(activity=activity, record__name="王秀英")
    assert on_behalf.status == Status.CONFIRMED and on_behalf.registered_by == world.people["staff"]
    expect(desk.page.locator("table")).to_contain_text(zh("no account"))
    desk.shot("center-08-desk-zh-activity.png")

    # The resident shows her QR code on her phone, in English.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "resident")
    switch_language(phone, "en")
    phone.goto("/center/mine/")
    expect(phone.page.locator("article.card").first).to_contain_text(mine.code)
    expect(phone.page.locator(".qr svg")).to_be_visible()
    phone.shot("center-09-phone-en-my-code.png")

    # At the door, on a tablet-sized screen: her code as typed, then 王秀英 found by name.
    door: Tab = open_tab(viewport={"width": 800, "height": 1000})
    sign_in(door, "staff")
    door.goto(f"/center/activities/{activity.pk}/check-in/")
    door.page.get_by_label(zh("Code (typed, said, or scanned from the QR code)")).fill(mine.code.lower())
    door.page.get_by_role("button", name=zh("Check in")).first.click()
    expect(door.page.locator("ul.messages")).to_contain_text(mine.code)
    door.page.get_by_label(zh("or search a name")).fill("秀英")
    door.page.get_by_role("button", name=zh("Search")).click()
    door.page.locator("table").get_by_role("button", name=zh("Check in")).click()
    expect(door.page.locator("ul.messages")).to_contain_text(on_behalf.code)
    door.shot("center-10-tablet-zh-check-in.png")
    assert {r.status for r in Registration.objects.filter(activity=activity)} == {Status.ATTENDED}

    # The attendance sheet, as printed.
    desk.goto(f"/center/activities/{activity.pk}/sheet/")
    expect(desk.page.locator("table")).to_contain_text("王秀英")
    desk.page.emulate_media(media="print")
    desk.shot("center-11-desk-zh-sheet-print.png")
