"""Members serving where they live, at the scale of the demo city: 1,000,000 members checked in
over Chongqing's real communities, 10,000,000 entries of service hours over the last year, and
the reads members and staff make of them.

    .venv/bin/python bench/volunteering_scale.py                      # full scale
    .venv/bin/python bench/volunteering_scale.py --members 20000      # small, to try it out
    .venv/bin/python bench/volunteering_scale.py --reuse              # measure again, same data

The database `needle_bench_volunteering` (PostgreSQL at 127.0.0.1:5432) is migrated and given
Chongqing's divisions (shared/data/cn-admin-divisions, as `needle import-areas --under
500000000000` reads them), the known skills, --members / 500 workplace units of 500 members each
(a party branch in a district), and, with COPY, the members (accounts, memberships, a confirmed
check-in with the community of their home, one to three skills, their weekly availability), a
project with a shift in each of --shifts communities, and --entries hour entries over the last
365 days (nine in ten verified, the rest waiting). The volunteering rollups are built by
`rollups_rebuild`, timed.

It then times, each as the whole request in-process (django.test.Client), p50/p95/max in ms,
target p95 < 100 ms:
- a member's page (/volunteering/me/), signed in as random members;
- a community coordinator's console (/volunteering/<community>/console/), as an administrator;
- the suggestions for a shift, ranking among its district's members
  (GET /api/v1/volunteering/shifts/{id}/suggestions);
- a district's volunteering figures (GET /api/v1/operations/indicators?source=volunteering), a
  quarter;
and, once each, a district's quarterly cards as one CSV (target < 60 s) and one workplace unit's
cards (500 members) as one PDF with its CJK font (target < 30 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from benchlib import (
    admin_person,
    arguments,
    copy_rows,
    finished,
    gets_timed,
    ids_continued,
    judged,
    judged_once,
    load,
    people_copied,
    reads_judged,
    rollups_rebuilt,
    start_django,
    step,
    vacuum_analyze,
)

PG_DB = "needle_bench_volunteering"
ADMIN = "bench-vol-admin"
UNIT_SIZE = 500
TARGET_MS = 100.0
CSV_TARGET_S = 60.0
PDF_TARGET_S = 30.0
STAMP = "2026-01-01 00:00:00+00"
NULL = "\\N"  # COPY's text format for a missing value
WORDS = ["看望独居老人", "清理楼道杂物", "辅导学生功课", "社区巡逻", "垃圾分类督导", "义务维修", "助餐送餐"]
KINDS = ["elderly", "environment", "children", "safety", "civility", "repairs"]


def parse_args() -> argparse.Namespace:
    p = arguments(__doc__, PG_DB, samples=40, seed=17, reuse="keep the database if it exists: measure only")
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--entries", type=int, default=10_000_000)
    p.add_argument("--shifts", type=int, default=2_000, help="communities given a project with a shift")
    return p.parse_args()


def generate(args: argparse.Namespace) -> dict[str, int]:
    """COPY the units, members, check-ins, shifts and hour entries; returns how many of each."""
    import numpy as np

    from needle.areas.models import Area, Level
    from needle.demo.volunteering import SKILLS
    from needle.orgs.models import Person, Unit, UnitType
    from needle.volunteering.models import Skill

    rng = np.random.default_rng(args.seed)
    Skill.objects.bulk_create(Skill(code=c, name=n, name_en=e, synonyms=s) for c, n, e, s in SKILLS)
    skill_ids = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("path").values_list("pk", "path"))
    districts = list(
        Area.objects.filter(level=Level.DISTRICT).order_by("path").values_list("pk", "path", "code")
    )
    district_of = []
    for _pk, path in communities:
        district_of.append(next(d for d in districts if path.startswith(d[1])))
    # Workplaces: a party branch in a district, UNIT_SIZE members each; a member lives in a
    # community of the same district as their workplace (most work near home).
    n_units = max(1, args.members // UNIT_SIZE)
    unit_district = rng.integers(0, len(districts), size=n_units)
    copy_rows(
        "orgs_unit",
        ["created_at", "updated_at", "code", "name", "type", "area_id", "area_path", "founded_on"],
        (
            f"{STAMP}\t{STAMP}\twork-{i}\t单位党支部{i}\t{UnitType.PARTY_BRANCH}\t{districts[d][0]}\t{districts[d][1]}\t2010-01-01"
            for i, d in enumerate(int(x) for x in unit_district)
        ),
    )
    unit_ids = dict(Unit.objects.filter(code__startswith="work-").values_list("code", "pk"))
    units = [unit_ids[f"work-{i}"] for i in range(n_units)]
    by_district: dict[int, list[int]] = {}
    for index, (_pk, _path) in enumerate(communities):
        by_district.setdefault(district_of[index][0], []).append(index)

    # People: accounts, memberships and check-ins, COPY'd with ids chosen here.
    member_unit = np.arange(args.members) // UNIT_SIZE % n_units
    homes = np.empty(args.members, dtype=np.int64)
    for i in range(args.members):
        choices = by_district.get(districts[int(unit_district[member_unit[i]])][0]) or [0]
        homes[i] = choices[int(rng.integers(0, len(choices)))]
    base = people_copied(
        args.members, username="vol", shown="党员", phone="139", home=lambda i: communities[int(homes[i])][0]
    )
    copy_rows(
        "orgs_membership",
        ["created_at", "updated_at", "person_id", "unit_id", "kind", "joined_on"],
        (
            f"{STAMP}\t{STAMP}\t{base + i}\t{units[int(member_unit[i])]}\tparty_member\t2015-07-01"
            for i in range(args.members)
        ),
    )
    bits = rng.integers(0, 1 << 21, size=args.members) & rng.integers(0, 1 << 21, size=args.members)
    served = rng.integers(0, 400, size=args.members)
    today = dt.date.today()
    ccols = ["id", "created_at", "updated_at", "person_id", "workplace_id", "community_id", "area_path",
             "status", "skills_text", "availability", "service_kinds", "phone_visible", "outside_reason",
             "note", "confirmed_at", "last_served_on"]  # fmt: skip
    copy_rows(
        "volunteering_checkin",
        ccols,
        (
            f"{i + 1}\t{STAMP}\t{STAMP}\t{base + i}\t{units[int(member_unit[i])]}\t{communities[int(homes[i])][0]}"
            f"\t{communities[int(homes[i])][1]}\tconfirmed\t\t{int(bits[i])}\t[]\t{'t' if i % 3 == 0 else 'f'}"
            f"\t\t\t{STAMP}\t{NULL if served[i] >= 365 else today - dt.timedelta(days=int(served[i]))}"
            for i in range(args.members)
        ),
    )
    n_skills = rng.integers(1, 4, size=args.members)
    copy_rows(
        "volunteering_checkin_skills",
        ["checkin_id", "skill_id"],
        (
            f"{i + 1}\t{s}"
            for i in range(args.members)
            for s in rng.choice(skill_ids, size=int(n_skills[i]), replace=False)
        ),
    )

    # A project with one shift next Saturday morning in --shifts communities.
    from needle.volunteering.models import Project, Shift

    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    starts = dt.datetime.combine(saturday, dt.time(1, 0), dt.UTC)  # 09:00 in Asia/Shanghai
    picked = rng.choice(len(communities), size=min(args.shifts, len(communities)), replace=False)
    projects = Project.objects.bulk_create(
        Project(community_id=communities[int(c)][0], area_path=communities[int(c)][1], title="周六助老服务")
        for c in picked
    )
    Shift.objects.bulk_create(
        Shift(
            project=p,
            area_path=p.area_path,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            slots=4,
        )
        for p in projects
    )
    through = Shift.skills.through
    through.objects.bulk_create(
        through(shift_id=s, skill_id=int(rng.choice(skill_ids)))
        for s in Shift.objects.values_list("pk", flat=True)
    )

    # Hour entries: over the last 365 days, for random members, at their home community.
    admin = Person.objects.get(username=ADMIN)
    ecols = ["created_at", "updated_at", "person_id", "community_id", "area_path", "workplace_id", "date",
             "hours", "description", "kind", "evidence", "evidence_note", "urgent", "status",
             "reported_by_id", "verified_by_id", "verified_at", "reason", "points"]  # fmt: skip
    chunk = 1_000_000
    made = 0
    for lo in range(0, args.entries, chunk):
        n = min(chunk, args.entries - lo)
        who = rng.integers(0, args.members, size=n)
        ago = rng.integers(0, 365, size=n)
        hours = rng.integers(2, 9, size=n) / 2
        verified = rng.random(n) < 0.9
        word = rng.integers(0, len(WORDS), size=n)
        kind = rng.integers(0, len(KINDS), size=n)
        lines = []
        for j in range(n):
            i = int(who[j])
            community, path = communities[int(homes[i])]
            day = today - dt.timedelta(days=int(ago[j]))
            ok = bool(verified[j])
            lines.append(
                f"{STAMP}\t{STAMP}\t{base + i}\t{community}\t{path}\t{units[int(member_unit[i])]}\t{day}"
                f"\t{hours[j]:.2f}\t{WORDS[int(word[j])]}\t{KINDS[int(kind[j])]}\t\t\tf"
                f"\t{'verified' if ok else 'reported'}\t{base + i}\t{admin.pk if ok else NULL}"
                f"\t{day.isoformat() + ' 12:00:00+00' if ok else NULL}\t\t{hours[j] * 10 if ok else 0:.2f}"
            )
        copy_rows("volunteering_hourentry", ecols, lines)
        made += n
        print(f"  ... {made:,} hour entries", flush=True)
    ids_continued("orgs_person", "volunteering_checkin")
    return {"units": n_units, "members": args.members, "entries": made, "shifts": len(projects)}


def timed_download(client: Any, url: str) -> tuple[float, int]:
    t = time.perf_counter()
    r = client.get(url)
    body = b"".join(r.streaming_content) if getattr(r, "streaming", False) else r.content
    if r.status_code != 200:
        raise SystemExit(f"{url}: HTTP {r.status_code} {body[:300]!r}")
    return time.perf_counter() - t, len(body)


def last_quarter(today: dt.date) -> str:
    q = (today.month - 1) // 3 + 1
    return f"{today.year - 1}Q4" if q == 1 else f"{today.year}Q{q - 1}"


def main() -> int:
    args = parse_args()
    kept, started = start_django(args, PG_DB, title="volunteering", reuse=args.reuse, city=True, admin=ADMIN)
    from django.test import Client

    from needle.areas.models import Area, Level
    from needle.orgs.models import Person, Unit
    from needle.volunteering.models import CheckIn, HourEntry, MemberRollup, Shift

    if not kept:
        made = generate(args)
        started = step("members, check-ins, entries (COPY)", started, str(made))
        vacuum_analyze(
            "orgs_person",
            "orgs_membership",
            "volunteering_checkin",
            "volunteering_checkin_skills",
            "volunteering_hourentry",
        )
        step("VACUUM ANALYZE", started)
        rebuild_s = rollups_rebuilt("volunteering", MemberRollup)
    else:
        rebuild_s = float("nan")
    members = CheckIn.objects.count()
    entries = HourEntry.objects.count()
    print(f"{members:,} members checked in, {entries:,} hour entries")
    print(load())

    admin = admin_person(ADMIN)
    client = Client()
    rng = random.Random(args.seed)
    today = dt.date.today()
    quarter = last_quarter(today)
    people = list(
        Person.objects.filter(
            pk__in=CheckIn.objects.filter(
                pk__in=[rng.randint(1, members) for _ in range(args.samples)]
            ).values("person_id")
        )
    )
    communities = list(CheckIn.objects.values_list("community__code", flat=True).distinct()[:5000])
    shifts = list(Shift.objects.values_list("pk", flat=True))
    districts = list(Area.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
    client.force_login(people[0])
    client.get("/volunteering/me/")
    missed: list[str] = []
    print()
    print(f"ms per request, {args.samples} each; target p95 < {TARGET_MS:.0f} ms")
    pages = ["/volunteering/me/"] * len(people)
    judged(missed, "a member's page", gets_timed(client, pages, as_people=people), TARGET_MS, width=40)
    client.force_login(admin)
    reads = {
        "a coordinator's console": [
            f"/volunteering/{rng.choice(communities)}/console/" for _ in range(args.samples)
        ],
        "the suggestions for a shift": [
            f"/api/v1/volunteering/shifts/{rng.choice(shifts)}/suggestions" for _ in range(args.samples)
        ],
        "a district's figures, a quarter": [
            f"/api/v1/operations/indicators?area={rng.choice(districts)}&source=volunteering"
            f"&start={today - dt.timedelta(days=90)}&end={today}"
            for _ in range(args.samples)
        ],
    }
    reads_judged(client, missed, reads, TARGET_MS, width=40)
    district = Area.objects.filter(level=Level.DISTRICT).order_by("code").first()
    assert district is not None
    seconds, size = timed_download(
        client, f"/api/v1/volunteering/areas/{district.code}/cards.csv?quarter={quarter}"
    )
    in_district = CheckIn.objects.filter(area_path__startswith=district.path).count()
    detail = f" ({district.name}, {quarter}: {in_district:,} members, {size / 1e6:.1f} MB)"
    judged_once(missed, "a district's cards as one CSV", seconds, CSV_TARGET_S, detail=detail)
    unit = Unit.objects.filter(code__startswith="work-").order_by("pk").first()
    assert unit is not None
    seconds, size = timed_download(
        client, f"/api/v1/volunteering/units/{unit.pk}/cards.pdf?quarter={quarter}"
    )
    detail = f" ({quarter}: {UNIT_SIZE} members, {size / 1e6:.1f} MB)"
    judged_once(missed, "a unit's cards as one PDF", seconds, PDF_TARGET_S, detail=detail)
    return finished(
        missed,
        f"rebuild of the volunteering rollups ({members:,} members, {entries:,} entries): {rebuild_s:.1f} s",
    )


if __name__ == "__main__":
    raise SystemExit(main())
