import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from needle.areas.models import Area, Level
from needle.areas.services import area_import, boundaries_import
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import Unit
from needle.testing import PersonFactory, UnitFactory

HEADER = "code,name,level,level_name,parent_code,province_code,city_code,county_code,town_code,full_path\n"
ROWS = [
    "500000000000,重庆市,1,province,,500000000000,,,,重庆市",
    "500100000000,市辖区,2,city,500000000000,500000000000,500100000000,,,重庆市/市辖区",
    "500103000000,渝中区,3,county,500100000000,500000000000,500100000000,500103000000,,x",
    "500103001000,七星岗街道,4,town,500103000000,500000000000,500100000000,500103000000,500103001000,x",
    "500103001001,华一坡社区居委会,5,village,500103001000,500000000000,500100000000,500103000000,500103001000,x",
    "500103001002,领事巷社区居委会,5,village,500103001000,500000000000,500100000000,500103000000,500103001000,x",
    "500106000000,沙坪坝区,3,county,500100000000,500000000000,500100000000,500106000000,,x",
    "500106001000,小龙坎街道,4,town,500106000000,500000000000,500100000000,500106000000,500106001000,x",
]


def csv_bytes(rows: list[str], gz: bool = False) -> io.BytesIO:
    data = (HEADER + "\n".join(rows) + "\n").encode()
    return io.BytesIO(gzip.compress(data) if gz else data)


def test_import_builds_the_tree_with_paths_and_depths(db):
    report = area_import(actor=None, source=csv_bytes(ROWS))
    assert (report.rows, report.created, report.updated, report.retired) == (8, 8, 0, 0)
    community = Area.objects.get(code="500103001001")
    assert community.path == "500000000000/500100000000/500103000000/500103001000/500103001001/"
    assert community.depth == 5 and community.level == Level.COMMUNITY
    assert community.parent.code == "500103001000"
    assert community.ancestor_codes == ["500000000000", "500100000000", "500103000000", "500103001000"]


def test_import_reads_gzip_and_is_idempotent(db):
    area_import(actor=None, source=csv_bytes(ROWS, gz=True))
    again = area_import(actor=None, source=csv_bytes(ROWS, gz=True))
    assert (again.created, again.updated, again.unchanged, again.retired) == (0, 0, 8, 0)
    assert Area.objects.count() == 8


def test_reimport_renames_adds_and_retires_never_duplicates(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    changed = [r.replace("领事巷社区居委会", "领事巷社区") for r in ROWS if "小龙坎" not in r]
    changed.append("500103001003,新社区,5,village,500103001000,,,,,x")
    report = area_import(actor=None, source=csv_bytes(changed))
    assert (report.created, report.updated, report.retired) == (1, 1, 1)
    assert Area.objects.get(code="500103001002").name == "领事巷社区"
    assert Area.objects.get(code="500106001000").retired is True
    assert Area.objects.count() == 9
    # It comes back when a later file lists it again.
    area_import(actor=None, source=csv_bytes(ROWS))
    assert Area.objects.get(code="500106001000").retired is False


def test_import_under_a_code_only_touches_that_subtree(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    subset = [r for r in ROWS if "500106" not in r and "500103001002" not in r]
    report = area_import(actor=None, source=csv_bytes(subset), under="500103001000")
    assert report.retired == 1  # 领事巷 vanished from the street it was imported under
    assert Area.objects.get(code="500103001002").retired
    assert not Area.objects.get(code="500106001000").retired  # outside the subtree: untouched


def test_import_under_an_unknown_code_is_refused(db):
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=csv_bytes(ROWS), under="999999999999")
    assert "999999999999" in err.value.fields["file"]


def test_a_malformed_file_changes_nothing_and_names_the_lines(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    before = list(Area.objects.values_list("code", "name", "retired").order_by("code"))
    bad = [
        *[r.replace("渝中区", "渝中区新名") for r in ROWS],
        "12345,短代码,5,village,500103001000,,,,,x",
        "500103001009,,5,village,500103001000,,,,,x",
        "500103001010,孤儿,5,village,500103009000,,,,,x",
        "500103001001,重复,5,village,500103001000,,,,,x",
    ]
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=csv_bytes(bad))
    message = err.value.fields["file"]
    assert "line 10" in message and "12 digits" in message
    assert "line 11" in message and "name" in message
    assert "line 13" in message and "repeats line 6" in message
    assert list(Area.objects.values_list("code", "name", "retired").order_by("code")) == before
    # The orphan is reported once the per-row problems are fixed.
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=csv_bytes([*ROWS, "500103001010,孤儿,5,village,500103009000,,,,,x"]))
    assert "line 10: parent_code 500103009000 is not in the file" in err.value.fields["file"]


def test_missing_columns_are_named(db):
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=io.BytesIO(b"code,title\n500000000000,x\n"))
    assert "name, level, parent_code" in err.value.fields["file"]


def test_a_moved_area_carries_its_grids_and_units(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    community = Area.objects.get(code="500103001001")
    grid = Area.objects.create(
        code="500103001001-001",
        name="第1网格",
        level=6,
        parent=community,
        path=community.path + "500103001001-001/",
        depth=6,
    )
    unit = UnitFactory(area=grid)
    moved = [
        r.replace(",500103001000,500000000000", ",500106001000,500000000000")
        if r.startswith("500103001001")
        else r
        for r in ROWS
    ]
    area_import(actor=None, source=csv_bytes(moved))
    grid.refresh_from_db()
    unit.refresh_from_db()
    assert grid.path.startswith("500000000000/500100000000/500106000000/500106001000/500103001001/")
    assert unit.area_path == grid.path
    assert Unit.objects.get(pk=unit.pk).area_path == grid.path


def test_import_writes_one_audit_event(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    event = AuditEvent.objects.get(action="areas.import.completed")
    assert event.changes["new"]["created"] == 8


def test_only_superusers_may_import(db):
    with pytest.raises(PermissionDenied):
        area_import(actor=PersonFactory(), source=csv_bytes(ROWS))
    assert Area.objects.count() == 0
    area_import(actor=PersonFactory(is_superuser=True), source=csv_bytes(ROWS))
    assert Area.objects.count() == 8


def test_cli_import_areas(db, tmp_path: Path, capsys):
    path = tmp_path / "areas.csv"
    path.write_bytes(csv_bytes(ROWS).getvalue())
    call_command("import_areas", str(path))
    assert "8 rows: 8 created" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "x,y,9,,,,,,,\n")
    with pytest.raises(CommandError, match="line 2"):
        call_command("import_areas", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_areas", str(tmp_path / "missing.csv"))


GEOJSON = """{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"adcode": 500103, "name": "渝中区", "centroid": [106.55, 29.55]},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.5]]]]}},
 {"type": "Feature", "properties": {"adcode": 500999, "name": "无"},
  "geometry": {"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 1]]]}}]}"""


def test_boundaries_attach_by_adcode_and_report_unknown_codes(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    report = boundaries_import(actor=None, source=io.BytesIO(GEOJSON.encode()))
    assert report.attached == 1 and report.unknown_codes == ["500999000000"]
    district = Area.objects.get(code="500103000000")
    assert district.boundary["type"] == "MultiPolygon"
    assert (district.centroid_lat, district.centroid_lng) == (29.55, 106.55)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{not json", "not valid GeoJSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        (
            '{"type": "FeatureCollection", "features": [{"properties": {"adcode": 500103}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}',
            "Polygon",
        ),
    ],
)
def test_bad_boundary_files_attach_nothing(db, text, problem):
    area_import(actor=None, source=csv_bytes(ROWS))
    with pytest.raises(ValidationFailed) as err:
        boundaries_import(actor=None, source=io.BytesIO(text.encode()))
    assert problem in err.value.message + " ".join(err.value.fields.values())
    assert not Area.objects.filter(boundary__isnull=False).exists()


def test_descendant_counts_follow_imports_and_grids(db):
    from needle.orgs.services import grid_create

    area_import(actor=None, source=csv_bytes(ROWS))
    counts = dict(Area.objects.values_list("code", "descendants"))
    assert counts["500000000000"] == 7 and counts["500103000000"] == 3 and counts["500103001001"] == 0
    # A real grid adds one below each ancestor.
    grid_create(
        actor=PersonFactory(is_superuser=True), community=Area.objects.get(code="500103001001"), name="新网格"
    )
    assert Area.objects.get(code="500000000000").descendants == 8
    # A re-import under a street that retires a community lowers every count above it.
    subset = [r for r in ROWS if "500103001002" not in r]
    area_import(actor=None, source=csv_bytes(subset), under="500103001000")
    counts = dict(Area.objects.values_list("code", "descendants"))
    # 七星岗: 华一坡 and its grid; 渝中区: the street, 华一坡, the grid; 重庆市: 8 - 1.
    assert counts["500103001000"] == 2 and counts["500103000000"] == 3 and counts["500000000000"] == 7
    direct = (
        Area.objects.filter(path__startswith="500000000000/", retired=False)
        .exclude(code="500000000000")
        .count()
    )
    assert counts["500000000000"] == direct


# 40 more communities under 七星岗街道: a tree of 48 live areas, 41 of them in the street.
COMMUNITIES = [f"5001030010{n:02d},社区{n},5,village,500103001000,,,,,x" for n in range(3, 43)]


def live_codes() -> list[str]:
    return sorted(Area.objects.filter(retired=False).values_list("code", flat=True))


@pytest.mark.parametrize("rows", [[], ROWS[:3]], ids=["header only", "three rows"])
def test_a_file_that_would_retire_much_of_the_tree_is_refused(db, rows):
    area_import(actor=None, source=csv_bytes(ROWS + COMMUNITIES))
    before = live_codes()
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=csv_bytes(rows))
    retiring = 48 - len(rows)
    assert f"would retire {retiring} of the 48 areas" in err.value.message
    assert err.value.extra["would_retire"] == retiring
    assert live_codes() == before
    assert AuditEvent.objects.filter(action="areas.import.completed").count() == 1
    # Confirmed, it is carried out.
    report = area_import(actor=None, source=csv_bytes(rows), allow_retire=True)
    assert report.retired == retiring and len(live_codes()) == len(rows)


def test_under_a_code_the_share_is_of_that_subtree(db):
    area_import(actor=None, source=csv_bytes(ROWS + COMMUNITIES))
    before = live_codes()
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=csv_bytes(ROWS[:4]), under="500103001000")
    assert "would retire 42 of the 43 areas in 500103001000" in err.value.message
    assert live_codes() == before
    # A few communities gone from the street is a revision, not an accident.
    report = area_import(actor=None, source=csv_bytes(ROWS[:5] + COMMUNITIES[:-1]), under="500103001000")
    assert report.retired == 2


def test_cli_refuses_a_retiring_file_unless_confirmed(db, tmp_path: Path, capsys):
    area_import(actor=None, source=csv_bytes(ROWS + COMMUNITIES))
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    with pytest.raises(CommandError, match="would retire 48 of the 48 areas"):
        call_command("import_areas", str(empty))
    assert len(live_codes()) == 48
    call_command("import_areas", str(empty), "--allow-retire")
    assert "48 retired" in capsys.readouterr().out and live_codes() == []


@pytest.mark.parametrize(
    "data, message",
    [
        (
            (HEADER + ROWS[0] + "\n").encode() + "500100000000,市辖区".encode("gbk") + b",2,,,,,,,\n",
            "line 3: not UTF-8",
        ),
        ("code,名称".encode("gbk") + b",level,parent_code\n", "line 1: not UTF-8"),
        (b"\x1f\x8bnot gzip at all", "line 1: unreadable"),
        (gzip.compress((HEADER + "\n".join(ROWS) + "\n").encode())[:-30], "unreadable"),
    ],
    ids=["gbk row", "gbk header", "not gzip", "truncated gzip"],
)
def test_unreadable_files_are_named_by_line(db, tmp_path: Path, data: bytes, message: str):
    with pytest.raises(ValidationFailed) as err:
        area_import(actor=None, source=io.BytesIO(data))
    assert message in err.value.fields["file"]
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=message):
        call_command("import_areas", str(path))
    assert not Area.objects.exists()
