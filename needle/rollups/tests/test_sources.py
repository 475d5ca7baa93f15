"""A source declared inside the test suite (needle/rollups/tests/sample: a tiny model, its
tables on the engine's shapes and its figures.py) gets its rollups kept, rebuilt and read, and
its figures served by the operations API, without a line of engine or operations code of its
own: the proof that the next app only declares."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django.utils.text import capfirst

from needle import testing as t
from needle.areas.models import Area
from needle.rollups.rebuild import rollups_rebuild
from needle.rollups.refresh import objects_apply, rollups_refresh
from needle.rollups.sources import source_named
from needle.rollups.tests.sample.models import Visit, VisitFootprint, VisitNodeRollup, VisitRollup
from needle.testing import zh

SAMPLE = "needle.rollups.tests.sample.figures"
URL = "/api/v1/operations/indicators"


@pytest.fixture
def visits(world: t.World, settings: Any) -> dict[str, Visit]:
    settings.NEEDLE_ROLLUP_SOURCES = [*settings.NEEDLE_ROLLUP_SOURCES, SAMPLE]
    now = timezone.now()
    a = world.areas
    return {
        "grid_today": Visit.objects.create(area=a["grid_a1a"], team=1, at=now, done=True),
        "community_open": Visit.objects.create(
            area=a["community_a1b"], team=2, at=now - dt.timedelta(days=3)
        ),
        "street_old": Visit.objects.create(area=a["street_a2"], team=1, at=now - dt.timedelta(days=400)),
        "district_b": Visit.objects.create(
            area=a["district_b"], team=0, at=now - dt.timedelta(days=10), done=True
        ),
    }


def direct(area: Area, start: dt.date, end: dt.date) -> dict[str, int]:
    """The visits' counters counted directly: flows in [start, end], the stock now."""
    tz = timezone.get_default_timezone()
    within = [v for v in Visit.objects.select_related("area") if v.area.path.startswith(area.path)]
    in_period = [v for v in within if start <= v.at.astimezone(tz).date() <= end]
    return {
        "visits": len(in_period),
        "done": sum(v.done for v in in_period),
        "planned": sum(not v.done for v in within),
    }


def tables() -> tuple[list[Any], ...]:
    def rows(model: Any) -> list[Any]:
        return sorted(
            tuple(str(v) for v in r.values())
            for r in model.objects.values(*[f.attname for f in model._meta.fields if f.name != "id"])
        )

    return rows(VisitRollup), rows(VisitNodeRollup), rows(VisitFootprint)


def assert_api_agrees(world: t.World, api: Any) -> None:
    today = timezone.localdate()
    for start in (today - dt.timedelta(days=29), today - dt.timedelta(days=500)):
        for name in ("city", "district_a", "street_a1", "community_a1a"):
            area = world.areas[name]
            r = api.get(URL, area=area.code, source="visits", start=start.isoformat(), end=today.isoformat())
            assert r.status_code == 200, r.content
            body = r.json()
            want = direct(area, start, today)
            figures = body["node"]["figures"]
            assert {k: figures[k] for k in want} == want, (name, start)
            assert figures["done_rate"] == (
                round(want["done"] / want["visits"], 4) if want["visits"] else None
            )
            for counter in want:
                assert sum(c["figures"][counter] for c in body["children"]) == want[counter]


def test_a_declared_source_is_kept_read_and_served_without_code_of_its_own(
    world: t.World, visits: dict[str, Visit], api_for: Any
) -> None:
    api = api_for("city_admin")
    listed = {s["name"]: s for s in api.get("/api/v1/operations/sources").json()}
    assert list(listed) == [
        "cases",
        "orgs",
        "center",
        "appointments",
        "rooms",
        "volunteering",
        "volunteering_lists",
        "care",
        "consult",
        "supervision",
        "visits",
    ]
    assert [f["name"] for f in listed["visits"]["figures"]] == ["visits", "done_rate", "planned"]

    assert rollups_refresh().rebuilt
    assert_api_agrees(world, api)

    Visit.objects.filter(pk=visits["community_open"].pk).update(done=True, updated_at=timezone.now())
    Visit.objects.create(area=world.areas["community_a1a"], team=3, at=timezone.now())
    visits["street_old"].delete()
    result = rollups_refresh()
    assert (result.rebuilt, result.changed["visits"]) == (False, 2)  # a deleted visit waits for a rebuild
    Visit.objects.filter(pk=visits["grid_today"].pk).update(updated_at=timezone.now())
    rollups_rebuild(actor=None, since=timezone.localdate() - dt.timedelta(days=500), source="visits")
    assert_api_agrees(world, api)
    # A service that deletes an object takes its footprint off at once.
    gone = visits["district_b"].pk
    visits["district_b"].delete()
    assert objects_apply(source_named("visits"), [gone]) == 1
    assert not VisitFootprint.objects.filter(pk=gone).exists()
    assert_api_agrees(world, api)

    kept = tables()
    rollups_rebuild(actor=None, source="visits")
    assert tables() == kept  # refresh and rebuild from a day equal a full rebuild

    # The team key: a district's node rows break the figures down by it.
    by_team = VisitNodeRollup.objects.filter(area=world.areas["district_a"], grouping="s", span=1)
    assert {r.key for r in by_team} == {1, 2, 3}
    assert source_named("visits").flows == ("visits", "done")


def test_an_undeclared_source_is_unknown(world: t.World, api_for: Any) -> None:
    r = api_for("city_admin").get(URL, area=world.areas["city"].code, source="visits")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unknown_source"


def test_a_declared_source_is_exported_without_code_of_its_own(
    world: t.World, visits: dict[str, Visit], client_for: Any
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from needle.core.models import AuditEvent

    rollups_refresh()
    client = client_for("city_admin")
    start = (timezone.localdate() - dt.timedelta(days=29)).isoformat()
    r = client.get(
        "/operations/export.csv",
        {"area": "500103000000", "source": "visits", "headers": "keys", "start": start},
    )
    assert r.status_code == 200, r.content
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1] == ["section", "kind", "key", "name", "visits", "done", "planned", "done_rate"]
    node = rows[2]
    assert node[:3] == ["node", "area", "500103000000"]
    want = direct(world.areas["district_a"], dt.date.fromisoformat(start), timezone.localdate())
    assert [int(x) for x in node[4:7]] == [want["visits"], want["done"], want["planned"]]
    assert {r[2] for r in rows[4:]} == {"500103001000", "500103002000"}
    event = AuditEvent.objects.get(action="operations.dashboard.exported")
    assert event.changes["new"]["source"] == "visits"
    words = client.get("/operations/export.csv", {"area": "500103000000", "source": "visits"})
    assert words.status_code == 200 and "区域" in words.content.decode("utf-8-sig").splitlines()[2]
    book = client.get("/operations/export.xlsx", {"area": "500103000000", "source": "visits", "start": start})
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content)).worksheets
    assert [ws.title for ws in sheets] == ["概要", "下级", "Team"]
    summary = {row[0]: row[1] for row in sheets[0].iter_rows(min_row=4, values_only=True)}
    # The sample's labels, translated where the catalog has the word.
    labels = [capfirst(zh(k)) for k in ("visits", "visits done", "planned")]
    assert [summary[k] for k in labels] == [
        want["visits"],
        want["done"],
        want["planned"],
    ]
    teams = {row[0]: row[2] for row in sheets[2].iter_rows(min_row=2, values_only=True)}
    assert sum(teams.values()) == want["visits"] and set(teams) <= {"0", "1", "2", "3"}
    unknown = client.get("/operations/export.csv", {"area": "500103000000", "source": "nope"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_source"


def test_a_declared_source_has_its_section_on_the_area_dashboard(
    world: t.World, visits: dict[str, Visit], client_for: Any
) -> None:
    rollups_refresh()
    body = client_for("city_admin").get("/operations/area/500103000000/").content.decode()
    assert 'id="source-visits"' in body
    section = body[body.index('id="source-visits"') :].split("</section>")[0]
    # District A in the last 30 days: the grid's visit (done) and the community's (planned);
    # planned now: the community's and the street's of last year.
    values = [part.split("</b>")[0] for part in section.split("<b>")[1:]]
    assert values == ["2", "50.0%", "2"]
    # An area without visits has no such section.
    body = client_for("city_admin").get("/operations/area/500106001000/").content.decode()
    assert 'id="source-visits"' not in body


def test_a_source_declared_later_is_built_by_the_next_refresh(world: t.World, settings: Any) -> None:
    first = rollups_refresh()
    assert first.rebuilt and "visits" not in first.read
    Visit.objects.create(area=world.areas["grid_a1a"], team=1, at=timezone.now() - dt.timedelta(days=90))
    settings.NEEDLE_ROLLUP_SOURCES = [*settings.NEEDLE_ROLLUP_SOURCES, SAMPLE]
    later = rollups_refresh()
    assert not later.rebuilt and later.read["visits"] == 1
    assert sum(VisitRollup.objects.values_list("visits", flat=True)) == 1
    assert rollups_refresh().changed["visits"] == 0


def test_a_declared_source_has_its_table_in_the_pdf_report(
    world: t.World, visits: dict[str, Visit], client_for: Any
) -> None:
    import io

    from pypdf import PdfReader

    def text(code: str) -> str:
        r = client.get(f"/operations/area/{code}/report.pdf", {"kind": "monthly", "day": today.isoformat()})
        assert r.status_code == 200
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)

    rollups_refresh()
    today = timezone.localdate()
    client = client_for("city_admin")
    want = direct(world.areas["district_a"], today.replace(day=1), today)
    rate = f"{want['done'] / want['visits'] * 100:.1f}%" if want["visits"] else "—"
    section = text("500103000000").split("\nVisits\n")[1].split()
    assert section == [
        "指标",
        "本期",
        zh("visits"),  # the sample's labels, translated where the catalog has the word
        str(want["visits"]),
        zh("done"),
        rate,
        zh("planned"),
        str(want["planned"]),
    ]
    assert "\nVisits\n" not in text("500106001000")  # no visits there: no table
