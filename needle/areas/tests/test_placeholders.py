"""Placeholder containers of the national file (市辖区, 县, 省直辖县级行政区划) are flagged by the
importer and the migration, and `jurisdictional_children` passes through them."""

import importlib
import io

from django.apps import apps

from needle.areas.models import Area, is_placeholder
from needle.areas.selectors import jurisdictional_children
from needle.areas.services import area_import

HEADER = "code,name,level,parent_code\n"
ROWS = [
    "410000000000,河南省,1,",
    "410100000000,郑州市,2,410000000000",
    "410101000000,市辖区,3,410100000000",
    "410102000000,中原区,3,410100000000",
    "419000000000,省直辖县级行政区划,2,410000000000",
    "419001000000,济源市,3,419000000000",
    "500000000000,重庆市,1,",
    "500100000000,市辖区,2,500000000000",
    "500103000000,渝中区,3,500100000000",
    "500200000000,县,2,500000000000",
    "500229000000,城口县,3,500200000000",
    "620000000000,甘肃省,1,",
    "620200000000,嘉峪关市,2,620000000000",
    "620201000000,市辖区,3,620200000000",
    "620201100000,新城镇,4,620201000000",
]


def csv_bytes(rows: list[str]) -> io.BytesIO:
    return io.BytesIO((HEADER + "\n".join(rows) + "\n").encode())


def codes(areas: list[Area]) -> list[str]:
    return [a.code for a in areas]


def test_the_importer_flags_placeholders_by_name_and_level(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    flagged = set(Area.objects.filter(placeholder=True).values_list("code", flat=True))
    assert flagged == {"410101000000", "419000000000", "500100000000", "500200000000", "620201000000"}
    assert is_placeholder(name="县", level=2) and not is_placeholder(name="县", level=4)


def test_a_reimport_keeps_the_flag_true_to_the_name(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    renamed = [r.replace("500200000000,县,", "500200000000,某县区,") for r in ROWS]
    report = area_import(actor=None, source=csv_bytes(renamed))
    assert report.updated == 1
    assert not Area.objects.get(code="500200000000").placeholder
    again = area_import(actor=None, source=csv_bytes(ROWS))
    assert again.updated == 1 and Area.objects.get(code="500200000000").placeholder


def test_the_migration_marks_the_areas_already_imported(db):
    area_import(actor=None, source=csv_bytes(ROWS))
    Area.objects.update(placeholder=False)
    migration = importlib.import_module("needle.areas.migrations.0003_area_placeholder")
    migration.mark_placeholders(apps, None)
    assert Area.objects.filter(placeholder=True).count() == 5


def test_jurisdictional_children_pass_through_placeholders(db, django_assert_num_queries):
    area_import(actor=None, source=csv_bytes(ROWS))
    get = Area.objects.get
    assert codes(jurisdictional_children(area=get(code="500000000000"))) == ["500103000000", "500229000000"]
    # A province with cities and a directly governed county; the childless 市辖区 is no child.
    assert codes(jurisdictional_children(area=get(code="410000000000"))) == ["410100000000", "419001000000"]
    assert codes(jurisdictional_children(area=get(code="410100000000"))) == ["410102000000"]
    # 嘉峪关市 has no districts: its towns sit in a level-3 市辖区.
    assert codes(jurisdictional_children(area=get(code="620200000000"))) == ["620201100000"]
    # A placeholder's own children are listed as they are; retired areas are not.
    Area.objects.filter(code="500229000000").update(retired=True)
    province = get(code="500000000000")
    with django_assert_num_queries(2):  # the children, then the placeholders' children
        assert codes(jurisdictional_children(area=province)) == ["500103000000"]
    district = get(code="500103000000")
    with django_assert_num_queries(1):
        assert codes(jurisdictional_children(area=district)) == []
