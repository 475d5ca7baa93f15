"""Fill-once reports: templates with bound fields, a request prefilled from the rollups with the
indicators API's very figures, fields typed once and reused, the locks of a returned and a
signed-off report, the issuer's table (JSON, CSV, XLSX), and refusals of bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from needle import testing as t
from needle.cases.models import Service
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.rollups.refresh import rollups_refresh
from needle.supervision import services as svc
from needle.supervision.models import (
    Answer,
    Entry,
    Origin,
    Refusal,
    ReportRequest,
    ReportTemplate,
    Status,
    Target,
)
from needle.supervision.selectors.reports import report_of, report_table

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=29)
API = "/api/v1/supervision"
FIELDS = [
    {"key": "cases_received", "label": "来件数", "kind": "integer", "source": "cases", "figure": "received"},
    {"key": "cases_open", "label": "未办结", "kind": "integer", "source": "cases", "figure": "open"},
    {
        "key": "cases_resolution",
        "label": "解决率",
        "kind": "decimal",
        "source": "cases",
        "figure": "resolution_rate",
    },
    {"key": "org_units", "label": "组织数", "kind": "integer", "source": "orgs", "figure": "units"},
    {"key": "volunteers", "label": "志愿者人数", "kind": "integer"},
    {"key": "notes", "label": "说明", "kind": "text", "required": False},
    {"key": "drill", "label": "开展演练", "kind": "yes_no"},
    # A community-side source: the supervised tasks the community received.
    {"key": "tasks", "label": "收到任务数", "kind": "integer", "source": "supervision", "figure": "received"},
]


@pytest.fixture
def cases(world: t.World) -> None:
    catalog = t.build_catalog(world)
    for _ in range(3):
        t.submit(world, catalog["road"])
    t.submit(world, catalog["road"], area="community_a2a")
    rollups_refresh()


def request(w: t.World, tpl: Any, start: dt.date = START, end: dt.date = TODAY) -> Any:
    return svc.report_issue(
        actor=w.people["office"],
        issuer=w.units["district_a_go"],
        template=tpl,
        period_start=start,
        period_end=end,
        draft=svc.Draft(title="社区月报", task_type="report", deadline=TODAY + dt.timedelta(days=10)),
        targets=[{"area": w.areas["district_a"].code, "unit_type": "resident_committee"}],
    )


def values(target: Target) -> dict[str, tuple[str, str]]:
    return {a.key: (a.value, a.origin) for a in Answer.objects.filter(target=target)}


def target_of(w: t.World, task: Any, unit: str = "rc_a1a") -> Target:
    return Target.objects.get(task=task, unit=w.units[unit])


def test_prefilled_values_equal_the_indicators_api(
    world: t.World, cases: None, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> None:
    task = request(world, report_template(FIELDS))
    assert ReportRequest.objects.filter(task=task).count() == 1
    root = Client()
    root.force_login(world.people["root"])
    for unit, area in (("rc_a1a", "community_a1a"), ("rc_a2a", "community_a2a")):
        got = values(target_of(world, task, unit))
        code = world.areas[area].code
        period = {"area": code, "start": START.isoformat(), "end": TODAY.isoformat()}
        cases_api = root.get("/api/v1/operations/indicators", period).json()["node"]["figures"]
        orgs_api = root.get("/api/v1/operations/indicators", {**period, "source": "orgs"}).json()["node"][
            "figures"
        ]
        assert got["cases_received"] == (str(cases_api["received"]), Origin.PREFILLED)
        assert got["cases_open"] == (str(cases_api["open"]), Origin.PREFILLED)
        assert cases_api["resolution_rate"] is None and got["cases_resolution"] == ("", Origin.PREFILLED)
        assert got["org_units"] == (str(orgs_api["units"]), Origin.PREFILLED)
        assert got["volunteers"] == ("", Origin.EMPTY)
    # The request's own targets reach the rollups at the next refresh; opening the report then
    # reads them, and equals the indicators of the tasks' source.
    rollups_refresh()
    for unit, area, staff in (("rc_a1a", "community_a1a", "staff"), ("rc_a2a", "community_a2a", "staff_a2a")):
        target = target_of(world, task, unit)
        assert values(target)["tasks"] == ("0", Origin.PREFILLED)
        assert svc.report_open(actor=world.people[staff], target_id=target.pk) == 1
        period = {"area": world.areas[area].code, "start": START.isoformat(), "end": TODAY.isoformat()}
        tasks_api = root.get("/api/v1/operations/indicators", {**period, "source": "supervision"}).json()
        assert values(target)["tasks"] == (str(tasks_api["node"]["figures"]["received"]), Origin.PREFILLED)
        assert values(target)["tasks"][0] == "1"
    # Direct counts: three cases in A1a, one in A2a; two units in A1a (committee, party).
    assert values(target_of(world, task))["cases_received"][0] == "3"
    assert values(target_of(world, task, "rc_a2a"))["cases_received"][0] == "1"
    assert values(target_of(world, task))["org_units"][0] == "2"
    assert (
        AuditEvent.objects.filter(action="supervision.report.requested", object_id=str(task.pk)).count() == 1
    )


def test_opening_refreshes_the_bound_values_while_filling(
    world: t.World, cases: None, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> None:
    task = request(world, report_template(FIELDS))
    target = target_of(world, task)
    t.submit(world, Service.objects.get(code="road"))
    rollups_refresh()
    # received and open (the new case), and tasks (the request itself, now refreshed)
    assert svc.report_open(actor=world.people["staff"], target_id=target.pk) == 3
    assert values(target)["cases_received"][0] == "4"
    # The analyst only reads: nothing changes for them.
    assert report_of(actor=world.people["analyst"], target_id=target.pk).lines


def test_a_field_typed_once_is_reused(
    world: t.World, cases: None, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> None:
    first = request(world, report_template(FIELDS))
    target = target_of(world, first)
    svc.report_save(
        actor=world.people["staff"], target_id=target.pk, values={"volunteers": "12", "drill": True}
    )
    assert values(target)["volunteers"] == ("12", Origin.TYPED)
    other = report_template(
        [
            {"key": "volunteers", "label": "志愿者", "kind": "integer"},
            {"key": "drill", "label": "演练", "kind": "yes_no"},
            {"key": "extra", "label": "其他", "kind": "text"},
        ],
        name="专项报表",
    )
    second = request(world, other)
    again = values(target_of(world, second))
    assert again["volunteers"] == ("12", Origin.REUSED)
    assert again["drill"] == ("yes", Origin.REUSED)
    assert again["extra"] == ("", Origin.EMPTY)
    # Another community typed nothing; another period asks again.
    assert values(target_of(world, second, "rc_a2a"))["volunteers"] == ("", Origin.EMPTY)
    third = request(world, other, START - dt.timedelta(days=30), START - dt.timedelta(days=1))
    assert values(target_of(world, third))["volunteers"] == ("", Origin.EMPTY)


def test_submit_return_with_flags_and_locks(
    world: t.World, cases: None, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> None:
    task = request(world, report_template(FIELDS))
    target = target_of(world, task)
    staff, supervisor = world.people["staff"], world.people["supervisor"]
    with pytest.raises(ValidationFailed) as fixed:  # bound: not typed over
        svc.report_save(actor=staff, target_id=target.pk, values={"cases_received": "99"})
    assert fixed.value.code == "bound_field" and set(fixed.value.fields) == {"cases_received"}
    with pytest.raises(ValidationFailed) as missing:
        svc.report_submit(actor=staff, target_id=target.pk, values={"volunteers": 5})
    assert set(missing.value.fields) == {"drill"}
    assert values(target)["volunteers"] == ("", Origin.EMPTY)  # the refused submit kept nothing
    svc.report_submit(actor=staff, target_id=target.pk, values={"volunteers": 5, "drill": "否"})
    target.refresh_from_db()
    assert target.status == Status.DONE
    with pytest.raises(Conflict):  # done: locked
        svc.report_save(actor=staff, target_id=target.pk, values={"volunteers": 6})
    with pytest.raises(PermissionDenied):  # the community does not return its own report
        svc.report_return(actor=staff, target_id=target.pk, reason="x", fields=["volunteers"])
    svc.report_return(actor=supervisor, target_id=target.pk, reason="人数有误", fields=["volunteers"])
    target.refresh_from_db()
    assert target.status == Status.RETURNED
    filled = report_of(actor=staff, target_id=target.pk)
    assert {line.field.key for line in filled.lines if line.editable} == {"volunteers"}
    with pytest.raises(Conflict):
        svc.report_save(actor=staff, target_id=target.pk, values={"drill": "yes"})
    svc.report_submit(actor=staff, target_id=target.pk, values={"volunteers": 7})
    svc.target_sign_off(actor=supervisor, target_id=target.pk)
    with pytest.raises(Conflict):
        svc.report_save(actor=staff, target_id=target.pk, values={"volunteers": 8})
    assert values(target)["volunteers"] == ("7", Origin.TYPED)
    assert values(target)["drill"] == ("no", Origin.TYPED)


def test_templates_refuse_bad_bindings_and_wrong_personas(
    world: t.World, report_template: Callable[..., ReportTemplate]
) -> None:
    bad = [
        (
            [{"key": "a", "label": "A", "kind": "integer", "source": "nope", "figure": "received"}],
            "fields[0].figure",
        ),
        (
            [{"key": "a", "label": "A", "kind": "integer", "source": "cases", "figure": "nope"}],
            "fields[0].figure",
        ),
        (
            [{"key": "a", "label": "A", "kind": "integer", "source": "cases", "figure": "response_rate"}],
            "fields[0].figure",
        ),
        (
            [{"key": "a", "label": "A", "kind": "text", "source": "cases", "figure": "received"}],
            "fields[0].figure",
        ),
        ([{"key": "a", "label": "A", "kind": "integer", "source": "cases"}], "fields[0].figure"),
        ([{"key": "a b", "label": "A", "kind": "integer"}], "fields[0].key"),
        ([{"key": "a", "label": "A\x00", "kind": "integer"}], "fields[0].label"),
        ([{"key": "a", "label": "A", "kind": "date"}], "fields[0].kind"),
        (
            [{"key": "a", "label": "A", "kind": "text"}, {"key": "a", "label": "B", "kind": "text"}],
            "fields[1].key",
        ),
        ([], "fields"),
    ]
    for fields, where in bad:
        with pytest.raises(Exception) as caught:
            report_template(fields)
        assert where in getattr(caught.value, "fields", {}), (fields, caught.value)
    for persona in ("staff", "analyst", "outsider", "supervisor"):
        with pytest.raises(PermissionDenied):
            svc.template_create(
                actor=world.people[persona], owner=world.units["district_a_go"], name="x", fields=FIELDS
            )


def test_table_totals_up_the_tree(
    world: t.World, cases: None, report_admitted: Entry, report_template: Callable[..., ReportTemplate]
) -> None:
    task = request(world, report_template(FIELDS))
    for unit, staff, n in (("rc_a1a", "staff", 4), ("rc_a1b", "staff_a1b", 6)):
        target = target_of(world, task, unit)
        svc.report_save(actor=world.people[staff], target_id=target.pk, values={"volunteers": n})
    table = report_table(actor=world.people["office"], task_id=task.pk)
    assert [r.unit for r in table.rows] == ["华一坡社区居委会", "领事巷社区居委会", "小什字社区居委会"]
    volunteers = [f.key for f in table.fields].index("volunteers")
    received = [f.key for f in table.fields].index("cases_received")
    resolution = [f.key for f in table.fields].index("cases_resolution")
    by_area = {row.area: row for row in table.totals}
    assert by_area[world.areas["street_a1"].code].values[volunteers] == 10
    assert by_area[world.areas["street_a1"].code].targets == 2
    assert by_area[world.areas["district_a"].code].values[received] == 4
    assert by_area[world.areas["district_a"].code].values[resolution] is None  # rates do not add
    assert by_area[world.areas["district_a"].code].targets == 3


def test_api_contract_and_files(world: t.World, cases: None, api_for: Any, report_admitted: Entry) -> None:
    office = api_for("office")
    r = office.post(
        f"{API}/report-templates",
        {"owner": world.units["district_a_go"].pk, "name": "月报", "fields": FIELDS},
    )
    assert r.status_code == 201, r.content
    tpl = r.json()
    assert [f["key"] for f in tpl["fields"]] == [f["key"] for f in FIELDS]
    assert office.get(f"{API}/report-templates/{tpl['id']}").status_code == 200
    assert api_for("outsider").get(f"{API}/report-templates/{tpl['id']}").status_code == 404
    r = office.post(
        f"{API}/reports",
        {
            "issuer": world.units["district_a_go"].pk,
            "template": tpl["id"],
            "period_start": START.isoformat(),
            "period_end": TODAY.isoformat(),
            "title": "社区月报",
            "deadline": (TODAY + dt.timedelta(days=9)).isoformat(),
            "targets": [{"area": "500103000000", "unit_type": "resident_committee"}],
        },
    )
    assert r.status_code == 201, r.content
    task_id = r.json()["id"]
    assert r.json()["targets_count"] == 3
    target = target_of(world, task_id)
    staff = api_for("staff")
    r = staff.get(f"{API}/targets/{target.pk}/report")
    assert r.status_code == 200
    got = {f["key"]: f for f in r.json()["fields"]}
    assert got["cases_received"]["value"] == "3" and got["cases_received"]["origin"] == "prefilled"
    assert not got["cases_received"]["editable"] and got["volunteers"]["editable"]
    # Bad input: clear 4xx naming the field.
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"volunteers": "twelve"}})
    assert r.status_code == 422 and "volunteers" in r.json()["error"]["fields"]
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"volunteers": 1.5}})
    assert r.status_code == 422 and "volunteers" in r.json()["error"]["fields"]
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"volunteers": "1e400"}})
    assert r.status_code == 422 and "volunteers" in r.json()["error"]["fields"]
    # The analyst sees the report but may not fill it.
    assert api_for("analyst").get(f"{API}/targets/{target.pk}/report").status_code == 200
    r = api_for("analyst").post(f"{API}/targets/{target.pk}/report", {"values": {"volunteers": 1}})
    assert r.status_code == 403
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"notes": "a\x00b"}})
    assert r.status_code == 422 and any("notes" in k for k in r.json()["error"]["fields"])
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"nope": 1}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_field"
    r = staff.post(f"{API}/targets/{target.pk}/report", {"values": {"cases_received": 9}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bound_field"
    assert list(r.json()["error"]["fields"]) == ["cases_received"]
    partial = staff.client.post(
        f"{API}/targets/{target.pk}/report", '{"values": {"volunteers": 1', content_type="application/json"
    )
    assert 400 <= partial.status_code < 500
    assert api_for("outsider").get(f"{API}/targets/{target.pk}/report").status_code == 404
    assert api_for("outsider").post(f"{API}/targets/{target.pk}/report", {"values": {}}).status_code == 404
    r = staff.post(
        f"{API}/targets/{target.pk}/report/submit",
        {"values": {"volunteers": 8, "drill": "yes", "notes": '=HYPERLINK("http://x")'}},
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert (
        api_for("staff")
        .post(f"{API}/targets/{target.pk}/report/return", {"reason": "x", "fields": ["drill"]})
        .status_code
        == 403
    )
    r = api_for("supervisor").post(
        f"{API}/targets/{target.pk}/report/return", {"reason": "再核", "fields": ["drill"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert [f["key"] for f in r.json()["fields"] if f["flagged"]] == ["drill"]
    # The issuer's table, three ways; an outsider and a community see none of it.
    r = office.get(f"{API}/tasks/{task_id}/report")
    assert r.status_code == 200 and len(r.json()["rows"]) == 3
    r = office.get(f"{API}/tasks/{task_id}/report.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][3:] == [str(f["label"]) for f in FIELDS]
    assert rows[1][:2] == ["华一坡社区居委会", "500103001001"] and rows[1][3] == "3" and rows[1][7] == "8"
    r = office.get(f"{API}/tasks/{task_id}/report.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    assert sheet.cell(row=2, column=4).value == 3 and sheet.cell(row=2, column=8).value == 8
    # A typed text that looks like a formula stays text, in the CSV too.
    assert sheet.cell(row=2, column=9).data_type == "s"
    assert sheet.cell(row=2, column=9).value == '=HYPERLINK("http://x")'
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    assert book.worksheets[1].max_row == 4  # header, street A1, street A2, district A
    for persona in ("outsider", "staff"):
        assert api_for(persona).get(f"{API}/tasks/{task_id}/report.csv").status_code == 404


def test_report_request_to_communities_obeys_the_admission_list(
    world: t.World, api_for: Any, report_template: Callable[..., ReportTemplate]
) -> None:
    tpl = report_template([{"key": "v", "label": "V", "kind": "integer"}])
    with pytest.raises(ValidationFailed) as refused:
        request(world, tpl)
    assert refused.value.code == "task_type_not_admitted"
    assert not ReportRequest.objects.exists() and not Target.objects.exists()
    assert Refusal.objects.filter(task_type="report").count() == 1
    with pytest.raises(ValidationFailed) as period:
        svc.report_issue(
            actor=world.people["office"],
            issuer=world.units["district_a_go"],
            template=tpl,
            period_start=TODAY,
            period_end=TODAY - dt.timedelta(days=1),
            draft=svc.Draft(title="x", task_type="report", deadline=TODAY),
            targets=[world.units["street_a1"].pk],
        )
    assert "period_end" in period.value.fields


def test_fields_burden_equals_direct_counts(
    world: t.World,
    cases: None,
    api_for: Any,
    report_admitted: Entry,
    report_template: Callable[..., ReportTemplate],
) -> None:
    task = request(world, report_template(FIELDS))
    svc.report_save(
        actor=world.people["staff"],
        target_id=target_of(world, task).pk,
        values={"volunteers": 3, "drill": True},
    )
    request(world, report_template([{"key": "volunteers", "label": "V", "kind": "integer"}], name="b"))
    period = {"area": world.areas["district_a"].code, "start": START.isoformat(), "end": TODAY.isoformat()}
    r = api_for("office").get(f"{API}/burden/fields", **period)
    assert r.status_code == 200, r.content
    answers = Answer.objects.filter(target__area_path__startswith=world.areas["district_a"].path)
    totals = r.json()["period"]["totals"]
    assert totals == {
        "prefilled": answers.filter(origin=Origin.PREFILLED).count(),
        "reused": answers.filter(origin=Origin.REUSED).count(),
        "typed": answers.filter(origin=Origin.TYPED).count(),
        "empty": answers.filter(origin=Origin.EMPTY).count(),
    }
    assert totals["prefilled"] == 15 and totals["reused"] == 1 and totals["typed"] == 2
    assert r.json()["year_before"]["totals"] == {"prefilled": 0, "reused": 0, "typed": 0, "empty": 0}
    [line] = r.json()["period"]["by_issuer"]
    assert line["issuer"] == world.units["district_a_go"].pk
    street = {**period, "area": world.areas["street_a2"].code}
    assert api_for("office").get(f"{API}/burden/fields", **street).json()["period"]["totals"]["typed"] == 0
    assert api_for("outsider").get(f"{API}/burden/fields", **period).status_code == 403
    page = Client()
    page.force_login(world.people["office"])
    html = page.get(f"/supervision/burden/{world.areas['district_a'].code}/fields/").content.decode()
    assert "渝中区政府办" in html and 'id="fields-burden"' in html
    assert "/fields/" in page.get(f"/supervision/burden/{world.areas['district_a'].code}/").content.decode()
