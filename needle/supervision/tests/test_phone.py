"""The supervision pages fit a 390 px phone in both languages: my tasks, the issue form, a
task's board, a target's page, the admission list (public, applications), the burden page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.orgs.models import UnitType
from needle.supervision import services as svc
from needle.supervision.models import Target

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_supervision_pages_fit_a_phone(world: t.World, browser: Any, live_server: Any) -> None:
    today = timezone.localdate()
    task = svc.task_issue(
        actor=world.people["office"],
        issuer=world.units["district_a_go"],
        draft=svc.Draft(
            title="全区街道安全生产大检查及隐患整改情况报送",
            body="请各街道按要求完成。" * 20,
            deadline=today + dt.timedelta(days=9),
        ),
        targets=[{"area": world.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE}],
    )
    target = Target.objects.get(task=task, unit=world.units["street_a1"])
    svc.target_progress(
        actor=world.people["supervisor"], target_id=target.pk, progress=40, text="已部署" * 30
    )
    pages = {
        "supervisor": ["/supervision/", f"/supervision/targets/{target.pk}/"],
        "office": [
            "/supervision/",
            "/supervision/new/",
            f"/supervision/tasks/{task.pk}/",
            "/supervision/admission/",
            "/supervision/burden/500103000000/",
        ],
        None: ["/supervision/admission/500103000000/"],
    }
    wide = []
    for persona, paths in pages.items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        if persona is not None:
            client = Client()
            client.force_login(world.people[persona])
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        page = context.new_page()
        for language in ("en", "zh-hans"):
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            for path in paths:
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (persona, path)
                assert page.locator("html").get_attribute("lang") == language
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    wide.append(f"{persona} {language} {path}: {width}px")
        context.close()
    assert not wide, "\n".join(wide)
