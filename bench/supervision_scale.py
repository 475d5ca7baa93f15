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

from benchlib import (
    CITY,
    arguments,
    city_units,
    judged,
    load,
    report_missed,
    start_django,
    step,
    supervision_office,
    timed,
    vacuum_analyze,
)

PG_DB = "needle_bench_supervision"
ISSUE_S = 10.0
BOARD_MS = 300.0
PROGRESS_MS = 50.0


def parse_args() -> argparse.Namespace:
    return arguments(
        __doc__, PG_DB, samples=100, seed=20, reuse="keep the database's areas and units"
    ).parse_args()


def main() -> int:
    args = parse_args()
    kept, started = start_django(args, PG_DB, title="supervision", reuse=args.reuse, city=True)
    from django.test import Client
    from django.utils import timezone

    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType
    from needle.supervision import services as svc
    from needle.supervision.models import Target

    if not kept:
        step("units (bulk)", started, f"{city_units():,} units")
        vacuum_analyze("orgs_unit", "areas_area")
    today = timezone.localdate()
    office, supervisor = supervision_office("bench-sup-office", task_type="bench", asks="bench")
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
    vacuum_analyze("supervision_target")

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

    def progress(i: int) -> None:
        r = staff.post(
            f"/api/v1/supervision/targets/{chosen[i][0]}/progress",
            {"progress": 10 + i % 80, "text": "推进中"},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content

    judged(missed, "progress report", timed(progress, len(chosen)), PROGRESS_MS, width=20)

    boss = Client()
    boss.force_login(supervisor)
    pages = max(1, task.targets_count // 25)

    def board(i: int) -> None:
        r = boss.get(f"/api/v1/supervision/tasks/{task.pk}/board", {"page": rng.randint(1, pages)})
        assert r.status_code == 200, r.content

    judged(missed, "board", timed(board, args.samples), BOARD_MS, width=20)
    return report_missed(missed)


if __name__ == "__main__":
    raise SystemExit(main())
