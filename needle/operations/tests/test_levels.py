"""Placeholder levels (市辖区, 县, 省直辖县级行政区划) are passed through by every reader of a
node's children, the figures still add up, rankings never repeat a node, and rates over few
cases say so."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from needle import testing as t
from needle.areas.models import Area, Level
from needle.cases.figures import COUNTERS
from needle.cases.models import Case
from needle.core.pdf import pdf_font
from needle.operations import dashboards, reports
from needle.operations.figures_types import Figures, Row
from needle.operations.templatetags.ops import rate
from needle.rollups.refresh import rollups_refresh
from needle.testing import AreaFactory, raw_counts

DISTRICTS = {"500103000000", "500106000000"}


@pytest.fixture
def deeper(world: t.World, catalog: dict[str, Any]) -> dict[str, Area]:
    """Beside the world's 市辖区, a real city (depth 2) whose streets sit in a level-3 市辖区
    (as in 嘉峪关市), and a county in 县 (as in Chongqing): children at three depths."""
    province = world.areas["province"]
    a: dict[str, Area] = {}
    a["city"] = AreaFactory.create(code="500300000000", name="某市", level=Level.CITY, parent=province)
    a["urban"] = AreaFactory.create(
        code="500301000000", name="市辖区", level=Level.DISTRICT, parent=a["city"]
    )
    a["street"] = AreaFactory.create(
        code="500301001000", name="某街道", level=Level.STREET, parent=a["urban"]
    )
    a["community"] = AreaFactory.create(
        code="500301001001", name="某社区居委会", level=Level.COMMUNITY, parent=a["street"]
    )
    a["counties"] = AreaFactory.create(code="500200000000", name="县", level=Level.CITY, parent=province)
    a["county"] = AreaFactory.create(
        code="500229000000", name="城口县", level=Level.DISTRICT, parent=a["counties"]
    )
    a["gone"] = AreaFactory.create(
        code="500230000000", name="丰都县", level=Level.DISTRICT, parent=a["counties"], retired=True
    )
    world.areas.update({f"deeper_{k}": v for k, v in a.items()})
    t.submit(world, catalog["road"], area="deeper_community")
    t.submit(world, catalog["road"], area="deeper_county")
    return a


@pytest.fixture
def rolled(busy: dict[str, Case], deeper: dict[str, Area]) -> dict[str, Area]:
    rollups_refresh()
    return deeper


def _period() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today - dt.timedelta(days=29), today


def test_placeholders_are_flagged_from_their_names(world: t.World, deeper: dict[str, Area]) -> None:
    assert world.areas["city"].placeholder and deeper["urban"].placeholder and deeper["counties"].placeholder
    assert not any(a.placeholder for a in (world.areas["province"], deeper["city"], deeper["county"]))


def test_children_pass_through_placeholders_and_still_add_up(world: t.World, rolled: dict[str, Area]) -> None:
    root = world.people["root"]
    start, end = _period()
    province = dashboards.dashboard_for(actor=root, area=world.areas["province"], start=start, end=end)
    # The districts, the real city and the county; not 市辖区, 县, nor the retired county.
    assert [r.key for r in province.children] == [
        "500103000000",
        "500106000000",
        "500229000000",
        "500300000000",
    ]
    city = dashboards.dashboard_for(actor=root, area=rolled["city"], start=start, end=end)
    assert [r.key for r in city.children] == ["500301001000"]  # the street, through a level-3 市辖区
    for d in (province, city):
        want = raw_counts(start=start, end=end, area=d.area)
        assert d.totals.counts() == want
        assert {c: sum(getattr(r.figures, c) for r in d.children) for c in COUNTERS} == want
        for row in d.children:
            child = Area.objects.get(code=row.key)
            assert row.kind == "area" and row.figures.counts() == raw_counts(start=start, end=end, area=child)
    assert province.children[2].figures.received == 1 and city.children[0].figures.received == 1
    # A placeholder's own dashboard lists what it holds; breadcrumbs skip it.
    inside = dashboards.dashboard_for(actor=root, area=world.areas["city"], start=start, end=end)
    assert {r.key for r in inside.children} == DISTRICTS
    district = dashboards.dashboard_for(actor=root, area=world.areas["district_a"], start=start, end=end)
    assert [a.code for a in district.ancestors] == ["500000000000"]


def test_every_reader_lists_the_districts_not_the_placeholder(
    world: t.World, rolled: dict[str, Area], client_for: Any, api_for: Any
) -> None:
    client = client_for("city_admin")
    page = client.get("/operations/area/500000000000/").content.decode()
    assert "/operations/area/500103000000/" in page and "/operations/area/500100000000/" not in page
    assert ">市辖区<" not in page and ">县<" not in page
    wall = client.get("/operations/wall/500000000000/").content.decode()
    assert "渝中区" in wall and "城口县" in wall and "市辖区" not in wall
    api = api_for("city_admin").get("/api/v1/operations/indicators", area="500000000000").json()
    assert {c["key"] for c in api["children"]} == {*DISTRICTS, "500229000000", "500300000000"}
    pdf = client.get("/operations/area/500000000000/report.pdf", {"kind": "monthly"})
    text = _pdf_text(pdf.content)
    assert "渝中区" in text and "城口县" in text and "市辖区" not in text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_embeds_its_chinese_font(world: t.World, rolled: dict[str, Area], client_for: Any) -> None:
    r = client_for("city_admin").get("/operations/area/500103000000/report.pdf", {"kind": "weekly"})
    assert r.status_code == 200
    reader = PdfReader(io.BytesIO(r.content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    names = [n for n in fonts if n.endswith("+NeedleSansSC-Regular")]
    assert names, fonts.keys()
    # Embedded: the font program is in the file (a TrueType subset), not named for the reader
    # to find.
    descriptor = fonts[names[0]]["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor
    text = _pdf_text(r.content)
    assert "渝中区" in text and "七星岗街道" in text and "解放碑街道" in text


def test_report_font_covers_every_area_name_of_the_demo() -> None:
    font = pdfmetrics.getFont(pdf_font())
    covered = set(font.face.charToGlyph)
    demo_areas = Path(reports.__file__).parents[1] / "demo" / "data" / "chongqing_500000_areas.csv.gz"
    with gzip.open(demo_areas, "rt", encoding="utf-8") as f:
        names = set(f.read())
    assert {c for c in names if ord(c) > 0x2E80} <= {chr(c) for c in covered}


def _row(key: str, **counts: int) -> Row:
    return Row(kind="area", key=key, name=key, figures=Figures(**counts))


@pytest.mark.parametrize("n_rows", [1, 2, 3, 7, 10, 12])
def test_best_and_worst_never_name_a_node_twice(n_rows: int) -> None:
    rows = [_row(f"a{i}", response_due=20, responded_on_time=i) for i in range(n_rows)]
    best, worst = dashboards.ranking(rows, "response_rate")
    assert not {r.key for r in best} & {r.key for r in worst}
    assert len(best) == min(5, (n_rows + 1) // 2) and len(worst) == min(5, n_rows // 2)
    assert best[0].key == f"a{n_rows - 1}"
    if worst:
        assert worst[0].key == "a0"


def test_rates_over_few_cases_show_their_count_muted() -> None:
    few = Figures(response_due=7, responded_on_time=6)
    many = Figures(response_due=120, responded_on_time=90)
    assert str(rate(few, "response_rate")) == (
        '<span class="muted" title="Only 7 cases: too few to compare.">85.7% <small>(7)</small></span>'
    )
    assert str(rate(many, "response_rate")) == "75.0%"
    assert str(rate(Figures(), "response_rate")) == "—"
    assert reports._rate(few, "response_rate") == "85.7% (7)"


def test_dashboard_mutes_a_rate_over_few_cases(
    world: t.World, rolled: dict[str, Area], client_for: Any
) -> None:
    page = client_for("city_admin").get("/operations/area/500103000000/").content.decode()
    assert (
        '<span class="muted" title="仅 1 件，样本太少，不宜比较。">' in page and "<small>(1)</small>" in page
    )
