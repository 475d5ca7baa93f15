"""The maps of a resident's request in a real Chromium: a pin read back as place names that fill
the area, the names of areas without geometry, "use my location", a GCJ-02 basemap whose taps
are stored as WGS-84 (and the browser's conversion checked against the published points), and
the small map of a pinned case with staff placing it in a grid.

Screenshots at 1280 and 390 px, in Chinese and English, land in screenshots/maps-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.areas.models import Area
from needle.areas.services import grid_add
from needle.cases.models import Case
from needle.cases.services import Intake, case_submit
from needle.testing import (
    GCJ_REFERENCE,
    Tab,
    give_districts_boundaries,
    give_grid_boundary,
    sign_in,
    switch_language,
    zh,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

GRID_CHAIN = "渝中区 › 七星岗街道 › 华一坡社区居委会 › 第1网格"
SIZES = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def mapped(world: t.World) -> t.World:
    """Districts and grid A1a outlined; street A1 and community A1b with a point only."""
    give_districts_boundaries(world)
    give_grid_boundary(world)
    Area.objects.filter(pk=world.areas["street_a1"].pk).update(centroid_lat=29.530, centroid_lng=106.530)
    Area.objects.filter(pk=world.areas["community_a1b"].pk).update(centroid_lat=29.527, centroid_lng=106.528)
    return world


def tap(tab: Tab, element: str, lat: float, lng: float) -> None:
    """Click the map `element` where the stored point (lat, lng) is shown, panning to it first
    when it is out of view (as a resident drags the map)."""
    x, y = tab.page.evaluate(
        """([id, lat, lng]) => {
             const map = document.getElementById(id).needleMap;
             const here = window.needleMaps.toMap(lat, lng);
             if (!map.getBounds().pad(-0.1).contains(here)) map.panTo(here, { animate: false });
             const p = map.latLngToContainerPoint(here);
             return [p.x, p.y];
           }""",
        [element, lat, lng],
    )
    tab.page.locator(f"#{element}").click(position={"x": x, "y": y})


def report_map_ready(tab: Tab) -> Any:
    page = tab.page
    page.wait_for_function("() => !!window.L && !!window.needleMaps")
    districts = page.locator("#pin-map path.leaflet-interactive")
    expect(districts).to_have_count(2)
    # No basemap: the outlines carry their names.
    expect(page.locator("#pin-map .area-label", has_text="渝中区")).to_be_visible()
    page.wait_for_timeout(300)  # fitBounds settles
    return districts


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_a_pin_reads_back_as_place_names_and_fills_the_area(mapped, catalog, open_tab, size) -> None:
    world = mapped
    tab = open_tab(viewport=SIZES[size])
    page = tab.page
    for lang in ("zh-hans", "en"):
        tab.goto("/report/")
        if lang == "en":
            switch_language(tab, "en")
        report_map_ready(tab)
        tab.shot(f"maps-report-{size}-{lang}-1-city.png")

        # A tap in district A outside every grid: only the district, with the community offices
        # nearby to pick; the tap opened the district: its streets' names are on the map now.
        tap(tab, "pin-map", 29.5262, 106.5262)
        expect(page.locator("#pin-status")).to_have_text(
            zh("Placed on the map:") + "渝中区" if lang != "en" else "Placed on the map: 渝中区"
        )
        expect(page.locator("#id_area")).to_have_value(world.areas["district_a"].code)
        nearby = page.locator("#pin-near button", has_text="领事巷社区居委会")
        expect(nearby).to_be_visible()
        street = page.locator("#pin-map .area-label", has_text="七星岗街道")
        expect(street).to_be_visible()
        page.wait_for_timeout(400)
        tab.shot(f"maps-report-{size}-{lang}-2-district.png")
        # A street's name opens it: its communities' names.
        street.click()
        expect(page.locator("#pin-map .area-label", has_text="领事巷社区居委会")).to_be_visible()
        page.wait_for_timeout(400)
        tab.shot(f"maps-report-{size}-{lang}-3-street.png")
        nearby.click()
        expect(page.locator("#id_area")).to_have_value(world.areas["community_a1b"].code)
        expect(page.locator("#area-chosen")).to_contain_text("领事巷社区居委会")

        # A tap in the grid: the names from the district down and the grid's outline; the
        # resident's own choice of area stays.
        tap(tab, "pin-map", 29.55, 106.55)
        expect(page.locator("#pin-status")).to_contain_text(GRID_CHAIN)
        expect(page.locator("#pin-map .area-label", has_text="第1网格")).to_be_attached()
        expect(page.locator("#id_area")).to_have_value(world.areas["community_a1b"].code)
        lat = float(page.locator("#id_lat").input_value())
        lng = float(page.locator("#id_lng").input_value())
        assert abs(lat - 29.55) < 0.001 and abs(lng - 106.55) < 0.001, (lat, lng)
        # Without a choice of their own, the pin fills the area: the grid.
        page.fill("#id_area", "")
        tap(tab, "pin-map", 29.549, 106.551)
        expect(page.locator("#id_area")).to_have_value(world.areas["grid_a1a"].code)
        expect(page.locator("#area-chosen")).to_contain_text("第1网格")
        page.wait_for_timeout(400)
        tab.shot(f"maps-report-{size}-{lang}-4-grid.png")
        # Removing the pin empties what the pin filled.
        page.locator("#pin-clear").click()
        expect(page.locator("#id_lat")).to_have_value("")
        expect(page.locator("#id_area")).to_have_value("")


def test_use_my_location_places_the_pin_where_the_phone_is(mapped, catalog, open_tab) -> None:
    tab = open_tab(
        viewport=SIZES["phone"],
        geolocation={"latitude": 29.551234, "longitude": 106.548765},
        permissions=["geolocation"],
    )
    page = tab.page
    tab.goto("/report/")
    report_map_ready(tab)
    locate = page.locator("#pin-locate")
    expect(locate).to_have_text(zh("Use my location"))
    locate.click()
    expect(page.locator("#pin-status")).to_contain_text(GRID_CHAIN)
    # Stored as the phone said, to the metre.
    expect(page.locator("#id_lat")).to_have_value("29.551234")
    expect(page.locator("#id_lng")).to_have_value("106.548765")
    page.wait_for_timeout(400)
    tab.shot("maps-report-phone-zh-hans-5-located.png")


def test_a_gcj02_basemap_shows_shifted_points_and_stores_wgs84(mapped, catalog, open_tab, settings) -> None:
    # A "tile server" of this site (one small picture for every tile), in GCJ-02.
    settings.NEEDLE_MAP_TILES = ["/static/vendor/leaflet/images/layers.png?z={z}&x={x}&y={y}"]
    settings.NEEDLE_MAP_ATTRIBUTION = "© Test tiles <b>"
    settings.NEEDLE_MAP_CRS = "gcj02"
    tab = open_tab(viewport=SIZES["wide"])
    page = tab.page
    tab.goto("/report/")
    page.wait_for_function("() => !!window.needleMaps")
    # The browser's formula gives the published points, both ways.
    for wlat, wlng, glat, glng in GCJ_REFERENCE:
        there = page.evaluate(f"window.needleMaps.wgsToGcj({wlat}, {wlng})")
        back = page.evaluate(f"window.needleMaps.gcjToWgs({glat}, {glng})")
        assert there == pytest.approx([glat, glng], abs=1e-9)
        assert back == pytest.approx([wlat, wlng], abs=1e-8)
    districts = page.locator("#pin-map path.leaflet-interactive")
    expect(districts).to_have_count(2)
    expect(page.locator("#pin-map img.leaflet-tile").first).to_be_attached()
    # The attribution is the operator's text, shown as text.
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("© Test tiles <b>")
    # With a basemap the outlines need no names of their own.
    expect(page.locator("#pin-map .area-label", has_text="渝中区")).to_have_count(0)
    page.wait_for_timeout(300)
    # The middle of district A as drawn (shifted about 450 m east) is its WGS-84 middle: a map
    # that stored the tap as shown would be 0.0045° east.
    # Coordinates on the page, so the map must be in view (the service list sits above it).
    page.locator("#pin-map").scroll_into_view_if_needed()
    boxes = [districts.nth(i).bounding_box() for i in range(2)]
    west = min(boxes, key=lambda b: b["x"])
    page.mouse.click(west["x"] + west["width"] / 2, west["y"] + west["height"] / 2)
    expect(page.locator("#pin-status")).to_contain_text(GRID_CHAIN)
    lat = float(page.locator("#id_lat").input_value())
    lng = float(page.locator("#id_lng").input_value())
    assert abs(lat - 29.55) < 0.0012 and abs(lng - 106.55) < 0.0012, (lat, lng)
    tab.shot("maps-report-wide-zh-hans-6-gcj02.png")


def test_a_pinned_case_is_on_a_small_map_and_staff_place_it_in_a_grid(mapped, catalog, open_tab) -> None:
    world = mapped
    second = grid_add(community=world.areas["community_a1a"], name="第2网格")
    case = case_submit(
        actor=world.people["resident"],
        intake=Intake(
            service=catalog["road"], description="小区门口的路面塌了一个坑。", lat=29.55, lng=106.55
        ),
    )
    assert case.area == world.areas["grid_a1a"]
    for size in ("wide", "phone"):
        tab = open_tab(viewport=SIZES[size])
        page = tab.page
        # The resident's tracking page.
        tab.goto(f"/track/{case.tracking_token}/")
        expect(page.locator("#case-minimap path.leaflet-interactive").first).to_be_attached()
        page.wait_for_timeout(300)
        tab.shot(f"maps-track-{size}-zh-hans.png")
        sign_in(tab, "staff")
        for lang in ("zh-hans", "en"):
            if lang == "en":
                switch_language(tab, "en")
            tab.goto(f"/cases/{case.number}/")
            expect(page.locator("main dl.meta").first).to_contain_text(GRID_CHAIN)
            expect(page.locator("#case-minimap path.leaflet-interactive").first).to_be_attached()
            expect(page.locator("#grid-pick")).to_be_visible()
            page.wait_for_timeout(300)
            tab.shot(f"maps-case-{size}-{lang}.png")
        page.select_option("#grid-pick", second.code)
        page.locator("form.grid-place button[type=submit]").click()
        page.wait_for_url(f"{tab.base}/cases/{case.number}/")
        expect(page.locator("main dl.meta").first).to_contain_text("华一坡社区居委会 › 第2网格")
        assert Case.objects.get(pk=case.pk).area == second
        # Back, for the next size.
        Case.objects.filter(pk=case.pk).update(
            area=world.areas["grid_a1a"], area_path=world.areas["grid_a1a"].path
        )
        switch_language(tab, "zh-hans")
