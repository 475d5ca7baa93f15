"""Are the suggestions good? On generated shifts whose right member is known, how often is that
member among the first five suggested, and how long does a suggestion take.

    .venv/bin/python bench/volunteering_suggest.py                 # SQLite in a temporary dir
    .venv/bin/python bench/volunteering_suggest.py --communities 80 --per 150 --shifts 400

A district of --communities communities (four grids each, five to a street) gets --per members
each, checked in and confirmed, with one to three of the twelve known skills, each weekday and
part of the day free with a probability of one in five (weekends more), and a last day of
service in the past year or none. Then --shifts shifts, each in a random community on a random
slot, asking for one skill, for a need of one of its grids; for each, one more member is planted
who is what a coordinator would call the right one: the skill, a home in that grid, free in that
slot. The others are the
crowd, some of whom match as well by chance: a hit is the planted member among the first five.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from benchlib import latency, versions

ROOT = Path(__file__).absolute().parent.parent
TARGET_SHARE = 0.90
TARGET_MS = 100.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--communities", type=int, default=60)
    p.add_argument("--per", type=int, default=120, help="members per community")
    p.add_argument("--shifts", type=int, default=300)
    p.add_argument("--seed", type=int, default=5)
    return p.parse_args()


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix="needle-bench-suggest-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from needle.areas.models import Area, Level, is_placeholder
    from needle.demo.volunteering import SKILLS
    from needle.orgs.models import Person, Unit, UnitType
    from needle.volunteering.models import PARTS, CheckIn, Need, Project, Shift, Skill, availability_bit
    from needle.volunteering.selectors.suggestions import suggest_for_shift

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    print("Needle volunteering suggestions: quality and speed")
    print(versions())

    def area(code: str, name: str, level: int, parent: Area | None) -> Area:
        path = (parent.path if parent else "") + code + "/"
        return Area.objects.create(
            code=code, name=name, level=level, parent=parent, path=path, depth=path.count("/"),
            placeholder=is_placeholder(name=name, level=level),
        )  # fmt: skip

    province = area("500000000000", "重庆市", Level.PROVINCE, None)
    city = area("500100000000", "市辖区", Level.CITY, province)
    district = area("500103000000", "渝中区", Level.DISTRICT, city)
    communities, grids = [], {}
    for c in range(args.communities):
        street_no = c // 5 + 1
        street = Area.objects.filter(code=f"500103{street_no:03d}000").first() or area(
            f"500103{street_no:03d}000", f"街道{street_no}", Level.STREET, district
        )
        community = area(f"500103{street_no:03d}{c % 5 + 1:03d}", f"社区{c}", Level.COMMUNITY, street)
        communities.append(community)
        grids[community.pk] = [
            area(f"{community.code}-{g:03d}", f"网格{g}", Level.GRID, community) for g in range(1, 5)
        ]
    Skill.objects.bulk_create(Skill(code=c, name=n, name_en=e, synonyms=s) for c, n, e, s in SKILLS)
    skills = list(Skill.objects.all())
    unit = Unit.objects.create(
        code="work", name="单位", type=UnitType.PARTY_BRANCH, area=district, area_path=district.path,
        founded_on=dt.date(2010, 1, 1),
    )  # fmt: skip
    admin = Person.objects.create(username="bench-admin", is_superuser=True)
    today = timezone.localdate()
    made = 0

    def member(
        community: Area,
        *,
        skill: Skill | None = None,
        slot: tuple[int, str] | None = None,
        home: Area | None = None,
    ) -> CheckIn:
        nonlocal made
        made += 1
        person = Person.objects.create(username=f"m{made}", display_name=f"党员{made}")
        bits = 0
        for weekday in range(1, 8):
            for part in PARTS:
                if rng.random() < (0.35 if weekday >= 6 else 0.15):
                    bits |= availability_bit(weekday, part)
        if slot is not None:
            bits |= availability_bit(*slot)
        grid = home or rng.choice(grids[community.pk])
        served = None if rng.random() < 0.3 else today - dt.timedelta(days=rng.randint(0, 365))
        checkin = CheckIn.objects.create(
            person=person, workplace=unit, community=community, grid=grid, area_path=grid.path,
            status="confirmed", availability=bits, last_served_on=served,
        )  # fmt: skip
        chosen = set(rng.sample(skills, k=rng.randint(1, 3)))
        if skill is not None:
            chosen.add(skill)
        checkin.skills.set(chosen)
        return checkin

    started = time.perf_counter()
    for community in communities:
        for _ in range(args.per):
            member(community)
    print(f"{made:,} members in {len(communities)} communities ({time.perf_counter() - started:.1f} s)")
    hits = 0
    times = []
    tz = timezone.get_current_timezone()
    positions = []
    for i in range(args.shifts):
        community = rng.choice(communities)
        skill = rng.choice(skills)
        day = today + dt.timedelta(days=rng.randint(1, 30))
        hour = rng.choice([9, 14, 19])
        starts = dt.datetime.combine(day, dt.time(hour), tz)
        grid = rng.choice(grids[community.pk])
        need = Need.objects.create(
            community=community, grid=grid, area_path=grid.path, title=f"需求{i}", category="elderly",
            starts_on=day,
        )  # fmt: skip
        project = Project.objects.create(community=community, area_path=community.path, title=f"项目{i}")
        project.needs.set([need])
        shift = Shift.objects.create(
            project=project, area_path=community.path, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
            slots=3,
        )  # fmt: skip
        shift.skills.set([skill])
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        right = member(community, skill=skill, slot=(starts.isoweekday(), part), home=grid)
        t = time.perf_counter()
        found = suggest_for_shift(actor=admin, shift=shift, limit=5)
        times.append((time.perf_counter() - t) * 1000)
        ids = [s.person_id for s in found]
        if right.person_id in ids:
            hits += 1
            positions.append(ids.index(right.person_id) + 1)
    share = hits / args.shifts
    r = latency(sorted(times))
    print(
        f"right member in the first five: {hits}/{args.shifts} = {share:.1%} (target >= {TARGET_SHARE:.0%})"
    )
    if positions:
        print(
            f"  at place 1: {positions.count(1)}, mean place when found: {sum(positions) / len(positions):.2f}"
        )
    print(
        f"suggest_for_shift over {made:,} members: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
        f"max {r['max']:.1f} ms"
    )
    return 0 if share >= TARGET_SHARE else 1


if __name__ == "__main__":
    raise SystemExit(main())
