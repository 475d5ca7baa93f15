"""The household files' import: a good file (CSV and XLSX) registers every line, households
grouped, consents recorded, sensitive fields sealed; a bad line stores nothing and the error
names the line and the field; a file of the wrong type, a damaged or cut-off workbook, an
empty file get a clear error; only the community's care staff may import."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from needle.care.models import Consent, Household, Purpose, Recipient
from needle.care.services import imports
from needle.core.errors import PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.orgs.models import Person
from needle.testing import World

A1A = "500103001001"
GRID = "500103001001-001"
URL = f"/care/import/{A1A}/"
HEADER = [h for _f, h in imports.COLUMNS]


def line(**values: str) -> list[str]:
    defaults = {"area": A1A, "categories": "独居老人", "risk": "中"}
    merged = {**defaults, **values}
    return [merged.get(f, "") for f in imports.FIELDS]


GOOD = [
    line(
        household="1",
        name="张秀英",
        address="华一路12号",
        categories="独居老人; 低保",
        risk="高",
        health="高血压",
        id_number="110105194905010029",
        consent="signed_form",
    ),
    line(
        household="1",
        name="张老伯",
        birth_date="1939/4/5",
        categories="elderly_alone, disability",
        risk="low",
    ),
    line(
        household="2",
        area=GRID,
        name="李小明",
        birth_date="2015-09-01",
        categories="留守儿童",
        guardian_name="李桂兰",
        consent="verbal_witnessed",
        consent_by="李桂兰",
        witness="王芳",
    ),
]


def csv_file(rows: list[list[str]], name: str = "files.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, imports.sheets.template_csv(HEADER, *rows), content_type="text/csv")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(person: Person, upload: Any) -> Any:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(person)
    return c.post(URL, {"file": upload})


def test_a_good_file_registers_every_line(world: World) -> None:
    res = post(world.people["staff"], csv_file(GOOD))
    assert res.status_code == 302 and res["Location"] == f"/care/{A1A}/"
    people = {r.name: r for r in Recipient.objects.all()}
    assert set(people) == {"张秀英", "张老伯", "李小明"}
    assert people["张秀英"].household_id == people["张老伯"].household_id != people["李小明"].household_id
    assert Household.objects.count() == 2
    assert (
        people["张秀英"].category_codes == ["elderly_alone", "low_income"] and people["张秀英"].risk == "high"
    )
    assert people["张老伯"].birth_date == dt.date(1939, 4, 5) and people["张老伯"].risk == "low"
    assert people["李小明"].area.code == GRID
    assert "高血压" not in people["张秀英"].sealed and people["张秀英"].sealed_fields
    assert people["张秀英"].consented(Purpose.REGISTRATION) and not people["张老伯"].consented(
        Purpose.REGISTRATION
    )
    child = Consent.objects.get(recipient=people["李小明"])
    assert child.by_guardian and child.witness == "王芳" and child.method == "verbal_witnessed"
    event = AuditEvent.objects.get(action="care.households.imported")
    assert event.changes["new"] == {"recipients": 3, "households": 2}


def test_the_xlsx_template_round_trips(world: World) -> None:
    c = Client()
    c.force_login(world.people["staff"])
    template = c.get("/care/import-template.xlsx")
    assert template.status_code == 200 and template["Content-Type"] == imports.sheets.XLSX_TYPE
    assert c.get("/care/import-template.csv").content.startswith("\ufeff".encode())
    assert c.get("/care/import-template.exe").status_code == 404
    # The template's own example lines import as they are.
    res = post(world.people["staff"], SimpleUploadedFile("t.xlsx", template.content))
    assert res.status_code == 302
    assert set(Recipient.objects.values_list("name", flat=True)) == {"张秀英", "李小明"}
    for persona in ("supervisor", "outsider", "resident"):
        outsider = Client()
        outsider.force_login(world.people[persona])
        assert outsider.get("/care/import-template.xlsx").status_code == 403
    assert Client().get("/care/import-template.xlsx").status_code == 302


def test_an_xlsx_file_with_typed_cells(world: World) -> None:
    rows: list[list[Any]] = [line(name="王大爷", phone="")]
    rows[0][imports.FIELDS.index("phone")] = 13800001234.0  # a phone typed as a number
    rows[0][imports.FIELDS.index("birth_date")] = dt.datetime(1940, 3, 2)  # a date cell
    res = post(world.people["staff"], SimpleUploadedFile("f.xlsx", xlsx_bytes(rows)))
    assert res.status_code == 302
    made = Recipient.objects.get(name="王大爷")
    assert made.phone == "13800001234" and made.birth_date == dt.date(1940, 3, 2)


def test_a_bad_line_stores_nothing_and_names_the_line_and_field(world: World) -> None:
    rows = [
        *GOOD,
        line(name="刘奶奶", risk="很高"),
        line(name="", categories="独居老人"),
        line(name="陈某", categories="外星人"),
        line(name="周某", area="500106001001"),
        line(name="吴某", birth_date="2015-01-01"),  # a minor without a guardian
        line(name="郑某", id_number="123"),
    ]
    res = post(world.people["staff"], csv_file(rows))
    assert res.status_code == 200
    assert not Recipient.objects.exists() and not Household.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="care.").exists()
    body = res.content.decode()
    errors = body.split('id="import-errors"')[1].split("</ul>")[0]
    assert "Nothing was imported" in body
    for number, field in (
        (5, "risk"),
        (6, "name"),
        (7, "categories"),
        (8, "community or grid code"),
        (9, "guardian"),
        (10, "ID number"),
    ):
        said = errors.split(f"<strong>line {number}</strong>")[1].split("</li>")[0]
        assert field in said, (number, said)
    assert "line 2<" not in errors and "line 4<" not in errors


def test_the_service_refuses_a_bad_line_with_its_field(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        imports.households_import(
            actor=world.people["staff"],
            community=world.areas["community_a1a"],
            rows=[HEADER, line(name="甲"), line(name="乙", consent="verbal_witnessed")],
        )
    assert list(caught.value.fields) == ["line 3"]
    assert "witness" in caught.value.fields["line 3"]  # a verbal consent needs a witness
    assert not Recipient.objects.exists()
    # A household number cannot span two places.
    with pytest.raises(ValidationFailed) as caught:
        imports.households_import(
            actor=world.people["staff"],
            community=world.areas["community_a1a"],
            rows=[HEADER, line(household="9", name="甲"), line(household="9", name="乙", area=GRID)],
        )
    assert "household" in caught.value.fields["line 3"]
    with pytest.raises(PermissionDenied):
        imports.households_import(
            actor=world.people["supervisor"],
            community=world.areas["community_a1a"],
            rows=[HEADER, line(name="甲")],
        )
    assert not Recipient.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("files.txt", b"a,b\n", "XLSX or a CSV"),
        ("files.pdf", b"%PDF-1.4", "XLSX or a CSV"),
        ("files.xlsx", b"not a workbook", "not a readable XLSX"),
        ("files.csv", "\u540d".encode("gbk"), "UTF-8"),
        ("files.csv", b"", "empty"),
        ("files.csv", b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\n", "no lines"),
        ("files.csv", b"name,area\n", "template"),
        ("files.csv", ",".join(["姓名", *HEADER[1:]]).encode() + b"\n" + b"x\n", "Column 1 is 姓名"),
    ],
)
def test_a_wrong_or_partial_file_gets_a_clear_error(world: World, name: str, data: bytes, said: str) -> None:
    res = post(world.people["staff"], SimpleUploadedFile(name, data))
    assert res.status_code == 200
    assert said in res.content.decode()
    assert not Recipient.objects.exists()


def test_the_header_may_be_in_either_language(world: World) -> None:
    english = [
        "household no.",
        "community or grid code",
        "address",
        "name",
        "phone",
        "date of birth",
        "categories",
        "risk",
        "guardian",
        "guardian's phone",
        "emergency contact",
        "health",
        "disability",
        "income",
        "ID number",
        "notes",
    ]
    rows = [english, line(name="甲")]
    made = imports.households_import(
        actor=world.people["staff"], community=world.areas["community_a1a"], rows=rows
    )
    assert [r.name for r in made] == ["甲"]
    chinese = [
        "户号",
        "社区或网格代码",
        "地址",
        "姓名",
        "电话",
        "出生日期",
        "类别",
        "风险等级",
        "监护人",
        "监护人电话",
        "紧急联系人",
        "健康状况",
        "残疾情况",
        "收入情况",
        "身份证号",
        "备注",
        "登记同意",
        "同意人",
        "见证人",
    ]
    made = imports.households_import(
        actor=world.people["staff"], community=world.areas["community_a1a"], rows=[chinese, line(name="乙")]
    )
    assert [r.name for r in made] == ["乙"]


def test_a_cut_off_workbook_is_refused(world: World) -> None:
    whole = xlsx_bytes(GOOD)
    res = post(world.people["staff"], SimpleUploadedFile("f.xlsx", whole[: len(whole) // 2]))
    assert res.status_code == 200 and "not a readable XLSX" in res.content.decode()
    assert not Recipient.objects.exists()


def test_who_may_import(world: World) -> None:
    p = world.people
    for persona in ("supervisor", "outsider", "resident", "district_auditor"):
        assert post(p[persona], csv_file(GOOD)).status_code == 403, persona
    assert not Recipient.objects.exists()
    assert Client().post(URL, {"file": csv_file(GOOD)}).status_code == 302
    c = Client()
    c.force_login(p["street_admin"])
    assert c.get("/care/import/500103001000/").status_code == 404  # a street, not a community
    c.force_login(p["staff"])
    assert c.get(URL).status_code == 200
    assert c.post(URL, {}).status_code == 200 and not Recipient.objects.exists()
