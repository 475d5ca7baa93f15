import csv
import datetime as dt
import itertools
import re
from collections import defaultdict

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from needle.areas import geometry
from needle.areas.models import Area
from needle.areas.selectors import area_at
from needle.cases.models import (
    OPEN_STATES,
    Callback,
    Case,
    CaseEvent,
    Category,
    Extension,
    RoutingRule,
    Service,
    State,
)
from needle.cases.selectors import CaseFilters, case_list_for, rates_for
from needle.cases.states import step_allowed
from needle.demo.catalog import DATA
from needle.orgs.models import Person, Unit


def test_demo_loads_catalogs_rules_and_a_year_of_cases_in_every_state(db):
    call_command("demo")
    city = Area.objects.get(code="500000000000")
    now = timezone.now()

    # The catalog: the Teddy Cup label tree with residents' words; NYC 311 only on request.
    with open(DATA / "teddycup_catalog.csv", encoding="utf-8") as f:
        tree = list(csv.DictReader(f))
    labels = {r["label_l1"] for r in tree}
    assert len(labels) == 15
    assert labels <= set(Category.objects.values_list("name", flat=True))
    assert Service.objects.filter(category__name="环境保护").count() == 4
    pollution = Service.objects.get(code="tc-pollution")
    assert (pollution.name, pollution.name_en, pollution.deadline_class) == (
        "环境污染",
        "Pollution",
        "general",
    )
    assert (pollution.accept_hours, pollution.resolve_hours) == (24, 168)
    assert "噪音污染" in pollution.keywords.split()
    assert Service.objects.exclude(name_en="").count() == Service.objects.count()
    assert "油烟" in pollution.synonyms and "noise" in pollution.synonyms_en
    assert not Category.objects.filter(code="nyc311").exists()
    listed = Client().get("/open311/v2/services.json", {"jurisdiction_id": city.code}).json()
    assert len(listed) == Service.objects.count() == 118
    assert not [s for s in listed if not s["service_code"].startswith("tc-")]

    # Routing: city rules to the city departments, district rules to the district's.
    assert RoutingRule.objects.get(service=pollution, area=city).unit.code == "dept-env-500000000000"
    yuzhong = Area.objects.get(level=3, name="渝中区")
    assert RoutingRule.objects.get(service=pollution, area=yuzhong).unit.code == f"dept-env-{yuzhong.code}"
    assert not RoutingRule.objects.filter(service__category__name="教育文体").exists()

    # Cases: real messages, in Chongqing's communities, over the past twelve months.
    cases = list(Case.objects.select_related("service", "area"))
    assert 2000 <= len(cases) <= 3000
    assert {c.state for c in cases} == set(State.values)
    # In communities, or in the grids of the supervisor's street (their pins lie there).
    assert all(c.area_path.startswith(city.path) and c.area.level in (5, 6) for c in cases)
    assert all(now - dt.timedelta(days=366) <= c.submitted_at <= now for c in cases)
    assert len({c.number for c in cases}) == len(cases)
    assert len({c.tracking_token for c in cases}) == len(cases)
    granted = dict(
        Extension.objects.filter(status=Extension.Status.GRANTED).values_list("case_id", "granted_due")
    )
    for c in cases:
        assert re.fullmatch(r"\d{14}", c.number)
        assert c.number[:8] == timezone.localtime(c.submitted_at).strftime("%Y%m%d")
        assert c.accept_due_at == c.submitted_at + dt.timedelta(hours=c.service.accept_hours)
        # The catalog's deadline, moved on by the time on hold, or the extension granted.
        held = dt.timedelta(seconds=c.paused_seconds)
        due = c.submitted_at + dt.timedelta(hours=c.service.resolve_hours) + held
        assert c.resolve_due_at == granted.get(c.pk, due), c.number
        assert (c.state == State.SUSPENDED) == (c.suspended_at is not None)
        assert not (c.suspended_at or c.paused_seconds) or c.service.suspendable
        assert c.description and c.title
    assert Case.objects.filter(description__contains="小区").count() > 100

    # Timelines agree with the states; closed cases were rated, merged ones have a parent.
    events = defaultdict(list)
    for case_id, kind, from_state, to_state, at in CaseEvent.objects.order_by("id").values_list(
        "case_id", "kind", "from_state", "to_state", "at"
    ):
        events[case_id].append((kind, from_state, to_state, at))
    callbacks = defaultdict(list)
    for case_id, solved, rating in Callback.objects.order_by("at", "id").values_list(
        "case_id", "solved", "rating"
    ):
        callbacks[case_id].append((solved, rating))
    for c in cases:
        timeline = events[c.pk]
        assert timeline[0][0] == "submitted" and timeline[0][3] == c.submitted_at
        # Every move starts where the one before it ended, is one the lifecycle allows, and the
        # last one leaves the case in its state.
        moves = [e for e in timeline if e[1]]
        assert (moves[-1][2] if moves else State.SUBMITTED) == c.state, (c.number, moves)
        assert all(before[2] == after[1] for before, after in itertools.pairwise(moves)), (c.number, moves)
        assert all(step_allowed(e[1], e[2]) for e in moves), (c.number, moves)
        if c.state == State.CLOSED:
            assert callbacks[c.pk] and callbacks[c.pk][-1][0] is True
            assert c.closed_at is not None and c.resolved_at is not None and c.accepted_at is not None
        if c.state == State.MERGED:
            assert c.parent_id is not None
        if c.state == State.REJECTED:
            assert timeline[-1][0] == "rejected"
        if c.state == State.ANSWERED:
            assert [e[0] for e in moves] == ["answered"] and c.lead_unit_id is None
            assert c.accepted_at == c.resolved_at == c.closed_at == moves[-1][3]
        if c.state == State.WITHDRAWN:
            assert c.closed_at == moves[-1][3], (c.number, c.closed_at, timeline)
        if c.state in OPEN_STATES - {State.SUBMITTED, State.RETURNED}:
            assert c.lead_unit_id is not None
        if c.state in (State.SUBMITTED, State.RETURNED):
            assert c.lead_unit_id is None
    ratings = [r for cbs in callbacks.values() for _, r in cbs if r is not None]
    assert sum(r >= 4 for r in ratings) / len(ratings) > 0.7
    open_cases = [c for c in cases if c.state in OPEN_STATES]
    assert any(c.colour in ("yellow", "red") for c in open_cases)
    # What the system wrote is stored as codes, worded at each read.
    assert not CaseEvent.objects.filter(kind__in=["colour", "submitted", "callback"], code="").exists()
    assert not CaseEvent.objects.filter(kind="colour").exclude(note="").exists()
    # Extensions asked for: granted (the case's deadline) or still waiting, one at a time.
    assert granted and Extension.objects.filter(status=Extension.Status.PENDING).exists()
    assert set(Extension.objects.values_list("status", flat=True)) <= {"granted", "pending"}
    assert Case.objects.filter(paused_seconds__gt=0).exists()
    assert all(c.colour == "" for c in cases if c.state not in OPEN_STATES)

    # Rates: between 0 and 1, and the response rate is what a hand count gives.
    admin = Person.objects.get(username="admin")
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=364), today
    rates = rates_for(actor=admin, area=city, start=start, end=end)
    for rate in (rates.response_rate, rates.resolution_rate, rates.satisfaction_rate, rates.on_time_rate):
        assert rate is not None and 0 < rate < 1
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    due = [c for c in cases if lo <= c.accept_due_at < hi]
    on_time = [c for c in due if c.accepted_at is not None and c.accepted_at <= c.accept_due_at]
    assert (rates.response_due, rates.responded_on_time) == (len(due), len(on_time))
    assert rates.response_rate == round(len(on_time) / len(due), 4)
    assert 0.8 <= rates.response_rate <= 0.97

    # The personas have something to look at.
    resident = Person.objects.get(username="resident")
    assert Case.objects.filter(reporter=resident).count() >= 10
    assert Case.objects.filter(area_path__startswith=resident.home_area.path).count() > 50
    handler = Person.objects.get(username="handler")
    assert Case.objects.filter(lead_unit=handler.roles.get().unit).count() > 20
    dispatcher = Person.objects.get(username="dispatcher")
    assert case_list_for(actor=dispatcher, filters=CaseFilters(queue=True)).exists()
    assert case_list_for(actor=resident, filters=CaseFilters(mine=True)).exists()

    # Invented geometry (places.py): every street and community has a point inside its
    # district's outline; the supervisor's street's communities have outlined grids; most
    # cases have a pin, and those inside a grid's outline are the grid's, as intake decides.
    below = Area.objects.filter(level__in=[4, 5], retired=False)
    assert not below.filter(centroid_lat__isnull=True).exists()
    outlines = dict(Area.objects.filter(level=3, boundary__isnull=False).values_list("path", "boundary"))
    for area in below.order_by("code")[::97]:
        district = "/".join(area.path.split("/")[:3]) + "/"
        assert geometry.contains(outlines[district], area.centroid_lat, area.centroid_lng), area
    supervisor = Person.objects.get(username="supervisor")
    street = supervisor.roles.get(role="supervisor").unit.area
    grids = list(Area.objects.filter(level=6))
    assert len(grids) >= 2 * Area.objects.filter(parent=street).count()
    assert all(g.boundary and g.path.startswith(street.path) for g in grids)
    assert Area.objects.filter(parent=resident.home_area, level=6).count() == 3
    pinned = [c for c in cases if c.lat is not None]
    assert 0.8 < len(pinned) / len(cases) < 0.9
    in_grids = [c for c in cases if c.area.level == 6]
    assert len(in_grids) > 100
    for c in [c for c in pinned if c.area_path.startswith(street.path)]:
        community = c.area.parent if c.area.level == 6 else c.area
        assert area_at(lat=c.lat, lng=c.lng, within=community) in (c.area, None), c.number
        if c.area.level == 6:
            assert geometry.contains(c.area.boundary, c.lat, c.lng)

    # A second run changes nothing.
    counts = (Case.objects.count(), CaseEvent.objects.count(), Callback.objects.count())
    catalog = (Service.objects.count(), RoutingRule.objects.count(), Unit.objects.count())
    call_command("demo")
    assert (Case.objects.count(), CaseEvent.objects.count(), Callback.objects.count()) == counts
    assert (Service.objects.count(), RoutingRule.objects.count(), Unit.objects.count()) == catalog
