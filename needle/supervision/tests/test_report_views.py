"""The fill-once report pages: a community fills its prefilled report (a number typed as text is
refused naming the field, nothing lost), submits it; the street returns it with a flagged field;
the issuer reads the table. Other personas get 404, anonymous visitors the sign-in page."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from needle import testing as t
from needle.supervision.models import Answer, ReportRequest, ReportTemplate, Status, Target, Task

TODAY = timezone.localdate()


def client_for(w: t.World, persona: str) -> Client:
    c = Client()
    c.force_login(w.people[persona])
    return c


def test_fill_submit_return_on_the_pages(world: t.World, report_issued: tuple[Task, Target]) -> None:
    _task, target = report_issued
    url = f"/supervision/reports/{target.pk}/"
    staff = client_for(world, "staff")
    page = staff.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # A bound field is shown as its value with its origin, not as an input.
    assert 'name="f-received"' not in html and '<output id="f-received" class="value">1</output>' in html
    assert f'href="{url}"' in staff.get(f"/supervision/targets/{target.pk}/").content.decode()
    bad = staff.post(url, {"action": "save", "f-volunteers": "twelve", "f-drill": "yes"})
    assert bad.status_code == 422 and 'value="twelve"' in bad.content.decode()
    assert Answer.objects.get(target=target, key="volunteers").value == ""
    assert staff.post(url, {"action": "submit", "f-volunteers": "12", "f-drill": "yes"}).status_code == 302
    target.refresh_from_db()
    assert target.status == Status.DONE
    assert client_for(world, "outsider").get(url).status_code == 404
    assert Client().get(url).status_code == 302
    supervisor = client_for(world, "supervisor")
    assert 'id="review"' in supervisor.get(url).content.decode()
    assert supervisor.post(url, {"action": "return", "reason": "", "flag": ["drill"]}).status_code == 422
    assert supervisor.post(url, {"action": "return", "reason": "再核", "flag": ["drill"]}).status_code == 302
    target.refresh_from_db()
    assert target.status == Status.RETURNED
    assert Answer.objects.get(target=target, key="drill").flagged
    locked = staff.post(url, {"action": "save", "f-volunteers": "13"})
    # A locked field is not posted by the page; one sent anyway is refused and changes nothing.
    assert locked.status_code == 409 and Answer.objects.get(target=target, key="volunteers").value == "12"


def test_issuer_table_page(world: t.World, report_issued: tuple[Task, Target]) -> None:
    task, _target = report_issued
    url = f"/supervision/tasks/{task.pk}/report/"
    page = client_for(world, "office").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "华一坡社区居委会" in html and f"/api/v1/supervision/tasks/{task.pk}/report.xlsx" in html
    assert (
        f'href="{url}"' in client_for(world, "office").get(f"/supervision/tasks/{task.pk}/").content.decode()
    )
    for persona in ("outsider", "staff"):
        assert client_for(world, persona).get(url).status_code == 404


def test_templates_page_creates_and_requests(world: t.World, report_issued: tuple[Task, Target]) -> None:
    task, _target = report_issued
    office = client_for(world, "office")
    url = "/supervision/report-templates/"
    assert "社区月报" in office.get(url).content.decode()
    unit = world.units["district_a_go"].pk
    bad = office.post(url, {"action": "create", "issuer": unit, "name": "x", "fields": "a | A"})
    assert bad.status_code == 422
    bad = office.post(
        url, {"action": "create", "issuer": unit, "name": "x", "fields": "a | A | integer | cases.nope"}
    )
    assert bad.status_code == 422 and "nope" in bad.content.decode()
    made = office.post(
        url,
        {
            "action": "create",
            "issuer": unit,
            "name": "季度报表",
            "fields": "received | 受理数 | integer | cases.received\nvolunteers | 志愿者 | integer",
        },
    )
    assert made.status_code == 302
    tpl = ReportTemplate.objects.get(name="季度报表")
    assert [(f.key, f.source, f.figure) for f in tpl.fields.all()] == [
        ("received", "cases", "received"),
        ("volunteers", "", ""),
    ]
    form = {
        "action": "request",
        "template": tpl.pk,
        "issuer": unit,
        "title": "季度报表",
        "task_type": "report",
        "period_start": (TODAY - dt.timedelta(days=10)).isoformat(),
        "period_end": TODAY.isoformat(),
        "deadline": (TODAY + dt.timedelta(days=3)).isoformat(),
        "unit_type": "resident_committee",
        "area": world.areas["district_a"].code,
    }
    done = office.post(url, form)
    assert done.status_code == 302
    new = ReportRequest.objects.get(template=tpl)
    assert done["Location"] == f"/supervision/tasks/{new.task_id}/"
    # The volunteers typed for rc_a1a in the first report were for another period: asked again.
    assert Answer.objects.get(target__task=new.task, unit=world.units["rc_a1a"], key="volunteers").value == ""
    refused = office.post(url, {**form, "task_type": "unlisted"})
    assert refused.status_code == 422 and "unlisted" in refused.content.decode()
    assert client_for(world, "staff").get(url).status_code == 403
    assert task.pk != new.task_id
