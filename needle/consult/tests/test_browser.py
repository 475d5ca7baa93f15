"""The think tank in a real Chromium: a resident on a phone, in Chinese, suggests; a neighbour at
a desk, in English, supports; staff answer "adopted" from the console, follow the suggestion
through as a result with two actions, one following a request; the request is resolved by the
department and the result's progress moves. Screenshots: screenshots/consult-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.cases.services import case_accept, case_resolve
from needle.consult.models import Result, Suggestion
from needle.consult.tests.conftest import make_topic
from needle.testing import Tab, sign_in, switch_language, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}


def test_a_suggestion_becomes_a_result_whose_progress_follows_a_request(
    world: t.World, open_tab: Any
) -> None:
    topic = make_topic(world)
    catalog = t.build_catalog(world)
    t.PersonFactory.create(username="neighbour", home_area=world.areas["community_a1a"])
    page_path = f"/consult/topics/{topic.pk}/"

    # The resident, on a phone, in Chinese, suggests.
    phone: Tab = open_tab(**PHONE)
    sign_in(phone, "resident")
    phone.goto(f"/consult/{world.areas['community_a1a'].code}/")
    phone.page.get_by_role("link", name=topic.title).click()
    phone.page.locator("input[name=title]").first.fill("错时共享停车")
    phone.page.locator("textarea[name=text]").first.fill("请社区与周边单位协商，夜间开放单位停车场给居民。")
    phone.shot("consult-01-phone-zh-suggest.png")
    phone.page.get_by_role("button", name=zh("Publish my suggestion")).click()
    expect(phone.page.locator("ul.messages")).to_contain_text(zh("Thank you: your suggestion is published."))
    made = Suggestion.objects.get(topic=topic)
    assert made.author == world.people["resident"]
    assert phone.js("document.documentElement.scrollWidth") <= 390
    phone.shot("consult-02-phone-zh-published.png")

    # A neighbour, at a desk, in English, supports it.
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "neighbour")
    switch_language(desk, "en")
    desk.goto(page_path)
    card = desk.page.locator(f"#s{made.pk}")
    card.get_by_role("button", name="Support").click()
    expect(desk.page.locator(f"#s{made.pk}")).to_contain_text("1 support")
    expect(desk.page.locator(f"#s{made.pk}")).to_contain_text("Withdraw my support")
    desk.shot("consult-03-desk-en-supported.png")

    # The community's staff answer "adopted" from the console.
    staff: Tab = open_tab(**DESK)
    sign_in(staff, "staff")
    staff.goto("/consult/console/")
    line = staff.page.locator("li.case-line").filter(has_text="错时共享停车")
    line.locator("summary").click()
    line.locator("select[name=status]").select_option("adopted")
    line.locator("textarea[name=text]").fill("采纳。社区将协调周边单位错时开放车位。")
    staff.shot("consult-04-desk-zh-console.png")
    line.get_by_role("button", name=zh("Send the answer")).click()
    expect(staff.page.locator("ul.messages")).to_contain_text("错时共享停车")
    made.refresh_from_db()
    assert made.status == "adopted"

    # ... and follow it through: a result with two actions, one following a request.
    case = t.submit(world, catalog["road"])
    staff.goto(page_path)
    staff.page.get_by_role("button", name=zh("Follow it through as a result")).click()
    staff.page.wait_for_url("**/consult/results/*/")
    result = Result.objects.get()
    for title, progress, number in (("协调周边单位", "50", ""), ("修复停车场入口道路", "0", case.number)):
        form = staff.page.locator("details.card").filter(has_text=zh("Add an action"))
        form.locator("summary").click()
        form.locator("input[name=title]").fill(title)
        form.locator("input[name=progress]").fill(progress)
        form.locator("input[name=case]").fill(number)
        form.get_by_role("button", name=zh("Add the action")).click()
        expect(staff.page.locator("ul.lines").first).to_contain_text(title)
    expect(staff.page.locator("main")).to_contain_text(zh("%(p)s%% done") % {"p": "25.0"})
    staff.shot("consult-05-desk-zh-result.png")

    # The department resolves the request: the action follows it and the progress moves.
    handler = world.people["handler"]
    case_resolve(actor=handler, case=case_accept(actor=handler, case=case), note="入口道路已修复")
    phone.goto(f"/consult/results/{result.pk}/")
    expect(phone.page.locator("main")).to_contain_text(zh("%(p)s%% done") % {"p": "75.0"})
    expect(phone.page.locator("main")).to_contain_text(case.number)
    assert phone.js("document.documentElement.scrollWidth") <= 390
    phone.shot("consult-06-phone-zh-result-moved.png")

    # Signed out, the topic page shows the suggestion and nobody's name.
    anonymous: Tab = open_tab(**PHONE)
    anonymous.goto(page_path)
    body = anonymous.page.locator("main").inner_text()
    assert "错时共享停车" in body and "Resident" not in body and "neighbour" not in body.lower()
    anonymous.shot("consult-07-phone-zh-anonymous.png")
