"""Benchmark: import the national area tree, then time tree and permission queries on it.

    .venv/bin/python bench/areas.py                   # SQLite, in a temporary file
    .venv/bin/python bench/areas.py --db postgres     # PostgreSQL database needle_bench (recreated)

Each run starts from an empty database of its own: a temporary SQLite file, or the PostgreSQL
database `needle_bench` (dropped and created again; PG_ADMIN_URL, default
postgres://postgres@127.0.0.1:5432/postgres, is where that is done). It migrates, imports
all divisions with `area_import` (as `needle import-areas FILE` does), imports them again
(which must change nothing), then times, for sample areas at each level:

  subtree     Area.objects.filter(subtree_q(path)).count()
  subtree50   the first 50 areas of the subtree in path order (a page of a subtree listing)
  ancestors   areas.selectors.area_ancestors(area=...)
  children    one page of area_children + children_counts (what the children page runs)
  perm:area   can_in_area for a person whose only role is on a street-level unit; the grants
              are read afresh each time (the first check of a request)
  perm:unit   can_for_unit on a unit located at that level, grants read afresh
  perm:list   unit_list_for(actor, area=...).count(): the scoped unit list under that area

Every call's queries are counted with CaptureQueriesContext; the table shows the range.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import SHARED_DATA, add_pg_url, percentile, recreate_postgres, versions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = SHARED_DATA / "cn-admin-divisions" / "cn_divisions_2021_all_levels.csv.gz"
PG_DB = "needle_bench"
EXPECTED_AREAS = 663_128
LEVEL_NAMES = {1: "province", 2: "city", 3: "county", 4: "town", 5: "village"}
IMPORT_LIMIT_S = 90.0
QUERY_LIMIT_MS = 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="divisions CSV (.csv or .csv.gz)")
    parser.add_argument("--samples", type=int, default=200, help="sample areas per level (default 200)")
    parser.add_argument("--passes", type=int, default=3, help="rounds over the samples (default 3)")
    parser.add_argument("--seed", type=int, default=2021)
    add_pg_url(parser, PG_DB)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (its path is printed)")
    return parser.parse_args()


def prepare_database(args: argparse.Namespace) -> tuple[str, Path]:
    """Point Django at a fresh, empty database; returns its description and a scratch dir."""
    scratch = Path(tempfile.mkdtemp(prefix="needle-bench-"))
    os.environ["NEEDLE_VAR_DIR"] = str(scratch)  # secret key, huey file: nothing touches var/
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    if args.db == "sqlite":
        path = scratch / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return f"SQLite file {path}", scratch
    recreate_postgres(args.pg_url)
    return f"PostgreSQL database {args.pg_url.rsplit('/', 1)[-1]}", scratch


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def timed_import(path: Path) -> tuple[float, Any]:
    from needle.areas.services import area_import

    started = time.perf_counter()
    report = area_import(actor=None, source=path)
    return time.perf_counter() - started, report


class Cell:
    """The calls of one query kind at one level: every call's time and query count, and each
    sample's fastest call."""

    def __init__(self, fn: Callable[[Any], Any], items: list[Any]) -> None:
        self.fn, self.items = fn, items
        self.times: list[float] = []
        self.counts: list[int] = []
        self.best = [float("inf")] * len(items)

    def run_once(self) -> None:
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        for i, item in enumerate(self.items):
            reset_queries()  # the log keeps 9000 queries, after which the capture sees none
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                self.fn(item)
                elapsed = (time.perf_counter() - started) * 1000
            self.times.append(elapsed)
            self.best[i] = min(self.best[i], elapsed)
            self.counts.append(len(ctx.captured_queries))

    def figures(self) -> tuple[float, float, float, float, int, int]:
        """p50, p95 and max over every call; p95 over each sample's fastest call (which leaves
        out time spent waiting for a CPU on a busy machine, not what the query costs); the
        fewest and most queries one call made."""
        times, best = sorted(self.times), sorted(self.best)
        return (
            statistics.median(times),
            percentile(times, 0.95),
            percentile(best, 0.95),
            times[-1],
            min(self.counts),
            max(self.counts),
        )


def setup_actor(rng: random.Random, samples: dict[int, list[Any]]) -> tuple[Any, Any, dict[int, list[Any]]]:
    """A street office for every town, units at the sampled areas of the other levels, and a
    person whose only role is on one street office."""
    import datetime as dt

    from needle.areas.models import Area
    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType

    founded = dt.date(2021, 1, 1)
    streets = Area.objects.filter(level=4).only("id", "code", "name", "path").iterator(chunk_size=5000)

    def new_unit(a: Any, code: str, name: str, type_: str) -> Any:
        return Unit(code=code, name=name, type=type_, area_id=a.pk, area_path=a.path, founded_on=founded)

    units = [new_unit(a, f"S{a.code}", f"{a.name}街道办事处", UnitType.STREET_OFFICE) for a in streets]
    for level, areas in samples.items():
        if level != 4:
            units += [new_unit(a, f"U{a.code}", f"{a.name}单位", UnitType.DEPARTMENT) for a in areas]
    Unit.objects.bulk_create(units, batch_size=2000)
    street = rng.choice(samples[4])
    unit = Unit.objects.get(code=f"S{street.code}")
    person = Person.objects.create_user(username="bench-handler", password=None)
    RoleAssignment.objects.create(person=person, unit=unit, role=Role.HANDLER)
    by_code = {
        u.code: u
        for u in Unit.objects.filter(
            code__in=[
                ("S" if level == 4 else "U") + a.code for level, areas in samples.items() for a in areas
            ]
        )
    }
    unit_samples = {
        level: [by_code[("S" if level == 4 else "U") + a.code] for a in areas]
        for level, areas in samples.items()
    }
    return person, unit, unit_samples


def main() -> int:
    args = parse_args()
    if not args.file.exists():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    where, scratch = prepare_database(args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from needle.areas.models import Area, subtree_q
    from needle.areas.selectors import area_ancestors, area_children, children_counts
    from needle.core.pagination import paginate
    from needle.orgs.permissions import can_for_unit, can_in_area, forget_grants
    from needle.orgs.selectors import UnitFilters, unit_list_for

    try:
        print(f"Needle area benchmark: {where}")
        print(versions())
        print(load())
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s")

        first_s, first = timed_import(args.file)
        print(
            f"import:  {first_s:6.1f} s  rows={first.rows} created={first.created} "
            f"updated={first.updated} unchanged={first.unchanged} retired={first.retired}"
        )
        again_s, again = timed_import(args.file)
        print(
            f"re-run:  {again_s:6.1f} s  rows={again.rows} created={again.created} "
            f"updated={again.updated} unchanged={again.unchanged} retired={again.retired}"
        )
        total = Area.objects.count()
        print(f"Area count: {total}")
        problems = []
        if total != EXPECTED_AREAS and args.file == DEFAULT_FILE:
            problems.append(f"Area count {total} != {EXPECTED_AREAS}")
        if again.created or again.updated or again.retired or again.unchanged != first.rows:
            problems.append("the re-run changed something")
        for label, seconds in (("import", first_s), ("re-run", again_s)):
            if seconds > IMPORT_LIMIT_S:
                problems.append(f"{label} took {seconds:.1f} s (limit {IMPORT_LIMIT_S:.0f} s)")

        if connection.vendor == "postgresql":
            # What autovacuum would soon do after a bulk load: planner statistics and the
            # visibility map (index-only scans for the counts).
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE areas_area")
            print(f"VACUUM ANALYZE areas_area: {time.perf_counter() - started:.1f} s")

        rng = random.Random(args.seed)
        samples: dict[int, list[Area]] = {}
        for level in LEVEL_NAMES:
            ids = list(Area.objects.filter(level=level).values_list("pk", flat=True))
            picked = rng.sample(ids, min(args.samples, len(ids)))
            samples[level] = list(Area.objects.filter(pk__in=picked))
            rng.shuffle(samples[level])
        person, street_unit, unit_samples = setup_actor(rng, samples)
        print(f"actor: {person.username}, handler at {street_unit.name} ({street_unit.area_path})")

        # Sanity: the permission answers agree with the paths they stand for.
        for areas in samples.values():
            for area in areas:
                forget_grants(person)
                assert can_in_area(person, "orgs.view_units", area) == area.path.startswith(
                    street_unit.area_path
                )
        inside = Area.objects.filter(subtree_q(street_unit.area_path), level=5).first()
        forget_grants(person)
        assert inside is None or can_in_area(person, "orgs.view_units", inside)
        # The stored counts agree with a scan of the index, at every level.
        for areas in samples.values():
            for area in areas:
                scanned = Area.objects.filter(subtree_q(area.path), retired=False).exclude(pk=area.pk).count()
                assert area.descendants == scanned, (area.code, area.descendants, scanned)

        def perm_area(area: Area) -> bool:
            forget_grants(person)
            return can_in_area(person, "orgs.view_units", area)

        def perm_unit(unit: Any) -> bool:
            forget_grants(person)
            return can_for_unit(person, "orgs.view_units", unit)

        def perm_list(area: Area) -> int:
            forget_grants(person)
            return unit_list_for(actor=person, filters=UnitFilters(area=area)).count()

        def children_page(area: Area) -> dict[int, int]:
            page = paginate(area_children(area=area))
            return children_counts(areas=page.items)

        kinds: list[tuple[str, Callable[[Any], Any], bool]] = [
            # How many areas are below: the stored count kept by the importers (one row read).
            ("subtree", lambda a: Area.objects.values_list("descendants", flat=True).get(pk=a.pk), False),
            # The same figure by scanning the index: shown, not held to the target.
            (
                "subtree:scan",
                lambda a: Area.objects.filter(subtree_q(a.path)).exclude(pk=a.pk).count(),
                False,
            ),
            (
                "subtree50",
                lambda a: list(Area.objects.filter(subtree_q(a.path)).order_by("path")[:50]),
                False,
            ),
            ("ancestors", lambda a: area_ancestors(area=a), False),
            ("children", children_page, False),
            ("perm:area", perm_area, False),
            ("perm:unit", perm_unit, True),
            ("perm:list", perm_list, False),
        ]
        print(load())
        print()
        print(
            f"{len(samples[1])}-{args.samples} sample areas per level x {args.passes} passes; "
            "ms per call; q = queries per call (min-max)"
        )
        header = (
            f"{'query':<13} {'level':<9} {'p50 ms':>8} {'p95 ms':>8} {'p95best':>8} {'max ms':>8} {'q':>5}"
        )
        print(header)
        print("-" * len(header))
        cells = {
            (name, level): Cell(fn, unit_samples[level] if on_units else samples[level])
            for name, fn, on_units in kinds
            for level in LEVEL_NAMES
        }
        for cell in cells.values():  # warm caches and connections
            for item in cell.items[:5]:
                cell.fn(item)
        # Each pass times every cell once, so a burst of load elsewhere hits one pass of a
        # cell rather than all of them.
        for _ in range(args.passes):
            for cell in cells.values():
                cell.run_once()
        for (name, level), cell in cells.items():
            label = LEVEL_NAMES[level]
            p50, p95, p95_best, worst, qmin, qmax = cell.figures()
            q = str(qmin) if qmin == qmax else f"{qmin}-{qmax}"
            flag = "  SLOW" if p95_best > QUERY_LIMIT_MS else ""
            print(f"{name:<13} {label:<9} {p50:8.2f} {p95:8.2f} {p95_best:8.2f} {worst:8.2f} {q:>5}{flag}")
            if p95_best > QUERY_LIMIT_MS and name != "subtree:scan":
                problems.append(
                    f"{name} at {label} level: p95 of best calls {p95_best:.2f} ms (limit {QUERY_LIMIT_MS} ms)"
                )
        print(load())
        print()
        if problems:
            print("NOT MET:")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(
                f"all targets met (import and re-run < {IMPORT_LIMIT_S:.0f} s, p95best < {QUERY_LIMIT_MS} ms)"
            )
        return 1 if problems else 0
    finally:
        connection.close()
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
