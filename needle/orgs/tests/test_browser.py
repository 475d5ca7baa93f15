"""End-to-end pages in a real Chromium: sign in, browse the tree, live search, switch language,
units, organization figures with their chart, and the area map. `make test-browser` runs it.

Screenshots land in screenshots/ (git-ignored), one per step, for a human to look over.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from needle import testing as t
from needle.rollups.refresh import rollups_refresh
from needle.testing import give_districts_boundaries, sign_in, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser


def crumbs(page: Any) -> list[str]:
    return [s.strip() for s in page.locator("nav.crumbs").inner_text().split("›")]


def child_link(page: Any, name: str) -> Any:
    return page.locator("#area-rows table").get_by_role("link", name=name, exact=True)


def area_key(world: t.World, name: str) -> str:
    return next(k for k, a in world.areas.items() if a.name == name)


def language_cookie(page: Any) -> str | None:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get(settings.LANGUAGE_COOKIE_NAME)


def test_sign_in_browse_search_and_switch_language(world: t.World, open_tab: Any) -> None:
    tab = open_tab(viewport={"width": 1280, "height": 800})
    page = tab.page

    # 1. The real login form.
    sign_in(tab, "supervisor", screenshot="01-login.png")
    expect(page.locator("header nav[aria-label]").first).to_be_visible()
    expect(page.locator("main h1")).to_contain_text(str(world.people["supervisor"]))
    expect(page.locator("main")).to_contain_text("七星岗街道办事处")
    tab.shot("01b-home.png")

    # 2. The tree, one click at a time through the children tables; breadcrumbs follow.
    page.locator("header nav a[href='/areas/']").click()
    page.wait_for_url(tab.base + "/areas/")
    assert tab.js("typeof window.htmx") == "object", "htmx did not load (static files?)"
    expect(child_link(page, "重庆市")).to_be_visible()
    tab.shot("02-area-tree.png")

    trail = ["重庆市", "市辖区", "渝中区", "七星岗街道", "华一坡社区居委会"]
    for depth, name in enumerate(trail):
        child_link(page, name).click()
        page.wait_for_url(f"{tab.base}/areas/{world.areas[area_key(world, name)].code}/")
        expect(page.locator("main h1")).to_contain_text(name)
        assert crumbs(page) == [zh("All areas"), *trail[:depth], name]
        # Every ancestor crumb links to its own page; the current one is not a link.
        assert page.locator("nav.crumbs a").count() == depth + 1
        expect(page.locator("nav.crumbs [aria-current=page]")).to_have_text(name)
    expect(child_link(page, "第1网格")).to_be_visible()
    tab.shot("03-community.png")

    # The live search swaps only the rows, through htmx, without leaving the page.
    page.locator("nav.crumbs a", has_text=zh("All areas")).click()
    page.wait_for_url(tab.base + "/areas/")
    expect(page.locator("#area-rows tbody tr")).to_have_count(1)
    with page.expect_response(
        lambda r: "/areas/?" in r.url and "q=" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.fill("#q", "社区")
    communities = ["华一坡社区居委会", "领事巷社区居委会", "小什字社区居委会", "平街社区居委会"]
    expect(page.locator("#area-rows tbody tr")).to_have_count(len(communities))
    for name in communities:
        expect(child_link(page, name)).to_be_visible()
    expect(child_link(page, "重庆市")).to_have_count(0)
    assert page.url == tab.base + "/areas/", "the search should not navigate"
    tab.shot("03b-search.png")

    with page.expect_response(lambda r: "q=" in r.url and "%E5%8D%8E" in r.url):
        page.fill("#q", "华一坡")
    expect(page.locator("#area-rows tbody tr")).to_have_count(1)
    child_link(page, "华一坡社区居委会").click()
    page.wait_for_url(f"{tab.base}/areas/{world.areas['community_a1a'].code}/")

    # 3. The language switcher: to English and back, on the page we are on.
    nav_areas = page.locator("header nav a[href='/areas/']")
    switch = page.locator("header form.lang button[type=submit]")
    expect(nav_areas).to_have_text(zh("Areas"))
    expect(switch).to_have_text(zh("Switch"))
    expect(page.locator("#language-select option[value=zh-hans]")).to_have_text(zh("Simplified Chinese"))
    assert zh("Simplified Chinese") == "简体中文"  # Django's own catalog: always compiled

    page.select_option("#language-select", "en")
    switch.click()
    page.wait_for_url(f"{tab.base}/areas/{world.areas['community_a1a'].code}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav_areas).to_have_text("Areas")
    expect(switch).to_have_text("Switch")
    expect(page.locator("header nav[aria-label]").first).to_contain_text("Organization figures")
    expect(page.locator("main h1 .tag")).to_have_text("community/village")
    assert language_cookie(page) == "en"
    world.people["supervisor"].refresh_from_db()
    assert world.people["supervisor"].language == "en", "a signed-in switch is remembered"
    tab.shot("04-english.png")

    page.select_option("#language-select", "zh-hans")
    page.locator("header form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav_areas).to_have_text(zh("Areas"))
    assert language_cookie(page) == "zh-hans"
    tab.shot("04b-chinese-again.png")


def test_units_stats_and_map(world: t.World, open_tab: Any) -> None:
    give_districts_boundaries(world)
    tab = open_tab(viewport={"width": 1280, "height": 800})
    page = tab.page
    sign_in(tab, "city_admin")

    # 4a. Units in scope.
    page.locator("header nav a[href='/units/']").click()
    page.wait_for_url(tab.base + "/units/")
    expect(page.locator("#unit-rows")).to_contain_text("渝中区生态环境局")
    expect(page.locator("#unit-rows")).to_contain_text("华一坡社区党委")
    tab.shot("04c-units.png")

    # 4b. Organization figures with an ECharts bar chart, read from the rollups.
    rollups_refresh()
    page.locator("header nav a[href='/stats/']").click()
    page.wait_for_url(tab.base + "/stats/")
    expect(page.locator("#units-total")).to_have_text(str(len(world.units)))
    page.wait_for_function("() => !!window.echarts")
    expect(page.locator("#chart-type canvas")).to_have_count(1)
    box = page.locator("#chart-type canvas").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box
    tab.shot("05-stats.png")

    # 4c. The city's page maps its districts with Leaflet; a click opens a district.
    city = world.areas["city"]
    tab.goto(f"/areas/{city.code}/")
    page.wait_for_function("() => !!window.L")
    paths = page.locator("#map path.leaflet-interactive")
    expect(paths).to_have_count(2)
    expect(page.locator("#map")).to_be_visible()
    box = page.locator("#map").bounding_box()
    assert box and box["height"] > 200, box
    page.wait_for_timeout(300)  # let fitBounds settle before the picture
    tab.shot("06-map.png")
    district = world.areas["district_a"]
    paths.first.click()
    page.wait_for_url(f"{tab.base}/areas/{district.code}/")
    expect(page.locator("main h1")).to_contain_text(district.name)

    # Nothing to draw (no boundaries at or below the street): no map, and Leaflet not loaded.
    tab.goto(f"/areas/{world.areas['street_a1'].code}/")
    expect(page.locator("main h1")).to_contain_text(world.areas["street_a1"].name)
    expect(page.locator("#map")).to_have_count(0)
    assert page.evaluate("() => typeof window.L") == "undefined"


def test_phone_viewport(world: t.World, open_tab: Any) -> None:
    give_districts_boundaries(world)
    tab = open_tab(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = tab.page
    sign_in(tab, "city_admin")
    tab.goto(f"/areas/{world.areas['city'].code}/")
    page.wait_for_function("() => !!window.L")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)
    # The menu is folded on a phone; its label opens it.
    expect(page.locator("header nav a[href='/areas/']")).to_be_hidden()
    page.locator("header label.menu-button").click()
    expect(page.locator("#language-select")).to_be_visible()
    expect(page.locator("header nav a[href='/areas/']")).to_be_visible()
    page.wait_for_timeout(300)
    tab.shot("07-phone-map.png")
    # Nothing wider than the phone: no sideways scrolling.
    width = tab.js("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"

    tab.goto("/stats/")
    page.wait_for_function("() => !!window.echarts")
    expect(page.locator("#chart-type canvas")).to_have_count(1)
    tab.shot("07b-phone-stats.png")
    width = tab.js("document.documentElement.scrollWidth")
    assert width <= 390, f"stats page is {width}px wide on a 390px phone"
