"""The issue's API contract, walked end to end as an integration would: a member checks in, staff
confirm, a need and a project with a shift are made, the member claims the shift (a second member
finds it full), the suggestions explain themselves, the member reports hours that only staff
verify, and the card of the quarter answers with the verified hours; the ledger's sum is the
card's figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from needle import testing as t
from needle.volunteering import quarters
from needle.volunteering.models import HourEntry, HourStatus
from needle.volunteering.tests.conftest import make_checkin


def last_quarter_day() -> dt.date:
    """A day of the last quarter still within the 90 days a member may report (see the browser
    test: on the few days a year when none is left, the latest allowed)."""
    today = timezone.localdate()
    start, _end = quarters.parse_quarter(quarters.quarter_of(today))
    return max(start - dt.timedelta(days=1), today - dt.timedelta(days=89))


def test_the_contract_as_written(vworld: t.World, api_for: Any) -> None:
    w, a = vworld, vworld.areas
    member, staff = api_for("member2"), api_for("staff")
    r = member.post(
        "/api/v1/volunteering/checkins",
        {
            "community": a["community_a1a"].code,
            "skills": ["first_aid"],
            "availability": [{"weekday": 6, "part": "morning"}],
        },
    )
    assert r.status_code == 201, r.content
    checkin = r.json()["id"]
    assert member.post(f"/api/v1/volunteering/checkins/{checkin}/confirm").status_code == 403
    assert staff.post(f"/api/v1/volunteering/checkins/{checkin}/confirm").status_code == 200

    r = staff.post(
        "/api/v1/volunteering/needs",
        {
            "community": a["community_a1a"].code,
            "title": "急救培训",
            "category": "health",
            "starts_on": timezone.localdate().isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    starts = timezone.localtime() + dt.timedelta(days=3)
    r = staff.post(
        "/api/v1/volunteering/projects",
        {
            "community": a["community_a1a"].code,
            "title": "应急救护值守",
            "shifts": [
                {
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
                    "slots": 1,
                    "place": "社区广场",
                }
            ],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id"] and len(body["shifts"]) == 1
    shift = body["shifts"][0]["id"]

    r = staff.get(f"/api/v1/volunteering/shifts/{shift}/suggestions")
    assert r.status_code == 200
    first = r.json()["items"][0]
    assert first["person"] == w.people["member2"].pk and first["reasons"]

    assert member.post(f"/api/v1/volunteering/shifts/{shift}/claims").status_code == 201
    make_checkin(w.people["member3"], workplace=w.units["workplace"], community=a["community_a1b"])
    full = api_for("member3").post(f"/api/v1/volunteering/shifts/{shift}/claims")
    assert full.status_code == 409

    day = last_quarter_day()
    r = member.post(
        "/api/v1/volunteering/hours", {"date": day.isoformat(), "hours": "2.5", "description": "急救培训"}
    )
    assert r.status_code == 201, r.content
    entry = r.json()["id"]
    assert member.post(f"/api/v1/volunteering/hours/{entry}/verify").status_code == 403
    assert staff.post(f"/api/v1/volunteering/hours/{entry}/verify").status_code == 200

    quarter = quarters.quarter_of(day)
    person = w.people["member2"].pk
    if quarter == quarters.quarter_of(timezone.localdate()):
        # The quarter has not ended: the card is refused, naming the quarter.
        r = staff.get(f"/api/v1/volunteering/members/{person}/card", quarter=quarter)
        assert r.status_code == 422 and "quarter" in r.json()["error"]["fields"]
        return
    r = staff.get(f"/api/v1/volunteering/members/{person}/card", quarter=quarter)
    assert r.status_code == 200, r.content
    card = r.json()
    ledger = HourEntry.objects.filter(person_id=person, status=HourStatus.VERIFIED).aggregate(s=Sum("hours"))[
        "s"
    ]
    assert Decimal(str(card["verified_hours"])) == ledger == Decimal("2.5")
    assert len(card["entries"]) == 1
    for suffix, start in (("card.pdf", b"%PDF"), ("card.csv", b"")):
        r = staff.get(f"/api/v1/volunteering/members/{person}/{suffix}", quarter=quarter)
        assert r.status_code == 200 and r.content.startswith(start)
    r = staff.get(
        f"/api/v1/volunteering/members/{person}/card", quarter=quarters.quarter_of(timezone.localdate())
    )
    assert r.status_code == 422 and "quarter" in r.json()["error"]["fields"]
