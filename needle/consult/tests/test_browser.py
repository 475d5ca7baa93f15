"""The think tank in a real Chromium: a resident on a phone, in Chinese, suggests; a neighbour at
a desk, in English, supports; staff answer "adopted" from the console, follow the suggestion
through as a result with two actions, one following a request; the request is resolved by the
department and the result's progress moves, and the area's progress page shows it with its
timeline. Then the staff run a deliberation meeting (a participant without an account,
attendance, a decision voted on, minutes) and follow its decision through as a result, which the
street's supervisor reads on a phone. Screenshots: screenshots/consult-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.services import case_accept, case_resolve
from needle.consult import services as s
from needle.consult.models import Meeting, MeetingStatus, Result, Suggestion
from needle.consult.tests.conftest import make_suggestion, make_topic
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

    # The area's public progress page: on a phone in Chinese and at a desk in English, the
    # result under way, its timeline (the request resolved) and the suggestion it came from.
    progress_path = f"/consult/{world.areas['community_a1a'].code}/results/"
    resolved = zh("the request followed by %(title)s was resolved") % {"title": "修复停车场入口道路"}
    for tab, words, name in (
        (phone, resolved, "consult-08-phone-zh-progress.png"),
        (desk, "the request followed by 修复停车场入口道路 was resolved", "consult-09-desk-en-progress.png"),
    ):
        tab.goto(progress_path)
        card = tab.page.locator(f"#r{result.pk}")
        expect(tab.page.locator("#results-in_progress")).to_contain_text(result.title)
        expect(card).to_contain_text("错时共享停车")
        card.locator("summary").click()
        expect(card.locator("ol.timeline")).to_contain_text(words)
        tab.shot(name)
    assert phone.js("document.documentElement.scrollWidth") <= 390
    body = phone.page.locator("main").inner_text()
    assert case.number not in body and "Resident" not in body


def test_staff_run_a_deliberation_meeting_and_follow_its_decision_through(
    world: t.World, open_tab: Any
) -> None:
    topic = make_topic(world)
    suggestion = make_suggestion(world, topic, title="错时共享停车")
    s.suggestion_answer(actor=world.people["staff"], suggestion=suggestion, answer="adopted", text_="采纳")

    # The community's staff, at a desk in Chinese, call the council on the adopted suggestion.
    staff: Tab = open_tab(**DESK)
    sign_in(staff, "staff")
    staff.goto("/consult/console/meetings/")
    form = staff.page.locator("details.card").filter(has_text=zh("Call a meeting"))
    form.locator("summary").click()
    form.locator("input[name=title]").fill("十二月居民议事会")
    when = timezone.localtime() - dt.timedelta(hours=1)
    form.locator("input[name=starts_at]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=place]").fill("社区活动室")
    form.get_by_label("错时共享停车").check()
    staff.shot("consult-10-desk-zh-call-meeting.png")
    form.get_by_role("button", name=zh("Call the meeting")).click()
    staff.page.wait_for_url("**/consult/console/meetings/*/")
    meeting = Meeting.objects.get()

    # The property company's manager has no account: a shared record, consent noted.
    seat = staff.page.locator("details.card").filter(has_text=zh("Add a participant"))
    seat.locator("summary").click()
    seat.locator("select[name=kind]").select_option("property")
    seat.locator("input[name=name]").fill("王经理")
    seat.locator("input[name=consent]").check()
    seat.get_by_role("button", name=zh("Add")).click()
    expect(staff.page.locator("#seats")).to_contain_text("王经理")
    seat = staff.page.locator("details.card").filter(has_text=zh("Add a participant"))
    seat.locator("summary").click()
    seat.locator("input[name=username]").fill("resident")
    seat.get_by_role("button", name=zh("Add")).click()
    expect(staff.page.locator("#seats li")).to_have_count(2)

    # Held with both present; a decision voted on; the minutes close it.
    staff.page.get_by_role("button", name=zh("Record the meeting as held")).click()
    expect(staff.page.locator("#meeting-status")).to_have_text(str(zh(MeetingStatus.HELD.label)))
    decide = staff.page.locator("details.card").filter(has_text=zh("Record a decision"))
    decide.locator("summary").click()
    decide.locator("input[name=title]").fill("夜间开放单位车位")
    decide.locator("textarea[name=text]").fill("同意与周边单位签订错时停车协议。")
    decide.locator("input[name=votes_for]").fill("2")
    decide.locator("input[name=against]").fill("0")
    decide.locator("input[name=abstain]").fill("0")
    decide.locator("select[name=suggestion]").select_option(str(suggestion.pk))
    decide.get_by_role("button", name=zh("Record the decision")).click()
    expect(staff.page.locator("#decisions")).to_contain_text("夜间开放单位车位")
    staff.page.locator("textarea[name=minutes]").fill("会议讨论了停车难问题，表决通过错时停车方案。")
    staff.page.get_by_role("button", name=zh("Save the minutes")).click()
    expect(staff.page.locator("#minutes")).to_contain_text("错时停车方案")
    staff.shot("consult-11-desk-zh-meeting-minuted.png")

    # The passed decision becomes a result, whose page names the decision and its votes.
    staff.page.get_by_role("button", name=zh("Follow it through as a result")).click()
    staff.page.wait_for_url("**/consult/results/*/")
    expect(staff.page.locator("main")).to_contain_text("夜间开放单位车位")
    staff.shot("consult-12-desk-zh-result-from-decision.png")

    # The street's supervisor reads the meeting on a phone, in English; nothing to press.
    supervisor: Tab = open_tab(**PHONE)
    sign_in(supervisor, "supervisor")
    switch_language(supervisor, "en")
    supervisor.goto(f"/consult/console/meetings/{meeting.pk}/")
    expect(supervisor.page.locator("#minutes")).to_contain_text("错时停车方案")
    expect(supervisor.page.locator("#seats")).to_contain_text("王经理")
    assert supervisor.page.locator("form[action$='/minutes/']").count() == 0
    assert supervisor.js("document.documentElement.scrollWidth") <= 390
    supervisor.shot("consult-13-phone-en-meeting.png")
