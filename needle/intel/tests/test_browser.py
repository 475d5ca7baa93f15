"""Request intelligence in a real Chromium: while a resident types, the form offers the services
the text reads as and a likely duplicate nearby; a confident request is routed without a
dispatcher; the dispatcher sees the classifier's line in the queue and its panel on the case
page; a supervisor turns a hot topic into a proactive task. Screenshots: screenshots/intel-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from needle import testing as t
from needle.cases.models import Case, Channel, State
from needle.intel.models import HotTopic
from needle.intel.services import hotspots_detect, model_train
from needle.testing import (
    LIFT,
    NOISE,
    OTHERS,
    POTHOLE,
    POTHOLE_AGAIN,
    VAGUE,
    Tab,
    closed_history,
    give_community_boundary,
    give_districts_boundaries,
    sign_in,
    zh,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser


def shot(tab: Tab, n: int, name: str) -> None:
    tab.shot(f"intel-{n:02d}-{name}.png")


def test_suggestions_auto_routing_duplicates_and_hot_topics(
    world: t.World,
    intel_catalog: dict[str, Any],
    open_tab: Any,
    tmp_path: Any,
    settings: Any,
) -> None:
    settings.INTEL_MODEL_DIR = tmp_path / "models"
    settings.MEDIA_ROOT = tmp_path / "media"
    give_districts_boundaries(world)
    give_community_boundary(world)
    closed_history(world, intel_catalog)
    model_train(actor=world.people["city_admin"])
    pothole = t.submit(world, intel_catalog["road"], description=POTHOLE, reporter="member")
    for i, text in enumerate(LIFT):
        t.submit(
            world, intel_catalog["road"], description=text, reporter=None, contact_phone=f"1380000000{i}"
        )
    for i, text in enumerate(OTHERS):
        t.submit(
            world, intel_catalog["road"], description=text, reporter=None, contact_phone=f"1390000000{i}"
        )
    hotspots_detect(now=timezone.now() + dt.timedelta(minutes=1))
    topic = HotTopic.objects.order_by("-heat").first()
    assert topic is not None
    size = {"viewport": {"width": 1280, "height": 900}}
    community = world.areas["community_a1a"].code

    # 1. The resident describes a pothole: the form shows the same request filed nearby.
    resident = open_tab(**size)
    page = resident.page
    sign_in(resident, "resident")
    resident.goto("/report/")
    page.wait_for_function("() => !!window.htmx")
    page.fill("#id_area", community)
    with page.expect_response(lambda r: "/intel/suggest/" in r.url):
        page.fill("#id_description", POTHOLE_AGAIN)
    similar = page.locator("#intel-suggest .similar")
    expect(similar).to_contain_text(pothole.number)
    expect(similar.locator("button[type=submit]")).to_have_text(zh("Follow this one instead of filing"))
    similar.scroll_into_view_if_needed()
    shot(resident, 1, "report-duplicate")

    # 2. A different matter: the top services appear; picking one fills the service field.
    with page.expect_response(lambda r: "/intel/suggest/" in r.url):
        page.fill("#id_description", NOISE)
    pick = page.locator("#intel-suggest button[data-pick-service=noise]")
    expect(pick).to_be_visible()
    expect(page.locator("#intel-suggest .similar")).to_have_count(0)
    shot(resident, 2, "report-suggested-services")
    with page.expect_response(lambda r: "/report/questions/" in r.url):
        pick.click()
    expect(page.locator(".service-tree input[value=noise]")).to_be_checked()
    page.locator("#questions input[name=attr_when][value=night]").check()
    page.check("#id_consent")
    page.locator("main form > button[type=submit]").click()
    page.wait_for_url(re.compile(r"/report/thanks/[^/]+/$"))
    number = page.locator("main .number").inner_text().strip()
    shot(resident, 3, "thanks-routed")
    case = Case.objects.get(number=number)
    assert case.state == State.DISPATCHED and case.lead_unit_id == world.units["rc_a1a"].pk

    # 3. The dispatcher: a vague request waits in the queue with the classifier's line.
    vague = t.submit(world, intel_catalog["noise"], description=VAGUE, attributes={"when": "day"})
    assert vague.state == State.SUBMITTED
    dispatcher = open_tab(**size)
    page = dispatcher.page
    sign_in(dispatcher, "dispatcher")
    dispatcher.goto("/queue/")
    row = page.locator("article.case-item", has=page.locator(f"a[href='/cases/{vague.number}/']"))
    expect(row.locator(".intel-line")).to_contain_text(zh("Classifier:"))
    shot(dispatcher, 4, "queue-suggestions")
    dispatcher.goto(f"/cases/{case.number}/")
    panel = page.locator("#intel-panel")
    expect(panel).to_contain_text(zh("What the classifier says"))
    expect(panel).to_contain_text(zh("routed automatically"))
    expect(page.locator("ol.timeline")).to_contain_text(zh("routed automatically"))
    panel.scroll_into_view_if_needed()
    shot(dispatcher, 5, "case-auto-routed")
    dispatcher.goto(f"/cases/{pothole.number}/")
    expect(page.locator("#intel-panel")).to_be_visible()
    page.locator("#intel-panel").scroll_into_view_if_needed()
    shot(dispatcher, 6, "case-panel")

    # 4. The street supervisor turns the hot topic into a proactive task for the community.
    supervisor = open_tab(**size)
    page = supervisor.page
    sign_in(supervisor, "supervisor")
    page.locator("header a[href='/intel/hotspots/']").click()
    page.wait_for_url(supervisor.base + "/intel/hotspots/")
    expect(page.locator("table.topics")).to_contain_text(topic.title[:20])
    shot(supervisor, 7, "hot-topics")
    page.locator(f"a[href='/intel/hotspots/{topic.pk}/']").click()
    page.wait_for_url(f"{supervisor.base}/intel/hotspots/{topic.pk}/")
    page.select_option("#id_unit", str(world.units["rc_a1a"].pk))
    page.fill("#id_due", (timezone.localdate() + dt.timedelta(days=5)).isoformat())
    page.fill("#id_note", "请约谈物业，限期修复电梯。")
    shot(supervisor, 8, "hot-topic")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/cases/\d{14}/$"))
    task = Case.objects.get(channel=Channel.PROACTIVE)
    assert task.lead_unit_id == world.units["rc_a1a"].pk and task.state == State.DISPATCHED
    shot(supervisor, 9, "proactive-task")
