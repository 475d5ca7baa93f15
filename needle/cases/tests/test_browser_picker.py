"""The report form's service picker on a phone (390 px) in a real Chromium: with JavaScript the
search fills in as one types and a result checks the service in the category list; without
JavaScript the "Find" button reloads the form with the results, and a category opens with a
tap (<details>), so a request can be sent either way.

Screenshots land in screenshots/picker-*.png (git-ignored).
"""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.cases.catalog import catalog_changed
from needle.cases.models import Case, Category, Service
from needle.testing import zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def two_levels(world: t.World) -> dict[str, Any]:
    """The test catalog with residents' words, and a second category."""
    catalog = t.build_catalog(world)
    Service.objects.filter(code="road").update(synonyms="道路、马路、井盖", synonyms_en="road, manhole")
    Service.objects.filter(code="noise").update(synonyms="噪音、扰民", synonyms_en="noise")
    labour = Category.objects.create(code="labour", name="劳动和社会保障", name_en="Labour", order=2)
    catalog["wages"] = Service.objects.create(
        code="wages",
        category=labour,
        name="工资福利",
        name_en="Wages",
        synonyms="工资、欠薪",
        accept_hours=24,
        resolve_hours=168,
    )
    catalog_changed()
    return catalog


def fill_the_rest(page: Any) -> None:
    page.fill("#id_description", "小区门口的井盖丢了，晚上很危险。")
    page.fill("#id_area", "500103001001")
    page.check("#id_consent")


def no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_picker_with_javascript_on_a_phone(world, two_levels, open_tab):
    tab = open_tab(**PHONE)
    page = tab.page
    tab.goto("/report/")
    page.wait_for_function("() => !!window.htmx")
    tree = page.locator(".service-tree")
    expect(tree.locator("summary")).to_have_count(2)
    no_horizontal_scroll(page)
    tab.shot("picker-1-phone.png")

    with page.expect_response(lambda r: "/report/services/" in r.url):
        page.fill("#service-q", "井盖")
    first = page.locator("#service-picks ol.picks li").first
    expect(first).to_contain_text("道路破损")
    tab.shot("picker-2-phone-search.png")
    # The result checks the service's radio in the category list, and the results go.
    with page.expect_response(lambda r: "/report/questions/" in r.url):
        first.locator("input").click()
    expect(tree.locator("input[value=road]")).to_be_checked()
    expect(tree.locator("details").first).to_have_attribute("open", "")
    expect(page.locator("#service-chosen")).to_contain_text("道路破损")
    expect(page.locator("#service-picks")).to_be_empty()

    # A category opens with a tap; choosing there loads the service's questions.
    tree.locator("summary", has_text="劳动和社会保障").click()
    with page.expect_response(lambda r: "/report/questions/" in r.url):
        tree.locator("label", has_text="工资福利").click()
    expect(page.locator("#service-chosen")).to_contain_text("工资福利")
    with page.expect_response(lambda r: "/report/questions/" in r.url):
        tree.locator("summary", has_text="城乡建设").click()
        tree.locator("label", has_text="噪音扰民").click()
    expect(page.locator("#questions input[name=attr_when]")).to_have_count(2)
    page.locator("#questions input[name=attr_when][value=night]").check()
    no_horizontal_scroll(page)
    tab.shot("picker-3-phone-chosen.png")
    fill_the_rest(page)
    page.locator("main form > button[type=submit]").click()
    page.wait_for_url(f"{tab.base}/report/thanks/**")
    assert Case.objects.get().service.code == "noise"


def test_the_picker_without_javascript(world, two_levels, open_tab):
    tab = open_tab(java_script_enabled=False, **PHONE)
    page = tab.page
    tab.goto("/report/")
    page.fill("#service-q", "欠薪")
    page.locator("#service-q").press("Enter")  # the search's own form, not the request's
    page.wait_for_url(f"{tab.base}/report/?service_q=%E6%AC%A0%E8%96%AA")
    picks = page.locator("#service-picks ol.picks li")
    expect(picks).to_have_count(1)
    expect(picks.first).to_contain_text("工资福利")
    tab.shot("picker-4-phone-no-js-search.png")
    picks.first.locator("input").check()
    fill_the_rest(page)
    page.locator("main form > button[type=submit]").click()
    page.wait_for_url(f"{tab.base}/report/thanks/**")
    assert Case.objects.get().service.code == "wages"

    # Or straight from the category list, with the "Find" button never pressed.
    tab.goto("/report/")
    page.locator(".service-tree summary", has_text="城乡建设").click()
    page.locator(".service-tree label", has_text="道路破损").click()
    fill_the_rest(page)
    page.locator("main form > button[type=submit]").click()
    page.wait_for_url(f"{tab.base}/report/thanks/**")
    assert Case.objects.filter(service__code="road").count() == 1
    expect(page.locator("main h1")).to_have_text(zh("Thank you: your request is received"))
