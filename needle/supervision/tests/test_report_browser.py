"""In Chromium, on a 390 px phone and in both languages: a community opens its prefilled report,
types only what is not bound, and submits it; the street returns it with one field flagged and
only that field stays open; the issuer reads the table on a desktop. Screenshots of each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.rollups.refresh import rollups_refresh
from needle.supervision import services as svc
from needle.supervision.models import Answer, Entry, ReportTemplate, Status, Target

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TODAY = timezone.localdate()


def issue(w: t.World, report_template: Callable[..., ReportTemplate]) -> Any:
    """A report to district A's communities (two cases received in A1a, bound); the "report"
    type is admitted by the `report_admitted` fixture."""
    catalog = t.build_catalog(w)
    for _ in range(2):
        t.submit(w, catalog["road"])
    rollups_refresh()
    tpl = report_template(
        name="社区工作月报（一表通）",
        fields=[
            {
                "key": "received",
                "label": "群众诉求受理数",
                "kind": "integer",
                "source": "cases",
                "figure": "received",
            },
            {"key": "open", "label": "在办诉求数", "kind": "integer", "source": "cases", "figure": "open"},
            {"key": "units", "label": "辖区组织数", "kind": "integer", "source": "orgs", "figure": "units"},
            {"key": "volunteers", "label": "在册志愿者人数", "kind": "integer"},
            {"key": "drill", "label": "本月开展应急演练", "kind": "yes_no"},
            {"key": "notes", "label": "情况说明", "kind": "text", "required": False},
        ],
    )
    return svc.report_issue(
        actor=w.people["office"],
        issuer=w.units["district_a_go"],
        template=tpl,
        period_start=TODAY - dt.timedelta(days=29),
        period_end=TODAY,
        draft=svc.Draft(title="社区工作月报", task_type="report", deadline=TODAY + dt.timedelta(days=5)),
        targets=[{"area": w.areas["district_a"].code, "unit_type": "resident_committee"}],
    )


def context_for(
    browser: Any, live_server: Any, w: t.World, persona: str, viewport: dict[str, int], language: str
) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    client = Client()
    client.force_login(w.people[persona])
    cookies = [
        (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
        (settings.LANGUAGE_COOKIE_NAME, language),
    ]
    context.add_cookies([{"name": n, "value": v, "url": live_server.url} for n, v in cookies])
    return context


def fits(tab: t.Tab) -> None:
    width = tab.js("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_a_prefilled_report_is_completed_on_a_phone(
    world: t.World,
    browser: Any,
    live_server: Any,
    report_admitted: Entry,
    report_template: Callable[..., ReportTemplate],
) -> None:
    task = issue(world, report_template)
    target = Target.objects.get(task=task, unit=world.units["rc_a1a"])
    url = f"/supervision/reports/{target.pk}/"
    for language in ("en", "zh-hans"):
        context = context_for(browser, live_server, world, "staff", PHONE, language)
        tab = t.Tab(context.new_page(), live_server.url)
        tab.goto(url)
        fits(tab)
        page = tab.page
        # A bound field is shown as a value, not an input.
        assert page.text_content("output#f-received") == "2"
        assert page.locator("input#f-received").count() == 0
        tab.shot(f"supervision-report-phone-{language}.png")
        context.close()
    context = context_for(browser, live_server, world, "staff", PHONE, "zh-hans")
    tab = t.Tab(context.new_page(), live_server.url)
    tab.goto(url)
    page = tab.page
    page.fill("#f-volunteers", "十二")
    page.locator("button[value=save]").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() >= 1
    page.fill("#f-volunteers", "12")
    page.select_option("#f-drill", "yes")
    page.locator("button[value=submit]").click()
    page.wait_for_url(live_server.url + url)
    target.refresh_from_db()
    assert target.status == Status.DONE
    assert Answer.objects.get(target=target, key="volunteers").value == "12"
    tab.shot("supervision-report-submitted-phone-zh-hans.png")
    context.close()

    context = context_for(browser, live_server, world, "supervisor", PHONE, "zh-hans")
    tab = t.Tab(context.new_page(), live_server.url)
    tab.goto(url)
    fits(tab)
    page = tab.page
    page.locator("input[name=flag][value=drill]").check()
    page.fill("#return-reason", "演练记录缺失，请核实")
    tab.shot("supervision-report-review-phone-zh-hans.png")
    page.locator("#return-form button[type=submit]").click()
    page.wait_for_url(live_server.url + url)
    target.refresh_from_db()
    assert target.status == Status.RETURNED
    context.close()

    context = context_for(browser, live_server, world, "staff", PHONE, "en")
    tab = t.Tab(context.new_page(), live_server.url)
    tab.goto(url)
    fits(tab)
    assert tab.page.locator("#f-drill").is_enabled()
    assert tab.page.locator("input#f-volunteers").count() == 0
    tab.shot("supervision-report-returned-phone-en.png")
    context.close()

    for language in ("en", "zh-hans"):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context = context_for(browser, live_server, world, "office", viewport, language)
            tab = t.Tab(context.new_page(), live_server.url)
            for page_name, path in (
                ("table", f"/supervision/tasks/{task.pk}/report/"),
                ("templates", "/supervision/report-templates/"),
                ("burden", f"/supervision/burden/{world.areas['district_a'].code}/"),
            ):
                tab.goto(path)
                tab.page.wait_for_load_state("networkidle")
                if name == "phone":
                    fits(tab)
                tab.shot(f"supervision-report-{page_name}-{name}-{language}.png")
            assert tab.page.locator("#fields-burden").count() == 1
            context.close()
