import datetime as dt

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from needle.areas.models import Area
from needle.cases.models import Service
from needle.operations.dashboards import dashboard_for
from needle.orgs.models import Person, Unit
from needle.orgs.permissions import can_in_area
from needle.orgs.selectors import UnitFilters, unit_list_for


def test_demo_loads_chongqing_with_a_login_per_persona_and_reruns_cleanly(db, capsys, settings):
    call_command("demo")
    out = capsys.readouterr().out
    for username in (
        "admin",
        "dispatcher",
        "supervisor",
        "handler",
        "staff",
        "member",
        "resident",
        "outsider",
    ):
        assert f"  {username} " in out
    assert settings.NEEDLE_DEMO_PASSWORD in out
    # The console: the true total comes last, and the classifier's score is said in words.
    lines = out.strip().splitlines()
    assert lines[-1].startswith("Demo loaded in ") and sum("Demo loaded" in line for line in lines) == 1
    assert "1.0 is perfect" in out and "of the time" in out
    # The operations center lists Chongqing's 38 districts and counties, not 市辖区 and 县.
    admin = Person.objects.get(username="admin")
    today = timezone.localdate()
    chongqing = Area.objects.get(code="500000000000")
    d = dashboard_for(actor=admin, area=chongqing, start=today - dt.timedelta(days=29), end=today)
    districts = [r for r in d.children if r.kind == "area"]
    assert len(districts) == 38 and not {"市辖区", "县"} & {r.name for r in districts}
    assert sum(r.figures.received for r in d.children) == d.totals.received > 0
    assert Area.objects.filter(level__lte=5).count() == 12306
    assert Area.objects.filter(level=3, boundary__isnull=False).count() == 38
    units, people = Unit.objects.count(), Person.objects.count()
    assert units > 25_000

    # A second run loads nothing again; it gives the synonyms file's words to a service that has
    # none, and NYC 311's English catalog when asked.
    Service.objects.filter(code="tc-pollution").update(synonyms="", synonyms_en="")
    call_command("demo", "--nyc311")
    out = capsys.readouterr().out
    assert "already loaded" in out and "Services without synonyms given the synonyms file's: 1." in out
    assert "NYC 311 catalog: 112 services added." in out
    assert "油烟" in Service.objects.get(code="tc-pollution").synonyms
    assert (Unit.objects.count(), Person.objects.count()) == (units, people)

    client = Client()
    assert (
        client.post("/login/", {"username": "admin", "password": settings.NEEDLE_DEMO_PASSWORD}).status_code
        == 302
    )
    assert client.get("/areas/500000000000/").status_code == 200

    supervisor = Person.objects.get(username="supervisor")
    street = supervisor.roles.get(role="supervisor").unit.area
    assert street.level == 4
    seen = unit_list_for(actor=supervisor, filters=UnitFilters())
    assert seen.exists() and all(u.area_path.startswith(street.path) for u in seen)
    other_street = Area.objects.filter(level=4).exclude(pk=street.pk).first()
    assert not can_in_area(supervisor, "orgs.view_stats", other_street)
