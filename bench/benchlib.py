"""What every benchmark script shares: where the shared data is, the PostgreSQL database it
(re)creates and how Django starts on it, COPY and the city's areas, the machine line it prints,
its step timings and the percentiles it reports."""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
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


def start_django(args: argparse.Namespace, db: str, *, var_prefix: str, reuse: bool = False) -> bool:
    """Run Django as in production (DEBUG off, a scratch var dir) on the database of --pg-url,
    dropped and created unless `reuse` keeps it. Refuses a database whose name does not start
    with `db`, so a mistyped URL drops nothing else. Returns whether the database was kept."""
    sys.path.insert(0, str(ROOT))
    os.environ["NEEDLE_VAR_DIR"] = tempfile.mkdtemp(prefix=var_prefix)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needle.settings")
    os.environ["DEBUG"] = "false"
    if not args.pg_url.rsplit("/", 1)[-1].startswith(db):
        raise SystemExit(f"refusing to drop a database not named {db}*")
    kept = recreate_postgres(args.pg_url, reuse=reuse)
    import django

    django.setup()
    return kept


def step(label: str, started: float, extra: str = "") -> None:
    """One timed step of a run's preparation, flushed as it ends (runs take hours)."""
    print(f"{label:<36} {time.perf_counter() - started:8.1f} s  {extra}", flush=True)


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


def report_missed(missed: list[str]) -> int:
    """Print the targets missed, if any; the script's exit status (0: the figures are printed,
    whether or not every target was met, as bench/README.md records both)."""
    if missed:
        print("NOT MET:")
        for line in missed:
            print(f"  - {line}")
    return 0


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
