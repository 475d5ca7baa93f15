import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.volunteering import quarters
from needle.volunteering.models import CardSignoff, HourEntry, HourStatus, PointRule
from needle.volunteering.selectors import hours as sel
from needle.volunteering.services import hours as svc
from needle.volunteering.tests.conftest import make_checkin

pytestmark = pytest.mark.django_db
URL = "/api/v1/volunteering"


@pytest.fixture
def checked_in(vworld):
    p, u, a = vworld.people, vworld.units, vworld.areas
    for key, community in (
        ("member", "community_a1a"),
        ("member2", "community_a1a"),
        ("member3", "community_a1b"),
    ):
        make_checkin(p[key], workplace=u["workplace"], community=a[community])
    return vworld


def report(w, persona="member", days=1, hours="2"):
    return svc.hours_report(
        actor=w.people[persona],
        date=timezone.localdate() - dt.timedelta(days=days),
        hours=Decimal(hours),
        description="扫楼道",
    )


def last_quarter() -> tuple[str, dt.date]:
    start, _end = quarters.parse_quarter(quarters.quarter_of(timezone.localdate()))
    day = start - dt.timedelta(days=1)
    return quarters.quarter_of(day), day


def test_ledger_sums_equal_verified_hours(checked_in):
    w = checked_in
    staff = w.people["staff"]
    a = report(w, hours="2")
    b = report(w, days=2, hours="3.5")
    c = report(w, days=3, hours="1")
    svc.hours_verify(actor=staff, entry=a)
    svc.hours_verify(actor=staff, entry=b)
    svc.hours_reject(actor=staff, entry=c, reason="不在社区")
    svc.hours_correct(actor=staff, entry=b, hours=Decimal("1.5"), reason="记错")
    total = HourEntry.objects.filter(person=w.people["member"], status=HourStatus.VERIFIED).aggregate(
        s=Sum("hours")
    )
    assert total["s"] == Decimal("3.5")
    assert sel.points_balance(w.people["member"]) == Decimal("3.5")
    with pytest.raises(Conflict):
        svc.hours_correct(actor=staff, entry=b, hours=Decimal(1), reason="again")
    with pytest.raises(Conflict):
        svc.hours_verify(actor=staff, entry=c)


def test_point_rules_fix_points(checked_in):
    PointRule.objects.create(kind="per_hour", points=Decimal(2))
    entry = svc.hours_verify(actor=checked_in.people["staff"], entry=report(checked_in, hours="1.5"))
    assert entry.points == Decimal("3.00")


def test_bad_input_names_the_field(checked_in):
    w, today = checked_in, timezone.localdate()
    m = w.people["member"]
    cases = [
        ({"date": today + dt.timedelta(days=1)}, "date"),
        ({"date": today - dt.timedelta(days=91)}, "date"),
        ({"hours": Decimal(0)}, "hours"),
        ({"hours": Decimal(-1)}, "hours"),
        ({"hours": Decimal("25")}, "hours"),
        ({"hours": Decimal("1.555")}, "hours"),
        ({"description": ""}, "description"),
        ({"description": "a\x00b"}, "description"),
        ({"description": "x" * 501}, "description"),
    ]
    for change, name in cases:
        kw = {"date": today, "hours": Decimal(1), "description": "ok", **change}
        with pytest.raises(ValidationFailed) as err:
            svc.hours_report(actor=m, **kw)
        assert name in err.value.fields
    svc.hours_report(actor=m, date=today, hours=Decimal(20), description="ok")
    with pytest.raises(ValidationFailed) as err:
        svc.hours_report(actor=m, date=today, hours=Decimal(5), description="ok")
    assert "hours" in err.value.fields


def test_who_may_verify(checked_in):
    w = checked_in
    entry = report(w)
    for persona in ("member2", "unit_coord", "supervisor", "outsider"):
        with pytest.raises((PermissionDenied, NotFound)):
            svc.hours_verify(actor=w.people[persona], entry=entry)
    make_checkin(w.people["staff"], workplace=w.units["workplace"], community=w.areas["community_a1a"])
    own = report(w, persona="staff")
    with pytest.raises(PermissionDenied) as err:
        svc.hours_verify(actor=w.people["staff"], entry=own)
    assert err.value.code == "own_hours"


def test_api_report_verify_and_the_card(checked_in, api_for):
    w = checked_in
    quarter, day = last_quarter()
    res = api_for("member").post(
        f"{URL}/hours", {"date": timezone.localdate().isoformat(), "hours": 2, "description": "义诊"}
    )
    assert res.status_code == 201, res.content
    eid = res.json()["id"]
    assert api_for("member").post(f"{URL}/hours/{eid}/verify", {}).status_code == 403
    assert api_for("staff").post(f"{URL}/hours/{eid}/verify", {}).status_code == 200
    HourEntry.objects.create(
        person=w.people["member"],
        community=w.areas["community_a1a"],
        area_path=w.areas["community_a1a"].path,
        workplace=w.units["workplace"],
        date=day,
        hours=Decimal(3),
        description="old",
        status="verified",
        verified_by=w.people["staff"],
        verified_at=timezone.now() - dt.timedelta(days=1),
        points=Decimal(3),
    )
    pid = w.people["member"].pk
    for persona in ("member", "staff", "unit_coord", "root"):
        res = api_for(persona).get(f"{URL}/members/{pid}/card?quarter={quarter}")
        assert res.status_code == 200, (persona, res.content)
        assert res.json()["verified_hours"] == 3.0
    for persona in ("outsider", "member2"):
        assert api_for(persona).get(f"{URL}/members/{pid}/card?quarter={quarter}").status_code == 404
    current = quarters.quarter_of(timezone.localdate())
    for bad in (current, "2026Q5", "abc", "2026Q1%00"):
        res = api_for("member").get(f"{URL}/members/{pid}/card?quarter={bad}")
        assert res.status_code == 422 and "quarter" in res.json()["error"]["fields"], bad
    res = api_for("staff").post(
        f"{URL}/members/{pid}/card/signoff", {"quarter": current, "community": w.areas["community_a1a"].code}
    )
    assert res.status_code == 422 and "quarter" in res.json()["error"]["fields"]
    res = api_for("staff").post(
        f"{URL}/members/{pid}/card/signoff", {"quarter": quarter, "community": w.areas["community_a1a"].code}
    )
    assert res.status_code == 201, res.content
    assert CardSignoff.objects.count() == 1
    HourEntry.objects.create(
        person=w.people["member"],
        community=w.areas["community_a1a"],
        area_path=w.areas["community_a1a"].path,
        date=day,
        hours=Decimal(1),
        description="late",
        status="verified",
        verified_by=w.people["staff"],
        verified_at=timezone.now() + dt.timedelta(seconds=1),
        points=Decimal(1),
    )
    out = api_for("member").get(f"{URL}/members/{pid}/card?quarter={quarter}").json()
    assert [e["late"] for e in out["entries"]] == [False, True] and out["verified_hours"] == 4.0
    pdf = api_for("unit_coord").get(f"{URL}/members/{pid}/card.pdf?quarter={quarter}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and b"NeedleSansSC" in pdf.content
    csv_ = api_for("unit_coord").get(f"{URL}/units/{w.units['workplace'].pk}/cards.csv?quarter={quarter}")
    assert csv_.status_code == 200
    lines = csv_.content.decode().strip().splitlines()
    assert len(lines) == 1 + 2
    assert (
        api_for("outsider")
        .get(f"{URL}/units/{w.units['workplace'].pk}/cards.csv?quarter={quarter}")
        .status_code
        == 404
    )
    area_csv = api_for("staff").get(
        f"{URL}/areas/{w.areas['community_a1a'].code}/cards.csv?quarter={quarter}"
    )
    assert area_csv.status_code == 200 and len(b"".join(area_csv.streaming_content).splitlines()) == 3
    unit_pdf = api_for("unit_coord").get(f"{URL}/units/{w.units['workplace'].pk}/cards.pdf?quarter={quarter}")
    assert unit_pdf.content.startswith(b"%PDF")


def test_targets_and_progress(checked_in, api_for):
    w = checked_in
    code = w.areas["community_a1a"].code
    assert (
        api_for("member").put(f"{URL}/targets/{code}", {"quarter_hours": 2, "year_hours": 8}).status_code
        == 403
    )
    assert (
        api_for("staff").put(f"{URL}/targets/{code}", {"quarter_hours": 2, "year_hours": 8}).status_code
        == 200
    )
    svc.hours_verify(actor=w.people["staff"], entry=report(w, days=0, hours="2"))
    quarter = quarters.quarter_of(timezone.localdate())
    res = api_for("unit_coord").get(f"{URL}/units/{w.units['workplace'].pk}/progress?quarter={quarter}")
    assert res.status_code == 200, res.content
    rows = {r["name"]: r for r in res.json()["items"]}
    assert any(r["quarter_met"] for r in rows.values())
    assert (
        api_for("outsider")
        .get(f"{URL}/units/{w.units['workplace'].pk}/progress?quarter={quarter}")
        .status_code
        == 404
    )
    assert (
        api_for("unit_coord")
        .get(f"{URL}/units/{w.units['workplace'].pk}/progress?quarter=2026Q9")
        .status_code
        == 422
    )


def test_api_reject_correct_lists_and_points(checked_in, api_for):
    w = checked_in
    today = timezone.localdate().isoformat()
    ids = [
        api_for("member")
        .post(f"{URL}/hours", {"date": today, "hours": h, "description": "帮扶"})
        .json()["id"]
        for h in (2, 3)
    ]
    listed = api_for("staff").get(f"{URL}/hours?community={w.areas['community_a1a'].code}&status=reported")
    assert listed.status_code == 200 and {e["id"] for e in listed.json()["items"]} == set(ids)
    assert api_for("outsider").get(f"{URL}/hours").json()["items"] == []
    assert api_for("staff").get(f"{URL}/hours?status=nope").status_code == 422
    res = api_for("staff").post(f"{URL}/hours/{ids[0]}/reject", {"reason": ""})
    assert res.status_code == 422 and "reason" in res.json()["error"]["fields"]
    assert api_for("staff").post(f"{URL}/hours/{ids[0]}/reject", {"reason": "重复"}).status_code == 200
    assert api_for("staff").post(f"{URL}/hours/{ids[0]}/verify", {}).status_code == 409
    assert api_for("staff").post(f"{URL}/hours/{ids[1]}/verify", {}).status_code == 200
    assert api_for("member").post(
        f"{URL}/hours/{ids[1]}/correct", {"hours": 1, "reason": "x"}
    ).status_code in (
        403,
        404,
    )
    res = api_for("staff").post(f"{URL}/hours/{ids[1]}/correct", {"hours": 1, "reason": "记错"})
    assert res.status_code == 201 and [e["hours"] for e in res.json()["items"]] == [-3.0, 1.0]
    assert (
        api_for("staff").post(f"{URL}/hours/{ids[1]}/correct", {"hours": 1, "reason": "again"}).status_code
        == 409
    )
    mine = api_for("member").get(f"{URL}/hours/mine").json()["items"]
    assert len(mine) == 4
    assert api_for("member").get(f"{URL}/points/mine").json()["balance"] == 1.0
    for bad in ({"hours": 0}, {"hours": -1}, {"hours": 24.5}, {"hours": "abc"}):
        res = api_for("member").post(f"{URL}/hours", {"date": today, "description": "x", **bad})
        assert res.status_code == 422 and "hours" in str(res.json()["error"]["fields"]), bad
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    res = api_for("member").post(f"{URL}/hours", {"date": future, "hours": 1, "description": "x"})
    assert res.status_code == 422 and "date" in res.json()["error"]["fields"]
    res = api_for("member").post(f"{URL}/hours", {"date": today, "hours": 1, "description": "a\x00b"})
    assert res.status_code == 422 and "description" in res.json()["error"]["fields"]
    assert (
        api_for("outsider").post(f"{URL}/hours", {"date": today, "hours": 1, "description": "x"}).status_code
        == 409
    )


def test_a_party_branch_counts_its_members_by_membership(checked_in, api_for):
    from needle.orgs.models import Role, RoleAssignment
    from needle.testing import PersonFactory

    w = checked_in
    secretary = PersonFactory.create(username="secretary")
    RoleAssignment.objects.create(person=secretary, unit=w.units["pb_a1a"], role=Role.VIEWER)
    svc.hours_verify(actor=w.people["staff"], entry=report(w, days=0, hours="9"))
    rows = sel.progress_for_unit(
        actor=secretary, unit=w.units["pb_a1a"], quarter=quarters.quarter_of(timezone.localdate())
    )
    assert [(r.person.username, r.quarter_hours) for r in rows] == [("member", Decimal(9))]
    with pytest.raises(NotFound):
        sel.progress_for_unit(actor=w.people["unit_coord"], unit=w.units["pb_a1a"], quarter="2026Q1")
