"""Benchmark: a million stored cases; time the unit inbox, an area-scoped search and Open311.

    .venv/bin/python bench/cases_queries.py                        # PostgreSQL, 1,000,000 cases
    .venv/bin/python bench/cases_queries.py --db sqlite --cases 100000
    .venv/bin/python bench/cases_queries.py --reuse                # keep the last run's database

Each run starts from an empty database of its own (unless --reuse finds one already holding
the asked-for number of cases): the PostgreSQL database `needle_bench_cases` (dropped and
created again; PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres, is where
that is done), or the SQLite file needle_bench_cases.sqlite3 in the temporary directory.

It migrates, imports Chongqing's area tree (needle/demo/data/chongqing_500000_areas.csv.gz)
with `area_import`, loads the demo catalog (needle.demo.catalog.catalog_load), creates one
department per district (38), the street offices of one district and a city hotline office,
a handler of the largest district's department and a dispatcher at the city. Then it writes
N cases (PostgreSQL COPY; SQLite batched INSERTs): the real residents' messages of the Teddy
Cup data with the service the demo would pick for them, a random community of the city
(`area_path` is the community's path), submitted over the past 365 days at the hours people
write, mostly closed (the older, the likelier), lead unit the department of the case's
district, and a timeline (submitted, dispatched, resolved with a public note); then VACUUM
ANALYZE.

Then it times server time, in-process with django.test.Client (the whole Django request:
middleware, session, view, template or JSON; no network), --requests times each (after 5
warm-up requests; a row stops early after --row-seconds), with the queries of each request
counted and the Python process's CPU time per request (to tell work from waiting for a CPU
on a shared machine):

  inbox ...    /inbox/ as the district handler: page 1 with the default filter (open cases),
               deep pages as the pager links them (after=<the position of a random case of
               the last half>&page=P), a deep page by number alone (an old bookmark: OFFSET),
               state filters
  search ...   the inbox's area and text filters (/inbox/?state=&area=<code>&q=小区; and the
               count its pager asks for after the page, &count_only=1) and the
               API (GET /api/v1/cases?area=<code>&search=小区, and with &count=false) as the
               city dispatcher, over random streets and over districts
  open311 ...  GET /open311/v2/requests.json (the default: the latest 90 days, 100 requests
               to a page), with service_code, with page_size=1000, and the same in XML

The target is a p95 under 50 ms for each.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchlib import SHARED_DATA, add_pg_url, latency, recreate_postgres, versions

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "needle" / "demo" / "data"
AREAS_FILE = DATA / "chongqing_500000_areas.csv.gz"
MESSAGES_FILES = [
    DATA / "teddycup_messages.csv.gz",
    SHARED_DATA / "teddycup2020c" / "attachment2_messages_labelled_partial.csv",
]
PG_DB = "needle_bench_cases"
SQLITE_FILE = Path(tempfile.gettempdir()) / "needle_bench_cases.sqlite3"
CITY_CODE = "500000000000"
TARGET_MS = 50.0
SEARCH_WORD = "小区"
DAYS = 365
HANDLER = "bench-handler"
DISPATCHER = "bench-dispatcher"

# Share of people writing in each hour of the day (the demo's curve).
HOURS_OF_DAY = [0, 0, 0, 0, 0, 1, 2, 4, 8, 10, 10, 9, 6, 7, 9, 9, 8, 7, 6, 6, 6, 5, 3, 1]
# Still open today, by age in days (the demo's curve): about 3% of a year's cases.
STALL = ((3, 0.55), (10, 0.35), (30, 0.15), (90, 0.04), (10_000, 0.008))
OPEN_MIX = [
    ("submitted", 18),
    ("dispatched", 18),
    ("returned", 12),
    ("accepted", 12),
    ("in_progress", 22),
    ("resolved", 14),
    ("reopened", 8),
]
FINAL_MIX = [("closed", 93), ("merged", 4), ("rejected", 3)]
RESOLVE_NOTES = [
    "经现场核实，已责成责任单位整改，问题已处理完毕，并已电话告知反映人处理结果。",
    "已联系反映人了解详细情况，按照相关政策作出解释说明，反映人表示理解。",
    "已会同社区、物业等单位现场处理，后续将加强日常巡查，防止问题反弹。",
    "经调查，反映情况属实，已督促责任主体限期整改，目前已整改到位。",
]
CASE_COLUMNS = [
    "id", "created_at", "updated_at", "number", "service_id", "area_id", "area_path", "lat", "lng",
    "address", "title", "description", "attributes", "state", "colour", "channel", "lead_unit_id",
    "reporter_id", "contact_name", "contact_phone", "contact_email", "show_name", "public", "details_hidden",
    "public_description", "tracking_token", "idempotency_key", "parent_id", "repeat_of_id",
    "submitted_at", "dispatched_at", "accept_due_at", "resolve_due_at", "accepted_at", "resolved_at",
    "closed_at", "reopen_count", "repeat_count", "version", "paused_seconds",
]  # fmt: skip
EVENT_COLUMNS = [
    "case_id", "at", "actor_id", "kind", "from_state", "to_state", "unit_id", "note", "public", "code", "params",
]  # fmt: skip
CASE_DATETIMES = [i for i, c in enumerate(CASE_COLUMNS) if c.endswith("_at")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row (default 200)")
    parser.add_argument("--seed", type=int, default=2026)
    add_pg_url(parser, PG_DB)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the existing benchmark database when it already holds --cases cases",
    )
    parser.add_argument(
        "--row-seconds", type=float, default=60.0, help="stop a row after this long (default 60)"
    )
    parser.add_argument("--only", default="", help="time only the rows whose name contains this")
    return parser.parse_args()


# The database ---------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace) -> tuple[str, Path, bool]:
    """Point Django at the benchmark database; returns its description, a scratch directory and
    whether it may already hold the data (--reuse)."""
    scratch = Path(tempfile.mkdtemp(prefix="needle-bench-"))
    os.environ["NEEDLE_VAR_DIR"] = str(scratch)  # secret key, huey file: nothing touches var/
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    if args.db == "sqlite":
        if not args.reuse:
            SQLITE_FILE.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
        return f"SQLite file {SQLITE_FILE}", scratch, args.reuse and SQLITE_FILE.exists()
    kept = recreate_postgres(args.pg_url, reuse=args.reuse)
    return f"PostgreSQL database {args.pg_url.rsplit('/', 1)[-1]}", scratch, kept


# The fixture ----------------------------------------------------------------------------------


def read_messages() -> list[tuple[str, str, str]]:
    """(title, text, first-level label) of the real residents' messages."""
    for path in MESSAGES_FILES:
        if path.exists():
            raw = path.read_bytes()
            text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
            out = []
            for r in rows:
                body = (r.get("text") or "").strip()[:4000]
                if body:
                    title = (r.get("title") or "").strip() or re.split(r"[。！？!?，,]", body, maxsplit=1)[0]
                    out.append((title[:200], body, r.get("label_l1") or ""))
            if out:
                return out
    raise SystemExit("no message texts found: " + ", ".join(str(p) for p in MESSAGES_FILES))


def build_fixture(rng: random.Random) -> dict[str, Any]:
    """Areas, catalog, units and the two staff people; returns what the case generator needs."""
    from django.core.management import call_command

    from needle.areas.models import Area, Level
    from needle.areas.services import area_import
    from needle.demo.catalog import catalog_load
    from needle.orgs.models import Person, Role, RoleAssignment, Unit, UnitType

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate:        {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    report = area_import(actor=None, source=AREAS_FILE)
    print(f"area_import:    {time.perf_counter() - started:6.1f} s  ({report.created} areas)")

    started = time.perf_counter()
    catalog = catalog_load()
    founded = dt.date(2020, 1, 1)
    city = Area.objects.get(code=CITY_CODE)
    districts = list(Area.objects.filter(level=Level.DISTRICT).order_by("code"))
    units = [
        Unit(code=f"dept-urban-{d.code}", name=f"{d.name}城市管理局", type=UnitType.DEPARTMENT,
             area=d, area_path=d.path, founded_on=founded)
        for d in districts
    ]  # fmt: skip
    units.append(
        Unit(code=f"hotline-{city.code}", name="重庆市12345政务服务便民热线", type=UnitType.GENERAL_OFFICE,
             area=city, area_path=city.path, founded_on=founded)
    )  # fmt: skip
    communities = Counter(
        p.strip("/").split("/")[2]
        for p in Area.objects.filter(level=Level.COMMUNITY).values_list("path", flat=True)
    )
    biggest = max(districts, key=lambda d: (communities[d.code], d.code))
    units += [
        Unit(code=f"street-{s.code}", name=f"{s.name}街道办事处", type=UnitType.STREET_OFFICE,
             area=s, area_path=s.path, founded_on=founded)
        for s in Area.objects.filter(parent=biggest, level=Level.STREET)
    ]  # fmt: skip
    Unit.objects.bulk_create(units)
    handler = Person.objects.create_user(username=HANDLER, password=None, display_name="区城管局办事员")
    dispatcher = Person.objects.create_user(username=DISPATCHER, password=None, display_name="热线派单员")
    RoleAssignment.objects.create(
        person=handler, unit=Unit.objects.get(code=f"dept-urban-{biggest.code}"), role=Role.HANDLER
    )
    RoleAssignment.objects.create(
        person=dispatcher, unit=Unit.objects.get(code=f"hotline-{city.code}"), role=Role.DISPATCHER
    )
    print(f"catalog, units: {time.perf_counter() - started:6.1f} s  ({len(units)} units)")
    return {"catalog": catalog}


def service_choices(catalog: Any, messages: list[tuple[str, str, str]], rng: random.Random) -> list[int]:
    """The service the demo would pick for each message; one service with about 5% of them is
    made internal (not public), as the issue's 'public for most' asks."""
    from needle.cases.models import Service

    entries = [e for es in catalog.teddy.values() for e in es]
    picked = []
    for _title, text, l1 in messages:
        entry = catalog.pick(l1, text) if l1 in catalog.teddy else rng.choice(entries)
        picked.append(entry.service.pk)
    share = Counter(picked)
    internal = min(share, key=lambda pk: (abs(share[pk] / len(picked) - 0.05), pk))
    Service.objects.filter(pk=internal).update(public=False)
    return picked


def _weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    names = [n for n, _w in pairs]
    total, cum = 0, []
    for _n, w in pairs:
        total += w
        cum.append(total)
    return names, cum


def generate(
    n: int, rng: random.Random, now: dt.datetime, messages: list[tuple[str, str, str]], services: list[int]
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(case row in CASE_COLUMNS order, its event rows), oldest case first, ids 1..n. The areas
    and units are read here, before the caller starts a COPY on the connection."""
    from needle.areas.models import Area, Level
    from needle.orgs.models import Unit

    places = list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", "path"))
    lead = dict(Unit.objects.filter(code__startswith="dept-urban-").values_list("area__code", "pk"))
    district_of = [lead[path.strip("/").split("/")[2]] for _pk, path in places]
    centre = {u: (rng.uniform(28.4, 31.8), rng.uniform(105.6, 109.8)) for u in lead.values()}
    hours = [h for h, w in enumerate(HOURS_OF_DAY) for _ in range(w)]
    tz = dt.timezone(dt.timedelta(hours=8))
    today = now.astimezone(tz).date()

    # Submission times first (sorted), so that ids and per-day numbers follow time.
    times = []
    for _ in range(n):
        day = today - dt.timedelta(days=rng.randrange(DAYS))
        at = dt.datetime(
            day.year, day.month, day.day, rng.choice(hours), rng.randrange(60), rng.randrange(60), tzinfo=tz
        )
        if at >= now:  # later today: somewhen earlier today instead (no pile of equal times)
            midnight = dt.datetime(today.year, today.month, today.day, tzinfo=tz)
            at = midnight + (now - midnight) * rng.random()
        times.append(at)
    times.sort()
    return _rows(rng, now, messages, services, places, district_of, centre, times, hours)


def _rows(
    rng: random.Random,
    now: dt.datetime,
    messages: list[tuple[str, str, str]],
    services: list[int],
    places: list[tuple[int, str]],
    district_of: list[int],
    centre: dict[int, tuple[float, float]],
    times: list[dt.datetime],
    hours: list[int],
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    import bisect

    open_names, open_cum = _weighted(OPEN_MIX)
    final_names, final_cum = _weighted(FINAL_MIX)
    per_day: Counter[str] = Counter()
    hour = dt.timedelta(hours=1)
    rand = rng.random
    for i, submitted in enumerate(times, start=1):
        day = submitted.strftime("%Y%m%d")
        per_day[day] += 1
        number = f"{day}{per_day[day]:06d}"
        m = rng.randrange(len(messages))
        title, text, _l1 = messages[m]
        p = rng.randrange(len(places))
        area_id, path = places[p]
        unit = district_of[p]
        lat0, lng0 = centre[unit]
        age = (now - submitted).total_seconds() / 86400
        still_open = rand() < next(chance for limit, chance in STALL if age < limit)
        if still_open:
            state = open_names[bisect.bisect_right(open_cum, rand() * open_cum[-1])]
        else:
            state = final_names[bisect.bisect_right(final_cum, rand() * final_cum[-1])]
        accept_due = submitted + 24 * hour
        resolve_due = submitted + 7 * 24 * hour
        dispatched = accepted = resolved = closed = None
        if state not in ("submitted", "rejected"):
            dispatched = submitted + hour * (0.2 + 3 * rand())
        if state in ("accepted", "in_progress", "resolved", "reopened", "closed"):
            accepted = dispatched + hour * (0.5 + 30 * rand())
        if state in ("resolved", "reopened", "closed"):
            resolved = accepted + hour * (4 + 200 * rand())
        if state == "closed":
            closed = resolved + hour * (1 + 72 * rand())
        if state == "rejected":
            closed = submitted + hour * (1 + 20 * rand())
        if state == "merged":
            closed = dispatched + hour * (1 + 10 * rand())
        last = max(t for t in (submitted, dispatched, accepted, resolved, closed) if t is not None)
        if last > now:  # the lifecycle cannot run ahead of today
            last = now
            resolved = min(resolved, now) if resolved else None
            closed = min(closed, now) if closed else None
            accepted = min(accepted, now) if accepted else None
            dispatched = min(dispatched, now) if dispatched else None
        colour = ""
        if still_open and state != "resolved":
            if now > resolve_due + 7 * 24 * hour:
                colour = "red"
            elif now > resolve_due:
                colour = "yellow"
            elif now > resolve_due - 24 * hour:
                colour = "blue"
        parent = rng.randrange(max(1, i - 5000), i) if state == "merged" and i > 1 else None
        if state == "merged" and parent is None:
            state, parent = "closed", None
        row = (
            i, submitted, last, number, services[m], area_id, path,
            round(lat0 + rng.uniform(-0.15, 0.15), 6), round(lng0 + rng.uniform(-0.15, 0.15), 6),
            "", title, text, "{}", state, colour, "phone" if rand() < 0.7 else "web", unit,
            None, "", "", "", False, True, False,
            "", f"{rng.getrandbits(144):036x}", None, parent, None,
            submitted, dispatched, accept_due, resolve_due, accepted, resolved,
            closed, 1 if state == "reopened" else 0, 0, 1, 0,
        )  # fmt: skip
        received = json.dumps({"channel": row[15]})
        events = [(i, submitted, None, "submitted", "", "submitted", None, "", True, "received", received)]
        if dispatched is not None:
            events.append(
                (i, dispatched, None, "dispatched", "submitted", "dispatched", unit, "", True, "", "{}")
            )
        if resolved is not None:
            note = RESOLVE_NOTES[i % len(RESOLVE_NOTES)]
            events.append(
                (i, resolved, None, "resolved", "in_progress", "resolved", unit, note, True, "", "{}")
            )
        yield row, events


def write_cases(n: int, rng: random.Random, messages: list[tuple[str, str, str]], services: list[int]) -> int:
    """Write the cases and their timelines; returns the number of events written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from needle.cases.models import CaseCounter

    now = timezone.now()
    rows = generate(n, rng, now, messages, services)
    events = 0
    days: Counter[str] = Counter()
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with transaction.atomic(), raw.cursor() as cur:
            # Secondary indexes are built once after the load rather than row by row.
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ('cases_case', "
                "'cases_caseevent') AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
            indexes = cur.fetchall()
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            pending: list[tuple[Any, ...]] = []
            with cur.copy(f"COPY cases_case ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for row, evs in rows:
                    copy.write_row(row)
                    days[row[3][:8]] += 1
                    pending += evs
            with cur.copy(f"COPY cases_caseevent ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for ev in pending:
                    copy.write_row(ev)
            events = len(pending)
            del pending
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now, not at commit
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cur.execute(definition)
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [n])
    else:
        ops = connection.ops

        def adapt(row: tuple[Any, ...], datetimes: list[int]) -> tuple[Any, ...]:
            values = list(row)
            for i in datetimes:
                values[i] = ops.adapt_datetimefield_value(values[i])
            return tuple(values)

        case_sql = f"INSERT INTO cases_case ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(CASE_COLUMNS))})"
        event_sql = (
            f"INSERT INTO cases_caseevent ({', '.join(EVENT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(EVENT_COLUMNS))})"
        )
        with transaction.atomic(), connection.cursor() as cur:
            batch: list[tuple[Any, ...]] = []
            event_batch: list[tuple[Any, ...]] = []
            for row, evs in rows:
                batch.append(adapt(row, CASE_DATETIMES))
                event_batch += [adapt(e, [1]) for e in evs]
                days[row[3][:8]] += 1
                if len(batch) >= 5000:
                    cur.executemany(case_sql, batch)
                    cur.executemany(event_sql, event_batch)
                    events += len(event_batch)
                    batch, event_batch = [], []
            if batch:
                cur.executemany(case_sql, batch)
                cur.executemany(event_sql, event_batch)
                events += len(event_batch)
    CaseCounter.objects.bulk_create([CaseCounter(day=d, last=c) for d, c in days.items()], batch_size=1000)
    return events


def analyze() -> None:
    """What autovacuum would soon do after a bulk load: planner statistics and the visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


# Measuring ------------------------------------------------------------------------------------


def measure(client: Any, urls: list[str], budget_s: float) -> dict[str, Any]:
    """Time client.get for each URL (stopping after budget_s seconds, 20 requests at least);
    p50, p95 and max in ms, the Python process's CPU time per request, the queries made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:5]:  # warm caches and the connection
        client.get(url)
    times: list[float] = []
    cpu: list[float] = []
    counts: list[int] = []
    stop = time.perf_counter() + budget_s
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}\n{response.content[:2000]!r}")
        times.append(elapsed * 1000)
        cpu.append(elapsed_cpu * 1000)
        counts.append(len(ctx.captured_queries))
        if len(times) >= 20 and time.perf_counter() > stop:
            break
    times.sort()
    return {
        **latency(times),
        "cpu50": statistics.median(cpu),
        "qmin": min(counts),
        "qmax": max(counts),
        "bytes": len(response.content),
    }


def scenarios(
    args: argparse.Namespace, rng: random.Random
) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """(row name, who asks, URLs) for each timed row, and lines describing the data."""
    from urllib.parse import quote

    from django.utils import timezone

    from needle.areas.models import Area, Level, subtree_q
    from needle.cases.models import OPEN_STATES, Case, Service
    from needle.core.pagination import cursor_of
    from needle.orgs.models import RoleAssignment

    n = args.requests
    unit = RoleAssignment.objects.select_related("unit").get(person__username=HANDLER).unit
    district_cases = Case.objects.filter(lead_unit=unit).count()
    district_open = Case.objects.filter(lead_unit=unit, state__in=OPEN_STATES).count()
    page_size = 50

    def deep(total: int) -> list[str]:
        pages = max(1, -(-total // page_size))
        return [str(rng.randint(pages // 2 + 1, pages)) for _ in range(n)]

    def positions(qs: Any) -> list[str]:
        """after=<position>&page=P of random pages in the last half of the list, as the
        pager's "next" links write them (the position of the last case of the page before)."""
        keys = list(qs.order_by("-submitted_at", "-id").values("submitted_at", "id"))
        out = []
        for _ in range(n):
            i = rng.randint(len(keys) // 2, len(keys) - 2)
            out.append(f"after={cursor_of(keys[i], ('-submitted_at', '-id'))}&page={i // page_size + 2}")
        return out

    led = Case.objects.filter(lead_unit=unit)
    streets = list(Area.objects.filter(level=Level.STREET).values_list("code", flat=True))
    districts = list(Area.objects.filter(level=Level.DISTRICT).order_by("code"))
    district_sizes = {d.code: Case.objects.filter(subtree_q(d.path, "area_path")).count() for d in districts}
    big = sorted(districts, key=lambda d: -district_sizes[d.code])
    some_districts = [big[0].code, *[d.code for d in rng.sample(big[1:], 4)]]
    word = quote(SEARCH_WORD)
    since = Case.objects.filter(submitted_at__gte=timezone.now() - dt.timedelta(days=90))
    window = since.filter(service__public=True).exclude(state="rejected").count()
    top = [
        s for s, _c in Counter(
            Case.objects.filter(service__public=True).values_list("service__code", flat=True)[:20000]
        ).most_common(8)
    ]  # fmt: skip
    assert Service.objects.filter(code__in=top, public=True).count() == len(top)

    facts = [
        f"handler: {HANDLER}, HANDLER at {unit.name} ({unit.code}); {district_cases} cases led, "
        f"{district_open} open",
        f"dispatcher: {DISPATCHER}, DISPATCHER at the city hotline ({CITY_CODE})",
        "search districts: " + ", ".join(f"{c} ({district_sizes[c]} cases)" for c in some_districts),
        f"Open311 default window (latest 90 days, public, not rejected): {window} requests",
    ]
    districts_cycle = [some_districts[i % len(some_districts)] for i in range(n)]

    def searches(street_row: str, district_row: str, url: str) -> list[tuple[str, str, list[str]]]:
        """A row of `url` (with {area}) over random streets and one over the districts."""
        return [
            (street_row, DISPATCHER, [url.format(area=rng.choice(streets)) for _ in range(n)]),
            (district_row, DISPATCHER, [url.format(area=d) for d in districts_cycle]),
        ]

    rows = [
        ("inbox p1 (open)", HANDLER, ["/inbox/"] * n),
        (
            "inbox deep (open)",
            HANDLER,
            [f"/inbox/?{p}" for p in positions(led.filter(state__in=OPEN_STATES))],
        ),
        ("inbox deep (any state)", HANDLER, [f"/inbox/?state=&{p}" for p in positions(led)]),
        ("inbox page=P (any, offset)", HANDLER, [f"/inbox/?state=&page={p}" for p in deep(district_cases)]),
        ("inbox state=in_progress", HANDLER, ["/inbox/?state=in_progress"] * n),
        ("inbox state=closed", HANDLER, ["/inbox/?state=closed"] * n),
        *searches("inbox search street", "inbox search district", f"/inbox/?state=&area={{area}}&q={word}"),
        # The pager's count of a search, which the page asks for after it has been shown.
        *searches(
            "inbox search street, count",
            "inbox search district, count",
            f"/inbox/?state=&area={{area}}&q={word}&page=1&count_only=1",
        ),
        *searches("api search street", "api search district", f"/api/v1/cases?area={{area}}&search={word}"),
        *searches(
            "api street, count=false",
            "api district, count=false",
            f"/api/v1/cases?area={{area}}&search={word}&count=false",
        ),
        ("open311 requests.json", "", ["/open311/v2/requests.json"] * n),
        (
            "open311 .json service_code",
            "",
            [f"/open311/v2/requests.json?service_code={top[i % len(top)]}" for i in range(n)],
        ),
        ("open311 .json page_size=1000", "", ["/open311/v2/requests.json?page_size=1000"] * n),
        ("open311 requests.xml", "", ["/open311/v2/requests.xml"] * n),
        ("open311 .xml page_size=1000", "", ["/open311/v2/requests.xml?page_size=1000"] * n),
    ]
    if args.only:
        rows = [r for r in rows if args.only in r[0]]
    return rows, facts


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    where, scratch, reuse = prepare_database(args)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from needle.cases.models import Case
    from needle.orgs.models import Person

    rng = random.Random(args.seed)
    try:
        print(f"Needle cases benchmark: {where}")
        print(versions())
        if reuse and Case.objects.count() == args.cases:
            call_command("migrate", verbosity=0)  # indexes added since the data was written
            print(f"reusing {args.cases} cases")
        else:
            if reuse:
                raise SystemExit("--reuse: the database does not hold --cases cases; run without --reuse")
            fixture = build_fixture(rng)
            messages = read_messages()
            services = service_choices(fixture["catalog"], messages, rng)
            started = time.perf_counter()
            events = write_cases(args.cases, rng, messages, services)
            gen_s = time.perf_counter() - started
            print(f"cases:          {gen_s:6.1f} s  ({args.cases} cases, {events} events, "
                  f"{len(messages)} distinct message texts)")  # fmt: skip
            started = time.perf_counter()
            analyze()
            print(f"VACUUM ANALYZE: {time.perf_counter() - started:6.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_case'))")
                print(f"cases_case with indexes: {cursor.fetchone()[0]}")

        states = Counter(Case.objects.values_list("state", flat=True).iterator(chunk_size=50_000))
        print("states: " + ", ".join(f"{s} {c}" for s, c in states.most_common()))
        rows, facts = scenarios(args, rng)
        for line in facts:
            print(line)

        clients: dict[str, Any] = {"": Client()}
        for username in (HANDLER, DISPATCHER):
            clients[username] = Client()
            clients[username].force_login(Person.objects.get(username=username))

        print()
        print(
            f"up to {args.requests} requests per row (n: how many, a row stops after {args.row_seconds:.0f} s); "
            "server time in ms, in-process; cpu: the Python process's CPU ms per request (p50); "
            "q: SQL queries per request; KiB: response size; load: the 1-minute load average after the row"
        )
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        header = (
            f"{'request':<28} {'who':<10} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7} {'cpu':>6} {'q':>5} "
            f"{'KiB':>6} {'load':>5}  target"
        )
        print(header)
        print("-" * len(header))
        missed = []
        for name, who, urls in rows:
            r = measure(clients[who], urls, args.row_seconds)
            q = str(r["qmin"]) if r["qmin"] == r["qmax"] else f"{r['qmin']}-{r['qmax']}"
            ok = r["p95"] < TARGET_MS
            who_label = {"": "anonymous", HANDLER: "handler", DISPATCHER: "dispatcher"}[who]
            print(
                f"{name:<28} {who_label:<10} {r['n']:4d} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} "
                f"{r['cpu50']:6.1f} {q:>5} {r['bytes'] / 1024:6.0f} {os.getloadavg()[0]:5.2f}  "
                f"{'met' if ok else 'MISSED'}",
                flush=True,
            )
            if not ok:
                missed.append(f"{name}: p95 {r['p95']:.1f} ms")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        if not rows:
            print("no request matched --only")
        elif missed:
            print(f"NOT MET (p95 < {TARGET_MS:.0f} ms):")
            for line in missed:
                print(f"  - {line}")
        else:
            print(f"every row met the target (p95 < {TARGET_MS:.0f} ms)")
        return 1 if missed else 0
    finally:
        connection.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
