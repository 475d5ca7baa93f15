"""The care pages in a real Chromium: the community's care staff open the console and a household
file at a desk in English and on a phone in Chinese, open the sensitive fields with a reason
(the "show" button), and the street's supervisor reads the communities' counts. Screenshots:
screenshots/care-pages-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.care.models import Item, Recipient, Visit
from needle.care.services import imports
from needle.care.tests.registry_helpers import SECRETS, personas, register
from needle.testing import Tab, sign_in, switch_language, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}
A1A = "500103001001"


def households(world: t.World) -> Recipient:
    """A small community's registry: one overdue with a helper, a child without one, one never
    visited, problems on the ledger."""
    today = timezone.localdate()
    wang = register(world)
    personas(world, wang)
    Visit.objects.create(
        recipient=wang,
        kind="home",
        visited_at=timezone.now() - dt.timedelta(days=12),
        by=world.people["helper"],
        notes="精神不错，血压偏高",
        needs="屋顶漏水",
        digest="a",
        area_path=wang.area_path,
    )
    Recipient.objects.filter(pk=wang.pk).update(
        last_visit_on=today - dt.timedelta(days=12), next_visit_due=today - dt.timedelta(days=5)
    )
    Item.objects.create(
        recipient=wang,
        what="屋顶漏水",
        since=today - dt.timedelta(days=12),
        who_acts="物业",
        area_path=wang.area_path,
    )
    register(
        world,
        name="李小明",
        birth_date="2015-09-01",
        guardian_name="李桂兰",
        categories=["left_behind_child"],
        risk="medium",
    )
    zhao = register(world, name="赵大爷", risk="low", categories=["elderly_alone", "unemployed"])
    Recipient.objects.filter(pk=zhao.pk).update(next_visit_due=today + dt.timedelta(days=3))
    wang.refresh_from_db()
    return wang


def test_the_console_and_the_household_file(world: t.World, open_tab: Any) -> None:
    wang = households(world)

    desk: Tab = open_tab(**DESK)
    sign_in(desk, "staff")
    switch_language(desk, "en")
    desk.goto("/care/")
    page = desk.page
    expect(page.locator("#overdue")).to_contain_text("王秀英")
    expect(page.locator("#needs-helper")).to_contain_text("李小明")
    expect(page.locator("#needs-helper")).not_to_contain_text("王秀英")
    expect(page.locator("#items")).to_contain_text("屋顶漏水")
    desk.shot("care-pages-01-desk-en-console.png")
    page.locator("#overdue").get_by_role("link", name="王秀英").click()
    expect(page.locator("h1")).to_contain_text("王秀英")
    expect(page.locator("#sensitive")).not_to_contain_text(SECRETS["health"])
    expect(page.locator("#timeline")).to_contain_text("精神不错")
    desk.shot("care-pages-02-desk-en-household.png")
    page.fill("#why", "家访前核对")
    page.locator("#sensitive").get_by_role("button", name="Show").click()
    expect(page.locator("#sensitive")).to_contain_text(SECRETS["health"])
    expect(page.locator("#sensitive")).to_contain_text(SECRETS["id_number"])
    desk.shot("care-pages-03-desk-en-household-shown.png")

    # The language is the person's own (kept on their account): the phone switches back.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "staff")
    switch_language(phone, "zh-hans")
    phone.goto(f"/care/{A1A}/")
    expect(phone.page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(phone.page.locator("h1")).to_contain_text(zh("Care"))
    expect(phone.page.locator("#overdue")).to_contain_text("王秀英")
    phone.shot("care-pages-04-phone-zh-console.png")
    phone.goto(f"/care/{A1A}/r/{wang.pk}/")
    expect(phone.page.locator("#sensitive")).not_to_contain_text(SECRETS["health"])
    phone.shot("care-pages-05-phone-zh-household.png")
    # Nothing is wider than the phone.
    assert phone.js("document.documentElement.scrollWidth") <= 390

    # The street's supervisor: counts only, in Chinese on the phone and in English at a desk.
    street: Tab = open_tab(**PHONE)
    sign_in(street, "supervisor")
    street.goto("/care/")
    expect(street.page.locator("#communities")).to_contain_text("华一坡社区居委会")
    expect(street.page.locator("main")).not_to_contain_text("王秀英")
    street.shot("care-pages-06-phone-zh-street.png")
    desk.goto(f"/care/{A1A}/r/{wang.pk}/")
    switch_language(desk, "zh-hans")
    desk.goto(f"/care/{A1A}/r/{wang.pk}/")
    expect(desk.page.locator("#ledger")).to_contain_text("屋顶漏水")
    desk.shot("care-pages-07-desk-zh-household.png")
    desk.goto(f"/care/{A1A}/")
    desk.shot("care-pages-08-desk-zh-console.png")
    switch_language(phone, "en")
    phone.goto(f"/care/{A1A}/")
    phone.shot("care-pages-09-phone-en-console.png")
    phone.goto(f"/care/{A1A}/r/{wang.pk}/")
    phone.shot("care-pages-10-phone-en-household.png")
    for tab in (desk, phone, street):
        tab.assert_clean()


def test_importing_household_files_line_by_line(world: t.World, open_tab: Any, tmp_path: Any) -> None:
    header = [h for _f, h in imports.COLUMNS]
    bad = tmp_path / "households.csv"
    good_line = ["1", A1A, "华一路1号", "孙大妈", "", "1945-01-02", "独居老人", "高"]
    bad.write_bytes(
        imports.sheets.template_csv(header, good_line, ["2", A1A, "", "钱大爷", "", "", "外星人", "很高"])
    )
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "staff")
    switch_language(desk, "en")
    desk.goto(f"/care/import/{A1A}/")
    desk.page.set_input_files("#file", str(bad))
    desk.page.get_by_role("button", name="Import").click()
    errors = desk.page.locator("#import-errors")
    expect(errors).to_contain_text("line 3")
    expect(errors).to_contain_text("categories")
    assert not Recipient.objects.exists()
    desk.shot("care-pages-11-desk-en-import-errors.png")
    good = tmp_path / "households-fixed.csv"
    good.write_bytes(imports.sheets.template_csv(header, good_line))
    desk.page.set_input_files("#file", str(good))
    desk.page.get_by_role("button", name="Import").click()
    expect(desk.page.locator("#registry")).to_contain_text("孙大妈")
    assert Recipient.objects.get().name == "孙大妈"

    # Registering one more on the form, on a phone.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "staff")
    switch_language(phone, "zh-hans")
    phone.goto(f"/care/register/{A1A}/")
    page = phone.page
    page.fill("#name", "周奶奶")
    page.fill("#birth_date", "1940-06-01")
    page.locator("input[name=categories][value=elderly_alone]").check()
    page.locator("input[name=categories][value=serious_illness]").check()
    page.locator("input[name=risk][value=high]").check()
    page.fill("#health", "心脏病，需定期复诊")
    page.select_option("#consent_method", "signed_form")
    phone.shot("care-pages-12-phone-zh-register.png")
    page.locator("#register button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("周奶奶")
    made = Recipient.objects.get(name="周奶奶")
    assert made.category_codes == ["elderly_alone", "serious_illness"] and made.risk == "high"
    phone.shot("care-pages-13-phone-zh-registered.png")
