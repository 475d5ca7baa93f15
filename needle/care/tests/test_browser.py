"""The helper's phone page in a real Chromium: the helper opens it, loses the network, reloads
it from the phone (service worker), logs two visits, gets the network back, and the visits go
in one sync, stored once however often they are sent; a visit changed on the server meanwhile
comes back as a conflict showing both values, and the helper's choice is applied.
Screenshots: screenshots/care-helper-*.png (phone 390 px and desk, Chinese and English)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from needle import testing as t
from needle.care.models import Visit
from needle.care.services.visits import visit_log
from needle.care.tests.visit_rows import recipient
from needle.testing import Tab, sign_in, switch_language, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1280, "height": 900}}

QUEUE = """(user) => new Promise((resolve, reject) => {
  const open = indexedDB.open("needle-care-" + user, 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const req = open.result.transaction("visits").objectStore("visits").getAll();
    req.onsuccess = () => resolve(req.result);
  };
})"""

RESEND = """(bodies) => fetch("/api/v1/care/visits/sync", {
  method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json",
            "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]},
  body: JSON.stringify({visits: bodies})
}).then(r => r.json())"""


def offline_ready(tab: Tab) -> None:
    """Waits until the service worker controls the page (its files are then in its cache)."""
    tab.page.wait_for_function(
        "() => !!navigator.serviceWorker && navigator.serviceWorker.controller !== null"
    )


def test_a_helper_logs_two_visits_offline_they_sync_once_and_a_conflict_is_chosen(
    world: t.World, open_tab: Any
) -> None:
    grandpa = recipient(world, name="李大爷", categories=("elderly_alone", "disability"))
    child = recipient(world, name="王小明", categories=("left_behind_child",), risk="medium")
    phone: Tab = open_tab(**PHONE)
    page = phone.page
    sign_in(phone, "member")
    phone.goto("/care/helper/")
    offline_ready(phone)
    expect(page.locator("li.household")).to_have_count(2)
    expect(page.locator("#net-state")).to_have_text(zh("Online"))
    phone.shot("care-helper-01-phone-zh.png")

    # No network: the page still opens, from the phone.
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#net-state")).to_contain_text(
        zh("Offline: visits are kept on this phone and sent when the network is back")
    )
    expect(page.locator("li.household")).to_have_count(2)

    # A home visit to the grandfather, with a problem found.
    page.locator(f"li.household[data-recipient='{grandpa.pk}'] button.log-visit").click()
    page.locator("input[name=check-health][value=problem]").check()
    page.fill("#note-health", "血压偏高")
    page.locator("input[name=check-food][value=ok]").check()
    page.fill("#visit-notes", "精神不错，按时吃药")
    page.fill("#visit-needs", "卫生间需要扶手")
    expect(page.locator(".check[data-topic=school]")).to_be_hidden()
    page.get_by_role("button", name=zh("Save the visit")).click()
    expect(page.locator("#queue li")).to_have_count(1)

    # A call to the child: school is asked.
    page.select_option("#visit-recipient", str(child.pk))
    page.locator("input[name=kind][value=phone]").check()
    expect(page.locator(".check[data-topic=school]")).to_be_visible()
    page.locator("input[name=check-school][value=ok]").check()
    page.fill("#visit-notes", "电话里说期中考试进步了")
    page.get_by_role("button", name=zh("Save the visit")).click()
    expect(page.locator("#queue li")).to_have_count(2)
    expect(page.locator("#queue .status-queued")).to_have_count(2)
    phone.shot("care-helper-02-phone-zh-offline-queue.png")
    assert Visit.objects.count() == 0

    queued = page.evaluate(QUEUE, world.people["member"].pk)
    bodies = [r["body"] for r in sorted(queued, key=lambda r: r["savedAt"])]
    assert len({b["id"] for b in bodies}) == 2
    # Meanwhile the community's care staff logged the call too, with other notes, under the id
    # the phone gave it (from the same visit, shown on their desk).
    call = bodies[1]
    visit_log(
        actor=world.people["staff"],
        recipient=child,
        id=call["id"],
        kind=call["kind"],
        visited_at=call["visited_at"],
        checklist=call["checklist"],
        notes="电话回访：学习正常",
    )

    # The network is back: one sync; the visit is stored, the call is a conflict.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/care/visits/sync")) as sent:
        page.context.set_offline(False)
    assert sent.value.status == 200
    expect(page.locator("#queue .status-stored")).to_have_count(1)
    conflict = page.locator("#queue li.state-conflict")
    expect(conflict).to_have_count(1)
    expect(conflict).to_contain_text("电话回访：学习正常")
    expect(conflict).to_contain_text("电话里说期中考试进步了")
    expect(conflict.locator("tr")).to_have_count(2)  # the header and the one field that differs
    assert Visit.objects.count() == 2
    assert Visit.objects.get(pk=bodies[0]["id"]).needs == "卫生间需要扶手"
    phone.shot("care-helper-03-phone-zh-conflict.png")

    # The helper keeps what the phone says.
    conflict.locator("input[value=device]").check()
    conflict.get_by_role("button", name=zh("Keep the chosen values")).click()
    expect(page.locator("#queue .status-resolved")).to_have_count(1)
    assert Visit.objects.get(pk=call["id"]).notes == "电话里说期中考试进步了"

    # Sent again (a lost answer, a second tap): stored once all the same.
    again = page.evaluate(RESEND, bodies)
    assert [r["status"] for r in again["results"]] == ["repeat", "repeat"], json.dumps(again)
    page.get_by_role("button", name=zh("Send now")).click()
    assert Visit.objects.count() == 2
    phone.shot("care-helper-04-phone-zh-synced.png")

    # The same page in English, on the phone and at a desk.
    switch_language(phone, "en")
    phone.goto("/care/helper/")
    expect(page.locator("h1")).to_have_text("My households")
    phone.shot("care-helper-05-phone-en.png")
    desk: Tab = open_tab(**DESK)
    sign_in(desk, "member")
    switch_language(desk, "zh-hans")  # the phone's choice went with the account
    desk.goto("/care/helper/")
    expect(desk.page.locator("li.household")).to_have_count(2)
    desk.shot("care-helper-06-desk-zh.png")
    switch_language(desk, "en")
    desk.goto("/care/helper/")
    expect(desk.page.locator("h1")).to_have_text("My households")
    desk.shot("care-helper-07-desk-en.png")
