"""What every benchmark script shares: where the shared data is, the PostgreSQL database it
(re)creates and how Django starts on it, COPY and the city's areas, the people, units and
offices the scale runs generate, the machine line it prints, its step timings, the timed reads
and the targets they are judged by, and the server the load runs go against."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# The shared data sets: $NEEDLE_SHARED_DATA, else ../shared/data beside the repository.
SHARED_DATA = Path(os.environ.get("NEEDLE_SHARED_DATA") or ROOT.parent / "shared" / "data")
AREAS_FILE = SHARED_DATA / "cn-admin-divisions" / "cn_divisions_2021_all_levels.csv.gz"
CITY = "500000000000"  # Chongqing, the benches' city
# The benchmarks run Django as in production (DEBUG off), which refuses to start without the key
# that seals care's sensitive fields: a run's own fresh key, unless one is given.
CARE_KEYS_GIVEN = "NEEDLE_CARE_KEYS" in os.environ
os.environ.setdefault("NEEDLE_CARE_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())


def add_pg_url(parser: argparse.ArgumentParser, db: str) -> None:
    """The --pg-url option: the PostgreSQL database a run (re)creates, by default `db` on this
    machine."""
    parser.add_argument(
        "--pg-url",
        default=f"postgres://postgres@127.0.0.1:5432/{db}",
        help="PostgreSQL database to (re)create and use (default %(default)s)",
    )


def arguments(doc: str, db: str, *, samples: int, seed: int, reuse: str = "") -> argparse.ArgumentParser:
    """A run's options: its docstring as help, --samples, --seed, --reuse (where `reuse` says
    what it keeps) and --pg-url; the run adds its sizes."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=samples, help="measured runs of each read")
    p.add_argument("--seed", type=int, default=seed)
    if reuse:
        p.add_argument("--reuse", action="store_true", help=reuse)
    add_pg_url(p, db)
    return p


def add_server(parser: argparse.ArgumentParser) -> None:
    """The load and the server that takes it: --clients connections against gunicorn's
    --workers processes of --threads threads."""
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)


def recreate_postgres(url: str, *, reuse: bool = False) -> bool:
    """Drop and create the database the URL names (kept when `reuse` and it exists), and point
    Django at it. Returns whether an existing database was kept."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = os.environ.get("PG_ADMIN_URL") or parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    return bool(reuse and exists)


def start_django(
    args: argparse.Namespace, db: str, *, title: str, reuse: bool = False, city: bool = False, admin: str = ""
) -> tuple[bool, float]:
    """Run Django as in production (DEBUG off, a scratch var dir) on the database of --pg-url,
    dropped and created unless `reuse` keeps it, and migrate it (`begin`); a new database is
    given the city's areas (`city`) and the run's administrator (`admin`), timed as one step.
    Refuses a database whose name does not start with `db`, so a mistyped URL drops nothing
    else. Returns whether the database was kept, and the moment that step ended."""
    sys.path.insert(0, str(ROOT))
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix=db.replace("_", "-") + "-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    if not args.pg_url.rsplit("/", 1)[-1].startswith(db):
        raise SystemExit(f"refusing to drop a database not named {db}*")
    kept = recreate_postgres(args.pg_url, reuse=reuse)
    import django

    django.setup()
    started = begin(args, title)
    if not kept and city:
        import_city()
    if not kept and admin:
        admin_person(admin)
    return kept, step("migrate (data kept)" if kept else "migrate, areas" if city else "migrate", started)


def begin(args: argparse.Namespace, title: str) -> float:
    """The run's heading (the benchmark, its database, the versions, the load), then the
    database migrated; the moment the migration began, for the first step's time."""
    from django.core.management import call_command

    print(f"Needle {title} benchmark: PostgreSQL database {args.pg_url.rsplit('/', 1)[-1]}")
    print(versions())
    print(load())
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return started


def admin_person(username: str) -> Any:
    """The run's administrator, made on its first use."""
    from needle.orgs.models import Person

    person, _ = Person.objects.get_or_create(
        username=username, defaults={"is_superuser": True, "is_staff": True}
    )
    return person


def vacuum_analyze(*tables: str) -> None:
    """What autovacuum would do after the loads (the bench's server may run without it): the
    planner's statistics and visibility maps of the tables named, or of the whole database."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables or ("",):
            cursor.execute(f"VACUUM ANALYZE {table}".rstrip())


def rollups_rebuilt(source: str, leaf: Any, node: Any = None) -> float:
    """A source's rollups rebuilt from its facts, timed (the seconds), with the rows of its leaf
    table (and node table) counted and analyzed."""
    from needle.rollups.rebuild import rollups_rebuild

    started = time.perf_counter()
    rollups_rebuild(actor=None, source=source)
    seconds = time.perf_counter() - started
    tables = [t for t in (leaf, node) if t is not None]
    rows = ", ".join(
        f"{t.objects.count():,} {kind} rows" for t, kind in zip(tables, ("leaf", "node"), strict=False)
    )
    step(f"rollups rebuild --source {source}", started, f"({rows})")
    vacuum_analyze(*(t._meta.db_table for t in tables))
    return seconds


def step(label: str, started: float, extra: str = "") -> float:
    """One timed step of a run's preparation, flushed as it ends (runs take hours); the moment
    it ended, where the next step starts."""
    ended = time.perf_counter()
    print(f"{label:<36} {ended - started:8.1f} s  {extra}", flush=True)
    return ended


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def copy_rows(table: str, cols: list[str], lines: Iterable[str]) -> None:
    """COPY tab-separated lines into a table, streamed in pieces of a few megabytes."""
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as c,
    ):
        buf = io.StringIO()
        for line in lines:
            buf.write(line)
            buf.write("\n")
            if buf.tell() > 4_000_000:
                c.write(buf.getvalue())
                buf = io.StringIO()
        c.write(buf.getvalue())


def people_copied(
    count: int,
    *,
    username: str,
    shown: str,
    phone: str,
    home: Callable[[int], int] | None = None,
    language: str = "",
    joined: str = "2026-01-01 00:00:00+00",
) -> int:
    """`count` accounts COPY'd with ids chosen here, numbered from 0: username and name the
    prefix and the number, the phone its prefix and the number in eight digits, the home area
    home(number) (none without `home`), no usable password. Returns the id of number 0."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from needle.orgs.models import Person

    unusable = make_password(None)
    skip = ("id", "last_login", "email_confirmed_at", "terms_accepted_at", "birth_year")
    cols = [f.column for f in Person._meta.concrete_fields if f.column not in skip]

    def line(i: int) -> str:
        values = {
            "password": unusable, "is_superuser": "f", "username": f"{username}{i}", "first_name": "",
            "last_name": "", "email": "", "is_staff": "f", "is_active": "t", "date_joined": joined,
            "display_name": f"{shown}{i}", "phone": f"{phone}{i:08d}", "language": language,
            "home_area_id": str(home(i)) if home else "\\N", "terms_version": "",
        }  # fmt: skip
        return "\t".join(values[c] for c in cols)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM orgs_person")
        base = cursor.fetchone()[0] + 1
    copy_rows("orgs_person", ["id", *cols], (f"{base + i}\t{line(i)}" for i in range(count)))
    ids_continued("orgs_person")
    return base


def ids_continued(*tables: str) -> None:
    """Each table's id sequence moved past its largest id, after rows were copied with their ids,
    so that the next row the ORM inserts does not collide."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )


def import_city() -> None:
    """Chongqing's rows of the national file (and the header), imported as the CLI does."""
    from needle.areas.services import area_import

    with (
        gzip.open(AREAS_FILE, "rt", encoding="utf-8") as src,
        tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as out,
    ):
        for i, line in enumerate(src):
            if i == 0 or line.startswith(CITY[:2]):
                out.write(line)
    area_import(actor=None, source=out.name, under=CITY)
    Path(out.name).unlink()


def city_units() -> int:
    """A general office for the city and each district, a street office for each street and a
    resident committee for each community, in bulk; how many."""
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


def supervision_office(username: str, *, task_type: str, asks: str) -> tuple[Any, Any]:
    """The city's general office and its supervisor (made on first use), with every district's
    admission list admitting `task_type` for 30 days."""
    from django.utils import timezone

    from needle.areas.models import Area, Level
    from needle.orgs.models import Person, Role, RoleAssignment, Unit
    from needle.supervision.models import Entry, EntryStatus

    today = timezone.localdate()
    office = Unit.objects.get(code=f"go-{CITY}")
    supervisor, _ = Person.objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(person=supervisor, unit=office, role=Role.SUPERVISOR)
    Entry.objects.filter(task_type=task_type).delete()
    Entry.objects.bulk_create(
        Entry(
            district=d,
            area_path=d.path,
            issuer=office,
            task_type=task_type,
            asks=asks,
            basis="bench",
            hours=1,
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
            status=EntryStatus.ADMITTED,
        )
        for d in Area.objects.filter(level=Level.DISTRICT)
    )
    return office, supervisor


def versions() -> str:
    """The database's and Python's versions and the machine, for the results' heading."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("show server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    return f"{db}; Python {platform.python_version()}; {os.cpu_count()} CPUs; {platform.machine()}"


def timed(fn: Any, runs: int, before: Any = None) -> dict[str, Any]:
    """fn(i) timed `runs` times; `before(i)` (signing the run's person in) is not timed."""
    times = []
    for i in range(runs):
        if before is not None:
            before(i)
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    return latency(sorted(times))


def percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted values (q in 0..1)."""
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency(ordered: list[float]) -> dict[str, Any]:
    """How many sorted times there are, their median, 95th percentile and largest."""
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": percentile(ordered, 0.95),
        "max": ordered[-1],
    }


def gets_timed(client: Any, urls: list[str], *, as_people: list[Any] | None = None) -> dict[str, Any]:
    """Each URL read once through the test client (signed in as the matching person, if given),
    in ms; a refusal or an error ends the run."""
    times = []
    for index, url in enumerate(urls):
        if as_people is not None:
            client.force_login(as_people[index])
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: HTTP {r.status_code} {r.content[:300]!r}")
    return latency(sorted(times))


def judged(missed: list[str], label: str, r: dict[str, Any], target_ms: float, *, width: int) -> None:
    """A read's line (count, p50, p95, max in ms, and whether its p95 met the target); a miss
    is added to `missed`."""
    ok = r["p95"] < target_ms
    if not ok:
        missed.append(f"{label}: p95 {r['p95']:.0f} ms")
    print(
        f"{label:<{width}} {r['n']:4d}  p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  max {r['max']:7.1f}"
        f"  {'met' if ok else 'MISSED'}",
        flush=True,
    )


def reads_judged(
    client: Any, missed: list[str], reads: dict[str, list[str]], target_ms: float, *, width: int
) -> None:
    """Each labelled list of URLs read once untimed (the first request loads the URLconf,
    schemas and templates), then timed and judged against the target, a line each."""
    for urls in reads.values():
        client.get(urls[0])
    for label, urls in reads.items():
        judged(missed, label, gets_timed(client, urls), target_ms, width=width)


def judged_once(missed: list[str], label: str, seconds: float, target_s: float, *, detail: str = "") -> None:
    """A task timed once (with what it did, `detail`), and whether it took less than its target;
    a miss is added to `missed`."""
    ok = seconds < target_s
    if not ok:
        missed.append(f"{label}: {seconds:.1f} s")
    print(
        f"{label}{detail}: {seconds:.2f} s  {'met' if ok else 'MISSED'} (target < {target_s:.0f} s)",
        flush=True,
    )


def report_missed(missed: list[str]) -> int:
    """Print the targets missed, if any; the script's exit status (0: the figures are printed,
    whether or not every target was met, as bench/README.md records both)."""
    if missed:
        print("NOT MET:")
        for line in missed:
            print(f"  - {line}")
    return 0


def server_env(**more: str) -> dict[str, str]:
    """The app's environment under gunicorn as production runs it (DEBUG off, a database
    connection per thread kept for the whole run), with `more`; also made this process's, so
    that its own reads see the same settings."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="needle.settings",
        SECRET_KEY="bench-" + "x" * 40,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        NEEDLE_TESTING="false",
        DATABASE_CONN_MAX_AGE="600",
        **more,
    )
    os.environ.update(env)
    return env


def finished(missed: list[str], *lines: str) -> int:
    """The run's last lines: the load, what else it says, the targets missed; its exit status."""
    print(load())
    for line in lines:
        print(line)
    return report_missed(missed)


def gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> Any:
    """The app under gunicorn's threaded workers, as production runs it, serving once its
    OpenAPI document answers; the caller stops it (SIGTERM)."""
    import subprocess
    import time
    import urllib.request

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "needle.wsgi",
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--keep-alive",
            "75",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server


async def read_response(reader: Any) -> tuple[int, bytes]:
    """One HTTP/1.1 response read from a stream: its status and body (by its Content-Length)."""
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return int(status_line.split()[1]), await reader.readexactly(length)
