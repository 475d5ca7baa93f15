"""Check-ins, pairings and commitments through their services: every move, who may make it and
who may not, bad input named by field, and the audit events they write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from needle.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from needle.core.models import AuditEvent
from needle.notify.models import Notification
from needle.orgs.models import Membership, MembershipKind, Role, RoleAssignment
from needle.volunteering.models import CheckIn, CheckInStatus, Commitment, Skill, availability_bit
from needle.volunteering.selectors import checkins as sel
from needle.volunteering.services import checkins as svc
from needle.volunteering.services import pairings as pair
from needle.volunteering.skills import skills_match, unknown_words
from needle.volunteering.tests.conftest import make_checkin


def submit(w, who="member", **kw):
    fields = {
        "community": w.areas["community_a1a"],
        "skills_text": "急救、电脑 plumbing, 唱歌",
        "availability": [(6, "morning"), (7, "evening")],
        "service_kinds": ["elderly"],
    }
    fields.update(kw)
    return svc.checkin_submit(actor=w.people[who], **fields)


def actions(obj):
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Skill matching ------------------------------------------------------------------------------


def test_skills_match_names_synonyms_both_languages_and_separators(vworld):
    found = skills_match("急救、First Aid，computer\nPLUMBING; 律师 唱歌 first  aid")
    assert [s.code for s in found] == ["first_aid", "it", "repairs", "legal"]
    assert unknown_words("急救、唱歌 drawing") == ["唱歌", "drawing"]
    assert skills_match("") == [] and skills_match("、 ,") == []


# Submitting ------------------------------------------------------------------------------------


def test_member_submits_a_checkin(vworld):
    w = vworld
    checkin = submit(w)
    assert checkin.status == CheckInStatus.SUBMITTED
    assert checkin.workplace == w.units["pb_a1a"] and checkin.community == w.areas["community_a1a"]
    assert checkin.area_path == w.areas["community_a1a"].path and checkin.grid is None
    assert {s.code for s in checkin.skills.all()} == {"first_aid", "it", "repairs"}
    assert "唱歌" in checkin.skills_text
    assert checkin.availability == availability_bit(6, "morning") | availability_bit(7, "evening")
    assert actions(checkin) == ["volunteering.checkin.submitted"]
    assert sel.standing_checkin(w.people["member"]) == checkin


def test_a_grid_home_is_used_and_a_given_grid_must_be_of_the_community(vworld):
    w = vworld
    checkin = submit(w, "member2")
    assert checkin.grid == w.areas["grid_a1a"] and checkin.area_path == w.areas["grid_a1a"].path
    with pytest.raises(ValidationFailed) as exc:
        submit(w, "member3", community=w.areas["community_a1b"], grid=w.areas["grid_a1a"])
    assert "grid" in exc.value.fields


def test_only_members_check_in(vworld):
    w = vworld
    for persona in ("resident", "staff", "outsider", "unit_coord"):
        with pytest.raises(PermissionDenied) as exc:
            submit(w, persona)
        assert "member" in exc.value.message
    Membership.objects.create(
        person=w.people["resident"],
        unit=w.units["rc_a1a"],
        kind=MembershipKind.VOLUNTEER,
        joined_on=dt.date(2020, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        submit(w, "resident")


def test_one_standing_checkin(vworld):
    w = vworld
    submit(w)
    with pytest.raises(Conflict) as exc:
        submit(w)
    assert exc.value.code == "checkin_standing"


def test_community_must_be_a_community_and_outside_needs_a_reason(vworld):
    w = vworld
    for key in ("street_a1", "district_a", "grid_a1a"):
        with pytest.raises(ValidationFailed) as exc:
            submit(w, community=w.areas[key])
        assert "community" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        submit(w, community=w.areas["community_a1b"])
    assert "outside_reason" in exc.value.fields
    checkin = submit(w, community=w.areas["community_a1b"], outside_reason="父母住在这里")
    assert checkin.outside_reason == "父母住在这里"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"availability": [(8, "morning")]}, "availability"),
        ({"availability": [(0, "morning")]}, "availability"),
        ({"availability": [(True, "morning")]}, "availability"),
        ({"availability": [(1, "noon")]}, "availability"),
        ({"service_kinds": ["karaoke"]}, "service_kinds"),
        ({"skills_text": "急救\x00"}, "skills"),
        ({"skills_text": "x" * 10_000}, "skills"),
        ({"skill_codes": ["nope"]}, "skills"),
        ({"outside_reason": "y" * 400, "community": None}, "outside_reason"),
        ({"phone_visible": "yes"}, "phone_visible"),
    ],
)
def test_bad_input_is_named(vworld, fields, named):
    w = vworld
    if fields.get("community", 1) is None:
        fields["community"] = w.areas["community_a1b"]
    with pytest.raises(ValidationFailed) as exc:
        submit(w, **fields)
    assert named in exc.value.fields
    assert not CheckIn.objects.exists()


def test_workplace_must_be_the_members(vworld):
    w = vworld
    with pytest.raises(ValidationFailed) as exc:
        submit(w, workplace=w.units["workplace"])
    assert "workplace" in exc.value.fields


# Moves ---------------------------------------------------------------------------------------


def test_confirm_by_staff_only_and_the_member_hears(vworld):
    w = vworld
    checkin = submit(w)
    for persona in ("member", "member2", "supervisor", "unit_coord", "outsider", "resident"):
        with pytest.raises(PermissionDenied):
            svc.checkin_confirm(actor=w.people[persona], checkin=checkin)
    done = svc.checkin_confirm(actor=w.people["staff"], checkin=checkin)
    assert (
        done.status == CheckInStatus.CONFIRMED and done.confirmed_at and done.decided_by == w.people["staff"]
    )
    assert Notification.objects.filter(recipient=w.people["member"], verb="volunteering.checkin").count() == 1
    with pytest.raises(Conflict):
        svc.checkin_confirm(actor=w.people["staff"], checkin=checkin)
    assert actions(checkin) == ["volunteering.checkin.submitted", "volunteering.checkin.confirmed"]


def test_street_admin_and_city_admin_are_staff_above(vworld):
    w = vworld
    checkin = submit(w)
    assert svc.checkin_confirm(actor=w.people["street_admin"], checkin=checkin).status == "confirmed"


def test_return_needs_a_note_then_the_member_resubmits(vworld):
    w = vworld
    checkin = submit(w)
    with pytest.raises(ValidationFailed) as exc:
        svc.checkin_return(actor=w.people["staff"], checkin=checkin, note="  ")
    assert "note" in exc.value.fields
    with pytest.raises(PermissionDenied):
        svc.checkin_return(actor=w.people["member"], checkin=checkin, note="x")
    back = svc.checkin_return(actor=w.people["staff"], checkin=checkin, note="请填写具体技能")
    assert back.status == CheckInStatus.RETURNED and back.note == "请填写具体技能"
    assert Notification.objects.filter(recipient=w.people["member"]).count() == 1
    with pytest.raises(PermissionDenied):
        svc.checkin_resubmit(actor=w.people["staff"], checkin=checkin)
    again = svc.checkin_resubmit(
        actor=w.people["member"], checkin=checkin, skills_text="法律", availability=[(1, "evening")]
    )
    assert again.status == CheckInStatus.SUBMITTED and again.note == ""
    assert [s.code for s in again.skills.all()] == ["legal"]
    assert again.availability == availability_bit(1, "evening")
    with pytest.raises(Conflict):
        svc.checkin_resubmit(actor=w.people["member"], checkin=checkin)
    assert "volunteering.checkin.resubmitted" in actions(checkin)


def test_move_keeps_history(vworld):
    w = vworld
    old = submit(w)
    svc.checkin_confirm(actor=w.people["staff"], checkin=old)
    with pytest.raises(PermissionDenied):
        svc.checkin_move(
            actor=w.people["outsider"], checkin=old, community=w.areas["community_a1b"], outside_reason="x"
        )
    with pytest.raises(ValidationFailed) as exc:
        svc.checkin_move(actor=w.people["member"], checkin=old, community=w.areas["community_a1b"])
    assert "outside_reason" in exc.value.fields
    with pytest.raises(ValidationFailed):
        svc.checkin_move(actor=w.people["member"], checkin=old, community=w.areas["community_a1a"])
    new = svc.checkin_move(
        actor=w.people["member"], checkin=old, community=w.areas["community_a1b"], outside_reason="搬家了"
    )
    old.refresh_from_db()
    assert old.status == CheckInStatus.MOVED and old.ended_at and old.moved_to == new
    assert new.status == CheckInStatus.SUBMITTED and new.community == w.areas["community_a1b"]
    assert {s.code for s in new.skills.all()} == {s.code for s in old.skills.all()}
    assert new.availability == old.availability
    assert sel.standing_checkin(w.people["member"]) == new
    assert [c.pk for c in sel.my_checkins(actor=w.people["member"])] == [new.pk, old.pk]
    assert "volunteering.checkin.moved" in actions(old)
    with pytest.raises(Conflict):
        svc.checkin_move(
            actor=w.people["member"], checkin=old, community=w.areas["community_a2a"], outside_reason="x"
        )


def test_withdraw_by_member_or_staff(vworld):
    w = vworld
    checkin = submit(w)
    with pytest.raises(PermissionDenied):
        svc.checkin_withdraw(actor=w.people["unit_coord"], checkin=checkin)
    done = svc.checkin_withdraw(actor=w.people["member"], checkin=checkin)
    assert done.status == CheckInStatus.WITHDRAWN and done.ended_at
    with pytest.raises(Conflict):
        svc.checkin_withdraw(actor=w.people["staff"], checkin=checkin)
    again = submit(w)
    assert svc.checkin_withdraw(actor=w.people["staff"], checkin=again).status == "withdrawn"


# Reading -------------------------------------------------------------------------------------


def test_access_checkin_by_persona(vworld):
    w = vworld
    mine = submit(w, "member2")
    for persona in ("member2", "staff", "supervisor", "unit_coord", "district_auditor", "root"):
        assert sel.access_checkin(actor=w.people[persona], checkin_id=mine.pk) == mine
    for persona in ("member", "member3", "outsider", "resident", "other_supervisor"):
        with pytest.raises(NotFound):
            sel.access_checkin(actor=w.people[persona], checkin_id=mine.pk)
    # The workplace reads, it does not write.
    with pytest.raises(PermissionDenied):
        sel.access_checkin(actor=w.people["unit_coord"], checkin_id=mine.pk, for_write=True)


def test_community_list_for_staff_and_above(vworld):
    w = vworld
    checkin = submit(w)
    assert list(sel.checkin_list_for(actor=w.people["staff"], community=w.areas["community_a1a"])) == [
        checkin
    ]
    assert (
        list(
            sel.checkin_list_for(
                actor=w.people["supervisor"], community=w.areas["community_a1a"], status="confirmed"
            )
        )
        == []
    )
    for persona in ("member", "unit_coord", "other_supervisor", "outsider"):
        with pytest.raises(PermissionDenied):
            sel.checkin_list_for(actor=w.people[persona], community=w.areas["community_a1a"])


def test_workplace_sees_its_members_only_masked_and_audited(vworld):
    w = vworld
    w.people["member2"].phone = "13812345678"
    w.people["member2"].save()
    mine = make_checkin(
        w.people["member2"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1a"],
        phone_visible=True,
    )
    make_checkin(w.people["member"], workplace=w.units["pb_a1a"], community=w.areas["community_a1a"])
    # A child unit's member counts for its parent.
    child = w.units["workplace"].__class__.objects.create(
        code="dept-work-sub",
        name="科室",
        type=w.units["workplace"].type,
        area=w.areas["district_a"],
        parent=w.units["workplace"],
        founded_on=dt.date(2000, 1, 1),
    )
    Membership.objects.create(
        person=w.people["member3"], unit=child, kind=MembershipKind.MEMBER, joined_on=dt.date(2020, 1, 1)
    )
    sub = make_checkin(
        w.people["member3"], workplace=child, community=w.areas["community_a1b"], status=CheckInStatus.MOVED
    )
    found = sel.unit_member_checkins(actor=w.people["unit_coord"], unit=w.units["workplace"])
    assert {c.pk for c in found.checkins} == {mine.pk, sub.pk}
    assert found.phones[mine.pk] == "138****5678"
    assert AuditEvent.objects.filter(action="volunteering.unit.checkins_viewed").count() == 1
    # Above it in the unit tree; not a street's roles, not the member, not another unit's.
    assert (
        len(sel.unit_member_checkins(actor=w.people["district_auditor"], unit=w.units["workplace"]).checkins)
        == 2
    )
    for persona in ("supervisor", "staff", "member2", "outsider"):
        with pytest.raises(NotFound):
            sel.unit_member_checkins(actor=w.people[persona], unit=w.units["workplace"])
    with pytest.raises(NotFound):
        sel.unit_member_checkins(actor=w.people["unit_coord"], unit=w.units["pb_a1a"])


def test_resources_search_and_phone_masking(vworld):
    w = vworld
    for key, phone in (("member", "13800000001"), ("member2", "13800000002")):
        w.people[key].phone = phone
        w.people[key].save()
    a = make_checkin(
        w.people["member"],
        workplace=w.units["pb_a1a"],
        community=w.areas["community_a1a"],
        skill_codes=["first_aid"],
        availability=availability_bit(6, "morning"),
    )
    b = make_checkin(
        w.people["member2"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1a"],
        grid=w.areas["grid_a1a"],
        skill_codes=["it"],
        availability=availability_bit(2, "evening"),
        phone_visible=True,
    )
    make_checkin(
        w.people["member3"],
        workplace=w.units["workplace"],
        community=w.areas["community_a1b"],
        status="submitted",
    )
    res = sel.resources_for(actor=w.people["staff"], community_or_area=w.areas["community_a1a"])
    phones = {m.checkin.pk: m.phone for m in res.members}
    assert phones == {a.pk: "138****0001", b.pk: "13800000002"}
    assert AuditEvent.objects.filter(action="volunteering.resources.phones_viewed").count() == 1
    first_aid = Skill.objects.get(code="first_aid")
    assert [
        m.checkin.pk
        for m in sel.resources_for(
            actor=w.people["staff"], community_or_area=w.areas["community_a1a"], skill=first_aid
        ).members
    ] == [a.pk]
    assert [
        m.checkin.pk
        for m in sel.resources_for(
            actor=w.people["staff"], community_or_area=w.areas["community_a1a"], weekday=6
        ).members
    ] == [a.pk]
    assert [
        m.checkin.pk
        for m in sel.resources_for(
            actor=w.people["supervisor"], community_or_area=w.areas["street_a1"], part="evening"
        ).members
    ] == [b.pk]
    for persona in ("member", "unit_coord", "outsider", "other_supervisor"):
        with pytest.raises(PermissionDenied):
            sel.resources_for(actor=w.people[persona], community_or_area=w.areas["community_a1a"])


# Pairings ------------------------------------------------------------------------------------


def pledges():
    return [("venue", "会议室", 1, "间"), ("staff_days", "志愿服务", "12.5", "人天")]


def coordinator_of_workplace(w):
    RoleAssignment.objects.create(
        person=w.people["member2"], unit=w.units["workplace"], role=Role.COORDINATOR
    )
    return w.people["member2"]


def test_pairing_lifecycle(vworld):
    w = vworld
    year = timezone.localdate().year
    boss = coordinator_of_workplace(w)
    for persona in ("unit_coord", "staff", "outsider", "handler"):
        with pytest.raises(PermissionDenied):
            pair.pairing_submit(
                actor=w.people[persona],
                unit=w.units["workplace"],
                community=w.areas["community_a1a"],
                year=year,
                commitments=pledges(),
            )
    p = pair.pairing_submit(
        actor=boss,
        unit=w.units["workplace"],
        community=w.areas["community_a1a"],
        year=year,
        commitments=pledges(),
    )
    assert p.status == "submitted" and p.commitments.count() == 2
    with pytest.raises(Conflict):
        pair.pairing_submit(
            actor=boss,
            unit=w.units["workplace"],
            community=w.areas["community_a1a"],
            year=year,
            commitments=pledges(),
        )
    with pytest.raises(PermissionDenied):
        pair.pairing_confirm(actor=boss, pairing=p)
    pair.pairing_return(actor=w.people["staff"], pairing=p, note="请写明数量")
    assert Notification.objects.filter(recipient=boss, verb="volunteering.pairing").count() == 1
    with pytest.raises(PermissionDenied):
        pair.pairing_resubmit(actor=w.people["staff"], pairing=p)
    p = pair.pairing_resubmit(actor=boss, pairing=p, commitments=[("funds", "活动经费", 5000, "元")])
    assert p.status == "submitted" and [c.kind for c in p.commitments.all()] == ["funds"]
    p = pair.pairing_confirm(actor=w.people["staff"], pairing=p)
    assert p.status == "confirmed" and p.confirmed_at
    p = pair.pairing_withdraw(actor=boss, pairing=p)
    assert p.status == "withdrawn"
    assert actions(p) == [
        "volunteering.pairing.submitted",
        "volunteering.pairing.returned",
        "volunteering.pairing.resubmitted",
        "volunteering.pairing.confirmed",
        "volunteering.pairing.withdrawn",
    ]
    # Withdrawn, it may pair again.
    pair.pairing_submit(
        actor=boss,
        unit=w.units["workplace"],
        community=w.areas["community_a1a"],
        year=year,
        commitments=pledges(),
    )


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"commitments": []}, "commitments"),
        ({"commitments": [("yacht", "x", 1, "")]}, "commitments[0].kind"),
        ({"commitments": [("funds", "x", 0, "")]}, "commitments[0].quantity"),
        ({"commitments": [("funds", "x", "NaN", "")]}, "commitments[0].quantity"),
        ({"commitments": [("funds", "", 1, "")]}, "commitments[0].description"),
        ({"commitments": [("funds", "a\x00", 1, "")]}, "commitments[0].description"),
        ({"year": 1990}, "year"),
        ({"community": "street_a1"}, "community"),
    ],
)
def test_pairing_bad_input(vworld, kw, named):
    w = vworld
    boss = coordinator_of_workplace(w)
    fields = {
        "unit": w.units["workplace"],
        "community": w.areas["community_a1a"],
        "year": timezone.localdate().year,
        "commitments": pledges(),
    }
    if kw.get("community"):
        kw["community"] = w.areas[kw["community"]]
    fields.update(kw)
    with pytest.raises(ValidationFailed) as exc:
        pair.pairing_submit(actor=boss, **fields)
    assert named in exc.value.fields


# Commitments ---------------------------------------------------------------------------------


def test_commitments_add_review_and_public(vworld, monkeypatch):
    w = vworld
    year = timezone.localdate().year
    with pytest.raises(PermissionDenied):
        pair.commitment_add(actor=w.people["member"], year=year, text="每月服务一次")
    submit(w)
    with pytest.raises(ValidationFailed) as exc:
        pair.commitment_add(actor=w.people["member"], year=year, text="")
    assert "text" in exc.value.fields
    with pytest.raises(ValidationFailed):
        pair.commitment_add(actor=w.people["member"], year=year - 3, text="x")
    c = pair.commitment_add(actor=w.people["member"], year=year, text="每月服务一次", public=True)
    pair.commitment_add(actor=w.people["member"], year=year, text="私下的承诺", public=False)
    assert c.community == w.areas["community_a1a"]
    shown = sel.public_commitments(w.areas["community_a1a"], year)
    assert [r["text"] for r in shown] == ["每月服务一次"] and set(shown[0]) == {
        "name",
        "text",
        "review",
        "review_label",
    }
    for persona in ("member", "unit_coord", "supervisor"):
        with pytest.raises(PermissionDenied):
            pair.commitment_review(actor=w.people[persona], commitment=c, review="kept")
    with pytest.raises(ValidationFailed):
        pair.commitment_review(actor=w.people["staff"], commitment=c, review="maybe")
    if timezone.localdate().month != 12:
        with pytest.raises(Conflict):
            pair.commitment_review(actor=w.people["staff"], commitment=c, review="kept")
    Commitment.objects.filter(pk=c.pk).update(year=year - 1)
    c.refresh_from_db()
    done = pair.commitment_review(actor=w.people["staff"], commitment=c, review="partly", note="完成大半")
    assert done.review == "partly" and done.reviewed_by == w.people["staff"]
    assert actions(c) == ["volunteering.commitment.added", "volunteering.commitment.reviewed"]
