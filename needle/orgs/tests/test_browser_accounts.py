"""Account pages in a real Chromium, in Chinese and English, on a desktop and a phone: sign-up
with the terms, the profile, notification settings, the password pages, notifications and the
audit page. Screenshots land in screenshots/ (git-ignored) for a human to look over."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import gettext_noop

from needle import testing as t
from needle.cases import services as case_services
from needle.notify.messages import Message
from needle.notify.services import notify
from needle.orgs import services
from needle.testing import sign_in, zh

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _tab(open_tab: Any, size: str, language: str) -> t.Tab:
    options: dict[str, Any] = {"viewport": SIZES[size]}
    if size == "phone":
        options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
    tab = open_tab(**options)
    tab.page.context.add_cookies([{"name": "django_language", "value": language, "url": tab.base}])
    return tab


def _fits(tab: t.Tab, size: str, where: str) -> None:
    width = tab.js("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{where} is {width}px wide on {size}"


def _look(tab: t.Tab, path: str, name: str, size: str, language: str) -> None:
    tab.goto(path)
    tab.shot(f"accounts-{name}-{size}-{language}.png")
    _fits(tab, size, path)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sign_up_with_the_terms_and_the_account_pages(
    world: t.World, open_tab: Any, size: str, language: str
) -> None:
    tab = _tab(open_tab, size, language)
    page = tab.page
    for path, name in (("/terms/", "terms"), ("/privacy/", "privacy"), ("/password/reset/", "reset")):
        _look(tab, path, name, size, language)
    tab.goto("/signup/")
    page.fill("#id_username", f"new-{size}-{language}")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_email", f"{size}.{language}@example.org")
    page.fill("#id_password", "a-long-pass-987")
    page.fill("#id_password_again", "a-long-pass-987")
    page.check("#id_accept_terms")
    tab.shot(f"accounts-signup-{size}-{language}.png")
    _fits(tab, size, "/signup/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(tab.base + "/")

    _look(tab, "/me/", "profile", size, language)
    expect(page.locator("main")).to_contain_text(
        zh("not confirmed yet") if language == "zh-hans" else "not confirmed yet"
    )
    _look(tab, "/me/password/", "password", size, language)

    tab.goto("/notifications/settings/")
    page.check("input[name=channel][value=sms]")
    page.check("input[name=cadence][value=daily]")
    page.fill("#id_quiet_start", "22:00")
    page.fill("#id_quiet_end", "07:30")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(tab.base + "/notifications/settings/")
    expect(page.locator("#id_quiet_end")).to_have_value("07:30")
    tab.shot(f"accounts-notification-settings-{size}-{language}.png")
    _fits(tab, size, "/notifications/settings/")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_notifications_and_the_audit_page_in_words(
    world: t.World, open_tab: Any, size: str, language: str
) -> None:
    case = t.submit(world, t.build_catalog(world)["road"])
    case_services.case_accept(actor=world.people["handler"], case=case)
    case_services.case_resolve(actor=world.people["handler"], case=case, note="已修复")
    notify(
        recipients=[world.people["city_admin"]],
        verb="case.reopened",
        message=Message(gettext_noop("Case %(number)s was reopened."), {"number": case.number}),
        link=f"/cases/{case.number}/",
    )
    services.role_grant(
        actor=world.people["city_admin"],
        person=world.people["member"],
        unit=world.units["rc_a1a"],
        role="visitor",
    )
    tab = _tab(open_tab, size, language)
    page = tab.page
    sign_in(tab, "city_admin") if language == "zh-hans" else _english_sign_in(tab)
    _look(tab, "/notifications/", "notifications", size, language)
    expect(page.locator("main")).to_contain_text(case.number)
    _look(tab, "/audit/", "audit", size, language)
    expect(page.locator("main table")).to_contain_text(
        zh("role granted") if language == "zh-hans" else "role granted"
    )


def _english_sign_in(tab: t.Tab) -> None:
    page = tab.page
    tab.goto("/login/")
    page.fill("#id_username", "city_admin")
    page.fill("#id_password", t.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(tab.base + "/")
