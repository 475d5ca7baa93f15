"""Drill from the city to a grid on charts and maps in a real Chromium, in both languages.
Screenshots land in /tmp/needle-operations-shots/ for a human to look over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from needle import testing as t
from needle.cases.models import Case
from needle.rollups.refresh import rollups_refresh
from needle.testing import Tab, give_community_boundary, give_districts_boundaries, sign_in, switch_language

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/needle-operations-shots")


def shot(tab: Tab, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab.page.wait_for_timeout(400)  # charts animate in
    tab.page.screenshot(path=str(SHOTS / name), full_page=True)


def charts_drawn(tab: Tab) -> None:
    page = tab.page
    page.wait_for_function("() => !!window.echarts && !!window.L")
    for chart in ("#chart-trend", "#chart-overdue", "#chart-services"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
        box = page.locator(f"{chart} canvas").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, (chart, box)


def test_drill_from_city_to_grid(world: t.World, busy: dict[str, Case], open_tab: Any) -> None:
    give_districts_boundaries(world)
    give_community_boundary(world)
    for i, case in enumerate(Case.objects.order_by("pk")):
        Case.objects.filter(pk=case.pk).update(lat=29.53 + 0.004 * i, lng=106.53 + 0.003 * i)
    rollups_refresh()
    tab = open_tab(viewport={"width": 1280, "height": 900})
    page = tab.page
    sign_in(tab, "city_admin")
    city, district = world.areas["city"], world.areas["district_a"]
    for lang in ("zh-hans", "en"):
        if lang == "en":
            switch_language(tab, "en")
        tab.goto(f"/operations/area/{city.code}/")
        charts_drawn(tab)
        paths = page.locator("#ops-map path.leaflet-interactive")
        expect(paths).to_have_count(2)
        expect(page.locator("#card-response_rate b")).not_to_have_text("")
        shot(tab, f"{lang}-1-city.png")
        # The map's first district is district A (codes sort): click it to drill down.
        paths.first.click()
        page.wait_for_url(f"{tab.base}/operations/area/{district.code}/**")
        expect(page.locator("main h1")).to_contain_text(district.name)
        charts_drawn(tab)
        shot(tab, f"{lang}-2-district.png")
        # The table's link to the street, then to the community.
        page.locator("table.ops-table").first.get_by_role("link", name=world.areas["street_a1"].name).click()
        expect(page.locator("main h1")).to_contain_text(world.areas["street_a1"].name)
        page.locator("table.ops-table").first.get_by_role(
            "link", name=world.areas["community_a1a"].name
        ).click()
        expect(page.locator("main h1")).to_contain_text(world.areas["community_a1a"].name)
        charts_drawn(tab)
        # A community's map: its grid has no boundary, so the cases are drawn as points.
        expect(page.locator("#ops-map .leaflet-overlay-pane canvas, #ops-map path").first).to_be_attached()
        shot(tab, f"{lang}-3-community.png")
        page.locator("table.ops-table").first.get_by_role("link", name=world.areas["grid_a1a"].name).click()
        expect(page.locator("main h1")).to_contain_text(world.areas["grid_a1a"].name)
        shot(tab, f"{lang}-4-grid.png")
        # Breadcrumbs lead back up to the province, past the placeholder 市辖区 (the world's city).
        crumbs = page.locator("nav.crumbs")
        expect(crumbs.get_by_role("link", name=city.name, exact=True)).to_have_count(0)
        crumbs.get_by_role("link", name=world.areas["province"].name).click()
        expect(page.locator("main h1")).to_contain_text(world.areas["province"].name)
    # The wall screen refreshes by itself.
    tab.goto(f"/operations/wall/{city.code}/")
    expect(page.locator("#wall[hx-trigger]")).to_have_count(1)
    shot(tab, "en-5-wall.png")
