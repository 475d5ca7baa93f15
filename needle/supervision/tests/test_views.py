from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from needle.orgs.models import UnitType
from needle.supervision import services as svc
from needle.supervision.models import Entry, EntryStatus, Status, Target
from needle.supervision.selectors.tasks import supervision_today
from needle.testing import World, zh

TODAY = timezone.localdate()


def issue(w: World) -> Any:
    return svc.task_issue(
        actor=w.people["office"],
        issuer=w.units["district_a_go"],
        draft=svc.Draft(title="Check fire exits", deadline=TODAY + dt.timedelta(days=20)),
        targets=[{"area": w.areas["district_a"].code, "unit_type": UnitType.STREET_OFFICE}],
    )


def test_my_tasks_page(world: World, client_for: Any) -> None:
    task = issue(world)
    r = client_for("supervisor").get("/supervision/")
    assert r.status_code == 200 and "Check fire exits" in r.content.decode()
    r = client_for("office").get("/supervision/")
    assert r.status_code == 200 and f"/supervision/tasks/{task.pk}/" in r.content.decode()
    assert client_for("outsider").get("/supervision/").status_code == 403
    assert Client().get("/supervision/").status_code == 302


def test_board_page(world: World, client_for: Any) -> None:
    task = issue(world)
    for persona in ("office", "analyst"):
        r = client_for(persona).get(f"/supervision/tasks/{task.pk}/")
        assert r.status_code == 200 and "七星岗街道办事处" in r.content.decode()
    assert client_for("office").get(f"/supervision/tasks/{task.pk}/?colour=purple").status_code == 400
    assert client_for("outsider").get(f"/supervision/tasks/{task.pk}/").status_code == 404
    assert client_for("staff").get(f"/supervision/tasks/{task.pk}/").status_code == 404


def test_target_page_moves(world: World, client_for: Any) -> None:
    target = Target.objects.get(task=issue(world), unit=world.units["street_a1"])
    url = f"/supervision/targets/{target.pk}/"
    street = client_for("supervisor")
    page = street.get(url).content.decode()
    assert zh("Report progress") in page and zh("Sign off") not in page
    assert street.post(f"{url}progress/", {"progress": "150"}, follow=True).status_code == 200
    assert Target.objects.get(pk=target.pk).progress == 0
    assert street.post(f"{url}progress/", {"progress": "40", "text": "half"}).status_code == 302
    assert Target.objects.get(pk=target.pk).progress == 40
    assert street.post(f"{url}done/", {"text": "done"}).status_code == 302
    assert street.post(f"{url}sign-off/").status_code == 403
    assert client_for("staff").post(f"{url}sign-off/").status_code == 404
    office = client_for("office")
    assert zh("Sign off") in office.get(url).content.decode()
    assert office.post(f"{url}sign-off/").status_code == 302
    assert Target.objects.get(pk=target.pk).status == Status.SIGNED_OFF
    assert office.post(f"{url}nonsense/").status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_admission_page_public(world: World, language: str) -> None:
    with translation.override(language):
        r = Client(HTTP_ACCEPT_LANGUAGE=language).get("/supervision/admission/500103000000/")
    assert r.status_code == 200
    assert Client().get("/supervision/admission/999/").status_code == 404


def test_burden_page(world: World, client_for: Any) -> None:
    issue(world)
    r = client_for("analyst").get("/supervision/burden/500103000000/")
    assert r.status_code == 200 and "渝中区政府办" in r.content.decode()
    assert client_for("analyst").get("/supervision/burden/500103000000/?start=2026-99-01").status_code == 400
    assert client_for("analyst").get("/supervision/burden/500106000000/").status_code == 403
    assert client_for("outsider").get("/supervision/burden/500103000000/").status_code == 403
    assert client_for("handler").get("/supervision/burden/500103000000/").status_code == 403


def test_the_home_shows_the_tasks(world: World, client_for: Any) -> None:
    task = issue(world)
    body = client_for("supervisor").get("/").content.decode()
    assert 'id="today-tasks"' in body and "Check fire exits" in body
    target = Target.objects.get(task=task, unit=world.units["street_a1"])
    svc.target_done(actor=world.people["supervisor"], target_id=target.pk)
    today = supervision_today(actor=world.people["office"])
    assert today is not None and (today.to_do, today.to_sign, today.extensions) == (0, 1, 0)
    assert supervision_today(actor=world.people["resident"]) is None
    assert 'id="today-tasks"' not in client_for("resident").get("/").content.decode()


def test_issue_page(world: World, client_for: Any) -> None:
    office = client_for("office")
    assert office.get("/supervision/new/").status_code == 200
    form = {
        "issuer": str(world.units["district_a_go"].pk),
        "title": "Clean the stairs",
        "body": "",
        "task_type": "general",
        "source": "decision",
        "priority": "normal",
        "deadline": (TODAY + dt.timedelta(days=5)).isoformat(),
        "unit_type": "street_office",
        "area": "500103000000",
    }
    r = office.post("/supervision/new/", form)
    assert r.status_code == 302 and r["Location"].startswith("/supervision/tasks/")
    r = office.post(
        "/supervision/new/", {**form, "unit_type": "resident_committee", "task_type": "photo_wall"}
    )
    assert r.status_code == 422 and "photo_wall" in r.content.decode()
    r = office.post("/supervision/new/", {**form, "deadline": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 422
    r = office.post("/supervision/new/", {**form, "title": "x\x00"})
    assert r.status_code in (400, 422)
    # Only one's own units issue.
    r = office.post("/supervision/new/", {**form, "issuer": str(world.units["district_a_env"].pk)})
    assert r.status_code == 422
    for persona in ("staff", "analyst", "outsider"):
        assert client_for(persona).get("/supervision/new/").status_code == 403


def test_admission_workflow_page(world: World, client_for: Any) -> None:
    form = {
        "issuer": str(world.units["district_a_env"].pk),
        "district": "500103000000",
        "task_type": "survey",
        "asks": "Count",
        "basis": "Rule 7",
        "hours": "2",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    handler = client_for("handler")
    assert handler.post("/supervision/admission/", {**form, "hours": "many"}).status_code == 422
    assert handler.post("/supervision/admission/", form).status_code == 302
    entry = Entry.objects.get()
    assert (
        handler.post("/supervision/admission/", {"entry": str(entry.pk), "decision": "admitted"}).status_code
        == 403
    )
    office = client_for("office")
    assert "survey" in office.get("/supervision/admission/").content.decode()
    assert (
        office.post("/supervision/admission/", {"entry": str(entry.pk), "decision": "admitted"}).status_code
        == 302
    )
    assert Entry.objects.get().status == EntryStatus.ADMITTED
    assert "survey" in Client().get("/supervision/admission/500103000000/").content.decode()
    for persona in ("staff", "analyst", "outsider"):
        assert client_for(persona).get("/supervision/admission/").status_code == 403
