"""The helper's page and its service worker, as served."""

from __future__ import annotations

from typing import Any

from django.test import Client

from needle.care.models import Purpose
from needle.care.tests.visit_rows import recipient
from needle.core.models import AuditEvent
from needle.testing import World


def test_the_page_lists_my_households_with_badges_and_the_form(world: World, client_for: Any) -> None:
    overdue = recipient(world, name="李大爷")
    child = recipient(world, name="小明", categories=("left_behind_child",), consents=(Purpose.REGISTRATION,))
    recipient(world, name="别人的", helper="staff")
    answer = client_for("member").get("/care/helper/")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "李大爷" in page and "小明" in page and "别人的" not in page
    assert "Overdue by 3 days" in page or "逾期" in page
    assert (
        f'data-recipient="{child.pk}"' in page and 'data-topics="health food safety housing school"' in page
    )
    assert 'id="visit-form"' in page and 'id="care-helper-strings"' in page
    assert "高血压" in page  # shared with the helper, within consent
    assert "500103194501011234" not in page  # the ID number never
    reads = AuditEvent.objects.filter(action="care.recipient.sensitive_read")
    assert [e.object_id for e in reads] == [str(overdue.pk)]


def test_the_page_speaks_english_and_chinese(world: World, client_for: Any) -> None:
    recipient(world)
    client = client_for("member")
    english = client.get("/care/helper/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My households" in english and "Overdue by 3 days" in english
    chinese = client.get("/care/helper/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in chinese


def test_the_page_needs_a_sign_in(world: World) -> None:
    answer = Client().get("/care/helper/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_person_without_households_sees_an_empty_list(world: World, client_for: Any) -> None:
    answer = client_for("outsider").get("/care/helper/")
    assert answer.status_code == 200
    assert AuditEvent.objects.filter(action="care.recipient.sensitive_read").count() == 0


def test_the_service_worker_covers_the_page_and_keeps_its_files(world: World) -> None:
    answer = Client().get("/care/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    body = answer.content.decode()
    assert '"/care/helper/"' in body and "care/helper.js" in body and "care/helper.css" in body


def test_each_account_keeps_its_own_offline_copy(world: World, client_for: Any) -> None:
    """The worker's cache is named for the signed-in account, and it reads the page back from
    that cache only (never a match across every cache of the origin)."""
    import re

    def cache_of(body: str) -> str:
        found = re.search(r'var CACHE = "([^"]+)";', body)
        assert found is not None
        return found.group(1).replace("\\u002D", "-")  # escapejs writes "-" so

    member = client_for("member").get("/care/sw.js").content.decode()
    outsider = client_for("outsider").get("/care/sw.js").content.decode()
    assert cache_of(member) != cache_of(outsider)
    assert cache_of(member).startswith("needle-care-") and cache_of(outsider).startswith("needle-care-")
    assert "caches.match(" not in member


def test_signing_out_clears_the_offline_copy(world: World, client_for: Any) -> None:
    from django.urls import reverse

    client = client_for("member")
    assert client.get("/care/helper/").status_code == 200
    answer = client.post(reverse("logout"))
    assert answer.status_code == 302
    assert answer["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/care/helper/").status_code == 302
