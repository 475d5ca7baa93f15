"""Benchmark of the operations center: 10,000,000 cases' rollups over the real Chongqing tree.

    .venv/bin/python bench/operations.py                  # PostgreSQL needle_bench_ops, 10M cases
    .venv/bin/python bench/operations.py --cases 1000000  # smaller
    .venv/bin/python bench/operations.py --reuse          # keep the last run's database

The database `needle_bench_ops` (PostgreSQL at 127.0.0.1:5432; PG_ADMIN_URL is where it is
dropped and created) is built as follows: migrate; import Chongqing's areas
(needle/demo/data/chongqing_500000_areas.csv.gz) and district boundaries; the demo catalog;
one street office per street and one urban-management department per district; ten grids in
one community of the largest district.

The 10M cases are not written as cases: their rollup rows are (what `rollups rebuild` would
make of them), generated straight into operations_caserollup with COPY: over the past --days
days (730: two years of 5M a year), each day's cases drawn at random over the communities
(and the ten grids) and the services with skewed weights, led by the street office (70%) or
the district department (30%); the other counters derived per row with the shares of a real
hotline (95% dispatched, 90% accepted on time, ~90% resolved, 85% on time, 60% called back,
85% solved, 80% of ratings satisfied, 3% reopened), and 3% of the last 60 days' cases open
now, a quarter of them overdue. NodeRollup is then built from them by nodes_rebuild (the same
SQL a rebuild runs). Raw cases are written only for the two measurements that need them:

  rebuild one day   --day-cases raw cases (13,700 = one day of 5M a year) submitted today,
                    with callbacks and reopenings, then `rollups_rebuild(since=today)`
  incremental       --burst new cases (12,000 = one minute at 200/s) plus updates of 2,000
                    earlier ones, then one `rollups_refresh()`; cases per second

It then times server time in-process (django.test.Client, the whole Django request, after
warm-up; p50/p95/max over --requests requests per row) for the dashboard page and the
indicators API at each level (province, city, district, street, community, grid) and period
(30 days, 365 days), and measures the map's GeoJSON for the province and a city view.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import add_pg_url, latency, recreate_postgres, report_missed, step, versions

ROOT = Path(__file__).absolute().parent.parent
DATA = ROOT / "needle" / "demo" / "data"
AREAS_FILE = DATA / "chongqing_500000_areas.csv.gz"
BOUNDARIES_FILE = DATA / "chongqing_500000_districts.geojson.gz"
PG_DB = "needle_bench_ops"
RUN = f"{int(time.time()) % 1_000_000:06d}"  # case numbers unique across --reuse runs
ADMIN = "bench-ops-admin"

# Shares used to derive counters from the received count of a generated row.
SHARES = {
    "dispatched": 0.95,
    "responded_on_time": 0.90,  # of response_due
    "resolved": 0.90,
    "resolved_on_time": 0.85,  # of resolved
    "callbacks": 0.60,  # of resolved
    "solved": 0.85,  # of callbacks
    "rated": 0.90,  # of callbacks
    "satisfied": 0.80,  # of rated
    "reopened": 0.03,
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000_000)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--day-cases", type=int, default=13_700)
    p.add_argument("--burst", type=int, default=12_000)
    p.add_argument("--requests", type=int, default=40)
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--seed", type=int, default=5)
    add_pg_url(p, PG_DB)
    return p.parse_args()


def prepare_database(args: argparse.Namespace) -> bool:
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix="needle-bench-ops-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    name = args.pg_url.rsplit("/", 1)[-1]
    if name != PG_DB and not name.startswith("needle_bench_ops"):
        raise SystemExit("refusing to drop a database not named needle_bench_ops*")
    return recreate_postgres(args.pg_url, reuse=args.reuse)


# The fixture -----------------------------------------------------------------------------------


def build_fixture() -> None:
    from django.core.management import call_command

    from needle.areas.models import Area, Level
    from needle.areas.services import area_import, boundaries_import
    from needle.demo.catalog import catalog_load
    from needle.orgs.models import Person, Unit, UnitType

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    step("migrate", started)
    started = time.perf_counter()
    report = area_import(actor=None, source=AREAS_FILE)
    with BOUNDARIES_FILE.open("rb") as f:
        boundaries_import(actor=None, source=f)
    step("areas and boundaries", started, f"({report.created} areas)")
    started = time.perf_counter()
    catalog_load()
    founded = dt.date(2020, 1, 1)
    units = [
        Unit(code=f"dept-{d.code}", name=f"{d.name}城市管理局", type=UnitType.DEPARTMENT,
             area=d, area_path=d.path, founded_on=founded)
        for d in Area.objects.filter(level=Level.DISTRICT)
    ]  # fmt: skip
    units += [
        Unit(code=f"street-{s.code}", name=f"{s.name}办事处", type=UnitType.STREET_OFFICE,
             area=s, area_path=s.path, founded_on=founded)
        for s in Area.objects.filter(level=Level.STREET)
    ]  # fmt: skip
    Unit.objects.bulk_create(units, batch_size=2000)
    # Ten grids in one community of the district with the most communities.
    community = (
        Area.objects.filter(level=Level.COMMUNITY, path__startswith="500000000000/500100000000/")
        .order_by("code")
        .first()
    )
    assert community is not None
    for i in range(1, 11):
        code = f"{community.code}-{i:03d}"
        Area.objects.create(
            code=code, name=f"第{i}网格", level=Level.GRID, parent=community,
            path=f"{community.path}{code}/", depth=community.depth + 1,
        )  # fmt: skip
    Person.objects.create_superuser(username=ADMIN, password=None)
    step("catalog, units, grids", started, f"({len(units)} units)")


# Rollup rows --------------------------------------------------------------------------------------


def leaves() -> tuple[list[tuple[int, str, int, list[int | None]]], dict[str, int]]:
    """Leaf areas (communities without grids, and grids): id, path, depth, a1..a6; and the
    street office and district department id of each street and district path."""
    from needle.areas.models import Area
    from needle.orgs.models import Unit
    from needle.rollups.store import area_infos

    with_grids = set(Area.objects.filter(level=6).values_list("parent_id", flat=True))
    ids = list(
        Area.objects.filter(level__in=[5, 6], retired=False)
        .exclude(pk__in=with_grids)
        .values_list("pk", flat=True)
    )
    infos = area_infos(ids)
    out = [(pk, i.path, i.depth, list(i.levels)) for pk, i in infos.items()]
    units = dict(Unit.objects.values_list("area_path", "pk"))
    return out, units


def generate_rollups(args: argparse.Namespace, rng_seed: int) -> int:
    """COPY generated CaseRollup rows for --cases cases over --days days up to yesterday."""
    import numpy as np
    from django.db import connection

    from needle.cases.figures import COUNTERS
    from needle.cases.models import Service
    from needle.rollups.models import BACKLOG_DAY

    rng = np.random.default_rng(rng_seed)
    leaf_list, units = leaves()
    n_leaves = len(leaf_list)
    services = np.array(sorted(Service.objects.values_list("pk", flat=True)))
    # Skewed weights: some places and services are much busier than others.
    leaf_w = rng.pareto(1.5, n_leaves) + 0.2
    leaf_w /= leaf_w.sum()
    svc_w = rng.pareto(1.0, len(services)) + 0.1
    svc_w /= svc_w.sum()

    def unit_for(levels: list[int | None], path: str, office: bool) -> int:
        parts = path.strip("/").split("/")
        street = "/".join(parts[:4]) + "/"
        district = "/".join(parts[:3]) + "/"
        return units.get(street if office else district) or units.get(district) or 0

    office = np.array([unit_for(lv, p, True) for _pk, p, _d, lv in leaf_list])
    dept = np.array([unit_for(lv, p, False) for _pk, p, _d, lv in leaf_list])
    today = dt.date.today()
    per_day = args.cases // args.days
    cols = [
        "day",
        "area_id",
        "area_path",
        "area_depth",
        "a1",
        "a2",
        "a3",
        "a4",
        "a5",
        "a6",
        "service_id",
        "unit_key",
        *COUNTERS,
    ]
    idx = {c: i for i, c in enumerate(COUNTERS)}
    written = 0
    open_total = 0
    open_rows: dict[tuple[int, int, int], list[int]] = {}

    def binom(n: Any, p: float) -> Any:
        return rng.binomial(n, p)

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3 cursor
        copy_sql = f"COPY operations_caserollup ({', '.join(cols)}) FROM STDIN"
        for back in range(args.days, 0, -1):
            day = today - dt.timedelta(days=back)
            n = int(rng.poisson(per_day))
            leaf_i = rng.choice(n_leaves, size=n, p=leaf_w)
            svc_i = rng.choice(len(services), size=n, p=svc_w)
            use_office = rng.random(n) < 0.7
            unit = np.where(use_office, office[leaf_i], dept[leaf_i])
            key = (leaf_i.astype(np.int64) * 1000 + svc_i) * 100_000 + unit
            uniq, counts = np.unique(key, return_counts=True)
            unit_u = uniq % 100_000
            svc_u = (uniq // 100_000) % 1000
            leaf_u = uniq // 100_000 // 1000
            received = counts
            dispatched = binom(received, SHARES["dispatched"])
            responded = binom(received, SHARES["responded_on_time"])
            resolved = binom(received, SHARES["resolved"])
            on_time = binom(resolved, SHARES["resolved_on_time"])
            callbacks = binom(resolved, SHARES["callbacks"])
            solved = binom(callbacks, SHARES["solved"])
            rated = binom(callbacks, SHARES["rated"])
            satisfied = binom(rated, SHARES["satisfied"])
            reopened = binom(received, SHARES["reopened"])
            buf = io.StringIO()
            ds = day.isoformat()
            for j in range(len(uniq)):
                pk, path, depth, lv = leaf_list[int(leaf_u[j])]
                vec = [0] * len(COUNTERS)
                vec[idx["received"]] = int(received[j])
                vec[idx["dispatched"]] = int(dispatched[j])
                vec[idx["response_due"]] = int(received[j])
                vec[idx["responded_on_time"]] = int(responded[j])
                vec[idx["resolved"]] = int(resolved[j])
                vec[idx["resolved_on_time"]] = int(on_time[j])
                vec[idx["callbacks"]] = int(callbacks[j])
                vec[idx["solved"]] = int(solved[j])
                vec[idx["rated"]] = int(rated[j])
                vec[idx["satisfied"]] = int(satisfied[j])
                vec[idx["reopened"]] = int(reopened[j])
                levels = "\t".join("\\N" if x is None else str(x) for x in lv)
                buf.write(
                    f"{ds}\t{pk}\t{path}\t{depth}\t{levels}\t{int(services[svc_u[j]])}\t{int(unit_u[j])}\t"
                )
                buf.write("\t".join(map(str, vec)) + "\n")
                if back <= 60:
                    k = int(rng.binomial(int(received[j]), 0.03))
                    if k:
                        acc = open_rows.setdefault(
                            (int(leaf_u[j]), int(services[svc_u[j]]), int(unit_u[j])), [0, 0, 0, 0]
                        )
                        acc[0] += k
                        acc[1] += int(rng.binomial(k, 0.1))
                        acc[2] += int(rng.binomial(k, 0.15))
                        acc[3] += int(rng.binomial(k, 0.1))
                        open_total += k
            with raw.copy(copy_sql) as copy:
                copy.write(buf.getvalue())
            written += len(uniq)
            if back % 100 == 0:
                print(f"  ... {args.days - back} days, {written:,} rows", flush=True)
        buf = io.StringIO()
        for (li, svc, unit), (o, blue, yellow, red) in open_rows.items():
            pk, path, depth, lv = leaf_list[li]
            vec = [0] * len(COUNTERS)
            vec[idx["open"]], vec[idx["due_soon"]], vec[idx["overdue"]], vec[idx["overdue_serious"]] = (
                o,
                blue,
                yellow,
                red,
            )
            levels = "\t".join("\\N" if x is None else str(x) for x in lv)
            buf.write(f"{BACKLOG_DAY.isoformat()}\t{pk}\t{path}\t{depth}\t{levels}\t{svc}\t{unit}\t")
            buf.write("\t".join(map(str, vec)) + "\n")
        with raw.copy(copy_sql) as copy:
            copy.write(buf.getvalue())
        written += len(open_rows)
    print(f"  {open_total:,} open cases in {len(open_rows):,} backlog rows")
    return written


# Raw cases for the rebuild and the incremental refresh ------------------------------------------


def write_raw_cases(n: int, when: dt.datetime, rng: random.Random, tag: str) -> list[int]:
    """n cases submitted around `when` in random communities, through bulk_create: a third
    resolved, some of those called back (a tenth unsolved and reopened)."""
    from needle.areas.models import Area
    from needle.cases.models import Callback, Case, CaseEvent, EventKind, Service, State
    from needle.orgs.models import Unit

    areas = list(Area.objects.filter(level=5).values_list("pk", "path")[:3000])
    services = list(Service.objects.values_list("pk", flat=True))
    units = list(Unit.objects.values_list("pk", flat=True)[:500])
    cases = []
    for i in range(n):
        area_id, path = rng.choice(areas)
        at = when + dt.timedelta(seconds=rng.randint(0, 3000))
        resolved = rng.random() < 0.35
        cases.append(
            Case(
                number=f"B{tag}{RUN}{i:07d}",
                service_id=rng.choice(services),
                area_id=area_id,
                area_path=path,
                description="bench",
                state=State.RESOLVED if resolved else State.DISPATCHED,
                lead_unit_id=rng.choice(units),
                tracking_token=f"t{tag}{RUN}-{i}",
                submitted_at=at,
                dispatched_at=at + dt.timedelta(minutes=5),
                accept_due_at=at + dt.timedelta(hours=24),
                accepted_at=at + dt.timedelta(hours=1) if resolved else None,
                resolved_at=at + dt.timedelta(hours=3) if resolved else None,
                resolve_due_at=at + dt.timedelta(days=7),
            )
        )
    made = Case.objects.bulk_create(cases, batch_size=2000)
    callbacks, events = [], []
    for c in made:
        if c.resolved_at is not None and rng.random() < 0.5:
            solved = rng.random() < 0.9
            callbacks.append(
                Callback(case=c, at=c.resolved_at + dt.timedelta(hours=1), solved=solved,
                         rating=rng.randint(1, 5), lead_unit_id=c.lead_unit_id)
            )  # fmt: skip
            if not solved:
                events.append(
                    CaseEvent(case=c, at=c.resolved_at + dt.timedelta(hours=1), kind=EventKind.REOPENED,
                              unit_id=c.lead_unit_id)
                )  # fmt: skip
    Callback.objects.bulk_create(callbacks, batch_size=2000)
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    return [c.pk for c in made]


# Measuring ------------------------------------------------------------------------------------------


def measure(client: Any, urls: list[str], n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:3]:
        client.get(url)
    times, queries = [], []
    response = None
    for i in range(n):
        url = urls[i % len(urls)]
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.content[:500]!r}")
    times.sort()
    return {
        **latency(times),
        "q": max(queries),
        "bytes": len(response.content) if response is not None else 0,
    }


def nodes_by_level() -> dict[str, list[str]]:
    """A few area codes per level (the busiest first by descendants) for the request rows."""
    from needle.areas.models import Area

    out = {}
    for level, name in (
        (1, "province"),
        (2, "city"),
        (3, "district"),
        (4, "street"),
        (5, "community"),
        (6, "grid"),
    ):
        qs = Area.objects.filter(level=level, retired=False).order_by("-descendants", "code")
        out[name] = list(qs.values_list("code", flat=True)[:8])
    return out


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    reuse = prepare_database(args)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from needle.cases.figures import SOURCE as CASES
    from needle.cases.models import Case, State
    from needle.orgs.models import Person
    from needle.rollups.models import SPANS, TOTAL_DEPTH, CaseRollup, NodeRollup, RollupState
    from needle.rollups.rebuild import nodes_rebuild, rollups_rebuild
    from needle.rollups.refresh import OVERLAP, rollups_refresh
    from needle.rollups.sources import sources

    print(f"Needle operations benchmark: PostgreSQL database {PG_DB}")
    print(versions())
    rng = random.Random(args.seed)
    if reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    if not reuse:
        build_fixture()
        started = time.perf_counter()
        rows = generate_rollups(args, args.seed)
        step("rollup rows (COPY)", started, f"({rows:,} CaseRollup rows for {args.cases:,} cases)")
        started = time.perf_counter()
        nodes_rebuild(CASES)
        step("nodes_rebuild", started, f"({NodeRollup.objects.count():,} NodeRollup rows)")
        RollupState.objects.update_or_create(
            id=1, defaults={"watermark": timezone.now(), "refreshed_at": timezone.now(), "built": ["cases"]}
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        step("VACUUM ANALYZE", started)
    else:
        print(f"reusing: {CaseRollup.objects.count():,} CaseRollup rows")
        if not NodeRollup.objects.filter(depth=TOTAL_DEPTH, span=SPANS[-1]).exists():
            # A database made before NodeRollup had its current rows (blocks, streets' totals).
            started = time.perf_counter()
            nodes_rebuild(CASES)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE operations_noderollup")
            step("nodes_rebuild", started, f"({NodeRollup.objects.count():,} NodeRollup rows)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('operations_caserollup')), "
            "pg_size_pretty(pg_total_relation_size('operations_noderollup'))"
        )
        sizes = cursor.fetchone()
    print(f"table sizes with indexes: CaseRollup {sizes[0]}, NodeRollup {sizes[1]}")

    # Rebuild of one day from raw cases (today's: the generated rows end yesterday).
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    if reuse:
        # The raw cases of earlier runs go (and, by an untimed rebuild, their rows), so that
        # this run's rebuild reads one day's cases again.
        started = time.perf_counter()
        Case.objects.filter(number__startswith="B").delete()
        rollups_rebuild(actor=None, since=today, source="cases")
        step("earlier raw cases removed", started)
    # The other sources' rows are built before anything is timed: the refresh measured below
    # applies the cases' changes only.
    for other in sources():
        if other.name != "cases":
            rollups_rebuild(actor=None, source=other.name)
    midnight = dt.datetime.combine(today, dt.time(0, 5), tzinfo=tz)
    started = time.perf_counter()
    ids = write_raw_cases(args.day_cases, midnight, rng, "d")
    step("raw cases for one day", started, f"({len(ids):,} cases)")
    started = time.perf_counter()
    n = rollups_rebuild(actor=None, since=today, source="cases")
    rebuild_s = time.perf_counter() - started
    step("rebuild one day", started, f"({n:,} cases read)  target < 10 s")
    problems = CASES.check(today) if CASES.check else []
    print(f"check against raw cases (today): {'agree' if not problems else problems[:5]}")

    # Incremental: one minute of intake at 200/s plus updates of earlier cases.
    burst_began = timezone.now()
    new_ids = write_raw_cases(args.burst, timezone.now() - dt.timedelta(hours=1), rng, "b")
    touched = ids[:2000]
    Case.objects.filter(pk__in=touched, state=State.DISPATCHED).update(
        state=State.ACCEPTED, accepted_at=timezone.now(), updated_at=timezone.now()
    )
    # The refresh reads OVERLAP behind its watermark: place it so that the burst is what it reads.
    RollupState.objects.filter(id=1).update(watermark=burst_began + OVERLAP)
    started = time.perf_counter()
    result = rollups_refresh()
    refresh_s = time.perf_counter() - started
    rate = result.read["cases"] / refresh_s if refresh_s else 0
    step(
        "incremental refresh",
        started,
        f"({result.read['cases']:,} cases read, {result.changed['cases']:,} changed: {rate:,.0f} cases/s; target >= 200/s)",
    )
    del new_ids

    admin = Person.objects.get(username=ADMIN)
    client = Client()
    client.force_login(admin)
    nodes = nodes_by_level()
    end = today
    periods = {"30 d": end - dt.timedelta(days=29), "365 d": end - dt.timedelta(days=364)}
    print()
    print(f"server time in ms, in-process, {args.requests} requests per row; q: SQL queries; KiB: response")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = f"{'request':<34} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7} {'q':>4} {'KiB':>6}  target"
    print(header)
    print("-" * len(header))
    missed = []
    for label, start in periods.items():
        for level, codes in nodes.items():
            if not codes:
                continue
            q = f"start={start}&end={end}"
            rows = [
                (f"dashboard {level} {label}", [f"/operations/area/{c}/?{q}" for c in codes], 300.0),
                (
                    f"api {level} {label}",
                    [f"/api/v1/operations/indicators?area={c}&{q}" for c in codes],
                    100.0,
                ),
            ]
            for name, urls, target in rows:
                r = measure(client, urls, args.requests)
                ok = r["p95"] < target
                if not ok:
                    missed.append(f"{name}: p95 {r['p95']:.0f} ms (target {target:.0f})")
                print(
                    f"{name:<34} {r['n']:4d} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['q']:4d} "
                    f"{r['bytes'] / 1024:6.0f}  {'met' if ok else 'MISSED'} (<{target:.0f})",
                    flush=True,
                )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    for code in ("500000000000", "500100000000"):
        r = client.get(f"/operations/area/{code}/map.json")
        raw = client.get(f"/api/v1/areas/{code}/boundaries")
        print(
            f"map GeoJSON {code}: {len(r.content) / 1024:,.0f} KiB simplified "
            f"({len(r.json()['features'])} features; the areas API's unsimplified boundaries: "
            f"{len(raw.content) / 1024:,.0f} KiB); target < 500 KB: "
            f"{'met' if len(r.content) < 500_000 else 'MISSED'}"
        )
    print()
    print(f"rebuild of one day: {rebuild_s:.1f} s; incremental: {rate:,.0f} cases/s")
    return report_missed(missed)


if __name__ == "__main__":
    raise SystemExit(main())
