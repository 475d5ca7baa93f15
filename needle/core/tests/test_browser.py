"""Pages that run scripts not of our own making still work under the Content-Security-Policy in
a real Chromium: the API docs (Swagger UI), the Django admin, and the wall screen. A violation is
a console error, which fails the test (see `Tab`)."""

from __future__ import annotations

from typing import Any

import pytest

from needle import testing as t
from needle.testing import PASSWORD, sign_in

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser


def test_api_docs_admin_and_wall_work_under_the_policy(world: t.World, open_tab: Any) -> None:
    tab = open_tab()
    page = tab.page
    tab.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.locator(".swagger-ui .opblock-summary").first.click()
    expect(page.locator(".swagger-ui .opblock-body").first).to_be_visible()

    admin = open_tab()
    page = admin.page
    admin.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(admin.base + "/admin/")
    admin.goto("/admin/orgs/roleassignment/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select:checked")).to_have_count(
        page.locator("input.action-select").count()
    )
    admin.goto("/admin/orgs/membership/add/")
    page.locator(".datetimeshortcuts a").first.click()
    expect(page.locator("#id_joined_on")).not_to_have_value("")

    wall = open_tab()
    sign_in(wall, "supervisor")
    wall.goto(f"/operations/wall/{world.areas['street_a1'].code}/")
    expect(wall.page.locator("body")).to_have_class("wall")
    expect(wall.page.locator("header.top")).to_be_hidden()
