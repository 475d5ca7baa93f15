"""The demo's care: invented households in the district's communities in realistic proportions,
sealed sensitive fields, consents, helpers from the members, a year of visits with some overdue,
ledgers with open and closed items and a few linked to requests; every status one the
lifecycles allow, every due date the schedule's."""

import datetime as dt
import random

from django.utils import timezone

from needle import testing as t
from needle.care.crypto import unseal
from needle.care.models import Consent, Item, ItemStatus, Pairing, Recipient, Visit, purpose_bit
from needle.care.services.schedule import Policies, dues
from needle.demo.care import demo_care_load
from needle.orgs.models import Membership, MembershipKind


def test_the_district_s_households_are_in_care(world):
    for i in range(6):
        person = t.PersonFactory.create(
            home_area=world.areas["community_a1a"] if i % 2 else world.areas["grid_a1a"]
        )
        Membership.objects.create(
            person=person,
            unit=world.units["pb_a1a"],
            kind=MembershipKind.PARTY_MEMBER,
            joined_on=dt.date(2016, 1, 1),
        )
    catalog = t.build_catalog(world)
    for _ in range(3):
        t.submit(world, catalog["road"], area="community_a1a")
    made = demo_care_load(
        area=world.areas["district_a"],
        rng=random.Random(5),
        staff=world.people["staff"],
        member=world.people["member"],
    )
    people = list(Recipient.objects.all())
    assert made["households"] == len(people) >= 30
    district = world.areas["district_a"].path
    assert all(r.area_path.startswith(district) for r in people)
    # Mostly elderly people living alone; every record sealed, its ID number in the format.
    elderly = sum(1 for r in people if "elderly_alone" in r.category_codes)
    assert elderly > len(people) / 3
    today = timezone.localdate()
    for r in people:
        opened = unseal(r.sealed)
        assert "id_number" in opened and len(opened["id_number"]) == 18
        assert r.name not in r.sealed and opened["health"] not in r.sealed
        assert r.birth_date is not None
        age = (today - r.birth_date).days // 365
        assert ("left_behind_child" in r.category_codes) == (age < 18)
        assert (r.guardian_name != "") == (age < 18)
        assert r.created_at < timezone.now() - dt.timedelta(days=29)
    # Consents in the log match what holds; a few not yet given.
    for r in people:
        logged = sum(purpose_bit(c.purpose) for c in Consent.objects.filter(recipient=r, given=True))
        assert logged == r.consents
    # Helpers: the member helps four households of the staff's community; others by members.
    assert Pairing.objects.filter(helper=world.people["member"]).count() == 4
    assert Pairing.objects.filter(lead=True).count() == made["pairings"] < len(people) + 1
    # A year of visits; the due dates are the schedule's; some households overdue.
    assert made["visits"] == Visit.objects.count() > len(people) * 5
    assert not Visit.objects.filter(visited_at__gt=timezone.now()).exists()
    assert not Visit.objects.filter(visited_at__lt=timezone.now() - dt.timedelta(days=367)).exists()
    overdue = [r for r in people if r.next_visit_due is not None and r.next_visit_due < today]
    assert 0 < len(overdue) < len(people) / 2
    policies = Policies()
    for r in people:
        interval = policies.interval(path=r.area_path, risk=r.risk, categories=r.categories)
        registered = timezone.localdate(r.created_at)
        assert (r.next_visit_due, r.next_call_due) == dues(
            interval=interval, registered=registered, last_visit=r.last_visit_on, last_call=r.last_call_on
        )
    # Ledgers: open and closed items; requests linked both ways.
    statuses = set(Item.objects.values_list("status", flat=True))
    assert {ItemStatus.OPEN, ItemStatus.CLOSED} <= statuses
    linked = Item.objects.filter(case__isnull=False)
    assert linked.count() == made["to_case"] >= 1
    for item in linked.select_related("case"):
        assert item.case is not None
        assert item.case.care_item == item and item.created_at < item.case.created_at
    for item in Item.objects.filter(status=ItemStatus.CLOSED, case__isnull=True):
        assert item.confirmation and item.closed_at and item.closed_at > item.created_at
