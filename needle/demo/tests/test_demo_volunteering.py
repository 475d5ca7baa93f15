"""The demo's members serving where they live: members living in the district's communities and
checked in there (the member persona not), needs (one made from a resident's request), weekly
and one-off projects whose shifts hold exactly their claims, verified hours with points, last
quarter's cards; every status one the lifecycles allow."""

import datetime as dt
import random

from django.db.models import Count, Q
from django.utils import timezone

from needle import testing as t
from needle.demo.volunteering import demo_volunteering_load
from needle.orgs.models import Membership, MembershipKind
from needle.volunteering.models import (
    HOLDING,
    CardSignoff,
    CheckIn,
    CheckInStatus,
    HourEntry,
    HourStatus,
    Need,
    Project,
    Shift,
    Skill,
)


def test_the_district_s_members_check_in_and_serve(world):
    for i in range(12):
        person = t.PersonFactory.create()
        Membership.objects.create(
            person=person,
            unit=world.units["pb_a1a"] if i % 2 else world.units["rc_a2a"],
            kind=MembershipKind.PARTY_MEMBER,
            joined_on=dt.date(2016, 1, 1),
        )
    catalog = t.build_catalog(world)
    t.submit(world, catalog["road"], area="community_a1a")
    n = demo_volunteering_load(
        area=world.areas["district_a"],
        rng=random.Random(3),
        staff=world.people["staff"],
        member=world.people["member"],
    )
    assert n == HourEntry.objects.count() > 0
    assert Skill.objects.count() >= 8
    assert not CheckIn.objects.filter(person=world.people["member"]).exists()
    checkins = CheckIn.objects.all()
    assert checkins.filter(status=CheckInStatus.CONFIRMED).count() >= 6
    assert set(checkins.values_list("status", flat=True)) <= {"confirmed", "submitted", "returned"}
    district = world.areas["district_a"].path
    assert not checkins.exclude(area_path__startswith=district).exists()
    for c in checkins.select_related("person"):
        assert c.person.home_area is not None and c.person.home_area.path.startswith(c.community.path)
    assert Need.objects.exists() and Project.objects.filter(kind="recurring").exists()
    assert Need.objects.filter(case__isnull=False, community=world.areas["community_a1a"]).exists()
    for shift in Shift.objects.annotate(n=Count("claims", filter=Q(claims__status__in=HOLDING))):
        assert shift.filled == shift.n <= shift.slots
    now = timezone.now()
    entries = HourEntry.objects.all()
    assert not entries.filter(date__gt=timezone.localdate(now)).exists()
    assert set(entries.values_list("status", flat=True)) <= {"reported", "verified", "rejected"}
    assert not entries.filter(status=HourStatus.VERIFIED, points=0).exists()
    assert not entries.exclude(status=HourStatus.VERIFIED).exclude(points=0).exists()
    for signoff in CardSignoff.objects.all():
        verified = entries.filter(
            person_id=signoff.person_id, community_id=signoff.community_id, status="verified"
        )
        total = sum(
            e.hours for e in verified if f"{e.date.year}Q{(e.date.month - 1) // 3 + 1}" == signoff.quarter
        )
        assert total == signoff.hours
