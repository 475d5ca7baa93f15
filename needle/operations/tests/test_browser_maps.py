"""The operations map in a real Chromium without a basemap: districts carry their names, the
streets (no geometry in the shared data) are labelled points at their cases' pins, and a click
on a street's name drills down to its dashboard; at 1280 and 390 px, in Chinese and English.
Screenshots land in screenshots/maps-ops-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.areas.models import Area
from needle.cases.models import Case
from needle.rollups.refresh import rollups_refresh
from needle.testing import SHOTS, Tab, give_districts_boundaries, give_grid_boundary, sign_in, switch_language

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser


def map_shot(tab: Tab, name: str) -> None:
    card = tab.page.locator("#map-card")
    card.scroll_into_view_if_needed()
    tab.page.wait_for_timeout(300)  # the map settles
    card.screenshot(path=str(SHOTS / name))


@pytest.mark.parametrize("width", [1280, 390])
def test_a_click_on_a_childs_name_drills_down(
    world: t.World, busy: dict[str, Case], open_tab: Any, width: int
):
    give_districts_boundaries(world)
    give_grid_boundary(world)
    # Street A1's cases are pinned around its middle; street A2's have no pin.
    a1 = world.areas["street_a1"]
    for i, case in enumerate(Case.objects.filter(area_path__startswith=a1.path).order_by("pk")):
        Case.objects.filter(pk=case.pk).update(lat=29.552 + 0.001 * i, lng=106.548 - 0.001 * i)
    Area.objects.filter(pk=world.areas["community_a1b"].pk).update(centroid_lat=29.57, centroid_lng=106.57)
    rollups_refresh()
    tab = open_tab(viewport={"width": width, "height": 900})
    page = tab.page
    sign_in(tab, "city_admin")
    district = world.areas["district_a"]
    for lang in ("zh-hans", "en"):
        if lang == "en":
            switch_language(tab, "en")
        tab.goto(f"/operations/area/{world.areas['city'].code}/")
        page.wait_for_function("() => !!window.L && !!window.needleMaps")
        expect(page.locator("#ops-map path.leaflet-interactive")).to_have_count(2)
        expect(page.locator("#ops-map .area-label", has_text=district.name)).to_be_visible()
        map_shot(tab, f"maps-ops-{width}-{lang}-1-city.png")

        tab.goto(f"/operations/area/{district.code}/")
        street = page.locator("#ops-map .area-label-tip", has_text=a1.name)
        expect(street).to_be_visible()
        # Street A2 has neither a point in the tree nor a pinned case: not on the map.
        expect(
            page.locator("#ops-map .area-label-tip", has_text=world.areas["street_a2"].name)
        ).to_have_count(0)
        map_shot(tab, f"maps-ops-{width}-{lang}-2-district.png")
        street.click()
        page.wait_for_url(f"{tab.base}/operations/area/{a1.code}/**")
        expect(page.locator("main h1")).to_contain_text(a1.name)

        # The street: community A1b at the tree's point, A1a at its cases' pins; the grid's
        # outline is drawn below the community level.
        community = page.locator("#ops-map .area-label-tip", has_text=world.areas["community_a1b"].name)
        expect(community).to_be_visible()
        map_shot(tab, f"maps-ops-{width}-{lang}-3-street.png")
        community.click()
        page.wait_for_url(f"{tab.base}/operations/area/{world.areas['community_a1b'].code}/**")
