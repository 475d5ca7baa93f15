"""Every page fits a 390 px phone: for every persona and both languages, each page of the menu
and the main detail pages (a case, a unit, a hot topic, the dashboard, the wall screen) are no
wider than the screen; what is wider (a table) scrolls inside its own box. One Chromium, one
context per persona, the language switched by its cookie."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from needle import testing as t
from needle.cases import selectors as case_selectors
from needle.cases.models import Case
from needle.intel.models import HotTopic
from needle.orgs.models import Person, Role, RoleAssignment
from needle.orgs.navigation import nav_links
from needle.orgs.permissions import can_in_area, has_perm_anywhere
from needle.orgs.services import grid_assign_worker
from needle.rollups.refresh import rollups_refresh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The fragments htmx loads with the page are in (it marks an element while its request runs).
SETTLED = "() => !!window.htmx && !document.querySelector('.htmx-request')"
# The widest element that sticks out, to name in the failure.
WIDEST = """() => { const w = document.documentElement.clientWidth; let found = '';
  for (const e of document.querySelectorAll('body *')) { const r = e.getBoundingClientRect();
    if (r.right > w + 1 && e.parentElement.getBoundingClientRect().right <= w + 1) {
      found = e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(r.width) + 'px'; break; } }
  return found; }"""


def extra_personas(world: t.World) -> None:
    """The demo's two personas build_world has not: an operations analyst and a grid worker."""
    analyst = t.PersonFactory.create(username="analyst")
    RoleAssignment.objects.create(person=analyst, unit=world.units["city_go"], role=Role.VIEWER)
    worker = t.PersonFactory.create(username="gridworker")
    RoleAssignment.objects.create(person=worker, unit=world.units["rc_a1a"], role=Role.VISITOR)
    grid_assign_worker(actor=world.people["staff"], grid=world.areas["grid_a1a"], worker=worker)


def detail_pages(person: Any, world: t.World, case: Case, topic: HotTopic) -> list[str]:
    """The detail pages a persona reaches from its lists: the ones it may open."""
    if person is None:
        return [f"/cases/public/{case.number}/", f"/track/{case.tracking_token}/", "/login/", "/signup/"]
    pages = ["/notifications/", "/me/"]
    if case_selectors.may_view(person, case):
        pages.append(f"/cases/{case.number}/")
    role = RoleAssignment.objects.filter(person=person).order_by("pk").first()
    if role is not None:
        pages.append(f"/units/{role.unit_id}/")
    if has_perm_anywhere(person, "cases.view"):
        pages.append("/operations/wall/")
    if can_in_area(person, "intel.view_hotspots", topic.area_path):
        pages.append(f"/intel/hotspots/{topic.pk}/")
    return pages


def test_every_page_fits_a_phone(
    world: t.World, busy: dict[str, Case], browser: Any, live_server: Any
) -> None:
    extra_personas(world)
    rollups_refresh()
    topic = t.hot_topic(world, "小区门口路面塌陷，夜间行人车辆经过很危险")
    case = busy["grid_late"]
    topic.cases.add(case)
    people: list[Person | None] = [None, *Person.objects.exclude(username="root").order_by("username")]
    wide: list[str] = []
    seen = 0
    for person in people:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        context.set_default_timeout(10_000)
        if person is not None:
            client = Client()
            client.force_login(person)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        tab = t.Tab(context.new_page(), live_server.url)
        actor = person if person is not None else Client().get("/").wsgi_request.user
        pages = ["/", *[link.url for link in nav_links(actor)], *detail_pages(person, world, case, topic)]
        for language in ("en", "zh-hans"):
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for path in dict.fromkeys(pages):
                tab.goto(path)
                tab.page.wait_for_function(SETTLED)
                assert tab.page.locator("html").get_attribute("lang") == language
                width = tab.js("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    who = person.username if person else "visitor"
                    wide.append(f"{who} {language} {path}: {width}px ({tab.js(WIDEST)})")
                seen += 1
        context.close()
        tab.assert_clean()
    assert not wide, "\n".join(wide)
    assert seen > 200, seen  # every persona's pages were visited


def test_the_menu_opens_on_a_phone_without_scripts(world: t.World, browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    menu = page.locator("header nav a[href='/report/']")
    expect(menu).to_be_hidden()
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 60, header
    page.locator("label.menu-button").click()
    expect(menu).to_be_visible()
    expect(page.locator("#language-select")).to_be_visible()
    page.locator("label.menu-button").click()
    expect(menu).to_be_hidden()
    context.close()
