"""The center's public page in a real Chromium: a resident on a phone, in Chinese, takes the
last seat; a second resident at a desk, in English, joins the waitlist; the first cancels and
the seat is offered to the second, who takes it. Screenshots: screenshots/center-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.center.models import Registration, Status
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
    expect(card(desk)).to_contain_text("Full; 0 waiting")
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
