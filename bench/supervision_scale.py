"""Supervised tasks at the scale of the demo city: a task from the city's general office to
every resident committee of Chongqing (about 11,000 targets), its board, and a target's
progress report.

    .venv/bin/python bench/supervision_scale.py            # PostgreSQL needle_bench_supervision
    .venv/bin/python bench/supervision_scale.py --reuse    # measure again on the same areas

The database is migrated and given Chongqing's divisions (as `needle import-areas --under
500000000000` reads them); a general office for the city and each district, a street office
for each street and a resident committee for each community are made in bulk, and every
district's admission list admits the task's type. It times:
- `services.task_issue` to {"area": Chongqing, "unit_type": "resident_committee"}, target < 10 s;
- GET /api/v1/supervision/tasks/{id}/board (counts by status and colour, a page of targets) as
  the office's supervisor, p50/p95/max over --samples pages, target p95 < 300 ms;
- POST /api/v1/supervision/targets/{id}/progress as a community's coordinator, p50/p95/max
  over --samples targets, target p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path

from benchlib import CITY, add_pg_url, import_city, latency, load, report_missed, start_django, step, versions

ROOT = Path(__file__).absolute().parent.parent
PG_DB = "needle_bench_supervision"
ISSUE_S = 10.0
BOARD_MS = 300.0
PROGRESS_MS = 50.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_pg_url(parser, PG_DB)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database's areas and units")
    return parser.parse_args()


def make_units() -> int:
    from needle.areas.models import Area, Level
    from needle.orgs.models import Unit, UnitType

    kinds = {
        Level.PROVINCE: ("go", UnitType.GENERAL_OFFICE),
        Level.DISTRICT: ("go", UnitType.GENERAL_OFFICE),
        Level.STREET: ("so", UnitType.STREET_OFFICE),
        Level.COMMUNITY: ("rc", UnitType.RESIDENT_COMMITTEE),
    }
    rows = [
        Unit(
            code=f"{kinds[a.level][0]}-{a.code}",
            name=a.name,
            type=kinds[a.level][1],
            area_id=a.pk,
            area_path=a.path,
            founded_on=dt.date(2010, 1, 1),
        )
        for a in Area.objects.filter(level__in=list(kinds), retired=False).only(
            "pk", "code", "name", "level", "path"
        )
    ]
    Unit.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main() -> int:
    args = parse_args()
    kept = start_django(args, PG_DB, var_prefix="needle-bench-sup-", reuse=args.reuse)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from needle.areas.models import Area, Level
    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType
    from needle.supervision import services as svc
    from needle.supervision.models import Entry, EntryStatus, Target

    print(f"Needle supervision benchmark: PostgreSQL database {args.pg_url.rsplit('/', 1)[-1]}")
    print(versions())
    print(load())
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not kept:
        import_city()
        step("migrate, areas", started)
        started = time.perf_counter()
        step("units (bulk)", started, f"{make_units():,} units")
        with connection.cursor() as cursor:
            for table in ("orgs_unit", "areas_area"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        step("migrate (data kept)", started)
    today = timezone.localdate()
    office = Unit.objects.get(code=f"go-{CITY}")
    supervisor, _ = Person.objects.get_or_create(username="bench-sup-office")
    RoleAssignment.objects.get_or_create(person=supervisor, unit=office, role=Role.SUPERVISOR)
    Entry.objects.bulk_create(
        Entry(
            district=d,
            area_path=d.path,
            issuer=office,
            task_type="bench",
            asks="bench",
            basis="bench",
            hours=1,
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
            status=EntryStatus.ADMITTED,
        )
        for d in Area.objects.filter(level=Level.DISTRICT)
    )
    communities = Unit.objects.filter(type=UnitType.RESIDENT_COMMITTEE).count()
    print(f"{communities:,} resident committees")
    print(load())
    missed: list[str] = []

    started = time.perf_counter()
    task = svc.task_issue(
        actor=supervisor,
        issuer=office,
        draft=svc.Draft(title="全市社区安全排查", task_type="bench", deadline=today + dt.timedelta(days=20)),
        targets=[{"area": CITY, "unit_type": UnitType.RESIDENT_COMMITTEE}],
    )
    issue_s = time.perf_counter() - started
    step("task_issue to every community", started, f"{task.targets_count:,} targets")
    if issue_s >= ISSUE_S:
        missed.append(f"issue {issue_s:.1f} s >= {ISSUE_S} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE supervision_target")

    rng = random.Random(args.seed)
    ids = list(Target.objects.filter(task=task).values_list("pk", "unit_id"))
    chosen = rng.sample(ids, min(args.samples, len(ids)))
    coordinator, _ = Person.objects.get_or_create(username="bench-sup-staff")
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(person=coordinator, unit_id=unit, role=Role.COORDINATOR) for _pk, unit in chosen],
        ignore_conflicts=True,
    )
    staff = Client()
    staff.force_login(coordinator)
    # The process's first request loads the URL conf, the API and the translations: not timed.
    staff.get(f"/api/v1/supervision/targets/{chosen[0][0]}")
    times = []
    for i, (pk, _unit) in enumerate(chosen):
        t0 = time.perf_counter()
        r = staff.post(
            f"/api/v1/supervision/targets/{pk}/progress",
            {"progress": 10 + i % 80, "text": "推进中"},
            content_type="application/json",
        )
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.content
    progress = latency(sorted(times))
    print(
        f"progress report      p50 {progress['p50']:.1f} ms  p95 {progress['p95']:.1f} ms  max {progress['max']:.1f} ms"
    )
    if progress["p95"] >= PROGRESS_MS:
        missed.append(f"progress p95 {progress['p95']:.1f} ms >= {PROGRESS_MS} ms")

    boss = Client()
    boss.force_login(supervisor)
    times = []
    pages = max(1, task.targets_count // 25)
    for _ in range(args.samples):
        t0 = time.perf_counter()
        r = boss.get(f"/api/v1/supervision/tasks/{task.pk}/board", {"page": rng.randint(1, pages)})
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.content
    board = latency(sorted(times))
    print(
        f"board                p50 {board['p50']:.1f} ms  p95 {board['p95']:.1f} ms  max {board['max']:.1f} ms"
    )
    if board["p95"] >= BOARD_MS:
        missed.append(f"board p95 {board['p95']:.1f} ms >= {BOARD_MS} ms")
    return report_missed(missed)


if __name__ == "__main__":
    raise SystemExit(main())
