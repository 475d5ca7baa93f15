"""The general office's pages: an admission list entry amended and revoked, a list imported from a
table (bad lines listed, nothing imported), held tasks approved or refused, a target urged; and
a report's bound fields shown as values and refused alike by the page and the API. Each write
with the right persona and a wrong one, exact statuses."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import translation

from needle.core.models import AuditEvent
from needle.supervision.models import Answer, Entry, EntryStatus, Hold, Target, Task
from needle.supervision.selectors.tasks import supervision_today
from needle.supervision.tests.test_api import API, admit, body
from needle.supervision.tests.test_workflow import HEADER, RC, line, sheet
from needle.testing import World


def entry_url(pk: int) -> str:
    return f"/supervision/admission-entries/{pk}/"


def amend_form(entry: Entry, **kw: str) -> dict[str, str]:
    return {
        "action": "amend",
        "asks": entry.asks,
        "basis": entry.basis,
        "hours": str(entry.hours),
        "valid_from": entry.valid_from.isoformat(),
        "valid_until": entry.valid_until.isoformat(),
        **kw,
    }


def test_entry_amended_by_the_general_office_only(world: World, api_for: Any, client_for: Any) -> None:
    entry = Entry.objects.get(pk=admit(world, api_for))
    url = entry_url(entry.pk)
    assert client_for("office").get(url).status_code == 200
    for persona in ("handler", "supervisor", "outsider"):
        assert client_for(persona).get(url).status_code == 403, persona
        r = client_for(persona).post(url, amend_form(entry, asks="Count the dogs"))
        assert r.status_code == 403, persona
    assert Client().get(url).status_code == 302
    assert client_for("office").get(entry_url(entry.pk + 999)).status_code == 404
    entry.refresh_from_db()
    assert entry.asks == "Count the households"
    bad = client_for("office").post(url, amend_form(entry, hours="many"))
    assert bad.status_code == 422 and 'class="errorlist"' in bad.content.decode()
    same = client_for("office").post(url, amend_form(entry))
    assert same.status_code == 422  # nothing changed: the service names what may change
    r = client_for("office").post(url, amend_form(entry, asks="Count the dogs", note="wider"))
    assert r.status_code == 302 and r["Location"] == "/supervision/admission/500103000000/"
    entry.refresh_from_db()
    assert entry.asks == "Count the dogs" and str(entry.hours) == "2.5"
    event = AuditEvent.objects.get(action="supervision.entry.amended")
    assert event.changes["old"]["asks"] == "Count the households"
    assert event.changes["new"]["asks"] == "Count the dogs"


def test_entry_revoked_then_locked(world: World, api_for: Any, client_for: Any) -> None:
    entry = Entry.objects.get(pk=admit(world, api_for))
    url = entry_url(entry.pk)
    assert client_for("handler").post(url, {"action": "revoke", "note": "x"}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ADMITTED
    r = client_for("office").post(url, {"action": "revoke", "note": "No longer needed"})
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REVOKED and entry.decision_note == "No longer needed"
    with translation.override("en"):
        page = client_for("office").get(url)
    assert page.status_code == 200 and 'id="amend"' not in page.content.decode()
    assert client_for("office").post(url, {"action": "revoke"}).status_code == 409
    assert client_for("office").post(url, amend_form(entry, asks="Again")).status_code == 409
    # Revoked: the type no longer reaches the district's communities.
    r = api_for("handler").post(
        f"{API}/tasks", body(world, issuer=world.units["district_a_env"].pk, targets=[RC])
    )
    assert r.status_code == 422


def test_admission_list_page_links_its_deciders(world: World, api_for: Any, client_for: Any) -> None:
    entry = admit(world, api_for)
    url = "/supervision/admission/500103000000/"
    html = client_for("office").get(url).content.decode()
    assert f'href="{entry_url(entry)}"' in html and 'href="/supervision/admission-import/"' in html
    for client in (Client(), client_for("handler"), client_for("staff")):
        page = client.get(url)
        assert page.status_code == 200 and entry_url(entry) not in page.content.decode()
        assert "admission-import" not in page.content.decode()


def upload(client: Client, rows: list[list[str]], kind: str = "csv") -> Any:
    f = SimpleUploadedFile(f"list.{kind}", sheet(rows, kind))
    return client.post("/supervision/admission-import/", {"file": f})


def test_import_page_template_and_all_or_nothing(world: World, client_for: Any) -> None:
    office = client_for("office")
    page = office.get("/supervision/admission-import/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/supervision/admission-import/template.xlsx"' in html
    assert 'href="/supervision/admission-import/template.csv"' in html
    csv_file = office.get("/supervision/admission-import/template.csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    assert csv_file.content.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)
    xlsx = office.get("/supervision/admission-import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert office.get("/supervision/admission-import/template.pdf").status_code == 404
    # The template's own example line imports where its district exists (it does not here).
    for persona in ("handler", "staff", "outsider"):
        assert client_for(persona).get("/supervision/admission-import/").status_code == 403
        assert client_for(persona).get("/supervision/admission-import/template.csv").status_code == 403
    # Two bad lines: both listed, nothing imported.
    rows = [
        HEADER,
        line(world, "survey"),
        line(world, "drill", hours="many"),
        line(world, "count", valid_from="2026-13-01"),
    ]
    with translation.override("en"):
        bad = upload(office, rows)
    html = bad.content.decode()
    assert bad.status_code == 422 and 'id="import-errors"' in html
    assert "<td>3</td><td>hours</td>" in html and "<td>4</td><td>valid_from</td>" in html
    assert Entry.objects.count() == 0
    assert office.post("/supervision/admission-import/", {}).status_code == 422
    broken = office.post(
        "/supervision/admission-import/", {"file": SimpleUploadedFile("list.xlsx", b"PK\x03\x04 broken")}
    )
    assert broken.status_code == 422 and Entry.objects.count() == 0
    # A person who decides no district's list.
    assert upload(client_for("handler"), [HEADER, line(world, "survey")]).status_code == 403
    assert upload(client_for("supervisor"), [HEADER, line(world, "survey")]).status_code == 403
    assert Entry.objects.count() == 0
    good = upload(office, [HEADER, line(world, "survey"), line(world, "drill")], "xlsx")
    assert good.status_code == 302 and good["Location"] == "/supervision/admission/500103000000/"
    assert Entry.objects.filter(status=EntryStatus.ADMITTED).count() == 2


def test_import_api_lists_every_bad_line(world: World, api_for: Any) -> None:
    rows = [HEADER, line(world, "drill", hours="many"), line(world, "count", district="999")]
    f = SimpleUploadedFile("list.csv", sheet(rows, "csv"))
    r = api_for("office").client.post(f"{API}/admission/import", {"file": f})
    error = r.json()["error"]
    assert r.status_code == 422 and error["line"] == 2 and error["column"] == "hours"
    assert [(x["line"], x["column"]) for x in error["lines"]] == [(2, "hours"), (3, "district")]
    assert Entry.objects.count() == 0


def held_task(world: World, api_for: Any, title: str = "Photo wall") -> int:
    r = api_for("handler").post(
        f"{API}/tasks",
        body(
            world, issuer=world.units["district_a_env"].pk, task_type="photo_wall", title=title, targets=[RC]
        ),
    )
    assert r.status_code == 201 and r.json()["hold"] == "held", r.content
    return int(r.json()["id"])


@override_settings(NEEDLE_SUPERVISION_HOLD_UNLISTED=True)
def test_held_tasks_queue(world: World, api_for: Any, client_for: Any) -> None:
    first, second = held_task(world, api_for), held_task(world, api_for, "Weekly photos")
    office = client_for("office")
    page = office.get("/supervision/held/")
    html = page.content.decode()
    assert page.status_code == 200 and f'id="held-{first}"' in html and f'id="held-{second}"' in html
    # The general office's homes point at the queue.
    assert supervision_today(actor=world.people["office"]).held == 2  # type: ignore[union-attr]
    assert 'id="today-held"' in office.get("/").content.decode()
    assert 'href="/supervision/held/"' in office.get("/supervision/").content.decode()
    for persona in ("handler", "staff", "analyst", "outsider"):
        assert client_for(persona).get("/supervision/held/").status_code == 403, persona
        r = client_for(persona).post("/supervision/held/", {"task": first, "decision": "approve"})
        assert r.status_code == 403, persona
    # A street supervisor decides no district's list: the queue is empty, a decision refused.
    street = client_for("supervisor")
    assert f'id="held-{first}"' not in street.get("/supervision/held/").content.decode()
    assert street.post("/supervision/held/", {"task": first, "decision": "approve"}).status_code == 403
    assert Task.objects.get(pk=first).hold == Hold.HELD
    assert office.post("/supervision/held/", {"task": first, "decision": "maybe"}).status_code == 422
    assert office.post("/supervision/held/", {"task": "x", "decision": "approve"}).status_code == 422
    r = office.post("/supervision/held/", {"task": first, "decision": "refuse", "note": "Not on the list"})
    assert r.status_code == 302 and Task.objects.get(pk=first).hold == Hold.REJECTED
    assert AuditEvent.objects.get(action="supervision.task.rejected").changes["new"] == {
        "note": "Not on the list"
    }
    assert office.post("/supervision/held/", {"task": first, "decision": "approve"}).status_code == 409
    r = office.post("/supervision/held/", {"task": second, "decision": "approve", "note": "Urgent"})
    assert r.status_code == 302 and Task.objects.get(pk=second).hold == Hold.APPROVED
    assert 'id="held-' not in office.get("/supervision/held/").content.decode()
    assert supervision_today(actor=world.people["office"]).held == 0  # type: ignore[union-attr]


def test_urge_button(world: World, api_for: Any, client_for: Any) -> None:
    made = api_for("office").post(f"{API}/tasks", body(world)).json()
    target = Target.objects.get(task_id=made["id"], unit=world.units["street_a1"])
    url = f"/supervision/targets/{target.pk}/"
    assert 'id="urge-form"' in client_for("office").get(url).content.decode()
    assert 'id="urge-form"' not in client_for("supervisor").get(url).content.decode()
    assert client_for("supervisor").post(f"{url}urge/", {"note": "self"}).status_code == 403
    assert client_for("outsider").post(f"{url}urge/", {"note": "x"}).status_code == 404
    assert Client().post(f"{url}urge/", {"note": "x"}).status_code == 302
    target.refresh_from_db()
    assert target.urges == 0
    r = client_for("office").post(f"{url}urge/", {"note": "Due Friday"})
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.urges == 1 and target.urged_at is not None
    assert 'id="urged"' in client_for("supervisor").get(url).content.decode()


def test_bound_fields_read_only_on_the_page_and_refused_alike(
    world: World, api_for: Any, client_for: Any, report_issued: tuple[Task, Target]
) -> None:
    _task, target = report_issued
    url = f"/supervision/reports/{target.pk}/"
    staff = client_for("staff")
    html = staff.get(url).content.decode()
    # The bound field is a value with its origin; the typed ones are inputs.
    assert '<output id="f-received" class="value">1</output>' in html and 'name="f-received"' not in html
    assert 'data-origin="prefilled"' in html and 'class="tag origin-prefilled"' in html
    assert 'name="f-volunteers"' in html and 'name="f-drill"' in html
    # Sent anyway, a change to it is refused on both surfaces the same way, nothing kept.
    page = staff.post(url, {"action": "save", "f-received": "99", "f-volunteers": "4"})
    assert page.status_code == 422 and "来件数" in page.content.decode()
    api = api_for("staff").post(
        f"{API}/targets/{target.pk}/report", {"values": {"received": 99, "volunteers": 4}}
    )
    assert api.status_code == 422 and api.json()["error"]["code"] == "bound_field"
    assert list(api.json()["error"]["fields"]) == ["received"]
    assert "来件数" in api.json()["error"]["fields"]["received"]
    answers = dict(Answer.objects.filter(target=target).values_list("key", "value"))
    assert answers["received"] == "1" and answers["volunteers"] == ""
    # Its own value sent back is no change; the typed field is kept.
    ok = api_for("staff").post(
        f"{API}/targets/{target.pk}/report", {"values": {"received": 1, "volunteers": 4}}
    )
    assert ok.status_code == 200
    assert staff.post(url, {"action": "save", "f-volunteers": "5"}).status_code == 302
    assert Answer.objects.get(target=target, key="volunteers").value == "5"
    # The wrong persona: the level above does not fill the community's report.
    assert client_for("supervisor").post(url, {"action": "save", "f-volunteers": "6"}).status_code == 403
    assert client_for("outsider").post(url, {"action": "save", "f-volunteers": "6"}).status_code == 404
    assert Answer.objects.get(target=target, key="volunteers").value == "5"


def test_board_shows_lead_and_assisting_units(world: World, api_for: Any, client_for: Any) -> None:
    u = world.units
    made = api_for("office").post(
        f"{API}/tasks", body(world, lead_unit=u["district_a_env"].pk, assisting=[u["street_a1"].pk])
    )
    html = client_for("office").get(f"/supervision/tasks/{made.json()['id']}/").content.decode()
    assert 'id="coordination"' in html and u["district_a_env"].name in html
