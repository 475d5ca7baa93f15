"""The demo's supervision: the district's admission list, half a year of tasks to its streets
and communities with some signed off and some overdue, a street's share passed down, and one
unlisted task declined; a task led by one department with others assisting, urged, with
evidence and an extension granted (and one held task where the deployment holds them); the
burden figures count them."""

import datetime as dt
import random

from django.test import override_settings
from django.utils import timezone

from needle import testing as t
from needle.demo.supervision import demo_supervision_load
from needle.orgs.models import UnitType
from needle.supervision.models import (
    Answer,
    Consultation,
    ConsultationReply,
    Entry,
    EntryStatus,
    Evidence,
    Extension,
    Hold,
    Origin,
    ReportRequest,
    Status,
    Target,
    Task,
)
from needle.supervision.selectors.burden import burden_for, year_before
from needle.supervision.selectors.colours import clock, colour_of
from needle.supervision.selectors.report_burden import fields_burden


def test_the_district_gets_its_list_and_tasks(world):
    district = world.areas["district_a"]
    for code, type_ in (
        ("go-500103000000", UnitType.GENERAL_OFFICE),
        ("dept-env-500103000000", UnitType.DEPARTMENT),
        ("dept-civil-500103000000", UnitType.DEPARTMENT),
        ("dept-housing-500103000000", UnitType.DEPARTMENT),
    ):
        t.UnitFactory.create(code=code, type=type_, area=district)
    made = demo_supervision_load(
        area=district, rng=random.Random(3), actor=world.people["root"], staff=world.people["staff"]
    )
    assert made["tasks"] == 11
    # One draft put to the district's streets (this world has one), which answered.
    consultation = Consultation.objects.get()
    assert consultation.issuer.code == "go-500103000000" and consultation.targets_count == 1
    assert made["opinions"] == 1
    reply = ConsultationReply.objects.get(consultation=consultation)
    assert reply.unit == world.units["street_a1"] and reply.stance == "agree"
    # The three departments' kinds of task, and the general office's monthly report.
    assert Entry.objects.filter(status=EntryStatus.ADMITTED).count() == 4
    assert Entry.objects.filter(status=EntryStatus.APPLIED).count() == 1
    assert Entry.objects.filter(status=EntryStatus.REFUSED).count() == 1
    statuses = set(Target.objects.values_list("status", flat=True))
    assert {Status.SIGNED_OFF, Status.DECLINED} <= statuses
    at = clock()
    colours = {
        colour_of(status=s, progress=p, deadline=d, issued_on=i, at=at)
        for s, p, d, i in Target.objects.values_list("status", "progress", "deadline", "task__issued_on")
    }
    assert {"green", "red"} <= colours
    assert Task.objects.filter(parent_target__isnull=False).count() == 1
    declined = Target.objects.get(status=Status.DECLINED)
    assert declined.unit == world.units["rc_a1a"] and not declined.listed
    today = timezone.localdate()
    now, _before = burden_for(
        actor=world.people["root"], area=district, start=today - dt.timedelta(days=200), end=today
    )
    recent = Target.objects.filter(task__issued_on__gte=today - dt.timedelta(days=200))
    assert now.received == recent.count() and now.declined == 1


def test_the_monthly_report_is_bound_and_last_month_filled(world):
    district = world.areas["district_a"]
    for code, type_ in (
        ("go-500103000000", UnitType.GENERAL_OFFICE),
        ("dept-env-500103000000", UnitType.DEPARTMENT),
    ):
        t.UnitFactory.create(code=code, type=type_, area=district)
    made = demo_supervision_load(
        area=district, rng=random.Random(3), actor=world.people["root"], staff=world.people["staff"]
    )
    assert made["reports"] == 3
    _year_before, last, this = ReportRequest.objects.order_by("period_start")
    bound = Answer.objects.filter(field__source__gt="")
    assert bound.count() == bound.filter(origin=Origin.PREFILLED).count() > 0
    communities = made["communities"]
    filled = Target.objects.filter(task=last.task)
    assert filled.count() == filled.filter(status=Status.SIGNED_OFF).count() == communities > 0
    assert not Answer.objects.filter(target__task=last.task, value="", field__source="").exists()
    assert Target.objects.filter(task=this.task, status=Status.ISSUED).count() == communities


DEPARTMENTS = (
    ("go-500103000000", UnitType.GENERAL_OFFICE),
    ("dept-env-500103000000", UnitType.DEPARTMENT),
    ("dept-civil-500103000000", UnitType.DEPARTMENT),
    ("dept-housing-500103000000", UnitType.DEPARTMENT),
)


@override_settings(NEEDLE_SUPERVISION_HOLD_UNLISTED=True)
def test_the_workflow_parts(world):
    district = world.areas["district_a"]
    units = {code: t.UnitFactory.create(code=code, type=type_, area=district) for code, type_ in DEPARTMENTS}
    made = demo_supervision_load(
        area=district, rng=random.Random(3), actor=world.people["root"], staff=world.people["staff"]
    )
    assert made["tasks"] == 12
    shared = Task.objects.get(lead_unit__isnull=False)
    assert shared.lead_unit == units["dept-env-500103000000"]
    assert set(shared.assisting.values_list("code", flat=True)) == {
        "dept-civil-500103000000",
        "dept-housing-500103000000",
    }
    street = Target.objects.get(task=shared, unit=world.units["street_a1"])
    assert street.extension == Extension.GRANTED and street.deadline > timezone.localdate() + dt.timedelta(
        days=2
    )
    files = list(Evidence.objects.filter(target=street))
    assert len(files) == 2 and all(f.content_type == "application/pdf" and f.size > 0 for f in files)
    assert files[0].file.open("rb").read(5) == b"%PDF-"
    # Another street, or the one street there is, urged.
    assert Target.objects.filter(task=shared, urges=1).count() == 1
    held = Task.objects.get(hold=Hold.HELD)
    assert held.issuer == units["dept-env-500103000000"] and held.targets_count > 0


def test_the_burden_page_has_a_year_to_compare(world, client_for):
    """The burden page's default period (the last 90 days) and the same days a year before both
    hold tasks and report fields, each figure equal to a direct count."""
    district = world.areas["district_a"]
    for code, type_ in DEPARTMENTS:
        t.UnitFactory.create(code=code, type=type_, area=district)
    demo_supervision_load(
        area=district, rng=random.Random(3), actor=world.people["root"], staff=world.people["staff"]
    )
    today = timezone.localdate()
    start = today - dt.timedelta(days=89)
    now, before = burden_for(actor=world.people["root"], area=district, start=start, end=today)
    fields_now, fields_before = fields_burden(
        actor=world.people["root"], area=district, start=start, end=today
    )
    for figures, fields, (first, last) in (
        (now, fields_now, (start, today)),
        (before, fields_before, (year_before(start), year_before(today))),
    ):
        targets = Target.objects.filter(task__issued_on__gte=first, task__issued_on__lte=last)
        answers = Answer.objects.filter(target__in=targets)
        assert figures.received == targets.count() > 0
        by_issuer = {line.issuer_id: line.received for line in figures.lines}
        assert by_issuer == {
            issuer: targets.filter(task__issuer_id=issuer).count()
            for issuer in targets.values_list("task__issuer_id", flat=True).distinct()
        }
        assert sum(fields.totals.values()) == answers.count() > 0
        assert fields.totals["prefilled"] == answers.filter(origin=Origin.PREFILLED).count() > 0
    page = client_for("root").get(f"/supervision/burden/{district.code}/")
    assert page.status_code == 200
