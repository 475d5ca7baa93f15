"""Members serving where they live, in a real Chromium: a member on a phone, in Chinese, checks in
with the community of their home; staff at a desk, in English, confirm it; the member claims the
shift suggested to them and reports their hours; the coordinator verifies them and signs last
quarter's cards; the workplace unit's coordinator downloads its members' cards as a PDF, which
is turned into a picture to look at. Screenshots: screenshots/volunteering-*.png."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.testing import SHOTS, Tab, sign_in, switch_language, zh
from needle.volunteering import quarters
from needle.volunteering.models import CheckIn, CheckInStatus, Claim, HourEntry, HourStatus
from needle.volunteering.tests.lists_helpers import draft, first_shift, make_project

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}


def served_on() -> dt.date:
    """A day of last quarter a member may still report (90 days back at most): its card can be
    downloaded now. On the two or three days a year when none is left, the latest day allowed."""
    today = timezone.localdate()
    start, _end = quarters.parse_quarter(quarters.quarter_of(today))
    return max(start - dt.timedelta(days=1), today - dt.timedelta(days=89))


def test_a_member_checks_in_claims_serves_and_the_workplace_gets_the_card(
    vworld: t.World, open_tab: Any
) -> None:
    w = vworld
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7)
    shift = first_shift(
        make_project(
            w,
            draft(days=(saturday - timezone.localdate()).days, hour=9, skill_codes=["first_aid"]),
            title="周六应急救护值守",
        )
    )

    # The member, on a phone, in Chinese: first aid, free on Saturday mornings.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "member2")
    phone.goto("/volunteering/checkin/")
    page = phone.page
    page.locator("input[name=skill][value=first_aid]").check()
    page.fill("textarea[name=skills_text]", "心肺复苏, 电脑")
    page.locator("input[name=slot]").nth(5 * 3).check()  # Saturday (the sixth row), morning
    phone.shot("volunteering-01-phone-zh-checkin.png")
    page.get_by_role("button", name=zh("Check in"), exact=True).click()
    checkin = CheckIn.objects.get(person=w.people["member2"])
    assert checkin.status == CheckInStatus.SUBMITTED and checkin.grid == w.areas["grid_a1a"]
    assert {s.code for s in checkin.skills.all()} >= {"first_aid", "it"}
    phone.shot("volunteering-02-phone-zh-submitted.png")

    # Staff, at a desk, in English: the console shows the slip; they confirm it.
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "staff")
    switch_language(desk, "en")
    desk.goto("/volunteering/console/")
    expect(desk.page.locator("section.console-checkins")).to_contain_text(str(w.people["member2"]))
    desk.shot("volunteering-03-desk-en-console.png")
    desk.page.locator("section.console-checkins").get_by_role("button", name="Confirm").click()
    checkin.refresh_from_db()
    assert checkin.status == CheckInStatus.CONFIRMED

    # The member's page suggests the Saturday shift, saying why; they claim it.
    phone.goto("/volunteering/me/")
    fits = page.locator("#fits-me")
    expect(fits).to_contain_text("周六应急救护值守")
    expect(fits).to_contain_text(zh("needs your skill: %(skill)s") % {"skill": "急救"})
    expect(fits).to_contain_text("星期六上午，正是您有空的时候")
    phone.shot("volunteering-04-phone-zh-fits-me.png")
    fits.get_by_role("button", name=zh("Claim")).first.click()
    claim = Claim.objects.get(shift=shift, person=w.people["member2"])
    assert claim.status == "claimed"
    expect(page.locator("#my-claims")).to_contain_text("周六应急救护值守")

    # They report two hours of last quarter's service.
    day = served_on()
    hours = page.locator("#hours")
    hours.locator("input[name=date]").fill(day.isoformat())
    hours.locator("input[name=hours]").fill("2")
    hours.locator("textarea[name=description]").fill("社区应急救护培训")
    phone.shot("volunteering-05-phone-zh-report.png")
    hours.get_by_role("button", name=zh("Report hours")).click()
    entry = HourEntry.objects.get(person=w.people["member2"])
    assert entry.status == HourStatus.REPORTED and entry.date == day
    expect(page.locator("#hours")).to_contain_text("社区应急救护培训")

    # The coordinator verifies them and signs last quarter's cards.
    desk.goto("/volunteering/console/")
    section = desk.page.locator("#hours")
    expect(section).to_contain_text("社区应急救护培训")
    section.get_by_role("button", name="Verify").click()
    entry.refresh_from_db()
    assert entry.status == HourStatus.VERIFIED and entry.verified_by == w.people["staff"]
    desk.page.locator("#hours").get_by_role("button", name="Sign every card").click()
    desk.shot("volunteering-06-desk-en-verified.png")

    # The workplace's coordinator downloads the cards of the quarter of that day.
    unit = open_tab(**DESK)
    sign_in(unit, "unit_coord")
    quarter = quarters.quarter_of(day)
    unit.goto(f"/volunteering/units/{w.units['workplace'].pk}/?quarter={quarter}")
    expect(unit.page.locator("#hours")).to_contain_text(str(w.people["member2"]))
    unit.shot("volunteering-07-unit-zh.png")
    with unit.page.expect_download() as waiting:
        unit.page.locator("#hours").get_by_role("link", name="PDF").click()
    pdf = SHOTS / "volunteering-08-cards.pdf"
    waiting.value.save_as(pdf)
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF") and b"FontFile2" in body
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(SHOTS / "volunteering-08-card"),
            ],
            check=True,
        )
    for tab in (phone, desk, unit):
        tab.assert_clean()
