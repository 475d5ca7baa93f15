"""The whole loop of a resident's request in a real Chromium: a resident files it with a photo and
a map pin, a dispatcher routes it and hides the personal details it holds, a stranger follows it
from the form's suggestions (and staff of another street look it up), a handler resolves it, the
stranger reads the public page their notification links to, the resident confirms and rates it.
`make test-browser` runs it.

Screenshots land in screenshots/loop-NN-*.png (git-ignored), one per page, for a human to look
over. The browser helpers (Chromium launch, the Tab wrapper that collects JS errors and failed
requests) come from needle/conftest.py and needle/testing.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from needle import testing as t
from needle.cases.models import Callback, Case, State
from needle.orgs.models import Role, RoleAssignment
from needle.testing import Tab, give_community_boundary, give_districts_boundaries, sign_in, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

COMMUNITY_RC = "华一坡社区居委会"  # rc_a1a: the staff persona coordinates it
# What the resident writes about themselves, which a moderator hides and no stranger may read.
PERSONAL = "我住3单元502，电话13812345678。"
ADDRESS = "解放路12号3单元"
MODERATED = "楼下工地每天夜里十二点以后还在施工，噪音很大。"
# A stranger with the same problem describes it in their own words.
SAME_PROBLEM = "工地夜里十二点以后还在施工，噪音太大，睡不着。"


def no_personal_data(text: str) -> None:
    for secret in ("13812345678", "3单元502", ADDRESS, "老人孩子"):
        assert secret not in text, secret


def shot(tab: Tab, n: int, name: str) -> None:
    tab.shot(f"loop-{n:02d}-{name}.png")


def photo(path: Path, colour: str) -> Path:
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((160, 120, 480, 360), fill="white")
    draw.ellipse((240, 180, 400, 300), fill="black")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def state_tag(page: Any, state: str) -> Any:
    return page.locator(f"main h1 .tag.state-{state}")


def images_loaded(tab: Tab) -> None:
    """Every <img> in main really shows (lazy ones are scrolled to first)."""
    imgs = tab.page.locator("main img")
    for i in range(imgs.count()):
        imgs.nth(i).scroll_into_view_if_needed()
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('main img')].every(i => i.complete && i.naturalWidth > 0)"
    )


def test_resident_dispatcher_handler_resident(
    world: t.World,
    open_tab: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    t.build_catalog(world)
    give_districts_boundaries(world)
    give_community_boundary(world)
    before = photo(tmp_path / "noise-before.jpg", "#c0392b")
    after = photo(tmp_path / "noise-after.jpg", "#2e7d32")
    size = {"viewport": {"width": 1280, "height": 800}}

    # 1. The resident files the request: service search, question, description, photo, pin.
    resident = open_tab(**size)
    page = resident.page
    sign_in(resident, "resident", screenshot="loop-00-login.png")
    resident.goto("/report/")
    expect(page.locator("main h1")).to_have_text(zh("Report a problem"))
    page.wait_for_function("() => !!window.L && !!window.htmx")
    districts = page.locator("#pin-map path.leaflet-interactive")
    expect(districts).to_have_count(2)
    page.wait_for_timeout(300)  # fitBounds settles
    shot(resident, 1, "report-empty")

    with page.expect_response(lambda r: "/report/services/" in r.url):
        page.fill("#service-q", "噪音")
    pick = page.locator("#service-picks input[value=noise]")
    expect(pick).to_be_visible()
    shot(resident, 2, "report-service-picks")
    with page.expect_response(lambda r: "/report/questions/" in r.url):
        pick.click()
    expect(page.locator(".service-tree input[value=noise]")).to_be_checked()
    expect(page.locator("#service-chosen")).to_contain_text("噪音扰民")
    night = page.locator("#questions input[name=attr_when][value=night]")
    expect(night).to_be_visible()
    night.check()
    page.fill(
        "#id_description", "楼下工地每天夜里十二点以后还在施工，噪音很大，老人孩子都睡不着。" + PERSONAL
    )
    page.fill("#id_address", ADDRESS)
    page.set_input_files("#id_photos", str(before))

    # The pin: a click in the middle of district A (the western square) drops it and zooms in.
    boxes = [districts.nth(i).bounding_box() for i in range(2)]
    west = min(range(2), key=lambda i: boxes[i]["x"])
    districts.nth(west).click()
    expect(page.locator("#pin-status")).to_contain_text(zh("Placed on the map:"))
    expect(page.locator("#pin-clear")).to_be_visible()
    lat = float(page.locator("#id_lat").input_value())
    lng = float(page.locator("#id_lng").input_value())
    assert 29.52 < lat < 29.58 and 106.52 < lng < 106.58, (lat, lng)
    page.check("#id_consent")
    page.wait_for_timeout(400)  # the zoom into the district settles
    shot(resident, 3, "report-filled")

    # Keep what the form sends, to post it a second time below.
    fields = page.evaluate(
        """() => Object.fromEntries([...new FormData(document.querySelector('main form'))]
                   .filter(([k, v]) => typeof v === 'string'))"""
    )
    assert fields["idempotency_key"] and fields["attr_when"] == "night"
    page.locator("main form > button[type=submit]").click()
    page.wait_for_url(re.compile(r"/report/thanks/[^/]+/$"))
    number = page.locator("main .number").inner_text().strip()
    link = page.locator("#track-link").input_value()
    assert re.fullmatch(r"\d{14}", number), number
    assert link.startswith(resident.base + "/track/"), link
    expect(page.locator("main")).to_contain_text(zh("A dispatcher will send it to the unit responsible."))
    shot(resident, 4, "thanks")

    case = Case.objects.get()
    assert case.number == number
    assert (case.service.code, case.state, case.area_id) == (
        "noise",
        State.SUBMITTED,
        world.areas["community_a1a"].pk,
    )
    assert case.reporter_id == world.people["resident"].pk
    assert case.attributes == {"when": "night"}
    assert case.lat == pytest.approx(lat) and case.lng == pytest.approx(lng)
    assert case.photos.count() == 1

    # The same form posted again (a double click, or "resend the form?" on a reload) makes no
    # second case: it lands on the first case's page.
    with before.open("rb") as f:
        again = page.request.post(
            resident.base + "/report/",
            multipart={
                **fields,
                "photos": {"name": before.name, "mimeType": "image/jpeg", "buffer": f.read()},
            },
        )
    assert again.status == 200, again.status
    assert again.url.endswith(f"/report/thanks/{case.tracking_token}/"), again.url
    assert Case.objects.count() == 1
    # Back to the form and send it once more, as a resident not sure it went: "back" shows a
    # new form (a new key) with only what the browser restores; without the pin and the
    # answer it is refused, and still no second case.
    page.go_back()
    page.wait_for_url(resident.base + "/report/")
    assert page.locator("#id_idempotency_key").input_value() != fields["idempotency_key"]
    with page.expect_response(lambda r: r.url == resident.base + "/report/") as resent:
        page.locator("main form > button[type=submit]").click()
    assert resent.value.status == 400
    expect(page.locator("#id_area ~ .errorlist")).to_contain_text(
        zh("Place the request on the map or choose its area.")
    )
    shot(resident, 5, "report-back-resent")
    assert resident.errors == [f"HTTP 400: {resident.base}/report/"], resident.errors
    resident.errors.clear()
    assert Case.objects.count() == 1

    # The resident's own tracking page, before anyone has acted.
    resident.goto(link.removeprefix(resident.base))
    expect(state_tag(page, "submitted")).to_have_text(zh(State.SUBMITTED.label))
    images_loaded(resident)
    shot(resident, 6, "track-submitted")

    # 2. The dispatcher finds it in the queue and sends it to the community's resident committee.
    dispatcher = open_tab(**size)
    page = dispatcher.page
    sign_in(dispatcher, "dispatcher")
    page.locator("header a[href='/queue/']").click()
    page.wait_for_url(dispatcher.base + "/queue/")
    row = page.locator("article.case-item", has=page.locator(f"a[href='/cases/{number}/']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("噪音扰民")
    shot(dispatcher, 7, "queue")
    row.locator("details.send summary").click()
    with page.expect_response(lambda r: f"/cases/{number}/units/" in r.url):
        page.fill(f"#q-{number}", "华一坡")
    # Both of the community's units match; the party committee's line names its area, which is
    # called like the resident committee, so the choice goes by the line's start.
    expect(row.locator(".picks label")).to_have_count(2)
    choice = row.locator("label", has_text=re.compile(r"^\s*" + COMMUNITY_RC))
    expect(choice).to_have_count(1)
    choice.locator("input[type=radio]").check()
    row.locator("input[name=dispatch-note]").fill("夜间施工噪音，请社区先行核实。")
    shot(dispatcher, 8, "queue-unit-picks")
    row.locator("details.send button[type=submit]").click()
    page.wait_for_url(dispatcher.base + "/queue/")
    expect(page.locator("main .messages")).to_contain_text(COMMUNITY_RC)
    expect(page.locator(f"a[href='/cases/{number}/']")).to_have_count(0)
    dispatcher.goto(f"/cases/{number}/")
    expect(state_tag(page, "dispatched")).to_have_text(zh(State.DISPATCHED.label))
    expect(page.locator("main dl.meta").first).to_contain_text(COMMUNITY_RC)
    images_loaded(dispatcher)
    shot(dispatcher, 9, "case-dispatched")
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.lead_unit_id == world.units["rc_a1a"].pk

    # The dispatcher (a moderator) hides the resident's personal details from the public.
    page.fill("#id_hide-public_description", MODERATED)
    page.locator("#act-hide button[type=submit]").click()
    page.wait_for_url(f"{dispatcher.base}/cases/{number}/")
    expect(page.locator("main .messages")).to_contain_text(number)
    shot(dispatcher, 20, "case-details-hidden")
    case.refresh_from_db()
    assert case.details_hidden and case.title == MODERATED and "13812345678" in case.description

    # A stranger (a signed-up resident, not the reporter) starts to report the same problem:
    # the form offers the existing request with its public text only, and they follow it.
    stranger = open_tab(**size)
    page = stranger.page
    sign_in(stranger, "outsider")
    stranger.goto("/report/")
    page.wait_for_function("() => !!window.htmx")
    page.fill("#id_area", world.areas["community_a1a"].code)
    with page.expect_response(lambda r: "/intel/suggest/" in r.url):
        page.fill("#id_description", SAME_PROBLEM)
    similar = page.locator("#intel-suggest .similar")
    expect(similar).to_contain_text(number)
    expect(similar).to_contain_text(MODERATED)
    no_personal_data(similar.inner_text())
    similar.scroll_into_view_if_needed()
    shot(stranger, 21, "stranger-suggestion")
    similar.locator("button[type=submit]").click()
    page.wait_for_url(stranger.base + "/cases/mine/")
    expect(page.locator("main .messages")).to_contain_text(number)
    followed = page.locator(f"table.followed a[href='/cases/public/{number}/']")
    expect(followed).to_have_count(1)
    assert case.tracking_token not in page.content()
    shot(stranger, 22, "stranger-follows")
    assert case.followers.filter(pk=world.people["outsider"].pk).exists()

    # Staff of another street taking a call about it see the same public facts, not the case.
    far = t.PersonFactory.create(username="far_visitor")
    RoleAssignment.objects.create(person=far, unit=world.units["rc_b1a"], role=Role.VISITOR)
    colleague = open_tab(**size)
    page = colleague.page
    sign_in(colleague, "far_visitor")
    colleague.goto("/intake/")
    page.wait_for_function("() => !!window.htmx")
    page.fill("#id_area", world.areas["community_a1a"].code)
    with page.expect_response(lambda r: "/intel/suggest/" in r.url):
        page.fill("#id_description", SAME_PROBLEM)
    similar = page.locator("#intel-suggest .similar")
    expect(similar).to_contain_text(MODERATED)
    no_personal_data(similar.inner_text())
    expect(similar.locator(f"a[href='/cases/public/{number}/']")).to_have_count(1)
    expect(similar.locator(f"a[href='/cases/{number}/']")).to_have_count(0)
    similar.scroll_into_view_if_needed()
    shot(colleague, 23, "far-staff-suggestion")

    # 3. The community's coordinator (the lead unit's person) accepts, starts and resolves it.
    staff = open_tab(**size)
    page = staff.page
    sign_in(staff, "staff")
    page.locator("header a[href='/inbox/']").click()
    page.wait_for_url(staff.base + "/inbox/")
    expect(page.locator(f"table.cases a[href='/cases/{number}/']")).to_be_visible()
    shot(staff, 10, "inbox")
    page.locator(f"table.cases a[href='/cases/{number}/']").click()
    page.wait_for_url(f"{staff.base}/cases/{number}/")
    expect(page.locator("#act-accept")).to_be_visible()
    images_loaded(staff)
    shot(staff, 11, "case-to-accept")

    # A second tab on the same page goes stale when the first one accepts.
    stale = Tab(page.context.new_page(), staff.base)
    stale.goto(f"/cases/{number}/")
    expect(stale.page.locator("#act-accept")).to_be_visible()

    page.locator("#act-accept button[type=submit]").click()
    page.wait_for_url(f"{staff.base}/cases/{number}/")
    expect(state_tag(page, "accepted")).to_have_text(zh(State.ACCEPTED.label))

    with stale.page.expect_response(lambda r: r.url.endswith(f"/cases/{number}/accept/")) as answer:
        stale.page.locator("#act-accept button[type=submit]").click()
    assert answer.value.status == 409
    stale.page.wait_for_load_state()
    expect(stale.page.locator("main .messages .error")).to_contain_text(
        zh("Someone else changed this case meanwhile; reload it.")
    )
    # The page answers with the case as it is now: accepted, offering the next moves only.
    expect(state_tag(stale.page, "accepted")).to_be_visible()
    expect(stale.page.locator("#act-accept")).to_have_count(0)
    expect(stale.page.locator("#act-start")).to_be_visible()
    stale.shot("loop-12-case-conflict-409.png")
    expected = f"HTTP 409: {staff.base}/cases/{number}/accept/"
    assert stale.errors == [expected], stale.errors
    stale.errors.clear()
    stale.page.close()
    case.refresh_from_db()
    assert case.state == State.ACCEPTED

    page.fill("#id_start-note", "已联系工地负责人，今晚到现场核查。")
    page.locator("#act-start button[type=submit]").click()
    page.wait_for_url(f"{staff.base}/cases/{number}/")
    expect(state_tag(page, "in_progress")).to_have_text(zh(State.IN_PROGRESS.label))
    shot(staff, 13, "case-in-progress")

    page.fill("#id_resolve-note", "已责令工地夜间22点后停工，并安装噪音监测仪。")
    page.set_input_files("#id_resolve-photos", str(after))
    page.locator("#act-resolve button[type=submit]").click()
    page.wait_for_url(f"{staff.base}/cases/{number}/")
    expect(state_tag(page, "resolved")).to_have_text(zh(State.RESOLVED.label))
    expect(page.locator("ol.timeline")).to_contain_text("噪音监测仪")
    images_loaded(staff)
    assert page.locator("ol.timeline .photos img").count() == 1
    shot(staff, 14, "case-resolved")
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case.photos.count() == 2

    # The stranger hears of it, and their notification opens the public page: what the public
    # list shows, none of the resident's details, no callback to answer.
    page = stranger.page
    stranger.goto("/notifications/")
    note = page.locator(f"main a[href='/cases/public/{number}/']")
    expect(note).to_have_count(2)  # taken on, then resolved (newest first)
    shot(stranger, 24, "stranger-notification")
    note.first.click()
    page.wait_for_url(f"{stranger.base}/cases/public/{number}/")
    expect(state_tag(page, "resolved")).to_have_text(zh(State.RESOLVED.label))
    expect(page.locator("main")).to_contain_text(MODERATED)
    no_personal_data(page.locator("main").inner_text())
    assert case.tracking_token not in page.content()
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("main img")).to_have_count(0)
    expect(page.locator("ol.timeline")).to_have_count(0)
    shot(stranger, 25, "stranger-public-page")

    # 4. The resident opens the private link, no sign-in, says it is solved and rates it 5.
    anonymous = open_tab(**size)
    page = anonymous.page
    anonymous.goto(link.removeprefix(anonymous.base))
    expect(page.locator("header .who")).to_have_count(0)
    expect(state_tag(page, "resolved")).to_have_text(zh(State.RESOLVED.label))
    expect(page.locator("ol.timeline")).to_contain_text("噪音监测仪")
    images_loaded(anonymous)
    assert page.locator("main img").count() == 2  # the resident's photo and the work's
    page.check("input[name=callback-solved][value=yes]")
    page.check("input[name=callback-rating][value='5']")
    page.fill("#id_callback-comment", "晚上终于安静了，谢谢社区！")
    shot(anonymous, 15, "track-rate")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(link)
    expect(page.locator("main .messages")).to_contain_text(zh("Thank you. The case is closed."))
    expect(state_tag(page, "closed")).to_have_text(zh(State.CLOSED.label))
    expect(page.locator("main form button[type=submit]")).to_have_count(0)
    images_loaded(anonymous)
    shot(anonymous, 16, "track-closed")

    case.refresh_from_db()
    assert case.state == State.CLOSED
    callback = Callback.objects.get(case=case)
    assert (callback.solved, callback.rating) == (True, 5)
    assert Case.objects.count() == 1
