"""Benchmark of the organization statistics: 5,000,000 units and 20,000,000 memberships over the
national area tree, their rollups built by the engine's rebuild, and the figures read back.

    .venv/bin/python bench/orgs.py                          # PostgreSQL needle_bench_orgs, full scale
    .venv/bin/python bench/orgs.py --units 50000 --members 200000   # small, to try it out
    .venv/bin/python bench/orgs.py --reuse                  # keep the areas of the last run
    .venv/bin/python bench/orgs.py --read-only              # time the reads of the last run again

The database `needle_bench_orgs` (PostgreSQL at 127.0.0.1:5432; PG_ADMIN_URL is where it is
dropped and created) is migrated and given the national divisions (663,128 areas of
shared/data/cn-admin-divisions, as `needle import-areas` reads them) and ten grids in each of
twenty communities (the national file stops at villages). With --reuse a database that already
has the areas keeps them; its units and memberships are always made anew.

Units and memberships are generated with COPY: units over the areas (most at villages and
communities, fewer the higher the level), of a type that fits their level, founded over the
past ten years (a few dated up to two months ahead), 8% dissolved since; memberships over the
units (2x the average at most per unit), joined after their unit's founding, 15% ended since.
The orgs rollups are then built by `rollups_rebuild(source="orgs")`, the function behind
`needle rollups rebuild --source orgs`, and timed.

It then times, for --nodes random areas per level (province ... village, grid) and three
periods ending today (30 days, 365 days, three years), `org_stats_for` (the statistics of
/stats/, the orgs API and the operations center) and the indicators API with `source=orgs`
(the whole request in-process, django.test.Client): p50/p95/max in ms; the target is p95 < 100
ms per level.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import (
    SHARED_DATA,
    add_pg_url,
    admin_person,
    begin,
    copy_rows,
    finished,
    ids_continued,
    judged,
    latency,
    load,
    recreate_postgres,
    rollups_rebuilt,
    step,
    vacuum_analyze,
)

ROOT = Path(__file__).absolute().parent.parent
AREAS_FILE = SHARED_DATA / "cn-admin-divisions" / "cn_divisions_2021_all_levels.csv.gz"
PG_DB = "needle_bench_orgs"
ADMIN = "bench-orgs-admin"
PEOPLE = 100  # members are drawn from these (a unit has at most this many open memberships)
TARGET_MS = 100.0
LEVELS = {1: "province", 2: "city", 3: "district", 4: "street", 5: "community", 6: "grid"}
# Where units live (their home area's level) and what they are.
LEVEL_SHARE = {1: 0.002, 2: 0.013, 3: 0.06, 4: 0.12, 5: 0.80, 6: 0.005}
TYPES_BY_LEVEL = {
    1: ["party_committee", "general_office", "department"],
    2: ["party_committee", "general_office", "department"],
    3: ["party_committee", "general_office", "department", "social_organization"],
    4: ["street_office", "party_committee", "service_center", "social_organization"],
    5: ["resident_committee", "party_branch", "general_branch", "service_center", "property_company"],
    6: ["party_branch", "property_company"],
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, default=5_000_000)
    p.add_argument("--members", type=int, default=20_000_000)
    p.add_argument("--nodes", type=int, default=30, help="random areas per level (default 30)")
    p.add_argument("--reuse", action="store_true", help="keep the areas of an existing database")
    p.add_argument(
        "--read-only",
        action="store_true",
        help="time the reads of the last run's units and rollups again (implies --reuse)",
    )
    p.add_argument("--seed", type=int, default=15)
    add_pg_url(p, PG_DB)
    args = p.parse_args()
    args.reuse = args.reuse or args.read_only
    return args


def prepare_database(args: argparse.Namespace) -> bool:
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix="needle-bench-orgs-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    name = args.pg_url.rsplit("/", 1)[-1]
    if not name.startswith(PG_DB):
        raise SystemExit(f"refusing to drop a database not named {PG_DB}*")
    return recreate_postgres(args.pg_url, reuse=args.reuse)


def areas_import() -> None:
    """The national tree and 200 grids, unless the database has them."""
    from needle.areas.models import Area, Level
    from needle.areas.services import area_import

    if not Area.objects.exists():
        started = time.perf_counter()
        report = area_import(actor=None, source=AREAS_FILE)
        step("areas imported", started, f"({report.created:,} areas)")
    if not Area.objects.filter(level=Level.GRID).exists():
        communities = Area.objects.filter(level=Level.COMMUNITY).order_by("code")[:20]
        grids = [
            Area(code=f"{c.code}-{i:03d}", name=f"第{i}网格", level=Level.GRID, parent=c,
                 path=f"{c.path}{c.code}-{i:03d}/", depth=c.depth + 1)
            for c in communities
            for i in range(1, 11)
        ]  # fmt: skip
        Area.objects.bulk_create(grids)


def generate(args: argparse.Namespace) -> tuple[int, int]:
    """COPY --units units and about --members memberships; returns how many of each."""
    import numpy as np
    from django.db import connection

    from needle.areas.models import Area
    from needle.orgs.models import Person

    rng = np.random.default_rng(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE orgs_membership, orgs_unit RESTART IDENTITY CASCADE")
    Person.objects.filter(username__startswith="bench-m").delete()
    people = Person.objects.bulk_create([Person(username=f"bench-m{i:03d}") for i in range(PEOPLE)])
    person_ids = np.array([p.pk for p in people])
    areas = {
        level: list(Area.objects.filter(level=level, retired=False).values_list("pk", "path"))
        for level in LEVELS
    }
    today = dt.date.today()
    t0 = (today - dt.timedelta(days=3650)).toordinal()
    span = today.toordinal() - t0
    stamp = "2026-01-01 00:00:00+00"
    ucols = ["id", "created_at", "updated_at", "code", "name", "type", "area_id", "area_path",
             "founded_on", "dissolved_on"]  # fmt: skip
    mcols = ["created_at", "updated_at", "person_id", "unit_id", "kind", "joined_on", "left_on"]
    kinds = ["party_member", "member", "staff", "volunteer"]
    per_unit = args.members / args.units
    chunk = 250_000
    made_units = made_members = 0
    levels = np.array(list(LEVEL_SHARE))
    shares = np.array(list(LEVEL_SHARE.values()))
    shares /= shares.sum()

    def day(ordinals: Any) -> list[str]:
        return [dt.date.fromordinal(int(o)).isoformat() for o in ordinals]

    for lo in range(0, args.units, chunk):
        n = min(chunk, args.units - lo)
        ids = np.arange(lo + 1, lo + n + 1)
        level = rng.choice(levels, size=n, p=shares)
        founded = t0 + rng.integers(0, span, size=n)
        ahead = rng.random(n) < 0.001
        founded[ahead] = today.toordinal() + rng.integers(1, 61, size=int(ahead.sum()))
        dissolved = founded + (rng.random(n) * np.maximum(today.toordinal() - founded, 0)).astype(int)
        is_dissolved = (rng.random(n) < 0.08) & (dissolved > founded)
        lines = []
        home: list[tuple[int, str]] = []
        for j in range(n):
            lv = int(level[j])
            pool = areas[lv] or areas[5]
            area_id, path = pool[int(rng.integers(len(pool)))]
            kinds_here = TYPES_BY_LEVEL[lv]
            kind = kinds_here[int(rng.integers(len(kinds_here)))]
            uid = int(ids[j])
            f = dt.date.fromordinal(int(founded[j])).isoformat()
            d = dt.date.fromordinal(int(dissolved[j])).isoformat() if is_dissolved[j] else "\\N"
            lines.append(f"{uid}\t{stamp}\t{stamp}\tU{uid}\t单位{uid}\t{kind}\t{area_id}\t{path}\t{f}\t{d}")
            home.append((area_id, path))
        copy_rows("orgs_unit", ucols, lines)
        made_units += n
        # Memberships of these units: 0 .. 2x the average each, joined after the founding.
        counts = np.minimum(rng.integers(0, int(2 * per_unit) + 1, size=n), PEOPLE)
        unit_of = np.repeat(ids, counts)
        m = len(unit_of)
        which = np.concatenate([np.arange(c) for c in counts]) if m else np.zeros(0, int)
        start = np.repeat(founded, counts)
        joined = start + (rng.random(m) * np.maximum(today.toordinal() - start, 0)).astype(int)
        left = joined + (rng.random(m) * np.maximum(today.toordinal() - joined, 0)).astype(int)
        has_left = (rng.random(m) < 0.15) & (left > joined)
        kind_i = rng.integers(0, len(kinds), size=m)
        joined_s, left_s = day(joined), day(left)
        mlines = [
            f"{stamp}\t{stamp}\t{int(person_ids[int(which[k])])}\t{int(unit_of[k])}\t{kinds[int(kind_i[k])]}"
            f"\t{joined_s[k]}\t{left_s[k] if has_left[k] else chr(92) + 'N'}"
            for k in range(m)
        ]
        if mlines:
            copy_rows("orgs_membership", mcols, mlines)
        made_members += m
        print(f"  ... {made_units:,} units, {made_members:,} memberships", flush=True)
    ids_continued("orgs_unit")
    return made_units, made_members


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    prepare_database(args)
    import django

    django.setup()

    from needle.orgs.figures import SOURCE
    from needle.orgs.models import Membership, OrgNodeRollup, OrgRollup, Unit

    started = begin(args, "organization statistics")
    step("migrate", started)
    areas_import()
    if args.read_only:
        return read_back(args, Unit.objects.count(), Membership.objects.count(), None)
    started = time.perf_counter()
    units, members = generate(args)
    step("units and memberships (COPY)", started, f"({units:,} units, {members:,} memberships)")
    started = time.perf_counter()
    vacuum_analyze("orgs_unit", "orgs_membership")
    step("VACUUM ANALYZE", started)
    print(load())
    rebuild_s = rollups_rebuilt("orgs", OrgRollup, OrgNodeRollup)
    print(load())
    problems = SOURCE.check(dt.date.today() - dt.timedelta(days=30)) if SOURCE.check else []
    print(
        f"check against units and memberships (30 days, stocks): {'agree' if not problems else problems[:5]}"
    )
    return read_back(args, units, members, rebuild_s)


def read_back(args: argparse.Namespace, units: int, members: int, rebuild_s: float | None) -> int:
    """Time org_stats_for and the indicators API for random areas of each level and three periods."""
    import random

    from django.test import Client
    from django.utils import timezone

    from needle.areas.models import Area
    from needle.orgs.selectors import org_stats_for

    admin = admin_person(ADMIN)
    client = Client()
    client.force_login(admin)
    rng = random.Random(args.seed)
    today = timezone.localdate()
    periods = {
        "30 d": today - dt.timedelta(days=29),
        "365 d": today - dt.timedelta(days=364),
        "3 y": today - dt.timedelta(days=3 * 365 - 1),
    }
    print()
    print(f"ms per call, {args.nodes} random areas per level and period; target p95 < {TARGET_MS:.0f} ms")
    print(load())
    # Warm up: the first request loads the URLconf, the API's schemas and the templates' code.
    warm = Area.objects.filter(level=1).first()
    org_stats_for(actor=admin, area=warm, start=today, end=today)
    client.get(f"/api/v1/operations/indicators?area={warm.code}&source=orgs")
    missed = []
    for level, name in LEVELS.items():
        ids = list(Area.objects.filter(level=level, retired=False).values_list("pk", flat=True))
        chosen = list(Area.objects.filter(pk__in=rng.sample(ids, min(args.nodes, len(ids)))))
        for label, start in periods.items():
            stats_t, api_t = [], []
            for area in chosen:
                t = time.perf_counter()
                org_stats_for(actor=admin, area=area, start=start, end=today)
                stats_t.append((time.perf_counter() - t) * 1000)
                url = f"/api/v1/operations/indicators?area={area.code}&source=orgs&start={start}&end={today}"
                t = time.perf_counter()
                r = client.get(url)
                api_t.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {r.status_code} {r.content[:300]!r}")
            for call, times in (("org_stats_for", stats_t), ("indicators API", api_t)):
                r = latency(sorted(times))
                judged(missed, f"{name:<10} {label:<6} {call}", r, TARGET_MS, width=32)
    what = f"({units:,} units, {members:,} memberships)"
    done = (
        f"rebuild of the orgs rollups {what}: {rebuild_s:.1f} s"
        if rebuild_s is not None
        else f"read back {what}"
    )
    return finished(missed, "", done)


if __name__ == "__main__":
    raise SystemExit(main())
