"""The hotline's other steps in a real Chromium, on a wide and a phone-sized screen, in Chinese
and English: a handler asks for more time and puts a case on hold, a dispatcher decides the
extension, a called-in unit responds, a resident adds a photo and withdraws through the
tracking link, staff take a call (the caller's earlier requests, a direct answer).

Screenshots land in screenshots/steps-*.png (git-ignored), for a human to look over."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Case, EventKind, Extension, Service, State
from needle.testing import Tab, sign_in, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

WIDE = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def english(tab: Tab) -> Tab:
    """The tab reads English from now on (the language cookie, as the switcher sets it; signing in
    sets it to the person's own)."""
    tab.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": tab.base}])
    return tab


def no_overflow(tab: Tab) -> None:
    """Nothing wider than the screen: a phone never scrolls sideways."""
    assert tab.js("document.documentElement.scrollWidth <= window.innerWidth + 1")


def in_progress(world: t.World, catalog: dict[str, Any]) -> Case:
    Service.objects.filter(pk=catalog["road"].pk).update(suspendable=True)
    handler = world.people["handler"]
    case = s.case_accept(actor=handler, case=t.submit(world, Service.objects.get(code="road")))
    return s.case_start(actor=handler, case=case)


def test_handler_dispatcher_and_called_in_unit(world: t.World, open_tab: Any) -> None:
    catalog = t.build_catalog(world)
    case = in_progress(world, catalog)
    s.case_whistle(actor=world.people["supervisor"], case=case, units=[world.units["rc_a1a"]])
    url = f"/cases/{case.number}/"

    # The handler asks for ten more days, in Chinese on a wide screen.
    handler = open_tab(**WIDE)
    sign_in(handler, "handler")
    handler.goto(url)
    page = handler.page
    expect(page.locator("#act-suspend h3")).to_have_text(zh("Put on hold (挂起)"))
    due = timezone.localtime() + dt.timedelta(days=20)  # the field reads the deployment's time
    page.fill("#id_extend-due", due.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_extend-reason", "需委托第三方检测，检测周期较长。")
    handler.shot("steps-01-handler-wide-zh.png")
    page.locator("#act-extend button[type=submit]").click()
    expect(page.locator("main h1")).to_be_visible()
    assert Extension.objects.get(case=case).status == "pending"
    expect(page.locator("#act-extend")).to_have_count(0)

    # The dispatcher sees the request and grants it, in English on a phone.
    dispatcher = open_tab(**PHONE)
    sign_in(dispatcher, "dispatcher")
    english(dispatcher).goto(url)
    page = dispatcher.page
    expect(page.locator("#act-decide_extension")).to_contain_text("需委托第三方检测")
    no_overflow(dispatcher)
    dispatcher.shot("steps-02-dispatcher-phone-en.png")
    page.locator("#act-decide_extension input[value=grant]").check()
    page.locator("#act-decide_extension button[type=submit]").click()
    expect(page.locator("main ol.timeline")).to_contain_text("The case is now due")
    dispatcher.shot("steps-03-dispatcher-granted-phone-en.png")

    # The called-in community responds from its page, on a phone in Chinese.
    staff = open_tab(**PHONE)
    sign_in(staff, "staff")
    staff.goto(url)
    page = staff.page
    page.fill("#id_respond-note", "明早九点派网格员到现场。")
    no_overflow(staff)
    staff.shot("steps-04-called-in-phone-zh.png")
    page.locator("#act-respond button[type=submit]").click()
    expect(page.locator("#act-respond")).to_have_count(0)
    assert case.assists.get().responded_at is not None

    # The handler puts it on hold; the timeline says so in each reader's language.
    handler.goto(url)
    page = handler.page
    page.fill("#id_suspend-reason", "需等待供暖季结束后开挖管道。")
    page.locator("#act-suspend button[type=submit]").click()
    expect(page.locator("main h1 .tag.state-suspended")).to_be_visible()
    expect(page.locator("#act-resume")).to_be_visible()
    handler.shot("steps-05-on-hold-wide-zh.png")
    english(handler).goto(url)
    expect(handler.page.locator("main h1 .tag.state-suspended")).to_have_text("on hold")
    handler.shot("steps-06-on-hold-wide-en.png")


def test_resident_adds_a_photo_and_withdraws_by_the_link(
    world: t.World, open_tab: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog = t.build_catalog(world)
    case = in_progress(world, catalog)
    case = s.case_suspend(actor=world.people["handler"], case=case, reason="需等待供暖季结束后开挖管道。")
    picture = tmp_path / "more.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "#1565c0").save(out, format="JPEG")
    picture.write_bytes(out.getvalue())
    link = f"/track/{case.tracking_token}/"

    resident = open_tab(**PHONE)  # no sign-in: the link is the key
    resident.goto(link)
    page = resident.page
    expect(page.locator("main")).to_contain_text(zh("the deadline waits until work resumes"))
    page.fill("#id_add_info-note", "补充：漏水点在3栋楼下的井盖旁。")
    page.set_input_files("#id_add_info-photos", str(picture))
    no_overflow(resident)
    resident.shot("steps-07-track-phone-zh.png")
    page.locator("#track-add_info button[type=submit]").click()
    expect(page.locator("main ol.timeline")).to_contain_text("漏水点在3栋楼下")
    resident.page.wait_for_function(
        "() => [...document.querySelectorAll('ol.timeline img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert case.events.filter(kind=EventKind.INFO_ADDED).count() == 1

    wide = english(open_tab(**WIDE))
    wide.goto(link)
    wide.page.locator("#track-withdraw summary").click()
    wide.page.fill("#id_withdraw-reason", "Fixed by the property manager.")
    wide.shot("steps-08-track-wide-en.png")
    wide.page.locator("#track-withdraw button[type=submit]").click()
    expect(wide.page.locator("main h1 .tag.state-withdrawn")).to_have_text("withdrawn")
    expect(wide.page.locator("#track-withdraw")).to_have_count(0)
    wide.shot("steps-09-track-withdrawn-wide-en.png")
    case.refresh_from_db()
    assert case.state == State.WITHDRAWN and case.suspended_at is None


def test_staff_take_a_call_answered_on_the_phone(world: t.World, open_tab: Any) -> None:
    catalog = t.build_catalog(world)
    earlier = t.submit(
        world, catalog["road"], reporter=None, contact_name="王先生", contact_phone="13800001111"
    )
    staff = open_tab(**WIDE)
    sign_in(staff, "staff")
    staff.goto("/intake/")
    page = staff.page
    page.wait_for_function("() => !!window.htmx")
    page.locator(".service-tree summary", has_text="城乡建设").click()
    page.locator(".service-tree label", has_text="道路破损").click()
    page.fill("#id_description", "咨询小区门口的路什么时候修。")
    page.fill("#id_area", "500103001001")
    page.fill("#id_contact_name", "王先生")
    with page.expect_response(lambda r: "/intake/caller/" in r.url):
        page.fill("#id_contact_phone", "13800001111")
        page.locator("#id_contact_phone").blur()
    expect(page.locator("#caller-history")).to_contain_text(earlier.number)
    page.fill("#id_answer", "已告知：施工计划下周一开始，工期三天。")
    page.check("#id_consent")
    staff.shot("steps-10-intake-wide-zh.png")
    page.locator("main form > button[type=submit]").click()
    expect(page.locator("main h1 .tag.state-answered")).to_be_visible()
    staff.shot("steps-11-answered-wide-zh.png")
    phone = open_tab(**PHONE)
    sign_in(phone, "staff")
    english(phone).goto("/intake/")
    no_overflow(phone)
    phone.shot("steps-12-intake-phone-en.png")
