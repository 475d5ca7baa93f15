"""Lead and assisting units, urging and escalation, evidence files, the admission list amended
and imported, tasks held for approval, notices and digests, and the think tank's action a task
carries out."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from needle.consult.models import Action, Result
from needle.core.models import AuditEvent
from needle.notify.models import Notification
from needle.orgs.models import Role, RoleAssignment
from needle.supervision.models import Entry, EntryStatus, Evidence, Hold, Target, Task
from needle.supervision.selectors import burden
from needle.supervision.services import notices
from needle.supervision.tests.test_api import API, admit, body
from needle.testing import World

TODAY = timezone.localdate()
RC = {"area": "500103000000", "unit_type": "resident_committee"}


def issue(api_for: Any, w: World, persona: str = "office", **kw: Any) -> dict[str, Any]:
    r = api_for(persona).post(f"{API}/tasks", body(w, **kw))
    assert r.status_code == 201, r.content
    return dict(r.json())


def target_of(task_id: int, unit: Any) -> Target:
    return Target.objects.get(task_id=task_id, unit=unit)


def test_lead_and_assisting_units(world: World, api_for: Any) -> None:
    u = world.units
    made = issue(api_for, world, lead_unit=u["district_a_env"].pk, assisting=[u["street_a1"].pk])
    task = api_for("office").get(f"{API}/tasks/{made['id']}").json()
    assert task["lead_unit"] == u["district_a_env"].pk and task["assisting"] == [u["street_a1"].pk]
    r = api_for("office").post(f"{API}/tasks", body(world, lead_unit=u["street_b1"].pk))
    assert r.status_code == 422 and "lead_unit" in r.json()["error"]["fields"]
    r = api_for("office").post(
        f"{API}/tasks", body(world, lead_unit=u["street_a1"].pk, assisting=[u["street_a1"].pk])
    )
    assert r.status_code == 422 and "assisting" in r.json()["error"]["fields"]


def test_notified_once_each_in_batches(
    world: World, api_for: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(notices, "BATCH", 1)
    with django_capture_on_commit_callbacks(execute=True):
        made = issue(api_for, world)
    street = world.people["supervisor"]
    assert Notification.objects.filter(recipient=street, verb="supervision.task.issued").count() == 1
    assert Target.objects.filter(task_id=made["id"], notified_at__isnull=True).count() == 0
    # The job run again tells no one twice.
    assert notices.notify_issued(made["id"]) == 0
    assert Notification.objects.filter(recipient=street, verb="supervision.task.issued").count() == 1


def test_urge_by_issuer_only(world: World, api_for: Any) -> None:
    made = issue(api_for, world)
    target = target_of(made["id"], world.units["street_a1"])
    r = api_for("supervisor").post(f"{API}/targets/{target.pk}/urge", {"note": "soon"})
    assert r.status_code == 403
    r = api_for("office").post(f"{API}/targets/{target.pk}/urge", {"note": "x" * 3000})
    assert r.status_code == 422
    r = api_for("office").post(f"{API}/targets/{target.pk}/urge", {"note": "soon"})
    assert r.status_code == 200
    target.refresh_from_db()
    assert target.urges == 1
    assert (
        Notification.objects.filter(
            recipient=world.people["supervisor"], verb="supervision.target.urged"
        ).count()
        == 1
    )


def test_overdue_urged_once_a_day_and_escalated_once(world: World, api_for: Any) -> None:
    made = issue(api_for, world)
    Target.objects.filter(task_id=made["id"]).update(deadline=TODAY - dt.timedelta(days=5))
    assert notices.overdue_urge() == (2, 2)
    assert notices.overdue_urge() == (0, 0)
    street = world.people["supervisor"]
    assert Notification.objects.filter(recipient=street, verb="supervision.task.urged").count() == 1
    # The district office's superior is the city's general office.
    assert (
        Notification.objects.filter(
            recipient=world.people["city_admin"], verb="supervision.task.escalated"
        ).count()
        == 1
    )
    assert AuditEvent.objects.filter(action="supervision.task.escalated").count() == 1
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert notices.overdue_urge(now=tomorrow) == (2, 0)


def test_digest_once_a_day(world: World, api_for: Any) -> None:
    made = issue(api_for, world)
    target = target_of(made["id"], world.units["street_a1"])
    api_for("supervisor").post(f"{API}/targets/{target.pk}/progress", {"progress": 40, "text": "half"})
    assert notices.digests_send() == 1
    assert notices.digests_send() == 0
    digest = Notification.objects.get(recipient=world.people["office"], verb="supervision.digest")
    assert digest.params["moved"] == 2


def png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), "red").save(out, format="PNG")
    return out.getvalue()


def upload(api_for: Any, persona: str, target: int, data: bytes, name: str) -> Any:
    client = api_for(persona).client
    return client.post(f"{API}/targets/{target}/evidence", {"file": SimpleUploadedFile(name, data)})


def test_evidence_files(world: World, api_for: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    made = issue(api_for, world)
    target = target_of(made["id"], world.units["street_a1"])
    r = upload(api_for, "supervisor", target.pk, png(), "wall.png")
    assert r.status_code == 201, r.content
    assert r.json()["content_type"] == "image/png"
    r = upload(api_for, "supervisor", target.pk, b"%PDF-1.4 minutes", "minutes.pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    evidence = r.json()["id"]
    r = upload(api_for, "supervisor", target.pk, b"MZ\x90\x00 not allowed", "tool.exe")
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_type"
    r = upload(api_for, "supervisor", target.pk, b"%PDF-" + b"0" * (8 * 1024 * 1024), "big.pdf")
    assert r.status_code == 422 and r.json()["error"]["code"] == "file_too_large"
    r = upload(api_for, "staff", target.pk, png(), "wall.png")
    assert r.status_code == 404
    r = upload(api_for, "office", target.pk, png(), "wall.png")
    assert r.status_code == 403
    assert Evidence.objects.filter(target=target).count() == 2
    assert api_for("office").get(f"{API}/evidence/{evidence}").status_code == 200
    assert api_for("other_supervisor").get(f"{API}/evidence/{evidence}").status_code == 404


def test_amend_admitted_entry(world: World, api_for: Any) -> None:
    entry = admit(world, api_for)
    r = api_for("handler").patch(f"{API}/admission/{entry}", {"hours": 4})
    assert r.status_code == 403
    r = api_for("office").patch(f"{API}/admission/{entry}", {"hours": -1})
    assert r.status_code == 422 and "hours" in r.json()["error"]["fields"]
    r = api_for("office").patch(f"{API}/admission/{entry}", {})
    assert r.status_code == 422
    r = api_for("office").patch(f"{API}/admission/{entry}", {"hours": 4, "basis": "Regulation 8"})
    assert r.status_code == 200 and r.json()["basis"] == "Regulation 8"
    assert str(Entry.objects.get(pk=entry).hours) == "4.0"
    assert AuditEvent.objects.filter(action="supervision.entry.amended").count() == 1


def sheet(rows: list[list[str]], kind: str) -> bytes:
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


HEADER = ["district", "issuer", "task_type", "asks", "basis", "hours", "valid_from", "valid_until"]


def line(w: World, task_type: str, **kw: str) -> list[str]:
    row = {
        "district": "500103000000",
        "issuer": w.units["district_a_env"].code,
        "task_type": task_type,
        "asks": "Count",
        "basis": "Rule 1",
        "hours": "1.5",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=300)).isoformat(),
        **kw,
    }
    return [row[c] for c in HEADER]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_import_admission_list_all_or_nothing(world: World, api_for: Any, kind: str) -> None:
    def send(persona: str, rows: list[list[str]]) -> Any:
        f = SimpleUploadedFile(f"list.{kind}", sheet(rows, kind))
        return api_for(persona).client.post(f"{API}/admission/import", {"file": f})

    bad = [HEADER, line(world, "survey"), line(world, "drill", hours="many")]
    r = send("office", bad)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["line"] == 3 and error["column"] == "hours" and "3" in error["message"]
    assert Entry.objects.count() == 0
    r = send("office", [HEADER, line(world, "survey"), line(world, "drill", district="999")])
    assert r.status_code == 422 and r.json()["error"]["column"] == "district"
    r = send("office", [["district", "issuer"], line(world, "survey")])
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_header"
    assert send("handler", [HEADER, line(world, "survey")]).status_code == 403
    r = send("office", [HEADER, line(world, "survey"), line(world, "drill")])
    assert r.status_code == 201 and r.json() == {"imported": 2}
    assert Entry.objects.filter(status=EntryStatus.ADMITTED).count() == 2
    # Admitted by the import: the type reaches communities now.
    r = api_for("handler").post(
        f"{API}/tasks", body(world, issuer=world.units["district_a_env"].pk, targets=[RC])
    )
    assert r.status_code == 201


def test_import_bad_file_is_422(world: World, api_for: Any) -> None:
    f = SimpleUploadedFile("list.xlsx", b"PK\x03\x04 broken")
    r = api_for("office").client.post(f"{API}/admission/import", {"file": f})
    assert r.status_code == 422 and "file" in r.json()["error"]["fields"]


@override_settings(NEEDLE_SUPERVISION_HOLD_UNLISTED=True)
def test_unlisted_task_held_for_the_general_office(
    world: World, api_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    r = api_for("handler").post(
        f"{API}/tasks",
        body(world, issuer=world.units["district_a_env"].pk, task_type="photo_wall", targets=[RC]),
    )
    assert r.status_code == 201 and r.json()["hold"] == "held"
    task = r.json()["id"]
    staff = world.people["staff"]
    assert Notification.objects.filter(recipient=staff, verb="supervision.task.issued").count() == 0
    assert api_for("handler").post(f"{API}/tasks/{task}/hold", {"approve": True}).status_code == 403
    waiting = Target.objects.get(task_id=task, unit=world.units["rc_a1a"])
    r = api_for("staff").post(f"{API}/targets/{waiting.pk}/progress", {"progress": 10})
    assert r.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        r = api_for("office").post(f"{API}/tasks/{task}/hold", {"approve": True})
    assert r.status_code == 200 and r.json()["hold"] == "approved"
    assert Notification.objects.filter(recipient=staff, verb="supervision.task.issued").count() == 1
    assert api_for("staff").post(f"{API}/targets/{waiting.pk}/progress", {"progress": 10}).status_code == 200
    assert api_for("office").post(f"{API}/tasks/{task}/hold", {"approve": False}).status_code == 409
    assert Task.objects.get(pk=task).hold == Hold.APPROVED


def test_task_moves_the_think_tank_action(world: World, api_for: Any) -> None:
    office = world.people["office"]
    RoleAssignment.objects.create(person=office, unit=world.units["district_a_go"], role=Role.COORDINATOR)
    result = Result.objects.create(
        area=world.areas["district_a"],
        area_path=world.areas["district_a"].path,
        title="Benches",
        created_by=office,
    )
    action = Action.objects.create(result=result, title="Put benches in every street")
    made = issue(api_for, world, consult_action=action.pk)
    r = api_for("office").post(f"{API}/tasks", body(world, consult_action=action.pk))
    assert r.status_code == 409
    r = api_for("handler").post(
        f"{API}/tasks", body(world, issuer=world.units["district_a_env"].pk, consult_action=action.pk)
    )
    assert r.status_code == 403
    street = target_of(made["id"], world.units["street_a1"])
    r = api_for("supervisor").post(f"{API}/targets/{street.pk}/progress", {"progress": 60})
    assert r.status_code == 200
    action.refresh_from_db()
    # Two streets: 60 and 0.
    assert action.progress == 30 and action.status == "in_progress"
    assert AuditEvent.objects.filter(action="consult.action.followed").count() == 1
    # The result's timeline shows the move as it shows one made by hand.
    assert list(result.events.values_list("kind", "progress")) == [("status", 30)]
    api_for("supervisor").post(f"{API}/targets/{street.pk}/done", {"text": "all"})
    action.refresh_from_db()
    assert action.progress == 50


def test_issuer_ranking_on_the_operations_center(world: World, api_for: Any, client_for: Any) -> None:
    admit(world, api_for)
    issue(api_for, world)
    issue(api_for, world, "handler", issuer=world.units["district_a_env"].pk, targets=[RC])
    district = world.areas["district_a"]
    start, end = TODAY - dt.timedelta(days=30), TODAY
    ranking = burden.issuer_ranking(actor=world.people["office"], area=district, start=start, end=end)
    assert ranking is not None
    direct = {
        u.pk: Target.objects.filter(task__issuer=u, area_path__startswith=district.path).count()
        for u in (world.units["district_a_go"], world.units["district_a_env"])
    }
    assert (
        {r.issuer_id: r.received for r in ranking}
        == direct
        == {
            world.units["district_a_go"].pk: 2,
            world.units["district_a_env"].pk: 3,
        }
    )
    # The department's admitted hours (2.5 a community) put it first.
    assert ranking[0].issuer_id == world.units["district_a_env"].pk and str(ranking[0].hours) == "7.5"
    page = client_for("office").get(
        reverse("operations:area", args=[district.code]), {"start": start.isoformat(), "end": end.isoformat()}
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'id="issuer-ranking"' in html
    assert world.units["district_a_env"].name in html
    assert burden.issuer_ranking(actor=world.people["staff"], area=district, start=start, end=end) is None
    community = world.areas["community_a1a"]
    mine = burden.issuer_ranking(actor=world.people["staff"], area=community, start=start, end=end)
    assert mine is not None and [(r.issuer_id, r.received) for r in mine] == [
        (world.units["district_a_env"].pk, 1)
    ]
