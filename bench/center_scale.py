"""A year of the service centers of the demo city: about 1,000,000 activities and 10,000,000
registrations over Chongqing's real areas, and the reads staff make of them.

    .venv/bin/python bench/center_scale.py                    # full scale
    .venv/bin/python bench/center_scale.py --activities 50000 # small, to try it out

The database `needle_bench_center_scale` (PostgreSQL at 127.0.0.1:5432) is migrated and given
Chongqing's divisions (shared/data/cn-admin-divisions, as `needle import-areas --under
500000000000` reads them), a service center with two rooms in every community and village, and,
with COPY, --activities activities over the year around today (one to four hours, 08:00–20:00,
for an audience, 10–40 seats) with about --per registrations each: the sessions past
attended (two in five of them rated), absent or cancelled; the coming ones confirmed up to their seats, then waitlisted.
The center rollups are built by `rollups_rebuild(source="center")`, timed.

It then times, each as the whole request in-process (django.test.Client, signed in as an
administrator), p50/p95/max in ms, target p95 < 100 ms:
- a center's week calendar (the staff console, /center/<community>/staff/), random weeks;
- a street's activities for a week (GET /api/v1/center/activities?area=STREET&start&end);
- a district's center figures (GET /api/v1/operations/indicators?source=center) for the last
  30 and 365 days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from benchlib import (
    admin_person,
    arguments,
    copy_rows,
    finished,
    ids_continued,
    load,
    reads_judged,
    rollups_rebuilt,
    start_django,
    step,
    vacuum_analyze,
)

PG_DB = "needle_bench_center_scale"
ADMIN = "bench-center-admin"
PEOPLE = 50_000
TARGET_MS = 100.0
AUDIENCES = ["elderly", "teenagers", "children", "families", "everyone"]
TITLES = ["太极拳", "书法班", "四点半课堂", "合唱团排练", "健康讲座", "手工课", "亲子阅读", "广场舞"]


def parse_args() -> argparse.Namespace:
    p = arguments(__doc__, PG_DB, samples=40, seed=16)
    p.add_argument("--activities", type=int, default=1_000_000)
    p.add_argument("--per", type=int, default=10, help="registrations per activity on average")
    return p.parse_args()


def centers() -> list[tuple[int, int, str, list[int]]]:
    """A service center with two rooms in every community and village: (unit, area, path, rooms)."""
    from needle.areas.models import Area, Level
    from needle.center.models import Room
    from needle.orgs.models import Unit, UnitType

    areas = list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", "code", "path"))
    stamp = "2026-01-01 00:00:00+00"
    cols = ["created_at", "updated_at", "code", "name", "type", "area_id", "area_path", "founded_on"]
    copy_rows(
        "orgs_unit",
        cols,
        [
            f"{stamp}\t{stamp}\tsc-{code}\t党群服务中心{code}\t{UnitType.SERVICE_CENTER}\t{pk}\t{path}\t2020-01-01"
            for pk, code, path in areas
        ],
    )
    units = dict(Unit.objects.filter(type=UnitType.SERVICE_CENTER).values_list("area_id", "pk"))
    rooms = [
        Room(center_id=units[pk], name=name, capacity=cap)
        for pk, _, _ in areas
        for name, cap in (("多功能活动室", 40), ("书画室", 16))
    ]
    Room.objects.bulk_create(rooms, batch_size=5000)
    by_center: dict[int, list[int]] = {}
    for room in Room.objects.values_list("center_id", "pk"):
        by_center.setdefault(room[0], []).append(room[1])
    return [(units[pk], pk, path, by_center[units[pk]]) for pk, _, path in areas]


def generate(args: argparse.Namespace, where: list[tuple[int, int, str, list[int]]]) -> tuple[int, int]:
    """COPY the activities and their registrations, in chunks; returns how many of each."""
    import numpy as np
    from django.contrib.auth.hashers import make_password

    from needle.orgs.models import Person

    rng = np.random.default_rng(args.seed)
    Person.objects.bulk_create(
        (Person(username=f"bench-p{i}", password=make_password(None)) for i in range(PEOPLE)),
        batch_size=10_000,
    )
    people = np.array(
        list(Person.objects.filter(username__startswith="bench-p").values_list("pk", flat=True))
    )
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    first = today - dt.timedelta(days=182)
    acols = ["id", "created_at", "updated_at", "center_id", "area_id", "area_path", "title", "title_en",
             "description", "audience", "room_id", "place", "starts_at", "ends_at", "capacity",
             "registration_opens", "registration_closes"]  # fmt: skip
    rcols = ["created_at", "updated_at", "activity_id", "person_id", "status", "queue_number", "code",
             "attended_at", "rating", "comment"]  # fmt: skip
    made_a = made_r = 0
    code = 0
    chunk = 100_000
    stamp = "2026-01-01 00:00:00+00"
    for lo in range(0, args.activities, chunk):
        n = min(chunk, args.activities - lo)
        ids = np.arange(lo + 1, lo + n + 1)
        place = rng.integers(0, len(where), size=n)
        day = rng.integers(0, 365, size=n)
        hour = rng.integers(0, 24, size=n)  # half hours from 08:00
        hours = rng.integers(1, 5, size=n)
        capacity = rng.integers(10, 41, size=n)
        audience = rng.integers(0, len(AUDIENCES), size=n)
        title = rng.integers(0, len(TITLES), size=n)
        # Registrations per activity: around --per, more for the smaller rooms' waitlists.
        count = np.minimum(rng.poisson(args.per, size=n), capacity + 10)
        alines, rlines = [], []
        for j in range(n):
            center, area, path, rooms = where[int(place[j])]
            local = dt.datetime.combine(first + dt.timedelta(days=int(day[j])), dt.time(8)) + dt.timedelta(
                minutes=30 * int(hour[j])
            )
            starts = (local - dt.timedelta(hours=8)).replace(tzinfo=dt.UTC)  # Asia/Shanghai is UTC+8
            ends = starts + dt.timedelta(hours=int(hours[j]))
            opens, closes = starts - dt.timedelta(days=14), starts
            aid = int(ids[j])
            alines.append(
                f"{aid}\t{stamp}\t{stamp}\t{center}\t{area}\t{path}\t{TITLES[int(title[j])]}\t\t\t"
                f"{AUDIENCES[int(audience[j])]}\t{rooms[aid % 2]}\t\t{starts.isoformat()}\t{ends.isoformat()}"
                f"\t{int(capacity[j])}\t{opens.isoformat()}\t{closes.isoformat()}"
            )
            k = int(count[j])
            if not k:
                continue
            # Distinct people per activity: a stride through the pool from a random start.
            start = int(rng.integers(0, PEOPLE))
            who = people[(start + 7919 * np.arange(k)) % PEOPLE]
            past = ends < now
            draw = rng.random(k)
            queue = 0
            for m in range(k):
                code += 1
                if past:
                    status = "attended" if draw[m] < 0.75 else "no_show" if draw[m] < 0.9 else "cancelled"
                    came = starts.isoformat() if status == "attended" else "\\N"
                    q = "\\N"
                elif m < int(capacity[j]):
                    status, came, q = ("confirmed" if draw[m] < 0.92 else "cancelled"), "\\N", "\\N"
                else:
                    queue += 1
                    status, came, q = "waitlisted", "\\N", str(queue)
                # Two in five of those who came rate it.
                rating = str(3 + m % 3) if status == "attended" and draw[m] < 0.3 else "\\N"
                rlines.append(
                    f"{stamp}\t{stamp}\t{aid}\t{int(who[m])}\t{status}\t{q}\t{code:010X}\t{came}\t{rating}\t"
                )
        copy_rows("center_activity", acols, alines)
        copy_rows("center_registration", rcols, rlines)
        made_a += n
        made_r += len(rlines)
        print(f"  ... {made_a:,} activities, {made_r:,} registrations", flush=True)
    ids_continued("center_activity")
    return made_a, made_r


def main() -> int:
    args = parse_args()
    _kept, started = start_django(args, PG_DB, title="service center", city=True)
    from django.test import Client

    from needle.areas.models import Area, Level
    from needle.center.models import CenterNodeRollup, CenterRollup

    where = centers()
    step("centers", started, f"({len(where):,} centers)")
    started = time.perf_counter()
    activities, registrations = generate(args, where)
    step(
        "activities, registrations (COPY)",
        started,
        f"({activities:,} activities, {registrations:,} registrations)",
    )
    started = time.perf_counter()
    vacuum_analyze("center_activity", "center_registration")
    step("VACUUM ANALYZE", started)
    rebuild_s = rollups_rebuilt("center", CenterRollup, CenterNodeRollup)
    print(load())

    client = Client()
    client.force_login(admin_person(ADMIN))
    rng = random.Random(args.seed)
    today = dt.date.today()

    def weeks(n: int) -> list[dt.date]:
        return [today + dt.timedelta(days=rng.randint(-182, 175)) for _ in range(n)]

    communities = list(Area.objects.filter(level=Level.COMMUNITY).values_list("code", flat=True))
    streets = list(Area.objects.filter(level=Level.STREET).values_list("code", flat=True))
    districts = list(Area.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
    reads = {
        "a center's week calendar": [
            f"/center/{rng.choice(communities)}/staff/?day={d}" for d in weeks(args.samples)
        ],
        "a street's week of activities": [
            f"/api/v1/center/activities?area={rng.choice(streets)}&start={d}&end={d + dt.timedelta(days=6)}"
            for d in weeks(args.samples)
        ],
        "a district's figures, 30 days": [
            f"/api/v1/operations/indicators?area={rng.choice(districts)}&source=center"
            f"&start={today - dt.timedelta(days=29)}&end={today}"
            for _ in range(args.samples)
        ],
        "a district's figures, 365 days": [
            f"/api/v1/operations/indicators?area={rng.choice(districts)}&source=center"
            f"&start={today - dt.timedelta(days=364)}&end={today}"
            for _ in range(args.samples)
        ],
    }
    print()
    print(f"ms per request, {args.samples} each; target p95 < {TARGET_MS:.0f} ms")
    missed: list[str] = []
    reads_judged(client, missed, reads, TARGET_MS, width=32)
    return finished(
        missed,
        f"rebuild of the center rollups ({activities:,} activities, {registrations:,} registrations): {rebuild_s:.1f} s",
    )


if __name__ == "__main__":
    raise SystemExit(main())
