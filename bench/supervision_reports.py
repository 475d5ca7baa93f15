"""Fill-once reports at the scale of the demo city: a report request from Chongqing's general
office to every resident committee (about 11,000), prefilled from the rollups of 1,000,000
cases (the cases benchmark's count) and from the organizations' figures.

    .venv/bin/python bench/supervision_reports.py            # PostgreSQL needle_bench_sup_reports
    .venv/bin/python bench/supervision_reports.py --reuse    # measure again on the same data

The database is migrated and given Chongqing's divisions (benchlib.import_city),
a general office for the city and each district, a street office per street and a resident
committee per community (benchlib.city_units), the demo catalog, and the rollup
rows of --cases cases over the past --days days, written with COPY by bench/operations.py's
generator (what `rollups rebuild` makes of that many cases: the report reads rollups, never raw
cases), their node rows built as a rebuild builds them; the organizations' rollups are rebuilt
from the units. Every district's admission list admits the report's type.

It times:
- `services.report_issue` of a 10-field template (7 bound: cases received, resolved, open,
  overdue, resolution and satisfaction rates, organizations' units; 3 typed) for the last
  month, to {"area": Chongqing, "unit_type": "resident_committee"}: the task, its targets, the
  request and every target's answers prefilled; target < 60 s;
- the same again after every community typed one field of the first report for the same period
  (that field is then reused: the reuse lookup over the first report's answers);
- GET /api/v1/supervision/targets/{id}/report as a community's coordinator (the report opened,
  its bound values refreshed), p50/p95/max over --samples targets (after one untimed request);
- the issuer's table as CSV and XLSX (GET .../tasks/{id}/report.csv, .xlsx).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

from benchlib import (
    CITY,
    ROOT,
    arguments,
    city_units,
    finished,
    latency,
    load,
    start_django,
    step,
    supervision_office,
    vacuum_analyze,
)

PG_DB = "needle_bench_sup_reports"
ISSUE_S = 60.0


def parse_args() -> argparse.Namespace:
    p = arguments(__doc__, PG_DB, samples=50, seed=20, reuse="keep the database's areas, units and rollups")
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=365)
    return p.parse_args()


FIELDS = [
    {
        "key": "cases_received",
        "label": "群众诉求受理数",
        "kind": "integer",
        "source": "cases",
        "figure": "received",
    },
    {"key": "cases_resolved", "label": "办结数", "kind": "integer", "source": "cases", "figure": "resolved"},
    {"key": "cases_open", "label": "在办数", "kind": "integer", "source": "cases", "figure": "open"},
    {
        "key": "cases_overdue",
        "label": "超期数",
        "kind": "integer",
        "source": "cases",
        "figure": "overdue_open",
    },
    {
        "key": "resolution",
        "label": "解决率",
        "kind": "decimal",
        "source": "cases",
        "figure": "resolution_rate",
    },
    {
        "key": "satisfaction",
        "label": "满意率",
        "kind": "decimal",
        "source": "cases",
        "figure": "satisfaction_rate",
    },
    {"key": "org_units", "label": "组织数", "kind": "integer", "source": "orgs", "figure": "units"},
    {"key": "volunteers", "label": "志愿者人数", "kind": "integer"},
    {"key": "drills", "label": "开展应急演练", "kind": "yes_no"},
    {"key": "notes", "label": "情况说明", "kind": "text", "required": False},
]


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    kept, started = start_django(args, PG_DB, title="fill-once reports", reuse=args.reuse, city=True)
    from django.test import Client
    from django.utils import timezone
    from operations import generate_rollups

    from needle.cases.figures import SOURCE as CASES
    from needle.demo.catalog import catalog_load
    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType
    from needle.rollups.models import CaseRollup, RollupState
    from needle.rollups.rebuild import nodes_rebuild, rollups_rebuild
    from needle.supervision import services as svc
    from needle.supervision.models import Answer, Origin, Target

    if not kept:
        catalog_load()
        started = step("catalog", started)
        started = step("units (bulk)", started, f"{city_units():,} units")
        rows = generate_rollups(args, args.seed)
        started = step("case rollup rows (COPY)", started, f"{rows:,} rows for {args.cases:,} cases")
        nodes_rebuild(CASES)
        RollupState.objects.update_or_create(
            id=1, defaults={"watermark": timezone.now(), "refreshed_at": timezone.now(), "built": ["cases"]}
        )
        rollups_rebuild(actor=None, source="orgs")
        step("node rows, organizations' rollups", started)
        vacuum_analyze()
    else:
        print(f"{CaseRollup.objects.count():,} case rollup rows")
    today = timezone.localdate()
    office, supervisor = supervision_office(
        "bench-reports-office", task_type="report", asks="Monthly figures"
    )
    communities = Unit.objects.filter(type=UnitType.RESIDENT_COMMITTEE).count()
    print(f"{communities:,} resident committees")
    print(load())
    missed: list[str] = []
    template = svc.template_create(
        actor=supervisor, owner=office, name=f"社区月报 {time.time():.0f}", fields=FIELDS
    )
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)

    def issue(label: str) -> int:
        began = time.perf_counter()
        task = svc.report_issue(
            actor=supervisor,
            issuer=office,
            template=template,
            period_start=start,
            period_end=end,
            draft=svc.Draft(title="社区月报", task_type="report", deadline=today + dt.timedelta(days=10)),
            targets=[{"area": CITY, "unit_type": UnitType.RESIDENT_COMMITTEE}],
        )
        took = time.perf_counter() - began
        answers = Answer.objects.filter(target__task=task)
        prefilled = answers.filter(origin=Origin.PREFILLED).count()
        reused = answers.filter(origin=Origin.REUSED).count()
        print(
            f"{label:<44} {took:7.2f} s  {task.targets_count:,} targets, {prefilled:,} prefilled, "
            f"{reused:,} reused (target < {ISSUE_S:.0f} s)  {load()}"
        )
        if took > ISSUE_S:
            missed.append(f"{label}: {took:.1f} s")
        return task.pk

    first = issue("report request, prefilled (cold)")
    # Every community types its volunteers in the first report (untimed), so the second asks
    # them no more.
    Answer.objects.filter(target__task_id=first, key="volunteers").update(value="12", origin=Origin.TYPED)
    second = issue("the same again: prefilled and reused")
    assert Answer.objects.filter(target__task_id=second, origin=Origin.REUSED).count() == communities

    rng = random.Random(args.seed)
    picks = rng.sample(list(Target.objects.filter(task_id=second).values_list("pk", "unit_id")), args.samples)
    people = {}
    for _pk, unit_id in picks:
        person, _ = Person.objects.get_or_create(username=f"bench-rc-{unit_id}")
        RoleAssignment.objects.get_or_create(person=person, unit_id=unit_id, role=Role.COORDINATOR)
        people[unit_id] = person
    # The process's first request loads the URL conf and the translations: not timed.
    warm = Client()
    warm.force_login(people[picks[0][1]])
    warm.get(f"/api/v1/supervision/targets/{picks[0][0]}/report")
    times = []
    for pk, unit_id in picks:
        client = Client()
        client.force_login(people[unit_id])
        began = time.perf_counter()
        r = client.get(f"/api/v1/supervision/targets/{pk}/report")
        times.append((time.perf_counter() - began) * 1000)
        assert r.status_code == 200, r.content
    result = latency(sorted(times))
    print(
        f"{'GET a target report (opened, refreshed)':<44} p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, max {result['max']:.1f} ms"
    )
    issuer = Client()
    issuer.force_login(supervisor)
    for kind in ("csv", "xlsx"):
        began = time.perf_counter()
        r = issuer.get(f"/api/v1/supervision/tasks/{second}/report.{kind}")
        took = time.perf_counter() - began
        assert r.status_code == 200
        print(f"{'the issuer table (' + kind + ')':<44} {took:7.2f} s  {len(r.content):,} bytes")
    return finished(missed)


if __name__ == "__main__":
    raise SystemExit(main())
