import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from needle import testing as t
from needle.cases import services as s
from needle.cases.models import Callback, Case, CaseEvent, State
from needle.cases.selectors import may_view
from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.models import Notification
from needle.testing import submit


def kinds(case):
    return list(case.events.values_list("kind", flat=True))


def test_a_case_with_a_rule_is_routed_automatically(world, catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as jobs:
        case = submit(world, catalog["road"])
    assert case.state == State.DISPATCHED and case.lead_unit == world.units["district_a_env"]
    assert case.number.startswith(timezone.localtime().strftime("%Y%m%d")) and len(case.number) == 14
    assert kinds(case) == ["submitted", "routed"]
    assert case.accept_due_at - case.submitted_at == dt.timedelta(hours=24)
    assert case.resolve_due_at - case.submitted_at == dt.timedelta(hours=168)
    assert set(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", flat=True)) == {
        "cases.case.submitted",
        "cases.case.dispatched",
    }
    # The unit hears of it from the job enqueued when the intake commits.
    assert not Notification.objects.exists()
    for job in jobs:
        job()
    assert Notification.objects.filter(recipient=world.people["handler"], verb="case.dispatched").exists()


def test_intake_takes_few_statements(world, catalog, django_assert_max_num_queries):
    from needle.cases.selectors import service_get

    submit(world, service_get(code="road"))  # the first of the day starts the counter
    # The number; then in one transaction: the repeat lookup, the case, the original's
    # count, the timeline entries, the audit events (the catalog is remembered).
    with django_assert_max_num_queries(8):
        submit(world, service_get(code="road"))


def test_intake_follow_up_is_done_at_once_when_the_queue_is_down(
    world, catalog, monkeypatch, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    def down(task):
        raise ConnectionError("queue storage unreachable")

    monkeypatch.setattr(HUEY, "enqueue", down)
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(world, catalog["road"])
    assert case.pk
    assert Notification.objects.filter(recipient=world.people["handler"], verb="case.dispatched").exists()


def test_a_case_without_a_rule_waits_in_the_queue(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    assert case.state == State.SUBMITTED and case.lead_unit is None


@pytest.mark.parametrize(
    "attributes, field",
    [
        ({}, "attribute[when]"),
        ({"when": "noon"}, "attribute[when]"),
        ({"when": "day", "floor": "high"}, "attribute[floor]"),
        ({"when": "day", "colour": "red"}, "attribute[colour]"),
    ],
)
def test_questions_are_checked(world, catalog, attributes, field):
    with pytest.raises(ValidationFailed) as err:
        submit(world, catalog["noise"], attributes=attributes)
    assert field in err.value.fields
    assert not Case.objects.exists()


def test_bad_intake_names_the_field(world, catalog):
    with pytest.raises(ValidationFailed) as err:
        submit(
            world, catalog["road"], description=" ", consent=False, contact_phone="123", lat=200.0, lng=5.0
        )
    assert {"description", "consent", "phone", "lat"} <= set(err.value.fields)
    with pytest.raises(ValidationFailed) as err:
        submit(world, catalog["road"], description="x" * 4001)
    assert "description" in err.value.fields


def test_place_by_coordinates_and_outside_every_area(world, catalog):
    from needle.cases.services import Intake, case_submit

    square = {
        "type": "Polygon",
        "coordinates": [[[106.5, 29.5], [106.6, 29.5], [106.6, 29.6], [106.5, 29.6], [106.5, 29.5]]],
    }
    type(world.areas["district_a"]).objects.filter(pk=world.areas["district_a"].pk).update(boundary=square)
    case = case_submit(
        actor=world.people["resident"],
        intake=Intake(service=catalog["road"], description="坑", lat=29.55, lng=106.55),
    )
    assert case.area == world.areas["district_a"] and case.state == State.DISPATCHED
    with pytest.raises(ValidationFailed) as err:
        case_submit(actor=None, intake=Intake(service=catalog["road"], description="坑", lat=39.9, lng=116.4))
    assert "outside every area" in err.value.fields["lat"]


def test_the_same_idempotency_key_makes_one_case(world, catalog):
    first = submit(world, catalog["road"], idempotency_key="abc-123")
    again = submit(world, catalog["road"], idempotency_key="abc-123", description="different text")
    assert first.pk == again.pk and Case.objects.count() == 1


def test_a_repeat_from_the_same_resident_is_linked_and_counted(world, catalog):
    first = submit(world, catalog["road"])
    second = submit(world, catalog["road"], description="还是没修")
    assert second.repeat_of == first
    assert Case.objects.get(pk=first.pk).repeat_count == 1
    other = submit(world, catalog["road"], reporter="member")
    assert other.repeat_of is None


def test_the_full_loop_and_its_timeline(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "night"})
    s.case_dispatch(actor=world.people["dispatcher"], case=case, unit=world.units["rc_a1a"])
    s.case_accept(actor=world.people["staff"], case=case)
    s.case_start(actor=world.people["staff"], case=case)
    s.case_resolve(actor=world.people["staff"], case=case, note="已上门劝导")
    case = s.case_callback(actor=world.people["resident"], case=case, solved=True, rating=5)
    assert case.state == State.CLOSED and case.closed_at
    assert kinds(case) == ["submitted", "dispatched", "accepted", "started", "resolved", "callback", "closed"]
    assert Callback.objects.get(case=case).lead_unit == world.units["rc_a1a"]
    assert Notification.objects.filter(recipient=world.people["resident"], verb="case.resolved").exists()
    actions = set(
        AuditEvent.objects.filter(object_id=str(case.pk), action__startswith="cases.case.").values_list(
            "action", flat=True
        )
    )
    assert {
        "cases.case.dispatched",
        "cases.case.accepted",
        "cases.case.started",
        "cases.case.resolved",
        "cases.case.rated",
    } <= actions


def test_return_and_redispatch(world, catalog):
    case = submit(world, catalog["road"])
    with pytest.raises(ValidationFailed):
        s.case_return(actor=world.people["handler"], case=case, reason=" ")
    case = s.case_return(actor=world.people["handler"], case=case, reason="属于街道职责")
    assert case.state == State.RETURNED and case.lead_unit is None
    case = s.case_dispatch(
        actor=world.people["dispatcher"], case=case, unit=world.units["street_a1"], note="改派街道"
    )
    assert case.state == State.DISPATCHED and case.lead_unit == world.units["street_a1"]
    assert kinds(case)[-2:] == ["returned", "dispatched"]


def test_unsolved_reopens_to_the_same_unit_and_counts(world, catalog):
    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_resolve(actor=world.people["handler"], case=case, note="已修补")
    case = s.case_callback(actor=None, case=case, solved=False, rating=2, tracking_token=case.tracking_token)
    assert (
        case.state == State.REOPENED
        and case.reopen_count == 1
        and case.lead_unit == world.units["district_a_env"]
    )
    s.case_accept(actor=world.people["handler"], case=case)
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("handler", True),
        ("staff", False),
        ("supervisor", False),
        ("dispatcher", False),
        ("resident", False),
        ("outsider", False),
    ],
)
def test_only_the_lead_unit_accepts(world, catalog, persona, allowed):
    case = submit(world, catalog["road"])
    if allowed:
        assert s.case_accept(actor=world.people[persona], case=case).state == State.ACCEPTED
    else:
        with pytest.raises(PermissionDenied):
            s.case_accept(actor=world.people[persona], case=case)
        assert Case.objects.get(pk=case.pk).state == State.DISPATCHED


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("dispatcher", True),
        ("city_admin", True),
        ("handler", False),
        ("supervisor", False),
        ("staff", False),
        ("resident", False),
    ],
)
def test_only_dispatchers_dispatch(world, catalog, persona, allowed):
    case = submit(world, catalog["noise"], attributes={"when": "day"})
    if allowed:
        s.case_dispatch(actor=world.people[persona], case=case, unit=world.units["rc_a1a"])
    else:
        with pytest.raises(PermissionDenied):
            s.case_dispatch(actor=world.people[persona], case=case, unit=world.units["rc_a1a"])


def test_illegal_moves_are_conflicts_with_the_current_state(world, catalog):
    case = submit(world, catalog["road"])
    with pytest.raises(Conflict) as err:
        s.case_resolve(actor=world.people["handler"], case=case, note="done")
    assert err.value.extra["state"] == "dispatched" and err.value.status == 409
    with pytest.raises(Conflict):
        s.case_callback(actor=world.people["resident"], case=case, solved=True)
    with pytest.raises(Conflict) as err:
        s.case_accept(actor=world.people["handler"], case=case, version=case.version + 5)
    assert "changed" in err.value.message


def test_callback_by_token_and_by_staff(world, catalog):
    case = submit(world, catalog["road"])
    s.case_accept(actor=world.people["handler"], case=case)
    s.case_resolve(actor=world.people["handler"], case=case, note="ok")
    with pytest.raises(NotFound):
        s.case_callback(actor=None, case=case, solved=True, tracking_token="wrong")
    with pytest.raises(NotFound):
        s.case_callback(actor=world.people["outsider"], case=case, solved=True)
    with pytest.raises(ValidationFailed):
        s.case_callback(actor=world.people["dispatcher"], case=case, solved=True, rating=9)
    s.case_callback(actor=world.people["dispatcher"], case=case, solved=True, rating=4)
    assert Callback.objects.get(case=case).by_staff is True


def test_reject_needs_a_reason_and_a_dispatcher(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "day"})
    with pytest.raises(ValidationFailed):
        s.case_reject(actor=world.people["dispatcher"], case=case, reason="")
    with pytest.raises(PermissionDenied):
        s.case_reject(actor=world.people["handler"], case=case, reason="spam")
    assert (
        s.case_reject(actor=world.people["dispatcher"], case=case, reason="骚扰信息").state == State.REJECTED
    )


def test_merge_makes_reporters_follow_the_parent(world, catalog):
    parent = submit(world, catalog["road"])
    dup = submit(world, catalog["road"], reporter="member")
    s.case_merge(actor=world.people["dispatcher"], case=dup, parent=parent)
    dup.refresh_from_db()
    assert dup.state == State.MERGED and dup.parent == parent
    s.case_accept(actor=world.people["handler"], case=parent)
    s.case_resolve(actor=world.people["handler"], case=parent, note="修好了")
    assert Notification.objects.filter(recipient=world.people["member"], verb="case.resolved").exists()
    with pytest.raises(Conflict):
        s.case_merge(actor=world.people["dispatcher"], case=dup, parent=parent)
    with pytest.raises(ValidationFailed):
        s.case_merge(actor=world.people["dispatcher"], case=parent, parent=parent)


def test_each_person_told_of_a_case_gets_their_own_link(world, catalog):
    parent = submit(world, catalog["road"], address="解放路12号3单元")
    dup = submit(world, catalog["road"], reporter="member")
    s.case_merge(actor=world.people["dispatcher"], case=dup, parent=parent)
    s.case_follow(actor=world.people["outsider"], case=parent)
    s.case_accept(actor=world.people["handler"], case=parent)
    s.case_resolve(actor=world.people["handler"], case=parent, note="修好了")
    told = {
        n.recipient.username: (n.link, n.text)
        for n in Notification.objects.filter(verb="case.resolved").select_related("recipient")
    }
    assert set(told) == {"resident", "member", "outsider"}
    assert told["resident"][0] == f"/track/{parent.tracking_token}/"
    # The duplicate's reporter holds the key to their own request, never the parent's.
    assert told["member"][0] == f"/track/{dup.tracking_token}/"
    # A stranger who followed gets the public page and a text that is not the reporter's.
    link, text = told["outsider"]
    assert link == f"/cases/public/{parent.number}/" and parent.tracking_token not in text
    assert "rate" not in text.lower() and parent.number in text


def test_followers_of_a_rejected_case_get_no_link_and_no_reason(world, catalog):
    case = submit(world, catalog["road"])
    s.case_follow(actor=world.people["outsider"], case=case)
    s.case_reject(actor=world.people["dispatcher"], case=case, reason="举报人张三的私事")
    told = Notification.objects.get(recipient=world.people["outsider"], verb="case.rejected")
    assert told.link == "" and "张三" not in told.text
    mine = Notification.objects.get(recipient=world.people["resident"], verb="case.rejected")
    assert mine.link == f"/track/{case.tracking_token}/" and "张三" in mine.text


def test_urge_supervise_and_whistle(world, catalog):
    case = submit(world, catalog["road"])
    s.case_urge(actor=world.people["supervisor"], case=case, note="请尽快")
    s.case_urge(actor=world.people["supervisor"], case=case, note="督办", supervise=True)
    with pytest.raises(PermissionDenied):
        s.case_urge(actor=world.people["other_supervisor"], case=case)
    made = s.case_whistle(
        actor=world.people["supervisor"], case=case, units=[world.units["district_a_go"]], hours=12
    )
    assert made[0].respond_due_at > timezone.now()
    assert Notification.objects.filter(verb="case.urged").exists()
    assert kinds(case)[-3:] == ["urged", "supervised", "whistled"]


def test_moderators_hide_personal_details_but_keep_the_original(world, catalog):
    case = submit(world, catalog["road"], description="我是张三，电话13812345678，路坏了")
    assert "13812345678" in case.title  # intake cuts the title from the text
    s.case_hide_details(actor=world.people["dispatcher"], case=case, public_description="路坏了")
    case.refresh_from_db()
    assert case.public_text == "路坏了" and "张三" in case.description
    # Every public field is rewritten, the title too; the audit event keeps what it replaced.
    assert case.title == "路坏了"
    hidden = AuditEvent.objects.get(action="cases.case.hidden", object_id=str(case.pk))
    assert "13812345678" in hidden.changes["old"]["title"] and hidden.changes["new"]["title"] == "路坏了"
    with pytest.raises(PermissionDenied):
        s.case_hide_details(actor=world.people["handler"], case=case, public_description="x")


def test_deadline_colours(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "day"})  # resolve within 2 hours
    start = case.submitted_at
    assert s.deadlines_mark(now=start + dt.timedelta(minutes=100)) == 1
    assert Case.objects.get(pk=case.pk).colour == "blue"
    assert s.deadlines_mark(now=start + dt.timedelta(minutes=100)) == 0  # safe to run twice
    s.deadlines_mark(now=start + dt.timedelta(hours=2, minutes=5))
    assert Case.objects.get(pk=case.pk).colour == "yellow"
    s.deadlines_mark(now=start + dt.timedelta(hours=3, minutes=1))
    assert Case.objects.get(pk=case.pk).colour == "red"
    assert CaseEvent.objects.filter(case=case, kind="colour").count() == 3


def test_working_day_deadlines_skip_weekends_and_holidays(db):
    from needle.cases.deadlines import add_hours
    from needle.cases.models import Holiday

    friday = dt.datetime(2026, 9, 25, 10, tzinfo=dt.UTC)
    assert add_hours(friday, 48, working_days=True) == dt.datetime(2026, 9, 29, 10, tzinfo=dt.UTC)
    Holiday.objects.create(date=dt.date(2026, 9, 28), name="调休")
    assert add_hours(friday, 48, working_days=True) == dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC)
    assert add_hours(friday, 48, working_days=False) == dt.datetime(2026, 9, 27, 10, tzinfo=dt.UTC)


def test_photos_are_checked_and_stripped_of_location(world, catalog, settings, tmp_path):
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (29.0, 33.0, 0.0), 4: (106.0, 33.0, 0.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    assert b"PhoneMaker" in buf.getvalue()
    case = submit(world, catalog["road"], photos=[buf.getvalue()])
    stored = case.photos.get()
    data = stored.image.read()
    assert stored.content_type == "image/jpeg" and b"PhoneMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    with pytest.raises(ValidationFailed) as err:
        submit(world, catalog["road"], photos=[b"GIF89a not really"])
    assert "photos" in err.value.fields
    with pytest.raises(ValidationFailed):
        submit(world, catalog["road"], photos=[buf.getvalue()] * 4)


@pytest.mark.django_db(transaction=True)
def test_two_handlers_at_once_one_wins_the_other_gets_409(world_tx, catalog_tx):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row-lock race is exercised on PostgreSQL")
    world = world_tx
    case = submit(world, catalog_tx["road"])
    accept = lambda: s.case_accept(actor=world.people["handler"], case=case)  # noqa: E731
    results = ["409" if isinstance(r, Conflict) else "ok" for r in t.at_once(accept, accept)]
    assert sorted(results) == ["409", "ok"]


@pytest.mark.django_db(transaction=True)
def test_two_deadline_jobs_at_once_record_each_change_once(world_tx, catalog_tx):
    """Two workers on two hosts run the deadline job at the same moment: each case's change of
    colour is claimed by one conditional update, so it is recorded (event, audit) once."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; two connections racing need PostgreSQL")
    cases = [submit(world_tx, catalog_tx["road"]) for _ in range(6)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        submitted_at=timezone.now() - dt.timedelta(hours=5),
        resolve_due_at=timezone.now() - dt.timedelta(hours=3),
    )
    counts = t.at_once(s.deadlines_mark, s.deadlines_mark)
    assert sum(counts) == len(cases), counts
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("colour", flat=True)) == {"red"}
    ids = [str(c.pk) for c in cases]
    assert CaseEvent.objects.filter(case__in=cases, code="colour").count() == len(cases)
    assert AuditEvent.objects.filter(action="cases.case.colour_changed", object_id__in=ids).count() == len(
        cases
    )


def test_the_periodic_job_marks_deadlines(world, catalog):
    from needle.cases.tasks import mark_deadlines

    case = submit(world, catalog["noise"], attributes={"when": "day"})
    Case.objects.filter(pk=case.pk).update(
        submitted_at=timezone.now() - dt.timedelta(hours=5),
        resolve_due_at=timezone.now() - dt.timedelta(hours=3),
    )
    mark_deadlines.call_local()
    assert Case.objects.get(pk=case.pk).colour == "red"


def test_an_area_wide_grant_sees_a_units_cases_but_does_not_act_for_it(world, catalog):
    case = submit(world, catalog["noise"], attributes={"when": "day"})
    s.case_dispatch(actor=world.people["dispatcher"], case=case, unit=world.units["rc_a1a"])
    # The district department's handler sees district A's cases but is not the community's staff.
    assert may_view(world.people["handler"], case)
    with pytest.raises(PermissionDenied):
        s.case_accept(actor=world.people["handler"], case=case)
    assert s.case_accept(actor=world.people["staff"], case=case).state == State.ACCEPTED


def test_catalog_changes_reach_intake_at_once(world, catalog):
    from needle.cases.selectors import service_get

    assert submit(world, service_get(code="road")).lead_unit == world.units["district_a_env"]
    s.rule_set(
        actor=world.people["city_admin"],
        service=catalog["road"],
        area=world.areas["street_a1"],
        unit=world.units["street_a1"],
    )
    assert submit(world, service_get(code="road")).lead_unit == world.units["street_a1"]
    road = service_get(code="road")
    road.active = False
    road.save()
    with pytest.raises(NotFound):
        service_get(code="road")


def test_unknown_service_codes_are_not_remembered(world, catalog):
    from needle.cases import catalog as remembered
    from needle.cases.selectors import service_get

    for code in ("nope-1", "nope-2"):
        with pytest.raises(NotFound):
            service_get(code=code)
    assert not [key for key in remembered._memo if key[0] == "service" and key[1].startswith("nope-")]


@pytest.mark.parametrize(
    "field, intake",
    [
        ("address", {"address": "路" * 301}),
        ("title", {"title": "题" * 201}),
        ("contact_name", {"contact_name": "名" * 101}),
    ],
)
def test_intake_refuses_over_long_text_and_names_the_field(world, catalog, field, intake):
    with pytest.raises(ValidationFailed) as refused:
        submit(world, catalog["road"], **intake)
    assert list(refused.value.fields) == [field]
    assert not Case.objects.exists()


def test_notes_over_their_limit_are_refused_not_cut(world, catalog):
    case = submit(world, catalog["road"])
    root = world.people["root"]
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        s.case_note(actor=root, case=case, note="记" * 4001)
    assert list(refused.value.fields) == ["note"] and CaseEvent.objects.count() == events
    with pytest.raises(ValidationFailed):
        s.case_assist(actor=root, case=case, unit=world.units["street_a1"], note="协" * 501)
    assert not case.assists.exists()
    with pytest.raises(ValidationFailed) as refused:
        s.case_hide_details(actor=root, case=case, public_description="公" * (s.MAX_DESCRIPTION + 1))
    assert list(refused.value.fields) == ["public_description"]
    case.refresh_from_db()
    assert not case.details_hidden
    note = s.case_note(actor=root, case=case, note="记" * 4000)
    assert len(note.note) == 4000


@pytest.mark.parametrize("surface", ["api", "page"])
def test_a_merge_locks_the_lower_id_first_whichever_way_it_goes(world, catalog, surface):
    """Two opposite merges (A into B, B into A) at once must not each hold one case and wait for
    the other: every merge, from every entry point, locks the two cases in one order."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; the lock order is checked on PostgreSQL")
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    older, newer = submit(world, catalog["road"]), submit(world, catalog["road"])
    client = Client()
    client.force_login(world.people["root"])
    with CaptureQueriesContext(connection) as ctx:
        if surface == "api":
            r = client.post(
                f"/api/v1/cases/{newer.number}/merge",
                {"parent": older.number},
                content_type="application/json",
            )
            assert r.status_code == 200
        else:
            r = client.post(
                f"/cases/{newer.number}/merge/",
                {"merge-parent": older.number, "merge-version": newer.version},
            )
            assert r.status_code == 302
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks and f'"id" = {older.pk}' in locks[0]
