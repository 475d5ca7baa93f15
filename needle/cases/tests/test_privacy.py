"""What the public sees of a case: names only by the resident's choice (web form, staff intake,
REST API, Open311), cases the system side opened off the public list until a moderator puts
them on it (case_set_public: service, page and API), staff's notes to each other kept from
the public timeline, and the migration that brought existing cases under these rules."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from needle.cases import selectors, services
from needle.cases.models import Case, CaseEvent, EventKind
from needle.core.errors import Conflict, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.testing import report_form, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def listing() -> str:
    return Client().get("/cases/public/").content.decode()


def report(client, catalog, **extra):
    data = report_form(catalog, **extra)
    response = client.post("/report/", data)
    assert response.status_code == 302, response.content.decode()
    return Case.objects.order_by("-pk").first()


def proactive_task(world, catalog):
    return services.case_open(
        actor=world.people["supervisor"],
        service=catalog["road"],
        area=world.areas["community_a1a"],
        unit=world.units["rc_a1a"],
        title="未诉先办：排查路面",
        description="街道督查员反映：请社区排查本周新增的坑（内部指令）",
        resolve_by=timezone.now() + dt.timedelta(days=2),
    )


# Names: shown only by the resident's choice ----------------------------------------------------


def test_the_report_form_hides_the_name_unless_the_resident_ticks_the_box(world, catalog):
    form = Client().get("/report/").content.decode()
    assert 'name="show_name"' in form and "checked" not in form.split('name="show_name"')[1].split(">")[0]
    hidden = report(Client(), catalog, contact_name="王小明")
    shown = report(Client(), catalog, contact_name="李大山", show_name="on")
    assert (hidden.show_name, shown.show_name) == (False, True)
    page = listing()
    assert hidden.number in page and "王小明" not in page
    assert shown.number in page and "Raised by 李大山" in page
    assert "13812345678" not in page


def test_staff_intake_shows_the_callers_name_only_when_they_ask(world, catalog, client_for):
    staff = client_for("staff")
    assert "The caller asks to show their name" in staff.get("/intake/").content.decode()
    data = report_form(
        catalog, description="来电反映路面有坑。", contact_name="孙立国", contact_phone="13511112222"
    )
    assert staff.post("/intake/", data).status_code == 302
    case = Case.objects.get()
    assert case.channel == "phone" and case.public and not case.show_name
    assert case.number in listing() and "孙立国" not in listing()


def test_the_rest_api_and_open311_take_the_choice_and_default_to_hidden(world, catalog, api_for):
    api = api_for("resident")
    body = {"service_code": "road", "area_code": "500103001001", "description": "路面有坑"}
    hidden = api.post("/api/v1/cases", {**body, "contact_name": "钱晓梅"}).json()
    shown = api.post("/api/v1/cases", {**body, "contact_name": "李梦瑶", "show_name": True}).json()
    assert (hidden["show_name"], shown["show_name"]) == (False, True)
    assert hidden["public"] is True
    key = services.open311_key_create(actor=None, name="311 app").secret
    numbers = {}
    for name, flag in (("周建华", {}), ("吴雅琴", {"show_name": "true"})):
        answer = Client().post(
            "/open311/v2/requests.json",
            {"api_key": key, "service_code": "road", "area_code": "500103001001", "description": "井盖缺失"}
            | {"first_name": name}
            | flag,
        )
        assert answer.status_code == 200
        numbers[name] = answer.json()[0]["service_request_id"]
    assert Case.objects.get(number=numbers["周建华"]).show_name is False
    assert Case.objects.get(number=numbers["吴雅琴"]).show_name is True
    page = listing()
    assert "钱晓梅" not in page and "周建华" not in page
    assert "Raised by 李梦瑶" in page and "Raised by 吴雅琴" in page


def test_a_moderated_case_shows_no_name_even_by_choice(world, catalog):
    case = submit(world, catalog["road"], contact_name="赵六", show_name=True)
    services.case_hide_details(actor=world.people["dispatcher"], case=case, public_description="路面问题")
    assert "赵六" not in listing()


# Cases the system side opens -----------------------------------------------------------------


def test_a_proactive_task_is_on_no_public_surface(world, catalog, settings):
    settings.INTEL_SUGGEST_PER_MINUTE = 1000
    task = proactive_task(world, catalog)
    assert task.public is False and not selectors.is_public(task)
    assert task.number not in listing()
    assert Client().get(f"/cases/public/{task.number}/").status_code == 404
    assert Client().get(f"/open311/v2/requests/{task.number}.json").status_code == 404
    assert task.number not in Client().get("/open311/v2/requests.xml").content.decode()
    assert task.number not in Client().get("/open311/v2/servicerequestupdates.json").content.decode()
    suggest = Client().get(
        "/api/v1/intel/suggest", {"text": task.description, "area": world.areas["community_a1a"].code}
    )
    assert suggest.status_code == 200 and suggest.json()["similar"] == []
    # Staff who may see it still find it among the likely duplicates.
    staff = Client()
    staff.force_login(world.people["supervisor"])
    found = staff.get(
        "/intel/suggest/",
        {"description": task.description, "area": world.areas["community_a1a"].code, "staff": "1"},
    )
    assert found.status_code == 200


def test_a_followed_case_taken_off_the_list_cannot_be_followed(world, catalog):
    case = submit(world, catalog["road"])
    services.case_set_public(actor=world.people["dispatcher"], case=case, public=False)
    with pytest.raises(Conflict):
        services.case_follow(actor=world.people["outsider"], case=case)


# case_set_public: the service ------------------------------------------------------------------


def test_a_moderator_puts_a_task_on_the_public_list_and_takes_it_off(world, catalog):
    task = proactive_task(world, catalog)
    dispatcher = world.people["dispatcher"]
    version = task.version
    task = services.case_set_public(actor=dispatcher, case=task, public=True, version=version)
    assert task.public and task.version == version + 1
    page = listing()
    assert task.number in page and world.people["supervisor"].display_name not in page
    event = AuditEvent.objects.get(action="cases.case.published")
    assert event.actor == dispatcher and event.changes == {"old": {"public": False}, "new": {"public": True}}
    entry = CaseEvent.objects.get(case=task, kind=EventKind.PUBLISHED)
    assert entry.public is False and entry.actor == dispatcher

    services.case_set_public(actor=dispatcher, case=task, public=False)
    assert task.number not in listing()
    assert AuditEvent.objects.filter(action="cases.case.unpublished").count() == 1
    # Asking for what the case already is writes nothing.
    services.case_set_public(actor=dispatcher, case=task, public=False)
    assert (
        AuditEvent.objects.filter(action__in=["cases.case.published", "cases.case.unpublished"]).count() == 2
    )


@pytest.mark.parametrize("persona", ["supervisor", "handler", "staff", "other_supervisor", "resident"])
def test_only_a_moderator_may_put_a_case_on_the_list_or_off_it(world, catalog, persona):
    case = submit(world, catalog["road"])
    with pytest.raises(PermissionDenied):
        services.case_set_public(actor=world.people[persona], case=case, public=False)
    case.refresh_from_db()
    assert case.public is True
    assert not AuditEvent.objects.filter(action="cases.case.unpublished").exists()


def test_what_can_never_be_public_is_refused(world, catalog):
    dispatcher = world.people["dispatcher"]
    private = submit(world, catalog["private"])
    with pytest.raises(ValidationFailed) as refused:
        services.case_set_public(actor=dispatcher, case=private, public=True)
    assert refused.value.status == 422 and "public" in refused.value.fields
    rejected = submit(world, catalog["road"], reporter=None)
    services.case_reject(actor=dispatcher, case=rejected, reason="无效")
    Case.objects.filter(pk=rejected.pk).update(public=False)
    with pytest.raises(Conflict) as conflict:
        services.case_set_public(actor=dispatcher, case=Case.objects.get(pk=rejected.pk), public=True)
    assert conflict.value.status == 409
    stale = submit(world, catalog["road"])
    with pytest.raises(Conflict):
        services.case_set_public(actor=dispatcher, case=stale, public=False, version=stale.version + 1)


# ...on the case page and in the API -------------------------------------------------------------


def test_the_case_page_offers_the_choice_to_a_moderator_alone(world, catalog, client_for):
    case = submit(world, catalog["road"])
    dispatcher = client_for("dispatcher")
    page = dispatcher.get(f"/cases/{case.number}/").content.decode()
    assert 'id="act-publish"' in page and 'name="publish-public"' in page
    assert "checked" in page.split('name="publish-public"')[1].split(">")[0]
    response = dispatcher.post(f"/cases/{case.number}/publish/", {"publish-version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.public is False and case.number not in listing()
    assert "not shown to the public" in dispatcher.get(f"/cases/{case.number}/").content.decode()

    handler = client_for("handler")
    assert 'id="act-publish"' not in handler.get(f"/cases/{case.number}/").content.decode()
    assert handler.post(f"/cases/{case.number}/publish/", {"publish-public": "on"}).status_code == 403
    case.refresh_from_db()
    assert case.public is False


def test_the_api_sets_it_for_a_moderator_and_refuses_others(world, catalog, api_for):
    case = submit(world, catalog["road"])
    refused = api_for("handler").post(f"/api/v1/cases/{case.number}/public", {"public": False})
    assert refused.status_code == 403
    done = api_for("dispatcher").post(f"/api/v1/cases/{case.number}/public", {"public": False})
    assert done.status_code == 200 and done.json()["public"] is False
    stale = api_for("dispatcher").post(
        f"/api/v1/cases/{case.number}/public", {"public": True, "version": case.version}
    )
    assert stale.status_code == 409
    private = submit(world, catalog["private"])
    bad = api_for("dispatcher").post(f"/api/v1/cases/{private.number}/public", {"public": True})
    assert bad.status_code == 422 and "public" in bad.json()["error"]["fields"]


# Staff's notes to each other ----------------------------------------------------------------------


def test_notes_staff_write_to_each_other_stay_with_staff(world, catalog, client_for):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    services.case_dispatch(
        actor=world.people["dispatcher"], case=case, unit=world.units["rc_a1a"], note="请先核实反映人楼层"
    )
    services.case_whistle(
        actor=world.people["supervisor"], case=case, units=[world.units["street_a1"]], note="城管中队到场"
    )
    track = Client().get(f"/track/{case.tracking_token}/").content.decode()
    updates = Client().get("/open311/v2/servicerequestupdates.json").content.decode()
    for note in ("请先核实反映人楼层", "城管中队到场"):
        assert note not in track
        assert note not in updates.encode().decode("unicode_escape")
    assert "dispatched" in track  # the step itself is public
    staff_page = client_for("dispatcher").get(f"/cases/{case.number}/").content.decode()
    assert "请先核实反映人楼层" in staff_page


# The migration --------------------------------------------------------------------------------------


def _the_migration(executor):
    """(the migration, the one before it in cases), found by name: numbers change on merges."""
    [name] = [
        n
        for app, n in executor.loader.disk_migrations
        if app == "cases" and n.endswith("_case_public_and_show_name")
    ]
    [before] = [d for d in executor.loader.get_migration("cases", name).dependencies if d[0] == "cases"]
    return [("cases", name)], [before]


@pytest.mark.django_db(transaction=True)
def test_the_migration_hides_every_name_and_keeps_tasks_off_the_list():
    executor = MigrationExecutor(connection)
    after, before = _the_migration(executor)
    executor.migrate(before)
    try:
        rows = _migrated_rows(executor, before, after)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert rows == {"1": (True, False), "2": (True, False), "3": (False, False)}


def _migrated_rows(executor, before, after):
    """Cases written before the migration (a web request, a phone request whose caller hid
    their name, a proactive task), as the migration leaves them: (public, show_name)."""
    old = executor.loader.project_state(before).apps
    Area, Category, Service = (
        old.get_model(*m) for m in (("areas", "Area"), ("cases", "Category"), ("cases", "Service"))
    )
    area = Area.objects.create(code="500000000000", name="重庆市", level=1, path="500000000000/", depth=1)
    service = Service.objects.create(
        code="road",
        name="道路",
        accept_hours=24,
        resolve_hours=72,
        category=Category.objects.create(code="c", name="城建"),
    )
    OldCase = old.get_model("cases", "Case")
    now = timezone.now()
    for number, channel, hide in (("1", "web", False), ("2", "phone", True), ("3", "proactive", False)):
        OldCase.objects.create(
            number=number,
            service=service,
            area=area,
            area_path=area.path,
            description="d",
            channel=channel,
            contact_name="某人",
            hide_name=hide,
            tracking_token=number,
            submitted_at=now,
        )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("cases", "Case")
    return {c.number: (c.public, c.show_name) for c in new.objects.all()}
