"""Suggestions: the member with the skill ranks first, then the nearer home, then who is free in
the slot, then who served least recently; those already on the shift or on an overlapping one are
left out; each suggestion says why, in the reader's language; only the community's staff read
them; the district's members are scored in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from needle import testing as t
from needle.core.errors import NotAuthenticated, PermissionDenied
from needle.core.models import AuditEvent
from needle.orgs.models import Membership, MembershipKind
from needle.volunteering.models import Claim, ClaimStatus, Shift, availability_bit
from needle.volunteering.selectors.suggestions import (
    shifts_for_member,
    slot_of,
    suggest_for_need,
    suggest_for_shift,
)
from needle.volunteering.services.lists import need_create
from needle.volunteering.tests.conftest import make_checkin
from needle.volunteering.tests.lists_helpers import at, draft, first_shift, make_project


def member(
    w: t.World, name: str, *, home: str, skills: tuple[str, ...] = (), bits: int = 0, **kw: Any
) -> Any:
    person = t.PersonFactory.create(username=name, display_name=name)
    Membership.objects.create(
        person=person,
        unit=w.units["workplace"],
        kind=MembershipKind.PARTY_MEMBER,
        joined_on=dt.date(2018, 1, 1),
    )
    area = w.areas[home]
    community = area if area.level == 5 else area.parent
    make_checkin(
        person,
        workplace=w.units["workplace"],
        community=community,
        grid=area if area.level == 6 else None,
        skill_codes=skills,
        availability=bits,
        **kw,
    )
    return person


@pytest.fixture
def crowd(vworld: t.World) -> t.World:
    """A Saturday-morning first-aid shift in community A1a and members who fit it less and less."""
    w = vworld
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7)
    days = (saturday - timezone.localdate()).days
    w.people["shift"] = first_shift(make_project(w, draft(days=days, hour=9, skill_codes=["first_aid"])))
    sat_morning = availability_bit(6, "morning")
    w.people["medic"] = member(w, "medic", home="community_a2a", skills=("first_aid",))
    w.people["neighbour"] = member(w, "neighbour", home="community_a1a", bits=sat_morning)
    w.people["street"] = member(w, "street", home="community_a1b", bits=sat_morning)
    w.people["street_busy"] = member(
        w, "street_busy", home="community_a1b", last_served_on=timezone.localdate() - dt.timedelta(days=2)
    )
    w.people["far"] = member(w, "far", home="community_b1a", skills=("first_aid",))
    return w


def ranked(w: t.World, **kw: Any) -> list[str]:
    shift = w.people["shift"]
    return [s.name for s in suggest_for_shift(actor=w.people["staff"], shift=shift, **kw)]


def test_skill_outranks_nearness_which_outranks_availability_and_recency(crowd: t.World) -> None:
    # The medic lives in another street of the district; the neighbour in the shift's community,
    # free then; the street's two differ by availability; the other district's medic is not searched.
    assert ranked(crowd) == ["medic", "neighbour", "street", "street_busy"]


def test_reasons_say_why_in_either_language(crowd: t.World) -> None:
    with override("en"):
        first, second = suggest_for_shift(actor=crowd.people["staff"], shift=crowd.people["shift"])[:2]
    assert first.reasons == ["has the skill: first aid", "lives in the same district", "has not served yet"]
    assert second.reasons == [
        "lives in the same community",
        "free on Saturday mornings",
        "has not served yet",
    ]
    with override("zh-hans"):
        first, second = suggest_for_shift(actor=crowd.people["staff"], shift=crowd.people["shift"])[:2]
    assert first.reasons[0] == "具备技能：急救"
    assert second.reasons[1] == "星期六上午有空"


def test_who_is_on_the_shift_or_an_overlapping_one_is_left_out(crowd: t.World) -> None:
    w = crowd
    shift = w.people["shift"]
    Claim.objects.create(
        shift=shift,
        person=w.people["medic"],
        status=ClaimStatus.CLAIMED,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
    )
    other = first_shift(
        make_project(w, draft(days=(shift.starts_at.date() - timezone.localdate()).days, hour=10))
    )
    Claim.objects.create(
        shift=other,
        person=w.people["neighbour"],
        status=ClaimStatus.ACCEPTED,
        starts_at=other.starts_at,
        ends_at=other.ends_at,
    )
    # A cancelled claim frees the member again.
    Claim.objects.create(
        shift=other,
        person=w.people["street"],
        status=ClaimStatus.CANCELLED,
        starts_at=other.starts_at,
        ends_at=other.ends_at,
    )
    assert ranked(w) == ["street", "street_busy"]


@pytest.mark.parametrize("persona", ["member", "unit_coord", "outsider"])
def test_only_the_community_s_staff_read_suggestions(crowd: t.World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        suggest_for_shift(actor=crowd.people[persona], shift=crowd.people["shift"])


def test_anonymous_is_asked_to_sign_in_and_the_read_is_audited(crowd: t.World) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        suggest_for_shift(actor=AnonymousUser(), shift=crowd.people["shift"])
    ranked(crowd)
    assert (
        AuditEvent.objects.filter(
            action="volunteering.suggestions.viewed", actor=crowd.people["staff"]
        ).count()
        == 1
    )


def test_queries_do_not_grow_with_the_members(crowd: t.World) -> None:
    shift = crowd.people["shift"]
    with CaptureQueriesContext(connection) as few:
        suggest_for_shift(actor=crowd.people["staff"], shift=shift)
    for i in range(15):
        member(crowd, f"extra{i}", home="community_a1a", skills=("legal",))
    with CaptureQueriesContext(connection) as many:
        suggest_for_shift(actor=crowd.people["staff"], shift=shift)
    assert len(many) == len(few) <= 12


def test_a_need_s_grid_counts_as_nearest(crowd: t.World) -> None:
    w = crowd
    grid_member = member(w, "gridmate", home="grid_a1a")
    need = need_create(
        actor=w.people["staff"],
        community=w.areas["community_a1a"],
        grid=w.areas["grid_a1a"],
        title="帮老人买菜",
        description="",
        category="elderly",
        place="",
        people_needed=1,
        skill_codes=[],
        starts_on=timezone.localdate(),
        ends_on=None,
        urgency="normal",
    )
    found = suggest_for_need(actor=w.people["staff"], need=need)
    assert found[0].person_id == grid_member.pk
    with override("en"):
        assert "lives in the same grid" in suggest_for_need(actor=w.people["staff"], need=need)[0].reasons


def test_open_shifts_that_fit_a_member(crowd: t.World) -> None:
    w = crowd
    medic = w.people["medic"]
    legal = first_shift(make_project(w, draft(days=3, hour=14, skill_codes=["legal"])))
    full = first_shift(make_project(w, draft(days=4, slots=1, skill_codes=["first_aid"])))
    Shift.objects.filter(pk=full.pk).update(filled=1)
    with override("en"):
        fits = shifts_for_member(actor=medic)
    assert [f.shift.pk for f in fits] == [w.people["shift"].pk, legal.pk]
    assert fits[0].reasons == ["needs your skill: first aid"]
    assert shifts_for_member(actor=w.people["member"]) == []  # no confirmed check-in


def test_slots_of_the_day(vworld: t.World) -> None:
    assert slot_of(at(1, 9))[1] == "morning"  # type: ignore[index]
    assert slot_of(at(1, 13))[1] == "afternoon"  # type: ignore[index]
    assert slot_of(at(1, 19))[1] == "evening"  # type: ignore[index]


def test_the_api_ranks_with_reasons(crowd: t.World, api_for: Any) -> None:
    shift = crowd.people["shift"]
    r = api_for("staff").get(f"/api/v1/volunteering/shifts/{shift.pk}/suggestions", limit=2)
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [i["name"] for i in items] == ["medic", "neighbour"]
    assert items[0]["person"] == crowd.people["medic"].pk and items[0]["reasons"]
    assert api_for("outsider").get(f"/api/v1/volunteering/shifts/{shift.pk}/suggestions").status_code == 403
    r = api_for("staff").get(f"/api/v1/volunteering/shifts/{shift.pk}/suggestions", limit="many")
    assert r.status_code == 422
    medic_api = t.ApiClient(crowd.people["medic"])
    r = medic_api.get("/api/v1/volunteering/me/shifts")
    assert r.status_code == 200 and r.json()["items"][0]["shift"] == shift.pk


def test_a_shift_for_a_grid_s_need_prefers_that_grid(crowd: t.World) -> None:
    w = crowd
    gridmate = member(w, "gridmate", home="grid_a1a")
    need = need_create(
        actor=w.people["staff"],
        community=w.areas["community_a1a"],
        grid=w.areas["grid_a1a"],
        title="楼道照明维修",
        description="",
        category="repairs",
        place="",
        people_needed=1,
        skill_codes=[],
        starts_on=timezone.localdate(),
        ends_on=None,
        urgency="normal",
    )
    shift = first_shift(make_project(w, draft(days=3, hour=14), need_ids=[need.pk]))
    with override("en"):
        found = suggest_for_shift(actor=w.people["staff"], shift=shift)
    assert found[0].person_id == gridmate.pk and "lives in the same grid" in found[0].reasons
