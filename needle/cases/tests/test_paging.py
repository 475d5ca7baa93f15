"""Long case lists: pages that start from a position (after/before) and a count capped at
COUNT_CAP, in the inbox, the public list and the pager; a page's query count does not grow
with its rows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from needle.cases import selectors
from needle.cases.models import Case, State
from needle.cases.views import inbox
from needle.core import pagination
from needle.core.errors import ValidationFailed
from needle.core.pagination import capped_count, seek_paginate


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def bulk(world, catalog, n, *, same_time=False, state=State.SUBMITTED, start=0):
    """n cases led by district A's department, newest first by number (T…0 newest); with
    same_time every case has the same submitted_at, so only the id orders them."""
    now = timezone.now().replace(microsecond=123456)
    area = world.areas["community_a1a"]
    cases = [
        Case(
            number=f"T{start + i:08d}",
            service=catalog["road"],
            area=area,
            area_path=area.path,
            title=f"第{start + i}号",
            description=f"坑{start + i}",
            tracking_token=f"token-{start + i}",
            public=True,
            lead_unit=world.units["district_a_env"],
            state=state,
            submitted_at=now if same_time else now - dt.timedelta(minutes=start + i),
        )
        for i in range(n)
    ]
    return Case.objects.bulk_create(cases)


def numbers(body):
    return re.findall(r'name="numbers" value="(T\d{8})"', body)


def link(body, rel):
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url, rel):
    """Follow the pager's rel links from url to the end: the numbers of each page, in order."""
    pages = []
    while url:
        response = client.get("/inbox/" + url if url.startswith("?") else url)
        assert response.status_code == 200
        body = response.content.decode()
        pages.append(numbers(body))
        url = link(body, rel)
    return pages


@pytest.mark.parametrize("same_time", [False, True])
def test_inbox_next_and_previous_links_walk_every_case_once(world, catalog, client_for, settings, same_time):
    settings.NEEDLE_PAGE_SIZE = 3
    bulk(world, catalog, 10, same_time=same_time)
    client = client_for("handler")
    expected = [c.number for c in Case.objects.order_by("-submitted_at", "-id")]
    forward = walk(client, "/inbox/", "next")
    assert [len(p) for p in forward] == [3, 3, 3, 1]
    assert [n for p in forward for n in p] == expected
    # From the last page back to the first, by "previous" links.
    last = client.get("/inbox/").content.decode()
    for _ in range(3):
        last = client.get("/inbox/" + link(last, "next")).content.decode()
    assert "Page 4 of 4 (10 in all)" in last
    backward = walk(client, "/inbox/" + link(last, "prev"), "prev")
    assert backward == forward[-2::-1]


def test_inbox_links_keep_the_filters_and_bookmarked_page_numbers_still_work(
    world, catalog, client_for, settings
):
    settings.NEEDLE_PAGE_SIZE = 2
    bulk(world, catalog, 3)
    bulk(world, catalog, 3, state=State.IN_PROGRESS, start=3)
    client = client_for("handler")
    body = client.get("/inbox/", {"state": "in_progress"}).content.decode()
    assert numbers(body) == ["T00000003", "T00000004"]
    nxt = link(body, "next")
    assert "state=in_progress" in nxt and "after=" in nxt and "page=2" in nxt
    assert numbers(client.get("/inbox/" + nxt).content.decode()) == ["T00000005"]
    # A bare page number (an old link, a bookmark) is read by offset.
    assert numbers(client.get("/inbox/", {"page": "2"}).content.decode()) == ["T00000002", "T00000003"]
    assert numbers(client.get("/inbox/", {"page": "9"}).content.decode()) == []


@pytest.mark.parametrize("bad", [{"after": "x"}, {"before": "1_2_3"}, {"after": "9" * 30 + "_1"}])
def test_a_position_that_is_not_one_is_a_400(world, catalog, client_for, bad):
    bulk(world, catalog, 2)
    assert client_for("handler").get("/inbox/", bad).status_code == 400
    assert Client().get("/cases/public/", bad).status_code == 400


def test_past_the_cap_the_pager_says_more_than(world, catalog, client_for, settings, monkeypatch):
    settings.NEEDLE_PAGE_SIZE = 2
    monkeypatch.setattr(inbox, "OPEN_COUNT_CAP", 4)  # the inbox's default list: open cases
    bulk(world, catalog, 5)
    client = client_for("handler")
    body = client.get("/inbox/").content.decode()
    assert "Page 1 (more than 4 in all)" in body
    pages = walk(client, "/inbox/", "next")
    assert [n for p in pages for n in p] == [f"T{i:08d}" for i in range(5)]
    Case.objects.filter(number="T00000004").delete()
    assert "Page 1 of 2 (4 in all)" in client.get("/inbox/").content.decode()


def test_a_search_page_is_shown_before_its_count(world, catalog, client_for, settings, monkeypatch):
    settings.NEEDLE_PAGE_SIZE = 2
    bulk(world, catalog, 5)  # descriptions 坑0 … 坑4
    client = client_for("handler")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/inbox/", {"q": "坑"}).content.decode()
    assert numbers(body) == ["T00000000", "T00000001"]
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    later = re.search(r'<span hx-get="\?([^"]+)" hx-trigger="load"', body)
    assert later and "count_only=1" in later.group(1)
    assert "Page 1</span>" in body  # until the count arrives
    count = client.get("/inbox/?" + later.group(1).replace("&amp;", "&")).content.decode()
    assert count == "<span>Page 1 of 3 (5 in all)</span>"
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)
    assert (
        "(more than 3 in all)"
        in client.get("/inbox/?" + later.group(1).replace("&amp;", "&")).content.decode()
    )
    # Without a search the page counts at once: the count is cheap.
    assert "(5 in all)" in client.get("/inbox/").content.decode()


def test_public_list_pages_by_position_and_caps_its_count(world, catalog, settings, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 25)
    bulk(world, catalog, 35)
    client = Client()
    body = client.get("/cases/public/").content.decode()
    assert "More than 25 requests" in body
    nxt = link(body, "next")
    assert "after=" in nxt
    second = client.get("/cases/public/" + nxt).content.decode()
    shown = re.findall(r"· <a href=\"/cases/public/(T\d{8})/\">", second)
    assert shown == [f"T{i:08d}" for i in range(20, 35)]
    assert link(second, "next") is None and link(second, "prev") == "?page=1"
    monkeypatch.setattr(pagination, "COUNT_CAP", 1000)
    assert "35 requests" in client.get("/cases/public/").content.decode()


@pytest.mark.parametrize("sort_deep", [False, True])
def test_seek_paginate_matches_offset_pages(world, catalog, sort_deep):
    bulk(world, catalog, 7)
    bulk(world, catalog, 4, same_time=True, start=7)
    qs = Case.objects.all()
    everything = list(qs.order_by(*selectors.CASE_ORDER))

    def seek(**kwargs):
        return seek_paginate(qs, keys=selectors.CASE_ORDER, page_size=4, sort_deep=sort_deep, **kwargs)

    page = seek()
    seen = list(page.items)
    while page.has_next:
        page = seek(page=page.page + 1, after=page.next_cursor)
        seen += page.items
    assert seen == everything and page.page == 3 and page.count == 11 and page.exact
    assert seek(page=3).items == everything[8:]  # by OFFSET
    last_first = pagination.cursor_of(page.items[0], selectors.CASE_ORDER)
    back = seek(page=2, before=last_first)
    assert back.items == everything[4:8] and back.has_previous and back.has_next
    near_top = pagination.cursor_of(everything[2], selectors.CASE_ORDER)
    first = seek(page=2, before=near_top)
    assert first.page == 1 and first.items == everything[:4] and not first.has_previous
    with pytest.raises(ValidationFailed):
        seek(after="1_1", before="1_1")
    assert capped_count(qs, 10) == (10, False) and capped_count(qs, 11) == (11, True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the ordering is PostgreSQL's")
def test_sort_deep_sorts_deep_pages_of_a_counted_list_only(world, catalog):
    bulk(world, catalog, 9)
    qs = Case.objects.all()
    after = seek_paginate(qs, keys=selectors.CASE_ORDER, page_size=4).next_cursor

    def page_sql(cap, **kwargs):
        with CaptureQueriesContext(connection) as ctx:
            seek_paginate(qs, keys=selectors.CASE_ORDER, page_size=4, cap=cap, sort_deep=True, **kwargs)
        return ctx.captured_queries[-1]["sql"]

    assert "interval '0 s'" in page_sql(100, page=2, after=after)
    assert "interval '0 s'" in page_sql(100, page=2)
    assert "interval '0 s'" not in page_sql(100)  # the first page walks the newest rows
    assert "interval '0 s'" not in page_sql(5, page=2, after=after)  # more than counted: walked


def test_case_lists_make_the_same_queries_for_few_and_many_rows(world, catalog, client_for):
    client = client_for("handler")
    bulk(world, catalog, 2)
    client.get("/inbox/")  # the filters' services are remembered from the first request on
    Client().get("/cases/public/")
    with CaptureQueriesContext(connection) as few_inbox:
        client.get("/inbox/")
    with CaptureQueriesContext(connection) as few_public:
        Client().get("/cases/public/")
    bulk(world, catalog, 60, start=2)
    with CaptureQueriesContext(connection) as many_inbox:
        body = client.get("/inbox/").content.decode()
    with CaptureQueriesContext(connection) as many_public:
        Client().get("/cases/public/")
    assert len(numbers(body)) == 50
    assert len(many_inbox.captured_queries) == len(few_inbox.captured_queries)
    assert len(many_public.captured_queries) == len(few_public.captured_queries)
    # The rows' columns only: no description (up to 4,000 characters) in the inbox's page query.
    page_sql = next(q["sql"] for q in many_inbox.captured_queries if "LIMIT 51" in q["sql"])
    assert '"cases_case"."description"' not in page_sql and '"areas_area"."boundary"' not in page_sql
